"""The custody of numbered copies: the append-only ledger, its replay into each copy's state, and the
movements a desk makes (issue, transfer, recover, to the secrecy room), each refused with its rule."""
from __future__ import annotations

from dataclasses import dataclass
from operator import attrgetter
from datetime import datetime
from typing import Iterable

from sqlalchemy import select
from sqlalchemy.orm import Session

from planners.base import audit
from planners.base.auth import Principal
from planners.core import hooks
from planners.core.errors import CopyAlreadyRecovered, IssueRefused, NotFound, RecoveryRefused, ValidationFailed
from planners.base.events import get_event
from planners.core.findings import Finding
from planners.core.i18n import t
from planners.core.levels import Classification
from planners.core.clock import utcnow
from planners.store.db import is_sqlite
from planners.store.models import Attendee
from planners.store.models_documents import CustodyEntry, Document, DocumentCopy
from planners.store.models_sessions import EventSession, SessionAttendee
from planners.documents.register import _norm
from planners.documents.rules import _may_desk, _may_manage, parse_code, refusal, rules
from planners.attendees.eligibility import is_foreign

ACTIONS = ("issued", "transferred", "recovered", "to_secrecy_room", "destroyed", "lost",
           "taken_abroad", "back_from_abroad")  # issue 14: a copy approved to go abroad with a traveller
STATES = ("in_store", "issued", "recovered", "secrecy_room", "destroyed", "lost", "abroad")
# Which states each ledger action may start from, and the state it leads to.
TRANSITIONS: dict[str, tuple[tuple[str, ...], str]] = {
    "issued": (("in_store", "recovered"), "issued"),
    "transferred": (("issued",), "issued"),
    "recovered": (("issued",), "recovered"),
    "to_secrecy_room": (("in_store", "recovered", "issued"), "secrecy_room"),
    "destroyed": (("in_store", "recovered", "secrecy_room"), "destroyed"),
    "lost": (("in_store", "recovered", "issued", "secrecy_room", "abroad"), "lost"),
    # issue 14: out of the country with a traveller (holder named), then back to the 保密室 (A2)
    "taken_abroad": (("in_store", "recovered", "secrecy_room"), "abroad"),
    "back_from_abroad": (("abroad",), "secrecy_room"),
}

# ---------------------------------------------------------------- ledger replay

@dataclass(kw_only=True, slots=True)
class CopyState:
    copy_id: int
    state: str = "in_store"
    holder_id: int | None = None
    holder_name: str = ""
    since: datetime | None = None
    seq: int = 0
    desk: str = ""


def _step(cur: list, action: str, attendee_id, holder_name: str, at, seq: int, desk: str) -> None:
    """Apply one ledger entry to a copy's state [state, holder_id, holder_name, since, seq, desk], in place.
    (Entries were validated when they were written.)"""
    target = TRANSITIONS[action][1]
    if target in ("issued", "abroad"):
        cur[:] = [target, attendee_id, holder_name, at, seq, desk]
    elif target == "lost":  # the last holder stays named on a lost copy
        cur[0], cur[3], cur[4], cur[5] = target, at, seq, desk
    else:
        cur[:] = [target, None, "", at, seq, desk]


def apply(st: CopyState, action: str, attendee_id: int | None, holder_name: str, at: datetime | None,
          seq: int, desk: str = "") -> CopyState:
    """One ledger entry applied to a copy's state."""
    cur = [st.state, st.holder_id, st.holder_name, st.since, st.seq, st.desk]
    _step(cur, action, attendee_id, holder_name, at, seq, desk)
    return CopyState(copy_id=st.copy_id, state=cur[0], holder_id=cur[1], holder_name=cur[2], since=cur[3],
                     seq=cur[4], desk=cur[5])


_ORDER_KEY = attrgetter("copy_id", "seq")


def replay(entries: Iterable, copy_ids: Iterable[int] = ()) -> dict[int, CopyState]:
    """Derive each copy's state and holder from ledger entries (objects or rows with copy_id, seq, action,
    attendee_id, holder_name, at, and optionally desk), given in any order."""
    cur: dict[int, list] = {cid: ["in_store", None, "", None, 0, ""] for cid in copy_ids}
    for e in sorted(entries, key=_ORDER_KEY):
        c = cur.get(e.copy_id)
        if c is None:
            c = cur[e.copy_id] = ["in_store", None, "", None, 0, ""]
        _step(c, e.action, e.attendee_id, e.holder_name, e.at, e.seq, getattr(e, "desk", ""))
    return {cid: CopyState(copy_id=cid, state=c[0], holder_id=c[1], holder_name=c[2], since=c[3], seq=c[4],
                           desk=c[5]) for cid, c in cur.items()}


def _entry_cols():
    return (CustodyEntry.copy_id, CustodyEntry.seq, CustodyEntry.action, CustodyEntry.attendee_id,
            CustodyEntry.holder_name, CustodyEntry.at, CustodyEntry.desk, CustodyEntry.session_id)


def issued_for(entries: Iterable) -> dict[int, int | None]:
    """The session each copy's latest issue was made for (issue 15), from ledger entries in any order; copies
    never issued are absent, a copy last issued for the whole meeting maps to None."""
    last: dict[int, tuple[int, int | None]] = {}
    for e in entries:
        if e.action == "issued" and e.seq > last.get(e.copy_id, (0, None))[0]:
            last[e.copy_id] = (e.seq, getattr(e, "session_id", None))
    return {cid: sid for cid, (_seq, sid) in last.items()}


def copy_state(session: Session, copy_id: int) -> CopyState:
    rows = session.execute(select(*_entry_cols()).where(CustodyEntry.copy_id == copy_id)
                           .order_by(CustodyEntry.seq)).all()
    return replay(rows, [copy_id])[copy_id]


def ledger(session: Session, event_id: int) -> list[CustodyEntry]:
    return list(session.scalars(select(CustodyEntry).where(CustodyEntry.event_id == event_id)
                                .order_by(CustodyEntry.at, CustodyEntry.id)))



# ---------------------------------------------------------------- custody movements

def _lock_copy(session: Session, copy_id: int) -> DocumentCopy:
    """Serialise movements of one copy: PostgreSQL row lock; SQLite's BEGIN IMMEDIATE already serialises."""
    q = select(DocumentCopy).where(DocumentCopy.id == copy_id)
    if not is_sqlite(session.get_bind()):
        q = q.with_for_update()
    c = session.scalars(q.execution_options(populate_existing=True)).one()
    return c


def _resolve(session: Session, event_id: int, code: str, err=IssueRefused) -> tuple[DocumentCopy, Document]:
    ev_id, doc_id, number = parse_code(code)
    if ev_id != event_id:
        raise err([refusal("wrong_event", code=code.strip(), event=ev_id)])
    c = session.scalar(select(DocumentCopy.id).where(DocumentCopy.document_id == doc_id,
                                                    DocumentCopy.number == number,
                                                    DocumentCopy.event_id == event_id))
    if c is None:
        raise NotFound(f"No copy {code} is registered for this event.", key="documents.copy_not_found",
                       code=code.strip())
    copy = _lock_copy(session, c)
    return copy, session.get(Document, copy.document_id)


def _attendee(session: Session, event_id: int, attendee_id: int | None) -> Attendee:
    a = session.get(Attendee, attendee_id) if attendee_id is not None else None
    if a is None or a.event_id != event_id:
        raise NotFound("The receiver is not on this event's allow-list.", key="documents.attendee_not_found")
    return a


def attendees_of(session: Session, event_id: int) -> list[Attendee]:
    """The event's allow-list, by name (the receivers a desk can choose)."""
    return list(session.scalars(select(Attendee).where(Attendee.event_id == event_id).order_by(Attendee.name)))


def in_scope(scope: list[str], a: Attendee) -> bool:
    keys = {_norm(a.name), _norm(a.unit), _norm(a.post), _norm(a.event_role), _norm("role:" + a.event_role)}
    keys.discard("")
    return any(_norm(s) in keys for s in scope or [])


def receiver_findings(session: Session | None, doc: Document, a: Attendee, *, check_presence: bool = True) \
        -> list[Finding]:
    """Why `a` may not receive a copy of `doc` (empty: they may). Pure apart from the presence check."""
    out: list[Finding] = []
    lvl = Classification(doc.level)
    if check_presence and session is not None:
        if not all(present(session, doc.event_id, a.id) for present in hooks.answers("attendee_present")):
            out.append(refusal("not_checked_in", name=a.name))
    if lvl.is_state_secret and (is_foreign(a) or a.foreign_invested_staff):
        out.append(refusal("foreign_receiver", name=a.name, level=lvl.label("zh_CN")))
    if lvl.is_state_secret:
        clearance = Classification(a.clearance) if a.clearance else None
        if clearance is None or not clearance.at_least(lvl):
            out.append(refusal("clearance_below_level", name=a.name, level=lvl.label("zh_CN"),
                               clearance=clearance.label("zh_CN") if clearance else "—"))
    if doc.scope and not in_scope(doc.scope, a):
        out.append(refusal("outside_scope", name=a.name))
    return out


def _state_refusal(st: CopyState, action: str, code: str) -> Finding | None:
    allowed, _ = TRANSITIONS[action]
    if st.state in allowed:
        return None
    if action in ("issued",) and st.state == "issued":
        return refusal("copy_already_issued", code=code, holder=st.holder_name)
    if action == "recovered" and st.state == "recovered":
        return refusal("already_recovered", code=code)
    return refusal("copy_not_available", code=code, state=t(f"documents.state.{st.state}", "zh_CN"),
                   state_en=t(f"documents.state.{st.state}", "en"))


def _append(session: Session, copy: DocumentCopy, st: CopyState, action: str, *, actor: Principal,
            attendee: Attendee | None = None, holder_name: str | None = None, desk: str = "",
            acknowledgement: str = "", ref: str = "", attendee_id: int | None = None,
            session_id: int | None = None) -> CustodyEntry:
    e = CustodyEntry(event_id=copy.event_id, copy_id=copy.id, seq=st.seq + 1, action=action,
                     attendee_id=attendee.id if attendee else attendee_id,
                     holder_name=holder_name if holder_name is not None else (attendee.name if attendee else ""),
                     actor=actor.username, desk=(desk or "").strip()[:60],
                     acknowledgement=(acknowledgement or "").strip()[:300], ref=ref, at=utcnow(),
                     session_id=session_id)
    session.add(e)
    session.flush()
    return e


def _audit_move(session, actor, e: CustodyEntry, code: str, **extra) -> None:
    audit.record(session, actor=actor.username, action=f"document.{e.action}", object_type="document_copy",
                 object_id=e.copy_id, event_id=e.event_id, code=code, seq=e.seq, attendee_id=e.attendee_id,
                 desk=e.desk, **extra)


def session_findings(session: Session, ev, doc: Document, a: Attendee, session_id: int) -> list[Finding]:
    """Why a copy of `doc` may not be issued to `a` for the session `session_id` (issue 15: documents issued per
    session): a session of another meeting, a document above the session's level, a receiver not admitted to it."""
    s = session.get(EventSession, session_id)
    if s is None:
        raise NotFound(f"No session with id {session_id}.", key="sessions.not_found", id=session_id)
    if s.event_id != ev.id:
        return [refusal("session_other_event", session=s.title, id=s.id, event=s.event_id)]
    out = []
    if Classification(doc.level).above(s.level):
        out.append(refusal("above_session_level", session=s.title, level=Classification(doc.level).label("zh_CN"),
                           session_level=Classification(s.level).label("zh_CN")))
    if session.scalar(select(SessionAttendee.id).where(SessionAttendee.session_id == s.id,
                                                       SessionAttendee.attendee_id == a.id)) is None:
        out.append(refusal("not_admitted_to_session", name=a.name, session=s.title))
    return out


def issue_copy(session: Session, event_id: int, code: str, attendee_id: int, *, actor: Principal,
               desk: str = "", acknowledgement: str = "", session_id: int | None = None) -> CustodyEntry:
    """Issue one copy to an attendee against signature, for the whole event or for one of its sessions
    (`session_id`: at that session's door). Refused with every reason; nothing changes then."""
    ev = get_event(session, event_id)
    _may_desk(ev, actor)
    copy, doc = _resolve(session, ev.id, code)
    a = _attendee(session, ev.id, attendee_id)
    st = copy_state(session, copy.id)
    findings = [f for f in [_state_refusal(st, "issued", code.strip())] if f] + receiver_findings(session, doc, a)
    if session_id is not None:
        findings += session_findings(session, ev, doc, a, session_id)
    if findings:
        raise IssueRefused(findings)
    e = _append(session, copy, st, "issued", actor=actor, attendee=a, desk=desk, acknowledgement=acknowledgement,
                session_id=session_id)
    _audit_move(session, actor, e, code.strip(), **({"session_id": session_id} if session_id is not None else {}))
    return e


def transfer_copy(session: Session, event_id: int, code: str, to_attendee_id: int, *, actor: Principal,
                  desk: str = "", acknowledgement: str = "") -> CustodyEntry:
    """Record that the holder handed the copy to another eligible attendee."""
    ev = get_event(session, event_id)
    _may_desk(ev, actor)
    copy, doc = _resolve(session, ev.id, code)
    a = _attendee(session, ev.id, to_attendee_id)
    st = copy_state(session, copy.id)
    bad = _state_refusal(st, "transferred", code.strip())
    findings = ([bad] if bad else []) + receiver_findings(session, doc, a)
    if st.holder_id == a.id:
        findings.append(refusal("copy_already_issued", code=code.strip(), holder=st.holder_name))
    if findings:
        raise IssueRefused(findings)
    e = _append(session, copy, st, "transferred", actor=actor, attendee=a, desk=desk,
                acknowledgement=acknowledgement)
    _audit_move(session, actor, e, code.strip(), from_attendee_id=st.holder_id)
    return e


def recover_copy(session: Session, event_id: int, code: str, returned_by: int | None = None, *,
                 actor: Principal, desk: str = "", acknowledgement: str = "") -> CustodyEntry:
    """Take a copy back from its holder. `returned_by` (the attendee at the desk) must be the holder."""
    ev = get_event(session, event_id)
    _may_desk(ev, actor)
    copy, _doc = _resolve(session, ev.id, code, RecoveryRefused)
    st = copy_state(session, copy.id)
    bad = _state_refusal(st, "recovered", code.strip())
    if bad is not None:
        raise (CopyAlreadyRecovered if bad.data["code"] == "already_recovered" else RecoveryRefused)([bad])
    if returned_by is not None and returned_by != st.holder_id:
        who = session.get(Attendee, returned_by)
        raise RecoveryRefused([refusal("not_holder", code=code.strip(), name=who.name if who else "?",
                                       holder=st.holder_name)])
    # the entry names who returned it (the holder); after it the copy has no holder
    e = _append(session, copy, st, "recovered", actor=actor, holder_name=st.holder_name, desk=desk,
                acknowledgement=acknowledgement, attendee_id=st.holder_id)
    _audit_move(session, actor, e, code.strip(), returned_by=st.holder_id, rule=rules()["recover_all"]["id"])
    return e


def send_to_secrecy_room(session: Session, event_id: int, code: str, *, actor: Principal, custodian: str,
                         acknowledgement: str = "") -> CustodyEntry:
    """Hand a copy to the unit's 保密室 (实施条例 art. 27(8)); `custodian` names who carries / receives it."""
    ev = get_event(session, event_id)
    _may_manage(ev, actor)
    if not (custodian or "").strip():
        raise ValidationFailed("Name the custodian who takes the copy to the 保密室.",
                               key="documents.custodian_required", field="custodian")
    copy, _doc = _resolve(session, ev.id, code, RecoveryRefused)
    st = copy_state(session, copy.id)
    bad = _state_refusal(st, "to_secrecy_room", code.strip())
    if bad:
        raise RecoveryRefused([bad])
    e = _append(session, copy, st, "to_secrecy_room", actor=actor, holder_name=custodian.strip()[:120],
                acknowledgement=acknowledgement)
    _audit_move(session, actor, e, code.strip(), custodian=custodian.strip()[:120])
    return e


def allowed_actions(state: str) -> tuple[str, ...]:
    """The ledger actions a copy in `state` may take next (from TRANSITIONS): what a page offers for it."""
    return tuple(action for action, (sources, _to) in TRANSITIONS.items() if state in sources)


def may(state: str, action: str) -> bool:
    return action in allowed_actions(state)


# ---------------------------------------------------------------- abroad (issue 14)
# The trips area records a copy's journey abroad through these two functions; documents never imports trips.
# Who may take the copy abroad was decided there (its own leader approval under F2); here only the ledger's rules
# apply: the copy must be in store (or back in the 保密室), and only a copy abroad comes back.

def find_copy(session: Session, code: str) -> tuple[DocumentCopy, Document, CopyState]:
    """A registered copy by its code, with its document and current state (NotFound if no such copy)."""
    try:
        _ev, doc_id, number = parse_code(code)
    except ValidationFailed:
        raise
    c = session.scalar(select(DocumentCopy).where(DocumentCopy.document_id == doc_id,
                                                  DocumentCopy.number == number))
    if c is None or c.event_id != _ev:
        raise NotFound(f"No copy {code} is registered.", key="documents.copy_not_found", code=(code or "").strip())
    return c, session.get(Document, c.document_id), copy_state(session, c.id)


def take_abroad(session: Session, code: str, *, holder_name: str, ref: str, actor: Principal) -> CustodyEntry:
    """The copy leaves with `holder_name` (a traveller): reconciliation shows it outstanding, abroad with them."""
    c, _doc, _st = find_copy(session, code)
    copy = _lock_copy(session, c.id)
    st = copy_state(session, copy.id)
    bad = _state_refusal(st, "taken_abroad", code.strip())
    if bad:
        raise IssueRefused([bad])
    e = _append(session, copy, st, "taken_abroad", actor=actor, holder_name=holder_name.strip()[:120], ref=ref)
    _audit_move(session, actor, e, code.strip(), holder=holder_name, ref=ref)
    return e


def back_from_abroad(session: Session, code: str, *, custodian: str, ref: str, actor: Principal) -> CustodyEntry:
    """The copy is back and handed to the unit's 保密室 (实施条例 art. 27(8); catalogue A2)."""
    c, _doc, _st = find_copy(session, code)
    copy = _lock_copy(session, c.id)
    st = copy_state(session, copy.id)
    bad = _state_refusal(st, "back_from_abroad", code.strip())
    if bad:
        raise RecoveryRefused([bad])
    e = _append(session, copy, st, "back_from_abroad", actor=actor, holder_name=custodian.strip()[:120], ref=ref)
    _audit_move(session, actor, e, code.strip(), custodian=custodian, ref=ref)
    return e
