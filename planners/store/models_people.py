"""The unit's people register (涉密人员, issue 13): one record per person, their pledges and trainings as records,
the deny list, the append-only history of every change, and the link from an event's attendee to a person.

ID numbers are never stored whole: ID type and the last digits only (like the attendee table).
`people` also carries facts derived from pledges, trainings and bars (`pledge_until`, `training_until`,
`barred_until`): recomputed by planners.people whenever one of those changes, so the front desk reads one row
per scan instead of judging the records (tests/bench/test_checkin_bench.py)."""
from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import JSON, Date, DateTime, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from planners.core.clock import utcnow
from planners.store.models import Base

# far-future date standing for "valid with no end" in the derived facts
NO_END = date(9999, 12, 31)


class Person(Base):
    __tablename__ = "people"
    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(120))
    unit: Mapped[str] = mapped_column(String(200), default="")
    post: Mapped[str] = mapped_column(String(120), default="")
    id_type: Mapped[str] = mapped_column(String(20), default="resident_id")
    id_last4: Mapped[str] = mapped_column(String(8), default="")  # never the full number
    nationality: Mapped[str] = mapped_column(String(3), default="CN")  # ISO 3166-1 alpha-2
    employer_type: Mapped[str] = mapped_column(String(30), default="state_organ")
    level: Mapped[str] = mapped_column(String(20), default="secret")  # planners.core.levels.Classification value
    vetted_level: Mapped[str] = mapped_column(String(20), default="secret")  # the highest level the vetting allows
    person_class: Mapped[str] = mapped_column(String(20), default="general")  # core / important / general
    status: Mapped[str] = mapped_column(String(20), default="active")  # active / suspended / decommission / left
    decommission_until: Mapped[date | None] = mapped_column(Date, nullable=True)  # end of the 脱密期
    vetted_by: Mapped[str] = mapped_column(String(120), default="")
    vetted_at: Mapped[date | None] = mapped_column(Date, nullable=True)
    # derived (planners.people.facts.refresh): None = no valid record at all
    pledge_until: Mapped[date | None] = mapped_column(Date, nullable=True)
    training_until: Mapped[date | None] = mapped_column(Date, nullable=True)
    barred_until: Mapped[date | None] = mapped_column(Date, nullable=True)
    version: Mapped[int] = mapped_column(Integer, default=1)  # optimistic concurrency
    created_by: Mapped[str] = mapped_column(String(64), default="")
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)

    __table_args__ = (Index("ix_people_match", "name", "id_last4"), {"sqlite_autoincrement": True})

    @property
    def barred(self) -> bool:
        """On the deny list today (the office's date): a bar not lifted whose end date is not past."""
        from planners.core.clock import local

        return self.barred_until is not None and self.barred_until >= local(utcnow(), "Asia/Shanghai").date()


class PersonHistory(Base):
    """Append-only (triggers refuse UPDATE and DELETE): who changed which field of a person, when and why."""

    __tablename__ = "person_history"
    id: Mapped[int] = mapped_column(primary_key=True)
    person_id: Mapped[int] = mapped_column(Integer, index=True)
    at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    actor: Mapped[str] = mapped_column(String(64))
    action: Mapped[str] = mapped_column(String(40))  # created / changed / pledge / training / barred / lifted ...
    field: Mapped[str] = mapped_column(String(40), default="")
    before: Mapped[str] = mapped_column(Text, default="")
    after: Mapped[str] = mapped_column(Text, default="")
    reason: Mapped[str] = mapped_column(Text, default="")
    approval_id: Mapped[int | None] = mapped_column(Integer, nullable=True)

    __table_args__ = ({"sqlite_autoincrement": True},)


class Pledge(Base):
    __tablename__ = "person_pledges"
    id: Mapped[int] = mapped_column(primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("people.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(String(30))  # secrecy_pledge / responsibility / leaving / outbound
    version: Mapped[str] = mapped_column(String(40), default="")  # the text version signed
    signed_on: Mapped[date] = mapped_column(Date)
    expires_on: Mapped[date | None] = mapped_column(Date, nullable=True)
    recorded_by: Mapped[str] = mapped_column(String(64), default="")
    recorded_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)

    __table_args__ = ({"sqlite_autoincrement": True},)


class Training(Base):
    __tablename__ = "person_trainings"
    id: Mapped[int] = mapped_column(primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("people.id", ondelete="CASCADE"), index=True)
    stage: Mapped[str] = mapped_column(String(20))  # 三岗教育: onboarding 上岗 / in_post 在岗 / leaving 离岗
    course: Mapped[str] = mapped_column(String(200), default="")
    taken_on: Mapped[date] = mapped_column(Date)
    hours: Mapped[int] = mapped_column(Integer, default=0)
    expires_on: Mapped[date | None] = mapped_column(Date, nullable=True)
    recorded_by: Mapped[str] = mapped_column(String(64), default="")
    recorded_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)

    __table_args__ = ({"sqlite_autoincrement": True},)


class Bar(Base):
    """The deny list: a leader bars a person until a date, with a reason; a bar may be lifted early (by a leader)."""

    __tablename__ = "person_bars"
    id: Mapped[int] = mapped_column(primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("people.id", ondelete="CASCADE"), index=True)
    reason: Mapped[str] = mapped_column(Text)
    ends_on: Mapped[date] = mapped_column(Date)
    barred_by: Mapped[str] = mapped_column(String(64))
    barred_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    lifted_by: Mapped[str | None] = mapped_column(String(64), nullable=True)
    lifted_at: Mapped[datetime | None] = mapped_column(DateTime, nullable=True)
    lift_reason: Mapped[str] = mapped_column(Text, default="")

    __table_args__ = ({"sqlite_autoincrement": True},)


class AttendeeLink(Base):
    """Which person of the register an event's attendee is: `match` exact (linked), ambiguous (several
    candidates, `candidates` lists their ids) or none; `mismatches` lists the imported fields that differ from
    the register (a finding, never an overwrite)."""

    __tablename__ = "attendee_people"
    attendee_id: Mapped[int] = mapped_column(ForeignKey("attendees.id", ondelete="CASCADE"), primary_key=True)
    person_id: Mapped[int | None] = mapped_column(ForeignKey("people.id", ondelete="SET NULL"), nullable=True,
                                                  index=True)
    match: Mapped[str] = mapped_column(String(12), default="none")  # exact / ambiguous / none / manual
    candidates: Mapped[list] = mapped_column(JSON, default=list)
    mismatches: Mapped[list] = mapped_column(JSON, default=list)  # [{field, imported, register}]
    linked_by: Mapped[str] = mapped_column(String(64), default="")
    linked_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
