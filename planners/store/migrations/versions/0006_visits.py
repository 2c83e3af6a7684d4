"""visits: visit requests, disclosure topics and scopes, log of foreign requests for information

Revision ID: 0006_visits
Revises: 0002_approvals
Create Date: 2026-11-27
"""
from alembic import op
import sqlalchemy as sa

from planners.store.ddl import append_only

revision = "0006_visits"
down_revision = "0002_approvals"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "visit_requests",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("title", sa.String(200), nullable=False),
        sa.Column("purpose", sa.Text, nullable=False, server_default=""),
        sa.Column("visit_type", sa.String(20), nullable=False),
        sa.Column("level", sa.String(20), nullable=False, server_default="internal"),
        sa.Column("starts_at", sa.DateTime, nullable=False),
        sa.Column("ends_at", sa.DateTime, nullable=False),
        sa.Column("tz", sa.String(64), nullable=False, server_default="Asia/Shanghai"),
        sa.Column("venue_id", sa.Integer, sa.ForeignKey("venues.id"), nullable=True),
        sa.Column("host_unit", sa.String(200), nullable=False, server_default=""),
        sa.Column("organizer_id", sa.Integer, sa.ForeignKey("users.id"), nullable=False),
        sa.Column("created_by", sa.String(64), nullable=False),
        sa.Column("members", sa.JSON, nullable=False),
        sa.Column("route", sa.JSON, nullable=False),
        sa.Column("meetings", sa.JSON, nullable=False),
        sa.Column("topics", sa.JSON, nullable=False),
        sa.Column("photography_allowed", sa.Boolean, nullable=False, server_default=sa.false()),
        sa.Column("gifts", sa.Text, nullable=False, server_default=""),
        sa.Column("contacts", sa.Text, nullable=False, server_default=""),
        sa.Column("status", sa.String(20), nullable=False, server_default="draft"),
        sa.Column("last_comment", sa.Text, nullable=False, server_default=""),
        sa.Column("event_id", sa.Integer, sa.ForeignKey("events.id", ondelete="SET NULL"), nullable=True),
        sa.Column("facts", sa.JSON, nullable=False),
        sa.Column("version", sa.Integer, nullable=False, server_default="1"),
        sa.Column("created_at", sa.DateTime, nullable=False),
        sa.Column("updated_at", sa.DateTime, nullable=False),
        sa.CheckConstraint("ends_at > starts_at", name="ck_visit_end_after_start"),
    )
    op.create_index("ix_visit_requests_status", "visit_requests", ["status"])
    op.create_table(
        "disclosure_topics",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("code", sa.String(64), nullable=False, unique=True),
        sa.Column("title", sa.JSON, nullable=False),
        sa.Column("level", sa.String(20), nullable=False),
        sa.Column("tier", sa.String(20), nullable=False),
        sa.Column("talking_points", sa.JSON, nullable=False),
        sa.Column("source", sa.String(300), nullable=False, server_default=""),
        sa.Column("created_by", sa.String(64), nullable=False),
        sa.Column("created_at", sa.DateTime, nullable=False),
    )
    op.create_table(
        "disclosure_scopes",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("visit_id", sa.Integer, sa.ForeignKey("visit_requests.id", ondelete="CASCADE"), nullable=False,
                  unique=True),
        sa.Column("ceiling", sa.String(20), nullable=False, server_default="public"),
        sa.Column("status", sa.String(20), nullable=False, server_default="draft"),
        sa.Column("requested_by", sa.String(64), nullable=False, server_default=""),
        sa.Column("decided_by", sa.String(64), nullable=True),
        sa.Column("decided_at", sa.DateTime, nullable=True),
        sa.Column("last_comment", sa.Text, nullable=False, server_default=""),
        sa.Column("version", sa.Integer, nullable=False, server_default="1"),
        sa.Column("updated_at", sa.DateTime, nullable=False),
    )
    op.create_table(
        "disclosure_scope_items",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("scope_id", sa.Integer, sa.ForeignKey("disclosure_scopes.id", ondelete="CASCADE"), nullable=False),
        sa.Column("topic_code", sa.String(64), nullable=False),
        sa.Column("decision", sa.String(20), nullable=False),
        sa.Column("methods", sa.JSON, nullable=False),
        sa.Column("exception_basis", sa.Text, nullable=False, server_default=""),
        sa.Column("note", sa.Text, nullable=False, server_default=""),
        sa.UniqueConstraint("scope_id", "topic_code", name="uq_scope_topic"),
    )
    op.create_index("ix_disclosure_scope_items_scope_id", "disclosure_scope_items", ["scope_id"])
    op.create_table(
        "visit_info_requests",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("visit_id", sa.Integer, sa.ForeignKey("visit_requests.id"), nullable=False),
        sa.Column("at", sa.DateTime, nullable=False),
        sa.Column("asked_by", sa.String(200), nullable=False),
        sa.Column("what", sa.Text, nullable=False),
        sa.Column("answer", sa.Text, nullable=False),
        sa.Column("topic_code", sa.String(64), nullable=False, server_default=""),
        sa.Column("logged_by", sa.String(64), nullable=False),
    )
    op.create_index("ix_visit_info_requests_visit_id", "visit_info_requests", ["visit_id"])
    append_only(op, "visit_info_requests")


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP FUNCTION IF EXISTS visit_info_requests_append_only() CASCADE")
    for t in ("visit_info_requests", "disclosure_scope_items", "disclosure_scopes", "disclosure_topics",
              "visit_requests"):
        op.drop_table(t)
