"""Reconciliation: every copy with its state and holder; what is still outstanding."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from planners.base.events import local
from planners.core.errors import NotFound
from planners.store.models_documents import CustodyEntry, Document, DocumentCopy
from planners.store.models_sessions import EventSession
from planners.documents.custody import STATES, _entry_cols, issued_for, replay
from planners.documents.rules import copy_code, marking

# ---------------------------------------------------------------- reconciliation

@dataclass(kw_only=True, slots=True)
class CopyRow:
    copy_id: int
    code: str
    document_id: int
    control_no: str
    short_title: str
    marking: str
    number: int
    total: int
    state: str
    holder_id: int | None
    holder_name: str
    since: datetime | None
    session_id: int | None = None  # issue 15: the session the copy's latest issue was for (None: the meeting)

    def as_json(self) -> dict:
        return {"code": self.code, "control_no": self.control_no, "short_title": self.short_title,
                "marking": self.marking, "copy": self.number, "of": self.total, "state": self.state,
                "holder_id": self.holder_id, "holder": self.holder_name,
                "since_utc": self.since.isoformat(timespec="seconds") if self.since else None,
                "session_id": self.session_id}


@dataclass(frozen=True, kw_only=True)
class Reconciliation:
    event_id: int
    rows: list[CopyRow]
    counts: dict[str, int]
    session_id: int | None = None  # issue 15: only the copies of this session (those last issued for it)

    @property
    def outstanding(self) -> list[CopyRow]:
        return [r for r in self.rows if r.state in ("issued", "abroad")]  # abroad: issue 14

    @property
    def lost(self) -> list[CopyRow]:
        return [r for r in self.rows if r.state == "lost"]

    @property
    def clean(self) -> bool:
        """Every copy is accounted for: nothing outstanding and nothing lost."""
        return not self.outstanding and not self.lost

    def outstanding_by_holder(self) -> dict[str, int]:
        out: dict[str, int] = {}
        for r in self.outstanding:
            out[r.holder_name] = out.get(r.holder_name, 0) + 1
        return out


def _rows(session: Session, event_id: int, copy_ids: list[int] | None = None) -> list[CopyRow]:
    """Copies of the event (or only `copy_ids`) with their state, derived from the ledger (two queries)."""
    q = (select(DocumentCopy.id, DocumentCopy.document_id, DocumentCopy.number, Document.control_no,
                Document.short_title, Document.level, Document.retention_kind, Document.retention)
         .join(Document, Document.id == DocumentCopy.document_id)
         .where(DocumentCopy.event_id == event_id).order_by(Document.id, DocumentCopy.number))
    eq = select(*_entry_cols()).where(CustodyEntry.event_id == event_id)
    if copy_ids is not None:
        q, eq = q.where(DocumentCopy.id.in_(copy_ids)), eq.where(CustodyEntry.copy_id.in_(copy_ids))
    copies = session.execute(q).all()
    entries = session.execute(eq).all()
    states = replay(entries, [c.id for c in copies])
    sessions = issued_for(entries)
    doc_ids = {c.document_id for c in copies}
    totals = dict(session.execute(select(DocumentCopy.document_id, func.count()).where(
        DocumentCopy.document_id.in_(doc_ids)).group_by(DocumentCopy.document_id)).all()) if doc_ids else {}
    markings: dict[int, str] = {}
    rows = []
    for c in copies:
        st = states[c.id]
        mk = markings.get(c.document_id)
        if mk is None:
            mk = markings[c.document_id] = marking(c.level, c.retention_kind, c.retention)
        rows.append(CopyRow(copy_id=c.id, code=copy_code(event_id, c.document_id, c.number),
                            document_id=c.document_id, control_no=c.control_no, short_title=c.short_title,
                            marking=mk, number=c.number, total=totals[c.document_id], state=st.state,
                            holder_id=st.holder_id, holder_name=st.holder_name, since=st.since,
                            session_id=sessions.get(c.id)))
    return rows


def reconcile(session: Session, event_id: int, *, session_id: int | None = None) -> Reconciliation:
    """Every copy of the event with its state and holder, derived from the ledger. With `session_id` (issue 15):
    the copies of that session only — those whose latest issue was made for it — with their state now (a copy
    issued there and recovered shows as recovered; one issued again later elsewhere belongs to that later one)."""
    if session_id is not None:
        found = session.get(EventSession, session_id)
        if found is None or found.event_id != event_id:
            raise NotFound(f"No session with id {session_id} in this event.", key="sessions.not_found",
                           id=session_id)
    rows = _rows(session, event_id)
    if session_id is not None:
        rows = [r for r in rows if r.session_id == session_id]
    counts = {s: 0 for s in STATES}
    for r in rows:
        counts[r.state] += 1
    return Reconciliation(event_id=event_id, rows=rows, counts=counts, session_id=session_id)


def copies_held_by(session: Session, event_id: int, attendee_id: int) -> list[CopyRow]:
    """The copies an attendee still holds: what the desk takes back before they leave. Replays only the
    copies that ever passed through their hands."""
    touched = list(session.scalars(select(CustodyEntry.copy_id).where(
        CustodyEntry.event_id == event_id, CustodyEntry.attendee_id == attendee_id).distinct()))
    if not touched:
        return []
    return [r for r in _rows(session, event_id, touched) if r.state == "issued" and r.holder_id == attendee_id]


def timeline(session: Session, event_id: int, tz: str = "Asia/Shanghai") -> list[dict]:
    """Cumulative copies issued and recovered over time (for the chart)."""
    rows = session.execute(select(CustodyEntry.at, CustodyEntry.action).where(
        CustodyEntry.event_id == event_id, CustodyEntry.action.in_(("issued", "recovered")))
        .order_by(CustodyEntry.at, CustodyEntry.id)).all()
    issued = recovered = 0
    out = []
    for at, action in rows:
        if action == "issued":
            issued += 1
        else:
            recovered += 1
        when = local(at, tz).replace(tzinfo=None)
        out.append({"at": when, "series": "issued", "count": issued})
        out.append({"at": when, "series": "recovered", "count": recovered})
    return out
