"""Foreign visits: visit requests, the disclosure topic catalogue added in the app, per-visit disclosure scopes
and the log of foreign requests for information outside the scope (append-only)."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, Boolean, DateTime, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from planners.core.clock import utcnow
from planners.store.models import Base


class VisitRequest(Base):
    """A request to receive a foreign delegation. Members carry passport type and LAST digits only."""

    __tablename__ = "visit_requests"
    id: Mapped[int] = mapped_column(primary_key=True)
    title: Mapped[str] = mapped_column(String(200))  # non-secret short title
    purpose: Mapped[str] = mapped_column(Text, default="")
    visit_type: Mapped[str] = mapped_column(String(20))  # one_time / recurring / long_term / unannounced
    level: Mapped[str] = mapped_column(String(20), default="internal")  # the visit event's level
    starts_at: Mapped[datetime] = mapped_column(DateTime)  # UTC
    ends_at: Mapped[datetime] = mapped_column(DateTime)  # UTC
    tz: Mapped[str] = mapped_column(String(64), default="Asia/Shanghai")
    venue_id: Mapped[int | None] = mapped_column(ForeignKey("venues.id"), nullable=True)
    host_unit: Mapped[str] = mapped_column(String(200), default="")
    organizer_id: Mapped[int] = mapped_column(ForeignKey("users.id"))  # the event's organizer
    created_by: Mapped[str] = mapped_column(String(64))
    members: Mapped[list] = mapped_column(JSON, default=list)  # [{name, nationality, organisation, post, passport_type, passport_last4}]
    route: Mapped[list] = mapped_column(JSON, default=list)  # [{place, host, escort}]
    meetings: Mapped[list] = mapped_column(JSON, default=list)  # [{with, topic}]
    topics: Mapped[list] = mapped_column(JSON, default=list)  # topic codes asked for
    photography_allowed: Mapped[bool] = mapped_column(Boolean, default=False)
    gifts: Mapped[str] = mapped_column(Text, default="")
    contacts: Mapped[str] = mapped_column(Text, default="")  # whom to call (names and desk phones)
    status: Mapped[str] = mapped_column(String(20), default="draft")
    last_comment: Mapped[str] = mapped_column(Text, default="")
    event_id: Mapped[int | None] = mapped_column(ForeignKey("events.id", ondelete="SET NULL"), nullable=True)
    facts: Mapped[dict] = mapped_column(JSON, default=dict)
    version: Mapped[int] = mapped_column(Integer, default=1)
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow, onupdate=utcnow)

    __table_args__ = ({"sqlite_autoincrement": True},)


class DisclosureTopic(Base):
    """A topic added to the catalogue in the app (the defaults live in data/rules/visits.yaml)."""

    __tablename__ = "disclosure_topics"
    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(64), unique=True)
    title: Mapped[dict] = mapped_column(JSON)  # {en, zh_CN}
    level: Mapped[str] = mapped_column(String(20))
    tier: Mapped[str] = mapped_column(String(20))  # public / pre_cleared / non_core / core
    talking_points: Mapped[dict] = mapped_column(JSON, default=dict)  # {en, zh_CN}
    source: Mapped[str] = mapped_column(String(300), default="")
    created_by: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)

    __table_args__ = ({"sqlite_autoincrement": True},)


class DisclosureScope(Base):
    """The per-visit disclosure scope: the structure of a disclosure authority letter."""

    __tablename__ = "disclosure_scopes"
    id: Mapped[int] = mapped_column(primary_key=True)
    visit_id: Mapped[int] = mapped_column(ForeignKey("visit_requests.id", ondelete="CASCADE"), unique=True)
    ceiling: Mapped[str] = mapped_column(String(20), default="public")
    status: Mapped[str] = mapped_column(String(20), default="draft")  # draft/submitted/approved/returned/rejected
    requested_by: Mapped[str] = mapped_column(String(64), default="")
    decided_by: Mapped[str | None] = mapped_column(String(64), nullable=True)
    decided_at: Mapped[datetime | None] = mapped_column(DateTime, nullable=True)
    last_comment: Mapped[str] = mapped_column(Text, default="")
    version: Mapped[int] = mapped_column(Integer, default=1)
    updated_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow, onupdate=utcnow)

    __table_args__ = ({"sqlite_autoincrement": True},)


class ScopeItem(Base):
    __tablename__ = "disclosure_scope_items"
    id: Mapped[int] = mapped_column(primary_key=True)
    scope_id: Mapped[int] = mapped_column(ForeignKey("disclosure_scopes.id", ondelete="CASCADE"), index=True)
    topic_code: Mapped[str] = mapped_column(String(64))
    decision: Mapped[str] = mapped_column(String(20))  # may_discuss / agreed_line / must_not
    methods: Mapped[list] = mapped_column(JSON, default=list)  # oral / visual / documents
    exception_basis: Mapped[str] = mapped_column(Text, default="")  # legal basis of a state-secret exception
    note: Mapped[str] = mapped_column(Text, default="")

    __table_args__ = (UniqueConstraint("scope_id", "topic_code", name="uq_scope_topic"), {"sqlite_autoincrement": True})


class InfoRequestLog(Base):
    """Append-only: a foreign party asked for information outside the scope (who, what, how answered)."""

    __tablename__ = "visit_info_requests"
    id: Mapped[int] = mapped_column(primary_key=True)
    visit_id: Mapped[int] = mapped_column(ForeignKey("visit_requests.id"), index=True)
    at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    asked_by: Mapped[str] = mapped_column(String(200))
    what: Mapped[str] = mapped_column(Text)
    answer: Mapped[str] = mapped_column(Text)
    topic_code: Mapped[str] = mapped_column(String(64), default="")
    logged_by: Mapped[str] = mapped_column(String(64))

    __table_args__ = ({"sqlite_autoincrement": True},)


# ---------------------------------------------------------------- issue 12: key locations and the post-visit report

class KeyLocation(Base):
    """A key department or location of the unit (要害部门部位): name, level, responsible person and whether foreign
    visitors are barred. Proposed, changed and retired by an organizer; a leader's approval makes it so
    (`pending` holds the change waiting for the leader)."""

    __tablename__ = "key_locations"
    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200), unique=True)
    level: Mapped[str] = mapped_column(String(20), default="internal")
    responsible: Mapped[str] = mapped_column(String(200), default="")
    no_foreign_visitors: Mapped[bool] = mapped_column(Boolean, default=True)
    status: Mapped[str] = mapped_column(String(20), default="proposed")  # proposed / active / retired / rejected
    pending: Mapped[dict | None] = mapped_column(JSON, nullable=True)  # {op: create/update/retire, values}
    created_by: Mapped[str] = mapped_column(String(64), default="")
    decided_by: Mapped[str | None] = mapped_column(String(64), nullable=True)
    version: Mapped[int] = mapped_column(Integer, default=1)
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow, onupdate=utcnow)

    __table_args__ = ({"sqlite_autoincrement": True},)


class VisitReport(Base):
    """The post-visit report (外事接待总结), one per visit, filed to the leader and the foreign-affairs office."""

    __tablename__ = "visit_reports"
    id: Mapped[int] = mapped_column(primary_key=True)
    visit_id: Mapped[int] = mapped_column(ForeignKey("visit_requests.id", ondelete="CASCADE"), unique=True)
    status: Mapped[str] = mapped_column(String(20), default="submitted")  # submitted / approved / returned
    content: Mapped[dict] = mapped_column(JSON, default=dict)
    filed_by: Mapped[str] = mapped_column(String(64))
    filed_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    decided_by: Mapped[str | None] = mapped_column(String(64), nullable=True)
    decided_at: Mapped[datetime | None] = mapped_column(DateTime, nullable=True)
    last_comment: Mapped[str] = mapped_column(Text, default="")
    version: Mapped[int] = mapped_column(Integer, default=1)

    __table_args__ = ({"sqlite_autoincrement": True},)
