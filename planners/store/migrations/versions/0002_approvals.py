"""approvals: the leader's queue and its history

Revision ID: 0002_approvals
Revises: 0001_foundation
Create Date: 2026-11-27
"""
from alembic import op
import sqlalchemy as sa

revision = "0002_approvals"
down_revision = "0001_foundation"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "approvals",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("kind", sa.String(40), nullable=False),
        sa.Column("object_type", sa.String(40), nullable=False),
        sa.Column("object_id", sa.String(64), nullable=False),
        sa.Column("event_id", sa.Integer, sa.ForeignKey("events.id", ondelete="SET NULL"), nullable=True),
        sa.Column("title", sa.JSON, nullable=False),
        sa.Column("findings", sa.JSON, nullable=False),
        sa.Column("payload", sa.JSON, nullable=False),
        sa.Column("status", sa.String(20), nullable=False, server_default="pending"),
        sa.Column("requested_by", sa.String(64), nullable=False),
        sa.Column("requested_at", sa.DateTime, nullable=False),
        sa.Column("decided_by", sa.String(64), nullable=True),
        sa.Column("decided_at", sa.DateTime, nullable=True),
        sa.Column("comment", sa.Text, nullable=False, server_default=""),
    )
    op.create_index("ix_approvals_status", "approvals", ["status", "requested_at"])
    op.create_index("ix_approvals_object", "approvals", ["object_type", "object_id"])
    op.create_table(
        "approval_steps",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("approval_id", sa.Integer, sa.ForeignKey("approvals.id", ondelete="CASCADE"), nullable=False),
        sa.Column("at", sa.DateTime, nullable=False),
        sa.Column("actor", sa.String(64), nullable=False),
        sa.Column("action", sa.String(20), nullable=False),
        sa.Column("comment", sa.Text, nullable=False, server_default=""),
    )
    op.create_index("ix_approval_steps_approval_id", "approval_steps", ["approval_id"])


def downgrade() -> None:
    op.drop_table("approval_steps")
    op.drop_table("approvals")
