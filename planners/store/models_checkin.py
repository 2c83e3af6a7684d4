"""Allow-list exceptions, event signing keys, badges, presence at the event and the scan log (issue 4)."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, Boolean, DateTime, ForeignKey, Index, Integer, LargeBinary, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from planners.core.clock import utcnow
from planners.store.models import Base


class EventKey(Base):
    """The public half of an event's Ed25519 key pair (the private half lives in keys_dir(), never here)."""

    __tablename__ = "event_keys"
    event_id: Mapped[int] = mapped_column(ForeignKey("events.id", ondelete="CASCADE"), primary_key=True)
    public_key: Mapped[bytes] = mapped_column(LargeBinary)
    key_id: Mapped[int] = mapped_column(Integer)  # 16-bit id carried in each token
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)


class Badge(Base):
    """The current badge generation of an attendee: a reissue bumps it, so older badges read `revoked`."""

    __tablename__ = "badges"
    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[int] = mapped_column(ForeignKey("events.id", ondelete="CASCADE"))
    attendee_id: Mapped[int] = mapped_column(ForeignKey("attendees.id", ondelete="CASCADE"))
    generation: Mapped[int] = mapped_column(Integer, default=1)
    valid_from: Mapped[datetime] = mapped_column(DateTime)  # UTC
    valid_until: Mapped[datetime] = mapped_column(DateTime)  # UTC
    issued_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    issued_by: Mapped[str] = mapped_column(String(64), default="")

    __table_args__ = (UniqueConstraint("event_id", "attendee_id", name="uq_badges_attendee"), {"sqlite_autoincrement": True})


class Attendance(Base):
    """Who is inside: one row per attendee who ever entered. The unique key makes a double check-in impossible."""

    __tablename__ = "attendance"
    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[int] = mapped_column(ForeignKey("events.id", ondelete="CASCADE"))
    attendee_id: Mapped[int] = mapped_column(ForeignKey("attendees.id", ondelete="CASCADE"))
    inside: Mapped[bool] = mapped_column(Boolean, default=True)
    entries: Mapped[int] = mapped_column(Integer, default=1)
    first_in_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    last_in_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    last_in_desk: Mapped[str] = mapped_column(String(64), default="")
    last_in_scan_id: Mapped[int | None] = mapped_column(Integer, nullable=True)
    last_out_at: Mapped[datetime | None] = mapped_column(DateTime, nullable=True)
    locker: Mapped[str | None] = mapped_column(String(20), nullable=True)
    locker_no: Mapped[int | None] = mapped_column(Integer, nullable=True)  # numeric lockers, for the next number
    device_deposited_at: Mapped[datetime | None] = mapped_column(DateTime, nullable=True)
    device_returned_at: Mapped[datetime | None] = mapped_column(DateTime, nullable=True)

    __table_args__ = (UniqueConstraint("event_id", "attendee_id", name="uq_attendance_attendee"),
                      Index("ix_attendance_inside", "event_id", "inside"),
                      Index("ix_attendance_locker", "event_id", "locker_no"), {"sqlite_autoincrement": True})


class Scan(Base):
    """Append-only: every scan at a desk, refused ones too, with its verdict."""

    __tablename__ = "scans"
    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[int] = mapped_column(Integer)
    attendee_id: Mapped[int | None] = mapped_column(Integer, nullable=True)
    desk: Mapped[str] = mapped_column(String(64))
    actor: Mapped[str] = mapped_column(String(64))
    at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    direction: Mapped[str] = mapped_column(String(10))  # in / out / undo
    method: Mapped[str] = mapped_column(String(10))  # scan / camera / manual / undo
    raw: Mapped[str] = mapped_column(String(120), default="")  # truncated, printable only
    raw_hash: Mapped[str] = mapped_column(String(64), default="")
    status: Mapped[str] = mapped_column(String(10))  # ok / refused / warn
    reason: Mapped[str] = mapped_column(String(30))
    duplicate_of: Mapped[int | None] = mapped_column(Integer, nullable=True)
    # the chain (migration 0009, planners.base.audit.append_scan): place, previous scan's hash, this scan's hash
    seq: Mapped[int | None] = mapped_column(Integer, nullable=True)  # NULL: a row written around the chain
    prev_hash: Mapped[str] = mapped_column(String(64), default="")
    hash: Mapped[str] = mapped_column(String(64), default="")

    __table_args__ = (Index("ix_scans_event_at", "event_id", "at"),
                      Index("ix_scans_desk_hash", "desk", "raw_hash", "at"),
                      Index("ix_scans_seq", "seq", unique=True), {"sqlite_autoincrement": True})


class AttendeeException(Base):
    """A leader-approved exception to eligibility rules for one attendee (written by the approval handler)."""

    __tablename__ = "attendee_exceptions"
    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[int] = mapped_column(ForeignKey("events.id", ondelete="CASCADE"))
    attendee_id: Mapped[int] = mapped_column(ForeignKey("attendees.id", ondelete="CASCADE"), index=True)
    rules: Mapped[list] = mapped_column(JSON, default=list)
    approval_id: Mapped[int] = mapped_column(Integer)
    decided_by: Mapped[str] = mapped_column(String(64))
    decided_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    # who it was granted to: identity + facts of the lifted rules (planners.attendees.eligibility); void once changed
    fingerprint: Mapped[str] = mapped_column(String(80), default="")
    voided_at: Mapped[datetime | None] = mapped_column(DateTime, nullable=True)

    __table_args__ = ({"sqlite_autoincrement": True},)


class Desk(Base):
    """A registered desk (issue 18, item 1): a device an admin registered, not a name typed at the desk. Scans,
    look-ups and undo name one; a desk page session is bound to one, a scripted desk (`conclave scan`) names one."""

    __tablename__ = "desks"
    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(64))
    location: Mapped[str] = mapped_column(String(120), default="")
    kind: Mapped[str] = mapped_column(String(10), default="desk")  # desk (a screen) / script (the command line)
    registered_by: Mapped[str] = mapped_column(String(64), default="")
    registered_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)

    __table_args__ = (UniqueConstraint("name", name="uq_desks_name"), {"sqlite_autoincrement": True})
