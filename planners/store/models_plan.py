"""The event plan: one row per task (from a plan rule or a venue finding), and the append-only history of marks."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, Boolean, DateTime, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from planners.core.clock import utcnow
from planners.store.models import Base


class PlanTask(Base):
    __tablename__ = "plan_tasks"
    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[int] = mapped_column(ForeignKey("events.id", ondelete="CASCADE"), index=True)
    task_key: Mapped[str] = mapped_column(String(60))  # rule id, or rule id + '#n' for an incident
    rule_id: Mapped[str] = mapped_column(String(40))
    origin: Mapped[str] = mapped_column(String(10), default="plan")  # plan / venue
    phase: Mapped[str] = mapped_column(String(10))  # before / during / after
    owner_role: Mapped[str] = mapped_column(String(20))
    due_expr: Mapped[str] = mapped_column(String(40), default="")
    due_at: Mapped[datetime | None] = mapped_column(DateTime, nullable=True)  # UTC
    alarm_minutes: Mapped[int] = mapped_column(Integer, default=60)
    mandatory: Mapped[bool] = mapped_column(Boolean, default=False)
    proposal: Mapped[bool] = mapped_column(Boolean, default=False)  # the project's own proposal (D)
    text: Mapped[dict] = mapped_column(JSON)  # {"en":…, "zh_CN":…}
    source: Mapped[str] = mapped_column(String(300), default="")
    applies: Mapped[bool] = mapped_column(Boolean, default=True)  # False: the rule no longer applies (kept)
    sort: Mapped[int] = mapped_column(Integer, default=0)
    status: Mapped[str] = mapped_column(String(10), default="open")  # open / done / na
    reason: Mapped[str] = mapped_column(Text, default="")  # why not applicable
    marked_by: Mapped[str | None] = mapped_column(String(64), nullable=True)
    marked_role: Mapped[str | None] = mapped_column(String(20), nullable=True)
    marked_at: Mapped[datetime | None] = mapped_column(DateTime, nullable=True)
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow, onupdate=utcnow)

    __table_args__ = (UniqueConstraint("event_id", "task_key", name="uq_plan_tasks_event_key"), {"sqlite_autoincrement": True})


class PlanMark(Base):
    """Append-only: every mark (done / N/A / reopen) and every undo, with who and when."""

    __tablename__ = "plan_marks"
    id: Mapped[int] = mapped_column(primary_key=True)
    task_id: Mapped[int] = mapped_column(ForeignKey("plan_tasks.id", ondelete="CASCADE"))
    event_id: Mapped[int] = mapped_column(Integer)
    action: Mapped[str] = mapped_column(String(10))  # mark / undo
    from_status: Mapped[str] = mapped_column(String(10))
    to_status: Mapped[str] = mapped_column(String(10))
    reason: Mapped[str] = mapped_column(Text, default="")
    actor: Mapped[str] = mapped_column(String(64))
    actor_role: Mapped[str] = mapped_column(String(20))
    at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    undoes: Mapped[int | None] = mapped_column(Integer, nullable=True)

    __table_args__ = ({"sqlite_autoincrement": True},)
