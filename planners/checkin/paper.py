"""The paper fallback (issue 15): printable, per event and per session, the 签到表 (name, unit, ID digits,
signature column; sorted by unit) and the 文件签收单 (each numbered copy to sign for and to return), PDF in zh_CN or
en with the level marking at the top of every page. Never a photo, never content (short titles only). The result
is entered afterwards with `conclave desk sync --paper FILE --event ID` (planners.checkin.sync)."""
from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from planners.base import audit
from planners.base.auth import Principal
from planners.base.events import local
from planners.checkin.sessions import get_session
from planners.core import permissions
from planners.core.clock import utcnow
from planners.core.errors import NotFound
from planners.core.i18n import t
from planners.core.levels import Classification
from planners.documents.reconcile import reconcile
from planners.exports.pdfdoc import OfficePDF
from planners.store.models import Attendee, Event
from planners.store.models_documents import Document
from planners.store.models_sessions import SessionAttendee

SIGNIN_WIDTHS = [12, 44, 52, 24, 42]
RECEIPT_WIDTHS = [10, 28, 46, 12, 28, 25, 25]
_AT_DESK = ("in_store", "recovered", "issued")


def _scope(session: Session, event_id: int, session_id: int | None):
    ev = session.get(Event, event_id)
    if ev is None:
        raise NotFound(f"No event with id {event_id}.", key="events.not_found", id=event_id)
    s = None
    if session_id is not None:
        s = get_session(session, session_id)
        if s.event_id != ev.id:
            raise NotFound(f"No session {session_id} in this event.", key="sessions.not_found", id=session_id)
    return ev, s


def _pdf(ev, s, title_key: str, lang: str, actor: str) -> OfficePDF:
    level = Classification(s.level if s is not None else ev.level)
    marking = level.marking(ev.retention or None, lang)
    title = t(title_key, lang)
    now = local(utcnow(), ev.tz).strftime("%Y-%m-%d %H:%M")
    pdf = OfficePDF(title=f"{ev.title} {title}", marking=marking, lang=lang,
                    footer_note=t("paper.footer", lang, at=now)[:80])
    pdf.add_page()
    where = t("paper.session", lang, session=s.title) if s is not None else t("paper.whole_event", lang)
    pdf.title_block(f"{ev.title}\n{title}", where)
    return pdf


def signin_sheet(session: Session, event_id: int, *, session_id: int | None = None, lang: str = "zh_CN",
                 actor: Principal) -> bytes:
    """The 签到表 of the event (or of one session's list), sorted by unit then name."""
    ev, s = _scope(session, event_id, session_id)
    permissions.require(actor, "paper.print", ev)
    q = select(Attendee).where(Attendee.event_id == ev.id)
    if s is not None:
        q = q.join(SessionAttendee, SessionAttendee.attendee_id == Attendee.id).where(SessionAttendee.session_id == s.id)
    people = list(session.scalars(q.order_by(Attendee.unit, Attendee.name, Attendee.id)))
    pdf = _pdf(ev, s, "paper.signin_title", lang, actor.username)
    header = [t(f"paper.col.{k}", lang) for k in ("no", "name", "unit", "id_digits", "signature")]
    rows = [[str(i), a.name, a.unit, a.id_last4, ""] for i, a in enumerate(people, start=1)]
    pdf.table(header, rows, SIGNIN_WIDTHS, font_size=10)
    audit.record(session, actor=actor.username, action="paper.signin_printed", object_type="event", object_id=ev.id,
                 event_id=ev.id, session_id=session_id, rows=len(rows), lang=lang)
    return pdf.output_bytes()


def receipt_sheet(session: Session, event_id: int, *, session_id: int | None = None, lang: str = "zh_CN",
                  actor: Principal) -> bytes:
    """The 文件签收单: the numbered copies to sign for and to sign back, each with who received it.

    For the whole event: every copy of its documents that can be at the desk (in store, recovered or issued).
    For a session (issue 15): that session's copies — those issued for it (the receiver named) — then the copies
    still in store at or below the session's level, which the desk may hand out there on paper; a copy issued for
    another session or the whole meeting, or above the session's level, is not on it."""
    ev, s = _scope(session, event_id, session_id)
    permissions.require(actor, "paper.print", ev)
    rec = reconcile(session, ev.id)
    levels = {d.id: d.level for d in session.scalars(select(Document).where(Document.event_id == ev.id))}
    issued_here, available = [], []
    for r in sorted(rec.rows, key=lambda r: (r.control_no, r.number)):
        if r.state not in _AT_DESK:
            continue  # in the 保密室, destroyed, lost or abroad: not at this desk
        held = r.state == "issued"
        if s is None:
            (issued_here if held else available).append(r)
        elif held and r.session_id == s.id:
            issued_here.append(r)
        elif not held and not Classification(levels[r.document_id]).above(s.level):
            available.append(r)  # a copy above the session's level is not handed out in that room
    rows = [[str(i), r.control_no, r.short_title, str(r.number), r.holder_name if r.state == "issued" else "", "",
             ""] for i, r in enumerate(issued_here + available, start=1)]
    pdf = _pdf(ev, s, "paper.receipt_title", lang, actor.username)
    header = [t(f"paper.col.{k}", lang) for k in ("no", "control", "document", "copy", "holder", "received",
                                                  "returned")]
    pdf.table(header, rows, RECEIPT_WIDTHS, font_size=9)
    audit.record(session, actor=actor.username, action="paper.receipt_printed", object_type="event",
                 object_id=ev.id, event_id=ev.id, session_id=session_id, rows=len(rows), issued=len(issued_here),
                 lang=lang)
    return pdf.output_bytes()
