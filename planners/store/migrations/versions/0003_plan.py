"""plan: the event's plan tasks and the append-only history of their marks

Revision ID: 0003_plan
Revises: 0002_approvals
Create Date: 2026-11-27
"""
from alembic import op
import sqlalchemy as sa

from planners.store.ddl import append_only

revision = "0003_plan"
down_revision = "0002_approvals"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "plan_tasks",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("event_id", sa.Integer, sa.ForeignKey("events.id", ondelete="CASCADE"), nullable=False),
        sa.Column("task_key", sa.String(60), nullable=False),
        sa.Column("rule_id", sa.String(40), nullable=False),
        sa.Column("origin", sa.String(10), nullable=False, server_default="plan"),
        sa.Column("phase", sa.String(10), nullable=False),
        sa.Column("owner_role", sa.String(20), nullable=False),
        sa.Column("due_expr", sa.String(40), nullable=False, server_default=""),
        sa.Column("due_at", sa.DateTime, nullable=True),
        sa.Column("alarm_minutes", sa.Integer, nullable=False, server_default="60"),
        sa.Column("mandatory", sa.Boolean, nullable=False, server_default=sa.false()),
        sa.Column("proposal", sa.Boolean, nullable=False, server_default=sa.false()),
        sa.Column("text", sa.JSON, nullable=False),
        sa.Column("source", sa.String(300), nullable=False, server_default=""),
        sa.Column("applies", sa.Boolean, nullable=False, server_default=sa.true()),
        sa.Column("sort", sa.Integer, nullable=False, server_default="0"),
        sa.Column("status", sa.String(10), nullable=False, server_default="open"),
        sa.Column("reason", sa.Text, nullable=False, server_default=""),
        sa.Column("marked_by", sa.String(64), nullable=True),
        sa.Column("marked_role", sa.String(20), nullable=True),
        sa.Column("marked_at", sa.DateTime, nullable=True),
        sa.Column("created_at", sa.DateTime, nullable=False),
        sa.Column("updated_at", sa.DateTime, nullable=False),
        sa.UniqueConstraint("event_id", "task_key", name="uq_plan_tasks_event_key"),
        sa.CheckConstraint("status in ('open', 'done', 'na')", name="ck_plan_tasks_status"),
    )
    op.create_index("ix_plan_tasks_event_id", "plan_tasks", ["event_id"])
    op.create_table(
        "plan_marks",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("task_id", sa.Integer, sa.ForeignKey("plan_tasks.id", ondelete="CASCADE"), nullable=False),
        sa.Column("event_id", sa.Integer, nullable=False),
        sa.Column("action", sa.String(10), nullable=False),  # mark / undo
        sa.Column("from_status", sa.String(10), nullable=False),
        sa.Column("to_status", sa.String(10), nullable=False),
        sa.Column("reason", sa.Text, nullable=False, server_default=""),
        sa.Column("actor", sa.String(64), nullable=False),
        sa.Column("actor_role", sa.String(20), nullable=False),
        sa.Column("at", sa.DateTime, nullable=False),
        sa.Column("undoes", sa.Integer, nullable=True),
    )
    op.create_index("ix_plan_marks_event", "plan_marks", ["event_id", "actor"])
    append_only(op, "plan_marks")


def downgrade() -> None:
    op.drop_table("plan_marks")
    op.drop_table("plan_tasks")
