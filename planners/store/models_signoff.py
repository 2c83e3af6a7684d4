"""Leader sign-off of an event (issue 11): the frozen snapshots a leader approves (append-only: the database
refuses UPDATE and DELETE, like the audit trail), the people of an attendee-list snapshot (what the desk
checks), and the one mutable cache row per event saying which snapshots are the approved ones."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, DateTime, Index, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from planners.core.clock import utcnow
from planners.store.models import Base


class ApprovalSnapshot(Base):
    """What was submitted for one approval item: the content (plan or list) and its SHA-256. Never changes."""

    __tablename__ = "approval_snapshots"
    id: Mapped[int] = mapped_column(primary_key=True)
    approval_id: Mapped[int] = mapped_column(Integer, index=True)  # approvals.id (no FK: rows outlive nothing)
    event_id: Mapped[int] = mapped_column(Integer, index=True)
    kind: Mapped[str] = mapped_column(String(40))  # security_plan / attendee_list
    version: Mapped[int] = mapped_column(Integer)  # 1, 2, … per event and kind
    content: Mapped[dict] = mapped_column(JSON)
    content_hash: Mapped[str] = mapped_column(String(64))
    base_snapshot_id: Mapped[int | None] = mapped_column(Integer, nullable=True)  # the approved one it differs from
    diff: Mapped[dict] = mapped_column(JSON, default=dict)  # vs base: added / removed / changed
    created_by: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)

    __table_args__ = (UniqueConstraint("event_id", "kind", "version", name="uq_approval_snapshots_version"),
                      {"sqlite_autoincrement": True})


class SnapshotMember(Base):
    """One person of an attendee-list snapshot, with the fingerprint of their identity fields (the desk
    compares it with the row it reads). Never changes."""

    __tablename__ = "approval_snapshot_members"
    id: Mapped[int] = mapped_column(primary_key=True)
    snapshot_id: Mapped[int] = mapped_column(Integer)
    attendee_id: Mapped[int] = mapped_column(Integer)
    fingerprint: Mapped[str] = mapped_column(String(64))

    __table_args__ = (Index("ix_snapshot_members_person", "snapshot_id", "attendee_id", unique=True),
                      {"sqlite_autoincrement": True})


class EventSignoff(Base):
    """Which snapshot of each kind a leader last approved for the event (a cache of the approvals, rewritten only
    by planners.plan.signoff when a decision lands): the desk reads it in one indexed query."""

    __tablename__ = "event_signoffs"
    event_id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    plan_snapshot_id: Mapped[int | None] = mapped_column(Integer, nullable=True)
    list_snapshot_id: Mapped[int | None] = mapped_column(Integer, nullable=True)
    updated_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow, onupdate=utcnow)
