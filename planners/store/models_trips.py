"""Outbound trips (出国（境）, issue 14): the trip, its travellers (people of the unit's register), the carry list
and the return debrief. No content is stored: short non-secret titles and the metadata of protection only."""
from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import JSON, Boolean, Date, DateTime, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from planners.core.clock import utcnow
from planners.store.models import Base


class Trip(Base):
    __tablename__ = "trips"
    id: Mapped[int] = mapped_column(primary_key=True)
    title: Mapped[str] = mapped_column(String(200))  # non-secret short title
    purpose: Mapped[str] = mapped_column(Text, default="")
    inviting_party: Mapped[str] = mapped_column(String(200), default="")
    unit: Mapped[str] = mapped_column(String(200), default="")
    destinations: Mapped[list] = mapped_column(JSON, default=list)  # ISO 3166-1 alpha-2 codes
    starts_on: Mapped[date] = mapped_column(Date)
    ends_on: Mapped[date] = mapped_column(Date)
    itinerary: Mapped[list] = mapped_column(JSON, default=list)  # [{date, place, host, meeting}]
    scope: Mapped[dict] = mapped_column(JSON, default=dict)  # {ceiling, items: [{topic, decision, methods, ...}]}
    organizer_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    created_by: Mapped[str] = mapped_column(String(64))
    status: Mapped[str] = mapped_column(String(20), default="draft")
    last_comment: Mapped[str] = mapped_column(Text, default="")
    decided_by: Mapped[str | None] = mapped_column(String(64), nullable=True)
    approved_by: Mapped[list] = mapped_column(JSON, default=list)  # the leaders who approved (core: two)
    departed_on: Mapped[date | None] = mapped_column(Date, nullable=True)
    back_on: Mapped[date | None] = mapped_column(Date, nullable=True)
    version: Mapped[int] = mapped_column(Integer, default=1)
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow, onupdate=utcnow)

    __table_args__ = ({"sqlite_autoincrement": True},)


class TripTraveller(Base):
    """One member of the delegation: a person of the register, with the briefing attendance recorded here (the
    signed outbound pledge is a record of the register: planners.people)."""

    __tablename__ = "trip_travellers"
    id: Mapped[int] = mapped_column(primary_key=True)
    trip_id: Mapped[int] = mapped_column(ForeignKey("trips.id", ondelete="CASCADE"), index=True)
    person_id: Mapped[int] = mapped_column(Integer, index=True)
    name: Mapped[str] = mapped_column(String(120), default="")  # at the time (for the record)
    role: Mapped[str] = mapped_column(String(60), default="")  # e.g. head of delegation
    briefed_on: Mapped[date | None] = mapped_column(Date, nullable=True)
    briefed_by: Mapped[str] = mapped_column(String(120), default="")
    recorded_by: Mapped[str] = mapped_column(String(64), default="")

    __table_args__ = (UniqueConstraint("trip_id", "person_id", name="uq_trip_traveller"),
                      {"sqlite_autoincrement": True})


class TripCarryItem(Base):
    """What a traveller takes: a registered copy (documents area), a notebook, a laptop or another device."""

    __tablename__ = "trip_carry_items"
    id: Mapped[int] = mapped_column(primary_key=True)
    trip_id: Mapped[int] = mapped_column(ForeignKey("trips.id", ondelete="CASCADE"), index=True)
    person_id: Mapped[int] = mapped_column(Integer)
    kind: Mapped[str] = mapped_column(String(20))  # copy / notebook / laptop / phone / storage / other
    label: Mapped[str] = mapped_column(String(200), default="")  # non-secret description
    copy_code: Mapped[str] = mapped_column(String(60), default="")
    copy_id: Mapped[int | None] = mapped_column(Integer, nullable=True)
    level: Mapped[str] = mapped_column(String(20), default="public")
    classified_device: Mapped[bool] = mapped_column(Boolean, default=False)  # a 涉密 device
    verdict: Mapped[str] = mapped_column(String(20))  # allowed / clean_device / needs_approval / approved / refused
    rule: Mapped[str] = mapped_column(String(40), default="")
    out_at: Mapped[datetime | None] = mapped_column(DateTime, nullable=True)
    back_at: Mapped[datetime | None] = mapped_column(DateTime, nullable=True)
    recorded_by: Mapped[str] = mapped_column(String(64), default="")
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)

    __table_args__ = ({"sqlite_autoincrement": True},)


class TripDebrief(Base):
    """回国汇报: one per trip, written once (a correction is a new audit entry, not an overwrite of the record)."""

    __tablename__ = "trip_debriefs"
    id: Mapped[int] = mapped_column(primary_key=True)
    trip_id: Mapped[int] = mapped_column(ForeignKey("trips.id", ondelete="CASCADE"), unique=True)
    held_on: Mapped[date] = mapped_column(Date)
    contacts: Mapped[str] = mapped_column(Text, default="")
    approaches: Mapped[list] = mapped_column(JSON, default=list)  # [{asked_by, what, answer}]
    gifts: Mapped[str] = mapped_column(Text, default="")
    incidents: Mapped[str] = mapped_column(Text, default="")
    deviations: Mapped[str] = mapped_column(Text, default="")
    recorded_by: Mapped[str] = mapped_column(String(64))
    recorded_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)

    __table_args__ = ({"sqlite_autoincrement": True},)
