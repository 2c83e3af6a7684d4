"""checkin: event signing keys, badges, attendance, append-only scan log, attendee exceptions

Revision ID: 0004_checkin
Revises: 0002_approvals
Create Date: 2026-11-27
"""
from alembic import op
import sqlalchemy as sa

from planners.store.ddl import append_only

revision = "0004_checkin"
down_revision = "0002_approvals"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "event_keys",
        sa.Column("event_id", sa.Integer, sa.ForeignKey("events.id", ondelete="CASCADE"), primary_key=True),
        sa.Column("public_key", sa.LargeBinary, nullable=False),
        sa.Column("key_id", sa.Integer, nullable=False),
        sa.Column("created_at", sa.DateTime, nullable=False),
    )
    op.create_table(
        "badges",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("event_id", sa.Integer, sa.ForeignKey("events.id", ondelete="CASCADE"), nullable=False),
        sa.Column("attendee_id", sa.Integer, sa.ForeignKey("attendees.id", ondelete="CASCADE"), nullable=False),
        sa.Column("generation", sa.Integer, nullable=False, server_default="1"),
        sa.Column("valid_from", sa.DateTime, nullable=False),
        sa.Column("valid_until", sa.DateTime, nullable=False),
        sa.Column("issued_at", sa.DateTime, nullable=False),
        sa.Column("issued_by", sa.String(64), nullable=False, server_default=""),
        sa.UniqueConstraint("event_id", "attendee_id", name="uq_badges_attendee"),
    )
    op.create_table(
        "attendance",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("event_id", sa.Integer, sa.ForeignKey("events.id", ondelete="CASCADE"), nullable=False),
        sa.Column("attendee_id", sa.Integer, sa.ForeignKey("attendees.id", ondelete="CASCADE"), nullable=False),
        sa.Column("inside", sa.Boolean, nullable=False, server_default=sa.true()),
        sa.Column("entries", sa.Integer, nullable=False, server_default="1"),
        sa.Column("first_in_at", sa.DateTime, nullable=False),
        sa.Column("last_in_at", sa.DateTime, nullable=False),
        sa.Column("last_in_desk", sa.String(64), nullable=False, server_default=""),
        sa.Column("last_in_scan_id", sa.Integer, nullable=True),
        sa.Column("last_out_at", sa.DateTime, nullable=True),
        sa.Column("locker", sa.String(20), nullable=True),
        sa.Column("locker_no", sa.Integer, nullable=True),
        sa.Column("device_deposited_at", sa.DateTime, nullable=True),
        sa.Column("device_returned_at", sa.DateTime, nullable=True),
        sa.UniqueConstraint("event_id", "attendee_id", name="uq_attendance_attendee"),
    )
    op.create_index("ix_attendance_inside", "attendance", ["event_id", "inside"])
    op.create_index("ix_attendance_locker", "attendance", ["event_id", "locker_no"])
    op.create_table(
        "scans",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("event_id", sa.Integer, nullable=False),
        sa.Column("attendee_id", sa.Integer, nullable=True),
        sa.Column("desk", sa.String(64), nullable=False),
        sa.Column("actor", sa.String(64), nullable=False),
        sa.Column("at", sa.DateTime, nullable=False),
        sa.Column("direction", sa.String(10), nullable=False),
        sa.Column("method", sa.String(10), nullable=False),
        sa.Column("raw", sa.String(120), nullable=False, server_default=""),
        sa.Column("raw_hash", sa.String(64), nullable=False, server_default=""),
        sa.Column("status", sa.String(10), nullable=False),
        sa.Column("reason", sa.String(30), nullable=False),
        sa.Column("duplicate_of", sa.Integer, nullable=True),
    )
    op.create_index("ix_scans_event_at", "scans", ["event_id", "at"])
    op.create_index("ix_scans_desk_hash", "scans", ["desk", "raw_hash", "at"])
    append_only(op, "scans")
    op.create_table(
        "attendee_exceptions",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("event_id", sa.Integer, sa.ForeignKey("events.id", ondelete="CASCADE"), nullable=False),
        sa.Column("attendee_id", sa.Integer, sa.ForeignKey("attendees.id", ondelete="CASCADE"), nullable=False),
        sa.Column("rules", sa.JSON, nullable=False),
        sa.Column("approval_id", sa.Integer, nullable=False),
        sa.Column("decided_by", sa.String(64), nullable=False),
        sa.Column("decided_at", sa.DateTime, nullable=False),
    )
    op.create_index("ix_attendee_exceptions_attendee_id", "attendee_exceptions", ["attendee_id"])


def downgrade() -> None:
    for t in ("attendee_exceptions", "scans", "attendance", "badges", "event_keys"):
        op.drop_table(t)
