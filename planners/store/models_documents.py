"""Documents: the register entry of each document, its numbered copies, the append-only custody ledger,
destruction records and loss incidents. No content is ever stored (DESIGN.md, principle 1).

The current holder and state of a copy is not a column: it is derived by replaying the ledger
(`planners.documents.replay`)."""
from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import JSON, Date, DateTime, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from planners.core.clock import utcnow
from planners.store.models import Base


class Document(Base):
    __tablename__ = "documents"
    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[int] = mapped_column(ForeignKey("events.id", ondelete="CASCADE"), index=True)
    control_no: Mapped[str] = mapped_column(String(60))
    short_title: Mapped[str] = mapped_column(String(200))  # non-secret short title, never content
    carrier: Mapped[str] = mapped_column(String(30))  # paper / magnetic / optical_electronic / device
    level: Mapped[str] = mapped_column(String(20))  # Classification value
    retention_kind: Mapped[str] = mapped_column(String(12), default="")  # period / date / condition / ""
    retention: Mapped[str] = mapped_column(String(120), default="")  # "20年", "2030-12-31", or a condition
    proposed_by: Mapped[str] = mapped_column(String(120), default="")  # 承办人 (handler)
    approved_by: Mapped[str] = mapped_column(String(120), default="")  # 定密责任人
    basis: Mapped[str] = mapped_column(String(300), default="")  # 定密依据 (e.g. 保密事项范围 item)
    scope: Mapped[list] = mapped_column(JSON, default=list)  # 知悉范围: units, names, roles
    classified_on: Mapped[date] = mapped_column(Date)
    copies_count: Mapped[int] = mapped_column(Integer)  # copies registered at first (originals)
    created_by: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)

    __table_args__ = (UniqueConstraint("event_id", "control_no", name="uq_documents_event_control"), {"sqlite_autoincrement": True})


class DocumentCopy(Base):
    __tablename__ = "document_copies"
    id: Mapped[int] = mapped_column(primary_key=True)
    document_id: Mapped[int] = mapped_column(ForeignKey("documents.id", ondelete="CASCADE"))
    event_id: Mapped[int] = mapped_column(ForeignKey("events.id", ondelete="CASCADE"), index=True)
    number: Mapped[int] = mapped_column(Integer)  # 第 N 份
    origin: Mapped[str] = mapped_column(String(12), default="original")  # original / copy (复制, approved)
    approval_id: Mapped[int | None] = mapped_column(Integer, nullable=True)  # the copying approval
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)

    __table_args__ = (UniqueConstraint("document_id", "number", name="uq_copies_document_number"),
                      Index("ix_copies_document", "document_id"), {"sqlite_autoincrement": True})


class CustodyEntry(Base):
    """Append-only: triggers refuse UPDATE and DELETE. `seq` numbers the entries of one copy; the unique
    (copy_id, seq) pair means two desks can never both append the 'next' movement of the same copy."""

    __tablename__ = "custody_entries"
    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[int] = mapped_column(Integer, index=True)
    copy_id: Mapped[int] = mapped_column(ForeignKey("document_copies.id"))
    seq: Mapped[int] = mapped_column(Integer)
    action: Mapped[str] = mapped_column(String(20))  # issued/transferred/recovered/to_secrecy_room/destroyed/lost
    attendee_id: Mapped[int | None] = mapped_column(Integer, nullable=True)  # the new holder, or who returned it
    holder_name: Mapped[str] = mapped_column(String(120), default="")  # name at the time (for the record)
    actor: Mapped[str] = mapped_column(String(64))
    desk: Mapped[str] = mapped_column(String(60), default="")
    acknowledgement: Mapped[str] = mapped_column(String(300), default="")  # signature / acknowledgement text
    ref: Mapped[str] = mapped_column(String(60), default="")  # destruction:ID / incident:ID
    at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    # issue 15: the session an `issued` entry was made for (its door); empty for the whole event / other movements
    session_id: Mapped[int | None] = mapped_column(Integer, nullable=True)

    __table_args__ = (UniqueConstraint("copy_id", "seq", name="uq_custody_copy_seq"),
                      Index("ix_custody_event_copy", "event_id", "copy_id", "seq"),
                      Index("ix_custody_session", "session_id"), {"sqlite_autoincrement": True})


class Destruction(Base):
    __tablename__ = "document_destructions"
    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[int] = mapped_column(ForeignKey("events.id", ondelete="CASCADE"), index=True)
    copy_ids: Mapped[list] = mapped_column(JSON, default=list)
    method: Mapped[str] = mapped_column(String(40))
    witness1: Mapped[str] = mapped_column(String(120))
    witness2: Mapped[str] = mapped_column(String(120))
    reason: Mapped[str] = mapped_column(String(300), default="")
    requested_by: Mapped[str] = mapped_column(String(64))
    requested_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    status: Mapped[str] = mapped_column(String(20), default="pending")  # pending/approved/rejected/returned/done
    decided_by: Mapped[str | None] = mapped_column(String(64), nullable=True)
    done_by: Mapped[str | None] = mapped_column(String(64), nullable=True)
    done_at: Mapped[datetime | None] = mapped_column(DateTime, nullable=True)

    __table_args__ = ({"sqlite_autoincrement": True},)


class LossIncident(Base):
    __tablename__ = "document_loss_incidents"
    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[int] = mapped_column(ForeignKey("events.id", ondelete="CASCADE"), index=True)
    copy_id: Mapped[int] = mapped_column(ForeignKey("document_copies.id"))
    declared_by: Mapped[str] = mapped_column(String(64))
    declared_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    deadline_at: Mapped[datetime] = mapped_column(DateTime)
    holder_name: Mapped[str] = mapped_column(String(120), default="")
    what: Mapped[str] = mapped_column(Text, default="")
    when_text: Mapped[str] = mapped_column(String(120), default="")
    where: Mapped[str] = mapped_column(String(200), default="")
    measures: Mapped[str] = mapped_column(Text, default="")
    reported_at: Mapped[datetime | None] = mapped_column(DateTime, nullable=True)
    reported_by: Mapped[str | None] = mapped_column(String(64), nullable=True)
    reported_to: Mapped[str] = mapped_column(String(200), default="")

    __table_args__ = ({"sqlite_autoincrement": True},)
