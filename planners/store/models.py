"""Typed declarative models of the foundation. Each later area adds its own module `models_<area>.py`
on the same Base and its own Alembic migration; the schema is only ever changed by a migration."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, Boolean, DateTime, ForeignKey, Index, Integer, LargeBinary, String, Text
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship

from planners.core.clock import utcnow


class Base(DeclarativeBase):
    pass


class User(Base):
    __tablename__ = "users"
    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(String(64), unique=True)
    display_name: Mapped[str] = mapped_column(String(128), default="")
    role: Mapped[str] = mapped_column(String(32))  # organizer / front_desk / leader / admin
    unit: Mapped[str] = mapped_column(String(200), default="")
    password_hash: Mapped[str] = mapped_column(String(255))
    must_change_password: Mapped[bool] = mapped_column(Boolean, default=True)
    failed_attempts: Mapped[int] = mapped_column(Integer, default=0)
    locked_until: Mapped[datetime | None] = mapped_column(DateTime, nullable=True)
    password_expires_at: Mapped[datetime | None] = mapped_column(DateTime, nullable=True)  # a one-time password's end
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)

    __table_args__ = ({"sqlite_autoincrement": True},)


class Venue(Base):
    __tablename__ = "venues"
    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200), unique=True)
    address: Mapped[str] = mapped_column(String(300), default="")
    kind: Mapped[str] = mapped_column(String(40))  # own_premises / government / public / foreign_hotel / other
    features: Mapped[dict] = mapped_column(JSON, default=dict)  # security features as facts
    last_sweep_at: Mapped[datetime | None] = mapped_column(DateTime, nullable=True)  # UTC
    notes: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)

    __table_args__ = ({"sqlite_autoincrement": True},)


class Event(Base):
    __tablename__ = "events"
    id: Mapped[int] = mapped_column(primary_key=True)
    title: Mapped[str] = mapped_column(String(200))  # non-secret short title
    kind: Mapped[str] = mapped_column(String(20))  # meeting / foreign_visit
    level: Mapped[str] = mapped_column(String(20))  # planners.core.levels.Classification value
    retention: Mapped[str] = mapped_column(String(60), default="")  # 保密期限, e.g. "10年"
    starts_at: Mapped[datetime] = mapped_column(DateTime)  # UTC
    ends_at: Mapped[datetime] = mapped_column(DateTime)  # UTC
    tz: Mapped[str] = mapped_column(String(64), default="Asia/Shanghai")
    venue_id: Mapped[int | None] = mapped_column(ForeignKey("venues.id"), nullable=True)
    organizer_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    host_unit: Mapped[str] = mapped_column(String(200), default="")
    relay_scope: Mapped[str] = mapped_column(Text, default="")  # 传达范围
    device_policy: Mapped[str] = mapped_column(String(40), default="lockers")  # lockers / approved_only / none
    foreign_participants: Mapped[bool] = mapped_column(Boolean, default=False)
    status: Mapped[str] = mapped_column(String(20), default="draft")
    facts: Mapped[dict] = mapped_column(JSON, default=dict)  # further facts later areas read
    version: Mapped[int] = mapped_column(Integer, default=1)
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow, onupdate=utcnow)

    venue: Mapped[Venue | None] = relationship(lazy="joined")
    organizer: Mapped[User] = relationship(lazy="joined")

    __table_args__ = ({"sqlite_autoincrement": True},)


class Attendee(Base):
    __tablename__ = "attendees"
    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[int] = mapped_column(ForeignKey("events.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(120))
    unit: Mapped[str] = mapped_column(String(200), default="")
    post: Mapped[str] = mapped_column(String(120), default="")
    id_type: Mapped[str] = mapped_column(String(20), default="resident_id")  # resident_id / passport / officer_id / other
    id_last4: Mapped[str] = mapped_column(String(8), default="")  # never the full number
    nationality: Mapped[str] = mapped_column(String(40), default="CN")
    foreign_invested_staff: Mapped[bool] = mapped_column(Boolean, default=False)
    clearance: Mapped[str | None] = mapped_column(String(20), nullable=True)  # Classification value
    secret_class: Mapped[str | None] = mapped_column(String(20), nullable=True)  # core / important / general
    pledge_signed: Mapped[bool] = mapped_column(Boolean, default=False)
    event_role: Mapped[str] = mapped_column(String(20), default="attendee")  # attendee/staff/service/interpreter/visitor
    designated_by: Mapped[str] = mapped_column(String(120), default="")
    photo: Mapped[bytes | None] = mapped_column(LargeBinary, nullable=True)
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)

    __table_args__ = ({"sqlite_autoincrement": True},)


class AuditEntry(Base):
    """Append-only: triggers refuse UPDATE and DELETE; each entry's hash covers the previous one's."""

    __tablename__ = "audit_entries"
    id: Mapped[int] = mapped_column(primary_key=True)
    ts: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    actor: Mapped[str] = mapped_column(String(64))
    action: Mapped[str] = mapped_column(String(64))
    object_type: Mapped[str] = mapped_column(String(40), default="")
    object_id: Mapped[str] = mapped_column(String(64), default="")
    event_id: Mapped[int | None] = mapped_column(Integer, nullable=True)
    details: Mapped[str] = mapped_column(Text, default="{}")  # canonical JSON: before/after summary
    prev_hash: Mapped[str] = mapped_column(String(64))
    hash: Mapped[str] = mapped_column(String(64), unique=True)

    __table_args__ = (Index("ix_audit_event", "event_id"), Index("ix_audit_actor", "actor"),
                      {"sqlite_autoincrement": True})


class Approval(Base):
    """One item in a leader's queue: what is asked, why it needs a leader (findings), and its decision.

    Areas send items here (visit requests, disclosure scopes, attendee exceptions, N/A plan tasks …) and
    register a handler that applies the decision to their own object."""

    __tablename__ = "approvals"
    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(40))  # e.g. visit_request, disclosure_scope, attendee_exception
    object_type: Mapped[str] = mapped_column(String(40))
    object_id: Mapped[str] = mapped_column(String(64))
    event_id: Mapped[int | None] = mapped_column(ForeignKey("events.id", ondelete="SET NULL"), nullable=True)
    title: Mapped[dict] = mapped_column(JSON)  # {"en":…, "zh_CN":…}: what is asked
    findings: Mapped[list] = mapped_column(JSON, default=list)  # why it needs a leader
    payload: Mapped[dict] = mapped_column(JSON, default=dict)  # area data for the handler
    status: Mapped[str] = mapped_column(String(20), default="pending")  # pending/approved/returned/rejected/withdrawn
    requested_by: Mapped[str] = mapped_column(String(64))
    requested_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    decided_by: Mapped[str | None] = mapped_column(String(64), nullable=True)
    decided_at: Mapped[datetime | None] = mapped_column(DateTime, nullable=True)
    comment: Mapped[str] = mapped_column(Text, default="")

    __table_args__ = (Index("ix_approvals_status", "status", "requested_at"),
                      Index("ix_approvals_object", "object_type", "object_id"), {"sqlite_autoincrement": True})


class ApprovalStep(Base):
    """The history of an approval item: each request, resubmission and decision with its comment."""

    __tablename__ = "approval_steps"
    id: Mapped[int] = mapped_column(primary_key=True)
    approval_id: Mapped[int] = mapped_column(ForeignKey("approvals.id", ondelete="CASCADE"), index=True)
    at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    actor: Mapped[str] = mapped_column(String(64))
    action: Mapped[str] = mapped_column(String(20))  # requested / resubmitted / approved / returned / rejected / withdrawn
    comment: Mapped[str] = mapped_column(Text, default="")

    __table_args__ = ({"sqlite_autoincrement": True},)
