"""foundation: users, venues, events, attendees, append-only audit trail

Revision ID: 0001_foundation
Revises:
Create Date: 2026-11-27
"""
from alembic import op
import sqlalchemy as sa

from planners.store.ddl import append_only

revision = "0001_foundation"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "users",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("username", sa.String(64), nullable=False, unique=True),
        sa.Column("display_name", sa.String(128), nullable=False, server_default=""),
        sa.Column("role", sa.String(32), nullable=False),
        sa.Column("unit", sa.String(200), nullable=False, server_default=""),
        sa.Column("password_hash", sa.String(255), nullable=False),
        sa.Column("must_change_password", sa.Boolean, nullable=False, server_default=sa.true()),
        sa.Column("failed_attempts", sa.Integer, nullable=False, server_default="0"),
        sa.Column("locked_until", sa.DateTime, nullable=True),
        sa.Column("active", sa.Boolean, nullable=False, server_default=sa.true()),
        sa.Column("created_at", sa.DateTime, nullable=False),
    )
    op.create_table(
        "venues",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("name", sa.String(200), nullable=False, unique=True),
        sa.Column("address", sa.String(300), nullable=False, server_default=""),
        sa.Column("kind", sa.String(40), nullable=False),
        sa.Column("features", sa.JSON, nullable=False),
        sa.Column("last_sweep_at", sa.DateTime, nullable=True),
        sa.Column("notes", sa.Text, nullable=False, server_default=""),
        sa.Column("created_at", sa.DateTime, nullable=False),
    )
    op.create_table(
        "events",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("title", sa.String(200), nullable=False),
        sa.Column("kind", sa.String(20), nullable=False),
        sa.Column("level", sa.String(20), nullable=False),
        sa.Column("retention", sa.String(60), nullable=False, server_default=""),
        sa.Column("starts_at", sa.DateTime, nullable=False),
        sa.Column("ends_at", sa.DateTime, nullable=False),
        sa.Column("tz", sa.String(64), nullable=False, server_default="Asia/Shanghai"),
        sa.Column("venue_id", sa.Integer, sa.ForeignKey("venues.id"), nullable=True),
        sa.Column("organizer_id", sa.Integer, sa.ForeignKey("users.id"), nullable=False),
        sa.Column("host_unit", sa.String(200), nullable=False, server_default=""),
        sa.Column("relay_scope", sa.Text, nullable=False, server_default=""),
        sa.Column("device_policy", sa.String(40), nullable=False, server_default="lockers"),
        sa.Column("foreign_participants", sa.Boolean, nullable=False, server_default=sa.false()),
        sa.Column("status", sa.String(20), nullable=False, server_default="draft"),
        sa.Column("facts", sa.JSON, nullable=False),
        sa.Column("version", sa.Integer, nullable=False, server_default="1"),
        sa.Column("created_at", sa.DateTime, nullable=False),
        sa.Column("updated_at", sa.DateTime, nullable=False),
        sa.CheckConstraint("ends_at > starts_at", name="ck_events_end_after_start"),
    )
    op.create_table(
        "attendees",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("event_id", sa.Integer, sa.ForeignKey("events.id", ondelete="CASCADE"), nullable=False),
        sa.Column("name", sa.String(120), nullable=False),
        sa.Column("unit", sa.String(200), nullable=False, server_default=""),
        sa.Column("post", sa.String(120), nullable=False, server_default=""),
        sa.Column("id_type", sa.String(20), nullable=False, server_default="resident_id"),
        sa.Column("id_last4", sa.String(8), nullable=False, server_default=""),
        sa.Column("nationality", sa.String(40), nullable=False, server_default="CN"),
        sa.Column("foreign_invested_staff", sa.Boolean, nullable=False, server_default=sa.false()),
        sa.Column("clearance", sa.String(20), nullable=True),
        sa.Column("secret_class", sa.String(20), nullable=True),
        sa.Column("pledge_signed", sa.Boolean, nullable=False, server_default=sa.false()),
        sa.Column("event_role", sa.String(20), nullable=False, server_default="attendee"),
        sa.Column("designated_by", sa.String(120), nullable=False, server_default=""),
        sa.Column("photo", sa.LargeBinary, nullable=True),
        sa.Column("created_at", sa.DateTime, nullable=False),
    )
    op.create_index("ix_attendees_event_id", "attendees", ["event_id"])
    op.create_table(
        "audit_entries",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("ts", sa.DateTime, nullable=False),
        sa.Column("actor", sa.String(64), nullable=False),
        sa.Column("action", sa.String(64), nullable=False),
        sa.Column("object_type", sa.String(40), nullable=False, server_default=""),
        sa.Column("object_id", sa.String(64), nullable=False, server_default=""),
        sa.Column("event_id", sa.Integer, nullable=True),
        sa.Column("details", sa.Text, nullable=False, server_default="{}"),
        sa.Column("prev_hash", sa.String(64), nullable=False),
        sa.Column("hash", sa.String(64), nullable=False, unique=True),
    )
    op.create_index("ix_audit_event", "audit_entries", ["event_id"])
    op.create_index("ix_audit_actor", "audit_entries", ["actor"])
    append_only(op, "audit_entries")


def downgrade() -> None:
    for t in ("audit_entries", "attendees", "events", "venues", "users"):
        op.drop_table(t)
