"""foreign visits get a plan: the key locations register and the post-visit report (issue 12)

key_locations: the unit's key departments and locations (要害部门部位) a visit's route is checked against.
visit_reports: the post-visit report (外事接待总结), one per visit.

Revision ID: 0014_visit_plan
Revises: 0011_desk_devices
Create Date: 2026-12-02
"""
import sqlalchemy as sa
from alembic import op

revision = "0014_visit_plan"
down_revision = "0013_people"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "key_locations",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("level", sa.String(20), nullable=False, server_default="internal"),
        sa.Column("responsible", sa.String(200), nullable=False, server_default=""),
        sa.Column("no_foreign_visitors", sa.Boolean, nullable=False, server_default=sa.true()),
        sa.Column("status", sa.String(20), nullable=False, server_default="proposed"),
        sa.Column("pending", sa.JSON, nullable=True),
        sa.Column("created_by", sa.String(64), nullable=False, server_default=""),
        sa.Column("decided_by", sa.String(64), nullable=True),
        sa.Column("version", sa.Integer, nullable=False, server_default="1"),
        sa.Column("created_at", sa.DateTime, nullable=False),
        sa.Column("updated_at", sa.DateTime, nullable=False),
        sa.UniqueConstraint("name", name="uq_key_locations_name"),
        sqlite_autoincrement=True,
    )
    op.create_table(
        "visit_reports",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("visit_id", sa.Integer, sa.ForeignKey("visit_requests.id", ondelete="CASCADE"), nullable=False),
        sa.Column("status", sa.String(20), nullable=False, server_default="submitted"),
        sa.Column("content", sa.JSON, nullable=False),
        sa.Column("filed_by", sa.String(64), nullable=False),
        sa.Column("filed_at", sa.DateTime, nullable=False),
        sa.Column("decided_by", sa.String(64), nullable=True),
        sa.Column("decided_at", sa.DateTime, nullable=True),
        sa.Column("last_comment", sa.Text, nullable=False, server_default=""),
        sa.Column("version", sa.Integer, nullable=False, server_default="1"),
        sa.UniqueConstraint("visit_id", name="uq_visit_reports_visit"),
        sqlite_autoincrement=True,
    )


def downgrade() -> None:
    op.drop_table("visit_reports")
    op.drop_table("key_locations")
