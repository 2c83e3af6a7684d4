"""sessions with their own doors and lists, the offline desk's ledger, the secrecy notice, photos (issue 15)

An event has sessions (room, times, level <= the event's, device policy, knowledge scope, the admitted subset of
the allow-list); a session's door keeps its own presence (session_attendance) and each scan made there is tied to
it (session_scans; the chained `scans` log is unchanged). End-of-day checks of rooms and containers. The ledger of
offline-desk entries merged by `conclave desk sync` (its unique entry id makes a second sync change nothing).
The versioned 会议保密须知 and its signatures at the desk. Where a photo on file came from and the consent given.

Revision ID: 0016_sessions
Revises: 0011_desk_devices
Create Date: 2026-12-02
"""
import sqlalchemy as sa
from alembic import op

revision = "0016_sessions"
down_revision = "0015_trips"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "event_sessions",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("event_id", sa.Integer, sa.ForeignKey("events.id", ondelete="CASCADE"), nullable=False),
        sa.Column("title", sa.String(200), nullable=False),
        sa.Column("venue_id", sa.Integer, sa.ForeignKey("venues.id"), nullable=True),
        sa.Column("room", sa.String(120), nullable=False, server_default=""),
        sa.Column("starts_at", sa.DateTime, nullable=False),
        sa.Column("ends_at", sa.DateTime, nullable=False),
        sa.Column("level", sa.String(20), nullable=False),
        sa.Column("device_policy", sa.String(40), nullable=False, server_default="lockers"),
        sa.Column("knowledge_scope", sa.Text, nullable=False, server_default=""),
        sa.Column("created_by", sa.String(64), nullable=False, server_default=""),
        sa.Column("created_at", sa.DateTime, nullable=False),
        sqlite_autoincrement=True,
    )
    op.create_index("ix_event_sessions_event_id", "event_sessions", ["event_id"])
    op.create_table(
        "session_attendees",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("session_id", sa.Integer, sa.ForeignKey("event_sessions.id", ondelete="CASCADE"), nullable=False),
        sa.Column("attendee_id", sa.Integer, sa.ForeignKey("attendees.id", ondelete="CASCADE"), nullable=False),
        sa.UniqueConstraint("session_id", "attendee_id", name="uq_session_attendee"),
        sqlite_autoincrement=True,
    )
    op.create_table(
        "session_attendance",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("session_id", sa.Integer, sa.ForeignKey("event_sessions.id", ondelete="CASCADE"), nullable=False),
        sa.Column("attendee_id", sa.Integer, sa.ForeignKey("attendees.id", ondelete="CASCADE"), nullable=False),
        sa.Column("inside", sa.Boolean, nullable=False),
        sa.Column("entries", sa.Integer, nullable=False),
        sa.Column("first_in_at", sa.DateTime, nullable=False),
        sa.Column("last_in_at", sa.DateTime, nullable=False),
        sa.Column("last_in_desk", sa.String(64), nullable=False, server_default=""),
        sa.Column("last_out_at", sa.DateTime, nullable=True),
        sa.UniqueConstraint("session_id", "attendee_id", name="uq_session_attendance"),
        sqlite_autoincrement=True,
    )
    op.create_index("ix_session_attendance_inside", "session_attendance", ["session_id", "inside"])
    op.create_index("ix_session_attendance_attendee", "session_attendance", ["attendee_id"])
    op.create_table(
        "session_scans",
        sa.Column("scan_id", sa.Integer, primary_key=True, autoincrement=False),
        sa.Column("session_id", sa.Integer, sa.ForeignKey("event_sessions.id", ondelete="CASCADE"), nullable=False),
    )
    op.create_index("ix_session_scans_session_id", "session_scans", ["session_id"])
    op.create_table(
        "room_checks",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("event_id", sa.Integer, sa.ForeignKey("events.id", ondelete="CASCADE"), nullable=False),
        sa.Column("day", sa.String(10), nullable=False),
        sa.Column("place", sa.String(120), nullable=False),
        sa.Column("kind", sa.String(10), nullable=False, server_default="room"),
        sa.Column("result", sa.String(20), nullable=False),
        sa.Column("note", sa.String(300), nullable=False, server_default=""),
        sa.Column("checked_by", sa.String(64), nullable=False),
        sa.Column("checked_at", sa.DateTime, nullable=False),
        sa.UniqueConstraint("event_id", "day", "place", name="uq_room_check"),
        sqlite_autoincrement=True,
    )
    op.create_index("ix_room_checks_event_id", "room_checks", ["event_id"])
    op.create_table(
        "offline_entries",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("entry_id", sa.String(64), nullable=False),
        sa.Column("event_id", sa.Integer, nullable=False),
        sa.Column("session_id", sa.Integer, nullable=True),
        sa.Column("source", sa.String(10), nullable=False, server_default="offline"),
        sa.Column("at", sa.DateTime, nullable=False),
        sa.Column("attendee_id", sa.Integer, nullable=True),
        sa.Column("offline_reason", sa.String(30), nullable=False, server_default=""),
        sa.Column("server_reason", sa.String(30), nullable=False, server_default=""),
        sa.Column("outcome", sa.String(12), nullable=False),
        sa.Column("scan_id", sa.Integer, nullable=True),
        sa.Column("synced_by", sa.String(64), nullable=False, server_default=""),
        sa.Column("synced_at", sa.DateTime, nullable=False),
        sa.Column("resolved_at", sa.DateTime, nullable=True),
        sa.UniqueConstraint("entry_id", name="uq_offline_entry"),
        sqlite_autoincrement=True,
    )
    op.create_index("ix_offline_entries_event_id", "offline_entries", ["event_id"])
    op.create_table(
        "secrecy_notices",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("event_id", sa.Integer, sa.ForeignKey("events.id", ondelete="CASCADE"), nullable=False),
        sa.Column("version", sa.Integer, nullable=False),
        sa.Column("text", sa.Text, nullable=False),
        sa.Column("required", sa.Boolean, nullable=False),
        sa.Column("created_by", sa.String(64), nullable=False, server_default=""),
        sa.Column("created_at", sa.DateTime, nullable=False),
        sa.UniqueConstraint("event_id", "version", name="uq_notice_version"),
        sqlite_autoincrement=True,
    )
    op.create_index("ix_secrecy_notices_event_id", "secrecy_notices", ["event_id"])
    op.create_table(
        "notice_signatures",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("event_id", sa.Integer, sa.ForeignKey("events.id", ondelete="CASCADE"), nullable=False),
        sa.Column("attendee_id", sa.Integer, sa.ForeignKey("attendees.id", ondelete="CASCADE"), nullable=False),
        sa.Column("version", sa.Integer, nullable=False),
        sa.Column("desk", sa.String(64), nullable=False, server_default=""),
        sa.Column("recorded_by", sa.String(64), nullable=False),
        sa.Column("signed_at", sa.DateTime, nullable=False),
        sa.UniqueConstraint("attendee_id", "version", name="uq_notice_signature"),
        sqlite_autoincrement=True,
    )
    op.create_index("ix_notice_signatures_event_id", "notice_signatures", ["event_id"])
    op.create_table(
        "photo_records",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("event_id", sa.Integer, sa.ForeignKey("events.id", ondelete="CASCADE"), nullable=False),
        sa.Column("attendee_id", sa.Integer, sa.ForeignKey("attendees.id", ondelete="CASCADE"), nullable=False),
        sa.Column("source", sa.String(10), nullable=False),
        sa.Column("consent", sa.Boolean, nullable=False),
        sa.Column("sha256", sa.String(64), nullable=False, server_default=""),
        sa.Column("recorded_by", sa.String(64), nullable=False),
        sa.Column("recorded_at", sa.DateTime, nullable=False),
        sa.UniqueConstraint("attendee_id", name="uq_photo_record"),
        sqlite_autoincrement=True,
    )
    op.create_index("ix_photo_records_event_id", "photo_records", ["event_id"])


def downgrade() -> None:
    for t in ("photo_records", "notice_signatures", "secrecy_notices", "offline_entries", "room_checks",
              "session_scans", "session_attendance", "session_attendees", "event_sessions"):
        op.drop_table(t)
