"""Sessions of an event and what happens at their doors; the offline desk's sync ledger; the secrecy notice
signed at the door; photos on file (issue 15)."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import (
    Boolean,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from planners.core.clock import utcnow
from planners.store.models import Base


class EventSession(Base):
    """A session of an event (plenary, closed session, a day's sitting): its own room, times, level and list."""

    __tablename__ = "event_sessions"
    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[int] = mapped_column(ForeignKey("events.id", ondelete="CASCADE"), index=True)
    title: Mapped[str] = mapped_column(String(200))  # non-secret short title
    venue_id: Mapped[int | None] = mapped_column(ForeignKey("venues.id"), nullable=True)  # the room
    room: Mapped[str] = mapped_column(String(120), default="")  # room inside the venue, e.g. 3楼第二会议室
    starts_at: Mapped[datetime] = mapped_column(DateTime)  # UTC
    ends_at: Mapped[datetime] = mapped_column(DateTime)  # UTC
    level: Mapped[str] = mapped_column(String(20))  # <= the event's level
    device_policy: Mapped[str] = mapped_column(String(40), default="lockers")
    knowledge_scope: Mapped[str] = mapped_column(Text, default="")  # 知悉范围 (who may know), never content
    created_by: Mapped[str] = mapped_column(String(64), default="")
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)

    __table_args__ = ({"sqlite_autoincrement": True},)


class SessionAttendee(Base):
    """A person of the event's allow-list admitted to this session."""

    __tablename__ = "session_attendees"
    id: Mapped[int] = mapped_column(primary_key=True)
    session_id: Mapped[int] = mapped_column(ForeignKey("event_sessions.id", ondelete="CASCADE"))
    attendee_id: Mapped[int] = mapped_column(ForeignKey("attendees.id", ondelete="CASCADE"))

    __table_args__ = (UniqueConstraint("session_id", "attendee_id", name="uq_session_attendee"),
                      {"sqlite_autoincrement": True})


class SessionAttendance(Base):
    """Who is inside a session's room: one row per person who ever entered it (a unique key, as `attendance`)."""

    __tablename__ = "session_attendance"
    id: Mapped[int] = mapped_column(primary_key=True)
    session_id: Mapped[int] = mapped_column(ForeignKey("event_sessions.id", ondelete="CASCADE"))
    attendee_id: Mapped[int] = mapped_column(ForeignKey("attendees.id", ondelete="CASCADE"))
    inside: Mapped[bool] = mapped_column(Boolean, default=True)
    entries: Mapped[int] = mapped_column(Integer, default=1)
    first_in_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    last_in_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    last_in_desk: Mapped[str] = mapped_column(String(64), default="")
    last_out_at: Mapped[datetime | None] = mapped_column(DateTime, nullable=True)

    __table_args__ = (UniqueConstraint("session_id", "attendee_id", name="uq_session_attendance"),
                      Index("ix_session_attendance_inside", "session_id", "inside"),
                      Index("ix_session_attendance_attendee", "attendee_id"), {"sqlite_autoincrement": True})


class SessionScan(Base):
    """Which session's door a scan of the `scans` log was made at (the log itself stays as it is)."""

    __tablename__ = "session_scans"
    scan_id: Mapped[int] = mapped_column(Integer, primary_key=True)
    session_id: Mapped[int] = mapped_column(ForeignKey("event_sessions.id", ondelete="CASCADE"), index=True)


class RoomCheck(Base):
    """The end-of-day check of a room or a container (safe, cabinet) of a multi-day event."""

    __tablename__ = "room_checks"
    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[int] = mapped_column(ForeignKey("events.id", ondelete="CASCADE"), index=True)
    day: Mapped[str] = mapped_column(String(10))  # office date, YYYY-MM-DD
    place: Mapped[str] = mapped_column(String(120))  # the room or container checked
    kind: Mapped[str] = mapped_column(String(10), default="room")  # room / container
    result: Mapped[str] = mapped_column(String(20))  # in_order / problem
    note: Mapped[str] = mapped_column(String(300), default="")
    checked_by: Mapped[str] = mapped_column(String(64))
    checked_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)

    __table_args__ = (UniqueConstraint("event_id", "day", "place", name="uq_room_check"), {"sqlite_autoincrement": True})


class OfflineEntry(Base):
    """One entry of an offline desk's log merged by `conclave desk sync`: its id makes a second sync a no-op."""

    __tablename__ = "offline_entries"
    id: Mapped[int] = mapped_column(primary_key=True)
    entry_id: Mapped[str] = mapped_column(String(64))  # the log entry's hash (unique over every log)
    event_id: Mapped[int] = mapped_column(Integer, index=True)
    session_id: Mapped[int | None] = mapped_column(Integer, nullable=True)
    source: Mapped[str] = mapped_column(String(10), default="offline")  # offline / paper
    at: Mapped[datetime] = mapped_column(DateTime)  # when the scan was made at the offline desk
    attendee_id: Mapped[int | None] = mapped_column(Integer, nullable=True)
    offline_reason: Mapped[str] = mapped_column(String(30), default="")
    server_reason: Mapped[str] = mapped_column(String(30), default="")
    outcome: Mapped[str] = mapped_column(String(12))  # merged / duplicate / conflict / refused
    scan_id: Mapped[int | None] = mapped_column(Integer, nullable=True)
    synced_by: Mapped[str] = mapped_column(String(64), default="")
    synced_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    resolved_at: Mapped[datetime | None] = mapped_column(DateTime, nullable=True)

    __table_args__ = (UniqueConstraint("entry_id", name="uq_offline_entry"), {"sqlite_autoincrement": True})


class SecrecyNotice(Base):
    """A version of an event's 会议保密须知 (the text is a notice, never secret content)."""

    __tablename__ = "secrecy_notices"
    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[int] = mapped_column(ForeignKey("events.id", ondelete="CASCADE"), index=True)
    version: Mapped[int] = mapped_column(Integer)
    text: Mapped[str] = mapped_column(Text)
    required: Mapped[bool] = mapped_column(Boolean, default=True)
    created_by: Mapped[str] = mapped_column(String(64), default="")
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)

    __table_args__ = (UniqueConstraint("event_id", "version", name="uq_notice_version"), {"sqlite_autoincrement": True})


class NoticeSignature(Base):
    """A person signed a version of the notice at the desk (a tick by the desk, the version shown)."""

    __tablename__ = "notice_signatures"
    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[int] = mapped_column(ForeignKey("events.id", ondelete="CASCADE"), index=True)
    attendee_id: Mapped[int] = mapped_column(ForeignKey("attendees.id", ondelete="CASCADE"))
    version: Mapped[int] = mapped_column(Integer)
    desk: Mapped[str] = mapped_column(String(64), default="")
    recorded_by: Mapped[str] = mapped_column(String(64))
    signed_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)

    __table_args__ = (UniqueConstraint("attendee_id", "version", name="uq_notice_signature"),
                      {"sqlite_autoincrement": True})


class PhotoRecord(Base):
    """Where an attendee's photo on file came from, with the consent given at the desk (the image itself is
    `attendees.photo`, resized, stored once)."""

    __tablename__ = "photo_records"
    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[int] = mapped_column(ForeignKey("events.id", ondelete="CASCADE"), index=True)
    attendee_id: Mapped[int] = mapped_column(ForeignKey("attendees.id", ondelete="CASCADE"))
    source: Mapped[str] = mapped_column(String(10))  # upload / import / camera
    consent: Mapped[bool] = mapped_column(Boolean, default=False)
    sha256: Mapped[str] = mapped_column(String(64), default="")
    recorded_by: Mapped[str] = mapped_column(String(64))
    recorded_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)

    __table_args__ = (UniqueConstraint("attendee_id", name="uq_photo_record"), {"sqlite_autoincrement": True})



