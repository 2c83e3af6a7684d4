"""approval snapshots: the frozen plan and attendee list a leader approves (issue 11)

`approval_snapshots` (content + SHA-256 per approval item) and `approval_snapshot_members` (each person of a list
snapshot with the fingerprint of their identity fields) are append-only: the database refuses UPDATE and DELETE
(and TRUNCATE on PostgreSQL), like the audit trail. `event_signoffs` caches, per event, which snapshots are the
approved ones, so the desk checks a person in one indexed query.

Revision ID: 0012_approval_snapshots
Revises: 0011_desk_devices
Create Date: 2026-12-02
"""
import sqlalchemy as sa
from alembic import op

from planners.store.ddl import append_only, no_truncate

revision = "0012_approval_snapshots"
down_revision = "0011_desk_devices"
branch_labels = None
depends_on = None

APPEND_ONLY = ("approval_snapshots", "approval_snapshot_members")


def upgrade() -> None:
    op.create_table(
        "approval_snapshots",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("approval_id", sa.Integer, nullable=False),
        sa.Column("event_id", sa.Integer, nullable=False),
        sa.Column("kind", sa.String(40), nullable=False),
        sa.Column("version", sa.Integer, nullable=False),
        sa.Column("content", sa.JSON, nullable=False),
        sa.Column("content_hash", sa.String(64), nullable=False),
        sa.Column("base_snapshot_id", sa.Integer, nullable=True),
        sa.Column("diff", sa.JSON, nullable=False),
        sa.Column("created_by", sa.String(64), nullable=False),
        sa.Column("created_at", sa.DateTime, nullable=False),
        sa.UniqueConstraint("event_id", "kind", "version", name="uq_approval_snapshots_version"),
        sqlite_autoincrement=True,
    )
    op.create_index("ix_approval_snapshots_approval_id", "approval_snapshots", ["approval_id"])
    op.create_index("ix_approval_snapshots_event_id", "approval_snapshots", ["event_id"])
    op.create_table(
        "approval_snapshot_members",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("snapshot_id", sa.Integer, nullable=False),
        sa.Column("attendee_id", sa.Integer, nullable=False),
        sa.Column("fingerprint", sa.String(64), nullable=False),
        sqlite_autoincrement=True,
    )
    op.create_index("ix_snapshot_members_person", "approval_snapshot_members", ["snapshot_id", "attendee_id"],
                    unique=True)
    op.create_table(
        "event_signoffs",
        sa.Column("event_id", sa.Integer, primary_key=True, autoincrement=False),
        sa.Column("plan_snapshot_id", sa.Integer, nullable=True),
        sa.Column("list_snapshot_id", sa.Integer, nullable=True),
        sa.Column("updated_at", sa.DateTime, nullable=False),
    )
    for t in APPEND_ONLY:
        append_only(op, t)
        no_truncate(op, t)


def downgrade() -> None:
    bind = op.get_bind()
    if bind.dialect.name == "postgresql":
        for t in APPEND_ONLY:
            op.execute(f"DROP FUNCTION IF EXISTS {t}_append_only() CASCADE")
    op.drop_table("event_signoffs")
    op.drop_table("approval_snapshot_members")
    op.drop_table("approval_snapshots")
