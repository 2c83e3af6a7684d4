"""Documents: the register, numbered copies, the custody ledger, reconciliation, destruction, loss reports.

Conclave never holds a document's content (DESIGN.md, principle 1): only the register entry (control number,
non-secret short title, level, period, 定密 record, knowledge scope) and the custody of each numbered copy.

The custody ledger (`custody_entries`) is append-only (database triggers refuse UPDATE and DELETE). The current
state and holder of a copy is never stored: `replay()` derives it from the ledger. Every movement locks the copy
row first (BEGIN IMMEDIATE on SQLite, SELECT … FOR UPDATE on PostgreSQL) and appends entry `seq + 1`; the
unique (copy_id, seq) pair is the last line of defence, so two desks recovering one copy give one success and
one `CopyAlreadyRecovered`.

Rules (maximum periods, destruction, the 24-hour loss report …) are data in data/rules/documents.yaml."""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from operator import attrgetter
from datetime import date, datetime, timedelta
from typing import Callable, Iterable

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from planners import approvals, audit
from planners.auth import Principal
from planners.errors import ConclaveError, InvalidTransition, NotFound, PermissionDenied, ValidationFailed
from planners.events import gate, get_event, local
from planners.findings import Finding, Severity
from planners.home import Attention, provider
from planners.i18n import both, pick, t
from planners.levels import Classification
from planners.rules import Field, load_catalogue
from planners.store.db import is_sqlite, utcnow
from planners.store.models import Approval, Attendee, Event
from planners.store.models_documents import CustodyEntry, Destruction, Document, DocumentCopy, LossIncident

CARRIERS = ("paper", "magnetic", "optical_electronic", "device")
RETENTION_KINDS = ("period", "date", "condition")
ACTIONS = ("issued", "transferred", "recovered", "to_secrecy_room", "destroyed", "lost")
STATES = ("in_store", "issued", "recovered", "secrecy_room", "destroyed", "lost")
# Which states each ledger action may start from, and the state it leads to.
TRANSITIONS: dict[str, tuple[tuple[str, ...], str]] = {
    "issued": (("in_store", "recovered"), "issued"),
    "transferred": (("issued",), "issued"),
    "recovered": (("issued",), "recovered"),
    "to_secrecy_room": (("in_store", "recovered", "issued"), "secrecy_room"),
    "destroyed": (("in_store", "recovered", "secrecy_room"), "destroyed"),
    "lost": (("in_store", "recovered", "issued", "secrecy_room"), "lost"),
}
CODE_PREFIX = "DOC"
MAX_COPIES = 500

# Is the attendee inside the venue now? Wired to the check-in module at merge; None = not checked (skip).
PRESENCE_CHECK: Callable[[Session, int, int], bool] | None = None

RULE_FIELDS = {
    "code": Field("str", required=True),
    "text": Field("bilingual", required=True),
    "params": Field("dict"),
    "proposal": Field("bool"),
}


# ---------------------------------------------------------------- rules and findings

def rules() -> dict[str, dict]:
    """The document rules by code (data/rules/documents.yaml)."""
    doc = load_catalogue("documents", RULE_FIELDS)
    return {r["code"]: r for r in doc["rules"]}


def rule_param(code: str, name: str, default=None):
    return (rules()[code].get("params") or {}).get(name, default)


def refusal(rule_code: str, /, **params) -> Finding:
    r = rules()[rule_code]
    return Finding(rule=r["id"], severity=Severity.BLOCKER, reason=both(f"documents.refusal.{rule_code}", **params),
                   source=r["source"], data={"code": rule_code})


# ---------------------------------------------------------------- errors

class CustodyRefused(ConclaveError):
    """A movement of a copy was refused; nothing changed. `findings` say why, each with its source."""

    key = "documents.refused"

    def __init__(self, findings: list[Finding]):
        self.findings = findings
        super().__init__("; ".join(f"{f.data.get('code')}: {f.text('en')} ({f.source})" for f in findings),
                         reasons=" ".join(f.text("zh_CN") for f in findings))

    def localized(self, lang: str) -> str:
        return " ".join(f.text(lang) for f in self.findings)

    @property
    def codes(self) -> list[str]:
        return [f.data.get("code", "") for f in self.findings]


class IssueRefused(CustodyRefused):
    key = "documents.issue_refused"


class RecoveryRefused(CustodyRefused):
    key = "documents.recovery_refused"


class CopyAlreadyRecovered(RecoveryRefused):
    key = "documents.already_recovered"


class RetentionBeyondMaximum(ValidationFailed):
    key = "documents.retention_beyond_maximum"


class CopyCodeUnreadable(ValidationFailed):
    key = "documents.code_unreadable"


class CopiesOutstanding(ConclaveError):
    key = "documents.copies_outstanding"


# ---------------------------------------------------------------- retention and marking

_PERIOD = re.compile(r"^\s*(\d{1,3})\s*(年|years?|y)\s*$", re.I)
_MONTHS = re.compile(r"^\s*(\d{1,3})\s*(个月|months?|m)\s*$", re.I)


def _add_years(d: date, years: int) -> date:
    try:
        return d.replace(year=d.year + years)
    except ValueError:  # 29 February
        return d.replace(year=d.year + years, day=28)


def check_retention(level: str, kind: str, value: str, classified_on: date) -> tuple[str, str]:
    """Validate a 保密期限 and return (kind, normalised value). Never longer than the level's legal maximum
    (保密法 art. 20); a date runs from the 定密 date (实施条例 art. 19)."""
    lvl = Classification.parse(level)
    value = (value or "").strip()
    if not lvl.is_state_secret:
        if value:
            raise ValidationFailed("A 保密期限 applies only to 秘密, 机密 and 绝密; leave it empty.",
                                   key="documents.retention_not_secret", field="retention")
        return "", ""
    maximum = lvl.max_retention_years
    if kind not in RETENTION_KINDS:
        raise ValidationFailed("Choose whether the 保密期限 is a period, a date or a condition.",
                               key="documents.retention_kind_required", field="retention_kind")
    if not value:
        raise ValidationFailed("Enter the 保密期限 (e.g. 10年, a date, or a condition).",
                               key="documents.retention_required", field="retention")
    too_long = RetentionBeyondMaximum(
        f"{value} is longer than the legal maximum of {maximum} years for {lvl.label('en')} "
        f"(保密法 art. 20): set a shorter period.", field="retention", value=value, max=maximum,
        level=lvl.label("zh_CN"))
    if kind == "period":
        m, mm = _PERIOD.match(value), _MONTHS.match(value)
        if m:
            years = int(m.group(1))
            if years < 1:
                raise ValidationFailed("The period must be at least 1 year.", key="documents.retention_bad",
                                       field="retention", value=value)
            if years > maximum:
                raise too_long
            return kind, f"{years}年"
        if mm:
            months = int(mm.group(1))
            if months < 1:
                raise ValidationFailed("The period must be at least 1 month.", key="documents.retention_bad",
                                       field="retention", value=value)
            if months > maximum * 12:
                raise too_long
            return kind, f"{months}个月"
        raise ValidationFailed("Write the period as N年 (e.g. 10年) or N个月.", key="documents.retention_bad",
                               field="retention", value=value)
    if kind == "date":
        try:
            d = date.fromisoformat(value)
        except ValueError as exc:
            raise ValidationFailed("Write the date as YYYY-MM-DD.", key="documents.retention_bad",
                                   field="retention", value=value) from exc
        if d <= classified_on:
            raise ValidationFailed("The date must come after the 定密 date.", key="documents.retention_bad",
                                   field="retention", value=value)
        if d > _add_years(classified_on, maximum):
            raise too_long
        return kind, d.isoformat()
    if len(value) > 120:
        raise ValidationFailed("Keep the condition under 120 characters.", key="documents.retention_bad",
                               field="retention", value=value[:20])
    return kind, value


def marking(level: str, kind: str, value: str) -> str:
    """The carrier marking, e.g. '机密★20年' (实施条例 art. 21)."""
    lvl = Classification.parse(level)
    if not lvl.is_state_secret or not value:
        return lvl.label("zh_CN")
    if kind == "date":
        d = date.fromisoformat(value)
        return lvl.marking(f"{d.year}年{d.month}月{d.day}日")
    if kind == "condition":
        return lvl.marking(value if len(value) <= 16 else value[:15] + "…")
    return lvl.marking(value)


def doc_marking(d: Document) -> str:
    return marking(d.level, d.retention_kind, d.retention)


def copy_label(number: int, total: int, lang: str = "zh_CN") -> str:
    return t("documents.copy_n_of", lang, n=number, total=total)


# ---------------------------------------------------------------- copy codes

def copy_code(event_id: int, document_id: int, number: int) -> str:
    """The text of a copy's QR label: it names the event, the document and the copy."""
    return f"{CODE_PREFIX}-{event_id}-{document_id}-{number}"


_CODE = re.compile(rf"^\s*{CODE_PREFIX}-(\d+)-(\d+)-(\d+)\s*$", re.I)


def parse_code(code: str) -> tuple[int, int, int]:
    m = _CODE.match(code or "")
    if not m:
        raise CopyCodeUnreadable("The copy code is unreadable: scan the label again or type it as DOC-E-D-N.",
                                 field="code", code=(code or "")[:40])
    return int(m.group(1)), int(m.group(2)), int(m.group(3))


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
    if target == "issued":
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
            CustodyEntry.holder_name, CustodyEntry.at, CustodyEntry.desk)


def copy_state(session: Session, copy_id: int) -> CopyState:
    rows = session.execute(select(*_entry_cols()).where(CustodyEntry.copy_id == copy_id)
                           .order_by(CustodyEntry.seq)).all()
    return replay(rows, [copy_id])[copy_id]


def ledger(session: Session, event_id: int) -> list[CustodyEntry]:
    return list(session.scalars(select(CustodyEntry).where(CustodyEntry.event_id == event_id)
                                .order_by(CustodyEntry.at, CustodyEntry.id)))


# ---------------------------------------------------------------- permissions

def _may_manage(ev: Event, actor: Principal) -> None:
    if actor.role == "admin" or (actor.role == "organizer" and ev.organizer_id == actor.id):
        return
    raise PermissionDenied("Only the event's organizer manages its documents.", key="documents.organizer_only")


def _may_desk(ev: Event, actor: Principal) -> None:
    if actor.role == "front_desk":
        if ev.status in ("planned", "ready", "in_progress"):
            return
        raise PermissionDenied("The front desk works only on planned, ready or running events.",
                               key="documents.desk_event_closed")
    _may_manage(ev, actor)


# ---------------------------------------------------------------- register

@dataclass(kw_only=True)
class DocumentInput:
    control_no: str
    short_title: str
    carrier: str
    level: str
    retention_kind: str = ""
    retention: str = ""
    proposed_by: str = ""
    approved_by: str = ""
    basis: str = ""
    scope: list[str] = field(default_factory=list)
    classified_on: date | None = None
    copies: int = 1


def parse_scope(text: str | list[str]) -> list[str]:
    """The knowledge scope as a list: one unit, name or role per line (or separated by ，、;,)."""
    items = text if isinstance(text, list) else re.split(r"[\n,，;；、]+", text or "")
    out: list[str] = []
    for x in items:
        x = str(x).strip()
        if x and x not in out:
            out.append(x)
    return out


def _norm(x: str) -> str:
    return re.sub(r"\s+", "", (x or "")).casefold()


def validate_document(data: DocumentInput, ev: Event) -> DocumentInput:
    control = (data.control_no or "").strip()
    if not control or len(control) > 60:
        raise ValidationFailed("The control number is required (up to 60 characters).",
                               key="documents.control_required", field="control_no")
    title = (data.short_title or "").strip()
    if not title or len(title) > 200:
        raise ValidationFailed("A non-secret short title is required (up to 200 characters).",
                               key="documents.title_required", field="short_title")
    if data.carrier not in CARRIERS:
        raise ValidationFailed("Choose the carrier form.", key="documents.bad_carrier", field="carrier")
    try:
        lvl = Classification.parse(data.level)
    except ValueError as exc:
        raise ValidationFailed("Choose the document's level.", key="documents.level_required",
                               field="level") from exc
    if lvl.above(ev.level):
        r = rules()["above_event_level"]
        raise ValidationFailed(f"{r['text']['en']} ({r['source']})", key="documents.above_event_level",
                               field="level", level=lvl.label("zh_CN"),
                               event_level=Classification(ev.level).label("zh_CN"))
    classified_on = data.classified_on or local(utcnow(), ev.tz).date()
    kind, retention = check_retention(lvl.value, data.retention_kind, data.retention, classified_on)
    scope = parse_scope(data.scope)
    proposed, approved = (data.proposed_by or "").strip(), (data.approved_by or "").strip()
    if lvl.is_state_secret:
        if not proposed or not approved:
            raise ValidationFailed("Name the handler who proposed the level and the 定密责任人 who approved it.",
                                   key="documents.dingmi_required", field="approved_by")
        if _norm(proposed) == _norm(approved):
            raise ValidationFailed("The 定密责任人 must be a different person from the handler who proposed the "
                                   "level (保密法 art. 16; 实施条例 art. 17).",
                                   key="documents.dingmi_same_person", field="approved_by")
        if not (data.basis or "").strip():
            raise ValidationFailed("Give the basis of the classification (e.g. the item of the secrecy scope).",
                                   key="documents.basis_required", field="basis")
        if not scope:
            raise ValidationFailed("Set the knowledge scope (知悉范围): units, names or roles, one per line.",
                                   key="documents.scope_required", field="scope")
    if not isinstance(data.copies, int) or not 1 <= data.copies <= MAX_COPIES:
        raise ValidationFailed(f"The number of copies must be between 1 and {MAX_COPIES}.",
                               key="documents.bad_copies", field="copies", max=MAX_COPIES)
    return DocumentInput(control_no=control, short_title=title, carrier=data.carrier, level=lvl.value,
                         retention_kind=kind, retention=retention, proposed_by=proposed, approved_by=approved,
                         basis=(data.basis or "").strip()[:300], scope=scope, classified_on=classified_on,
                         copies=data.copies)


def register_document(session: Session, event_id: int, data: DocumentInput, *, actor: Principal) -> Document:
    """Register a document and its numbered copies 1..N."""
    ev = get_event(session, event_id)
    _may_manage(ev, actor)
    if ev.status == "closed":
        raise InvalidTransition("The event is closed; documents can no longer be registered.",
                                key="documents.event_closed")
    v = validate_document(data, ev)
    if session.scalar(select(Document.id).where(Document.event_id == ev.id, Document.control_no == v.control_no)):
        raise ValidationFailed(f"Control number {v.control_no} is already registered for this event.",
                               key="documents.control_taken", field="control_no", control=v.control_no)
    d = Document(event_id=ev.id, control_no=v.control_no, short_title=v.short_title, carrier=v.carrier,
                 level=v.level, retention_kind=v.retention_kind, retention=v.retention, proposed_by=v.proposed_by,
                 approved_by=v.approved_by, basis=v.basis, scope=v.scope, classified_on=v.classified_on,
                 copies_count=v.copies, created_by=actor.username)
    session.add(d)
    session.flush()
    session.add_all([DocumentCopy(document_id=d.id, event_id=ev.id, number=n, origin="original")
                     for n in range(1, v.copies + 1)])
    session.flush()
    audit.record(session, actor=actor.username, action="document.register", object_type="document",
                 object_id=d.id, event_id=ev.id,
                 after={"control_no": d.control_no, "marking": doc_marking(d), "carrier": d.carrier,
                        "copies": d.copies_count, "proposed_by": d.proposed_by, "approved_by": d.approved_by,
                        "scope": d.scope})
    return d


def documents_of(session: Session, event_id: int) -> list[Document]:
    return list(session.scalars(select(Document).where(Document.event_id == event_id).order_by(Document.id)))


def get_document(session: Session, document_id: int) -> Document:
    d = session.get(Document, document_id)
    if d is None:
        raise NotFound(f"No document with id {document_id}.", key="documents.not_found", id=document_id)
    return d


def copies_of(session: Session, document_id: int) -> list[DocumentCopy]:
    return list(session.scalars(select(DocumentCopy).where(DocumentCopy.document_id == document_id)
                                .order_by(DocumentCopy.number)))


# ---------------------------------------------------------------- copying (needs approval)

def request_copies(session: Session, document_id: int, n: int, *, reason: str, actor: Principal) -> Approval:
    """Ask a leader to approve making `n` more copies (实施条例 art. 27(5)); approved copies are numbered after
    the existing ones."""
    d = get_document(session, document_id)
    ev = get_event(session, d.event_id)
    _may_manage(ev, actor)
    if not isinstance(n, int) or not 1 <= n <= MAX_COPIES:
        raise ValidationFailed(f"The number of copies must be between 1 and {MAX_COPIES}.",
                               key="documents.bad_copies", field="copies", max=MAX_COPIES)
    if not (reason or "").strip():
        raise ValidationFailed("Say why the copies are needed.", key="documents.reason_required", field="reason")
    r = rules()["copy_needs_approval"]
    return approvals.request(
        session, kind="document_copy", object_type="document", object_id=d.id, event_id=ev.id,
        title=both("documents.copy_request_title", control=d.control_no, n=n), requested_by=actor,
        findings=[Finding(rule=r["id"], severity=Severity.BLOCKER, reason=r["text"], source=r["source"])],
        payload={"document_id": d.id, "n": n, "reason": reason.strip()[:300]}, comment=reason.strip()[:300])


@approvals.on_decision("document_copy")
def _on_copy_decision(session: Session, item: Approval, leader: Principal) -> None:
    if item.status != "approved":
        return
    d = get_document(session, int(item.payload["document_id"]))
    n = int(item.payload["n"])
    last = session.scalar(select(func.max(DocumentCopy.number)).where(DocumentCopy.document_id == d.id)) or 0
    session.add_all([DocumentCopy(document_id=d.id, event_id=d.event_id, number=last + i, origin="copy",
                                  approval_id=item.id) for i in range(1, n + 1)])
    session.flush()
    audit.record(session, actor=leader.username, action="document.copies_made", object_type="document",
                 object_id=d.id, event_id=d.event_id, numbers=f"{last + 1}-{last + n}", approval=item.id)


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
    if check_presence and PRESENCE_CHECK is not None and session is not None:
        if not PRESENCE_CHECK(session, doc.event_id, a.id):
            out.append(refusal("not_checked_in", name=a.name))
    if lvl.is_state_secret and ((a.nationality or "CN").upper() not in ("CN", "CHN", "中国")
                                or a.foreign_invested_staff):
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
            acknowledgement: str = "", ref: str = "", attendee_id: int | None = None) -> CustodyEntry:
    e = CustodyEntry(event_id=copy.event_id, copy_id=copy.id, seq=st.seq + 1, action=action,
                     attendee_id=attendee.id if attendee else attendee_id,
                     holder_name=holder_name if holder_name is not None else (attendee.name if attendee else ""),
                     actor=actor.username, desk=(desk or "").strip()[:60],
                     acknowledgement=(acknowledgement or "").strip()[:300], ref=ref, at=utcnow())
    session.add(e)
    session.flush()
    return e


def _audit_move(session, actor, e: CustodyEntry, code: str, **extra) -> None:
    audit.record(session, actor=actor.username, action=f"document.{e.action}", object_type="document_copy",
                 object_id=e.copy_id, event_id=e.event_id, code=code, seq=e.seq, attendee_id=e.attendee_id,
                 desk=e.desk, **extra)


def issue_copy(session: Session, event_id: int, code: str, attendee_id: int, *, actor: Principal,
               desk: str = "", acknowledgement: str = "") -> CustodyEntry:
    """Issue one copy to an attendee against signature. Refused with every reason; nothing changes then."""
    ev = get_event(session, event_id)
    _may_desk(ev, actor)
    copy, doc = _resolve(session, ev.id, code)
    a = _attendee(session, ev.id, attendee_id)
    st = copy_state(session, copy.id)
    findings = [f for f in [_state_refusal(st, "issued", code.strip())] if f] + receiver_findings(session, doc, a)
    if findings:
        raise IssueRefused(findings)
    e = _append(session, copy, st, "issued", actor=actor, attendee=a, desk=desk, acknowledgement=acknowledgement)
    _audit_move(session, actor, e, code.strip())
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
    _audit_move(session, actor, e, code.strip(), returned_by=st.holder_id)
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


# ---------------------------------------------------------------- loss and the 24-hour report

def loss_deadline_hours() -> int:
    return int(rule_param("loss_report", "hours", 24))


def declare_lost(session: Session, event_id: int, code: str, *, actor: Principal, what: str = "",
                 when_text: str = "", where: str = "", measures: str = "") -> LossIncident:
    """Declare a copy lost: the ledger records it and an incident opens with its report deadline
    (24 h: 实施条例 art. 61; 北京条例 art. 36)."""
    ev = get_event(session, event_id)
    _may_manage(ev, actor)
    copy, doc = _resolve(session, ev.id, code, RecoveryRefused)
    st = copy_state(session, copy.id)
    bad = _state_refusal(st, "lost", code.strip())
    if bad:
        raise RecoveryRefused([bad])
    now = utcnow()
    inc = LossIncident(event_id=ev.id, copy_id=copy.id, declared_by=actor.username, declared_at=now,
                       deadline_at=now + timedelta(hours=loss_deadline_hours()), holder_name=st.holder_name,
                       what=(what or "").strip(), when_text=(when_text or "").strip()[:120],
                       where=(where or "").strip()[:200], measures=(measures or "").strip())
    session.add(inc)
    session.flush()
    e = _append(session, copy, st, "lost", actor=actor, holder_name=st.holder_name, ref=f"incident:{inc.id}")
    _audit_move(session, actor, e, code.strip(), incident=inc.id)
    return inc


@dataclass(kw_only=True)
class IncidentReport:
    what: str = ""
    when_text: str = ""
    where: str = ""
    measures: str = ""
    reported_to: str = ""
    mark_reported: bool = False


def update_incident(session: Session, incident_id: int, data: IncidentReport, *, actor: Principal) -> LossIncident:
    """Fill in the loss report; `mark_reported` records that it went to the 保密行政管理部门 and the superior."""
    inc = session.get(LossIncident, incident_id)
    if inc is None:
        raise NotFound("No such incident.", key="documents.incident_not_found")
    _may_manage(get_event(session, inc.event_id), actor)
    if inc.reported_at is not None:
        raise InvalidTransition("This report was already sent; it can no longer be changed.",
                                key="documents.incident_reported")
    before = _incident_snapshot(inc)
    inc.what, inc.when_text = (data.what or "").strip(), (data.when_text or "").strip()[:120]
    inc.where, inc.measures = (data.where or "").strip()[:200], (data.measures or "").strip()
    inc.reported_to = (data.reported_to or "").strip()[:200]
    if data.mark_reported:
        missing = [k for k in ("what", "when_text", "where", "measures", "reported_to") if not getattr(inc, k)]
        if missing:
            raise ValidationFailed("Fill in what, when, where, the measures taken and to whom it is reported "
                                   "before marking the report as sent.", key="documents.report_incomplete",
                                   field=missing[0])
        inc.reported_at, inc.reported_by = utcnow(), actor.username
    session.flush()
    audit.record(session, actor=actor.username, action="document.incident_report", object_type="loss_incident",
                 object_id=inc.id, event_id=inc.event_id, before=before, after=_incident_snapshot(inc))
    return inc


def _incident_snapshot(inc: LossIncident) -> dict:
    return {"what": inc.what, "when": inc.when_text, "where": inc.where, "measures": inc.measures,
            "reported_to": inc.reported_to, "reported_at": inc.reported_at}


def incidents(session: Session, event_id: int | None = None) -> list[LossIncident]:
    q = select(LossIncident).order_by(LossIncident.deadline_at)
    if event_id is not None:
        q = q.where(LossIncident.event_id == event_id)
    return list(session.scalars(q))


def is_overdue(inc: LossIncident, now: datetime | None = None) -> bool:
    return inc.reported_at is None and (now or utcnow()) > inc.deadline_at


# ---------------------------------------------------------------- destruction

def destruction_methods() -> list[str]:
    return list(rule_param("destruction", "methods", []))


def request_destruction(session: Session, event_id: int, codes: list[str], *, method: str, witness1: str,
                        witness2: str, reason: str = "", actor: Principal) -> Destruction:
    """Count and register the copies to destroy, name two witnesses and the method, and ask a leader to
    approve (实施条例 art. 28). The copies are destroyed only after approval, by `carry_out_destruction`."""
    ev = get_event(session, event_id)
    _may_manage(ev, actor)
    codes = [c.strip() for c in codes if c and c.strip()]
    if not codes:
        raise ValidationFailed("Choose the copies to destroy.", key="documents.no_copies", field="copies")
    if method not in destruction_methods():
        raise ValidationFailed("Choose a destruction method.", key="documents.bad_method", field="method")
    w1, w2 = (witness1 or "").strip(), (witness2 or "").strip()
    if not w1 or not w2:
        raise ValidationFailed("Name two witnesses (监销人).", key="documents.witnesses_required", field="witness1")
    if _norm(w1) == _norm(w2):
        raise ValidationFailed("The two witnesses must be different people.", key="documents.witnesses_same",
                               field="witness2")
    me = {_norm(actor.username), _norm(actor.display_name)}
    if _norm(w1) in me or _norm(w2) in me:
        raise ValidationFailed("The requester cannot be a witness of their own destruction request.",
                               key="documents.witness_is_requester", field="witness1")
    copy_ids: list[int] = []
    findings: list[Finding] = []
    for code in dict.fromkeys(codes):
        copy, _doc = _resolve(session, ev.id, code, RecoveryRefused)
        st = copy_state(session, copy.id)
        bad = _state_refusal(st, "destroyed", code)
        if bad:
            findings.append(bad)
        copy_ids.append(copy.id)
    if findings:
        raise RecoveryRefused(findings)
    d = Destruction(event_id=ev.id, copy_ids=copy_ids, method=method, witness1=w1[:120], witness2=w2[:120],
                    reason=(reason or "").strip()[:300], requested_by=actor.username, status="pending")
    session.add(d)
    session.flush()
    r = rules()["destruction"]
    approvals.request(session, kind="document_destruction", object_type="destruction", object_id=d.id,
                      event_id=ev.id, title=both("documents.destruction_title", n=len(copy_ids), id=d.id),
                      requested_by=actor,
                      findings=[Finding(rule=r["id"], severity=Severity.BLOCKER, reason=r["text"],
                                        source=r["source"])],
                      payload={"destruction_id": d.id, "count": len(copy_ids), "method": method})
    audit.record(session, actor=actor.username, action="document.destruction_request", object_type="destruction",
                 object_id=d.id, event_id=ev.id, count=len(copy_ids), method=method, witnesses=[w1, w2])
    return d


@approvals.on_decision("document_destruction")
def _on_destruction_decision(session: Session, item: Approval, leader: Principal) -> None:
    d = session.get(Destruction, int(item.payload["destruction_id"]))
    if d is None:
        return
    d.status, d.decided_by = item.status, leader.username


def carry_out_destruction(session: Session, destruction_id: int, *, actor: Principal) -> Destruction:
    """Record that the approved destruction was done: one 'destroyed' ledger entry per copy."""
    d = session.get(Destruction, destruction_id)
    if d is None:
        raise NotFound("No such destruction record.", key="documents.destruction_not_found")
    ev = get_event(session, d.event_id)
    _may_manage(ev, actor)
    if d.status != "approved":
        raise InvalidTransition("A leader must approve the destruction first.",
                                key="documents.destruction_not_approved", status=d.status)
    findings, todo = [], []
    for cid in d.copy_ids:
        copy = _lock_copy(session, cid)
        st = copy_state(session, cid)
        code = copy_code(copy.event_id, copy.document_id, copy.number)
        bad = _state_refusal(st, "destroyed", code)
        if bad:
            findings.append(bad)
        todo.append((copy, st, code))
    if findings:
        raise RecoveryRefused(findings)
    for copy, st, code in todo:
        e = _append(session, copy, st, "destroyed", actor=actor, ref=f"destruction:{d.id}",
                    acknowledgement=f"{d.witness1}; {d.witness2}")
        _audit_move(session, actor, e, code, destruction=d.id)
    d.status, d.done_by, d.done_at = "done", actor.username, utcnow()
    audit.record(session, actor=actor.username, action="document.destruction_done", object_type="destruction",
                 object_id=d.id, event_id=d.event_id, count=len(todo))
    return d


def destructions(session: Session, event_id: int) -> list[Destruction]:
    return list(session.scalars(select(Destruction).where(Destruction.event_id == event_id)
                                .order_by(Destruction.id)))


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

    def as_json(self) -> dict:
        return {"code": self.code, "control_no": self.control_no, "short_title": self.short_title,
                "marking": self.marking, "copy": self.number, "of": self.total, "state": self.state,
                "holder_id": self.holder_id, "holder": self.holder_name,
                "since_utc": self.since.isoformat(timespec="seconds") if self.since else None}


@dataclass(frozen=True, kw_only=True)
class Reconciliation:
    event_id: int
    rows: list[CopyRow]
    counts: dict[str, int]

    @property
    def outstanding(self) -> list[CopyRow]:
        return [r for r in self.rows if r.state == "issued"]

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
    states = replay(session.execute(eq).all(), [c.id for c in copies])
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
                            holder_id=st.holder_id, holder_name=st.holder_name, since=st.since))
    return rows


def reconcile(session: Session, event_id: int) -> Reconciliation:
    """Every copy of the event with its state and holder, derived from the ledger."""
    rows = _rows(session, event_id)
    counts = {s: 0 for s in STATES}
    for r in rows:
        counts[r.state] += 1
    return Reconciliation(event_id=event_id, rows=rows, counts=counts)


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


# ---------------------------------------------------------------- gate, home, approvals

@gate("closed")
def _no_copy_outstanding(session: Session, ev: Event) -> list[Finding]:
    rec = reconcile(session, ev.id)
    n = len(rec.outstanding)
    if not n:
        return []
    r = rules()["close_outstanding"]
    holders = "、".join(sorted(rec.outstanding_by_holder()))
    return [Finding(rule=r["id"], severity=Severity.BLOCKER, source=r["source"],
                    reason=both("documents.gate_outstanding", n=n, holders=holders),
                    data={"codes": [x.code for x in rec.outstanding]})]


@provider
def _loss_incidents(session: Session, me: Principal) -> list[Attention]:
    if me.role not in ("organizer", "leader"):
        return []
    now = utcnow()
    out = []
    for inc in session.scalars(select(LossIncident).where(LossIncident.reported_at.is_(None))
                               .order_by(LossIncident.deadline_at)):
        ev = session.get(Event, inc.event_id)
        if ev is None or (me.role == "organizer" and ev.organizer_id != me.id):
            continue
        deadline = local(inc.deadline_at, ev.tz).strftime("%Y-%m-%d %H:%M")
        if now > inc.deadline_at:
            out.append(Attention(color="red", event_id=ev.id, page="documents", data={"incident": inc.id},
                                 text=both("documents.home_overdue", title=ev.title, deadline=deadline)))
        else:
            out.append(Attention(color="orange", event_id=ev.id, page="documents", data={"incident": inc.id},
                                 text=both("documents.home_open", title=ev.title, deadline=deadline)))
    return out


# ---------------------------------------------------------------- exports (PDF: labels, destruction, loss)

def _qr_image(text: str):
    import qrcode

    qr = qrcode.QRCode(error_correction=qrcode.constants.ERROR_CORRECT_M, box_size=6, border=2)
    qr.add_data(text)
    qr.make(fit=True)
    return qr.make_image(fill_color="black", back_color="white").get_image()


def label_sheet_pdf(session: Session, document_id: int, *, lang: str = "zh_CN",
                    numbers: list[int] | None = None) -> bytes:
    """A sheet of labels, one per copy: QR code (event, document, copy), marking, control number, 第 N 份 / 共 M 份.
    No content. Raises NoCJKFont when the system has no CJK font."""
    from planners.exports.pdfdoc import FAMILY, OfficePDF

    d = get_document(session, document_id)
    copies = copies_of(session, d.id)
    total = len(copies)
    mark = doc_marking(d)
    pdf = OfficePDF(title=t("documents.labels_title", lang, control=d.control_no), marking=mark, lang=lang)
    pdf.set_auto_page_break(False)
    cols, rows_per_page, w, h = 2, 6, 87.0, 40.0
    x0, y0 = 18.0, 30.0
    chosen = [c for c in copies if numbers is None or c.number in numbers]
    for i, c in enumerate(chosen):
        slot = i % (cols * rows_per_page)
        if slot == 0:
            pdf.add_page()
        x = x0 + (slot % cols) * (w + 2)
        y = y0 + (slot // cols) * (h + 3)
        code = copy_code(d.event_id, d.id, c.number)
        pdf.set_draw_color(120, 120, 120)
        pdf.rect(x, y, w, h)
        pdf.image(_qr_image(code), x=x + 2, y=y + 2, w=h - 4, h=h - 4)
        tx = x + h
        pdf.set_xy(tx, y + 3)
        pdf.set_font(FAMILY, "B", 11)
        pdf.set_text_color(176, 0, 32)
        pdf.cell(w - h - 2, 6, mark)
        pdf.set_text_color(0, 0, 0)
        pdf.set_font(FAMILY, "", 9)
        for j, line in enumerate([d.control_no, d.short_title[:18], copy_label(c.number, total, lang), code]):
            pdf.set_xy(tx, y + 11 + j * 6)
            pdf.cell(w - h - 2, 5, line)
    if not chosen:
        pdf.add_page()
    return pdf.output_bytes()


def destruction_pdf(session: Session, destruction_id: int, *, lang: str = "zh_CN") -> bytes:
    from planners.exports.pdfdoc import OfficePDF

    d = session.get(Destruction, destruction_id)
    if d is None:
        raise NotFound("No such destruction record.", key="documents.destruction_not_found")
    ev = get_event(session, d.event_id)
    rec = {r.copy_id: r for r in reconcile(session, ev.id).rows}
    r = rules()["destruction"]
    pdf = OfficePDF(title=t("documents.destruction_record", lang), lang=lang)
    pdf.add_page()
    pdf.title_block(t("documents.destruction_record", lang), f"{ev.title} · #{d.id}")
    fmt = "%Y-%m-%d %H:%M"
    pdf.facts([
        (t("documents.count", lang), str(len(d.copy_ids))),
        (t("documents.method", lang), t(f"documents.method_{d.method}", lang)),
        (t("documents.witness1", lang), d.witness1),
        (t("documents.witness2", lang), d.witness2),
        (t("documents.requested_by", lang), d.requested_by),
        (t("documents.requested_at", lang), local(d.requested_at, ev.tz).strftime(fmt)),
        (t("documents.decided_by", lang), d.decided_by or "—"),
        (t("documents.status", lang), t(f"documents.destruction_status.{d.status}", lang)),
        (t("documents.done_at", lang), local(d.done_at, ev.tz).strftime(fmt) if d.done_at else "—"),
        (t("documents.reason", lang), d.reason or "—"),
    ])
    pdf.heading(t("documents.copies", lang))
    pdf.table([t("documents.control_no", lang), t("documents.marking", lang), t("documents.copy", lang),
               t("documents.code", lang)],
              [[rec[c].control_no, rec[c].marking, copy_label(rec[c].number, rec[c].total, lang), rec[c].code]
               for c in d.copy_ids if c in rec], widths=[45, 40, 40, 49])
    pdf.para(f"{pick(r['text'], lang)} — {r['source']}", size=8)
    pdf.signature_lines([t("documents.witness1", lang), t("documents.witness2", lang),
                         t("documents.approver", lang)])
    return pdf.output_bytes()


def incident_pdf(session: Session, incident_id: int, *, lang: str = "zh_CN") -> bytes:
    from planners.exports.pdfdoc import OfficePDF

    inc = session.get(LossIncident, incident_id)
    if inc is None:
        raise NotFound("No such incident.", key="documents.incident_not_found")
    ev = get_event(session, inc.event_id)
    row = next(r for r in reconcile(session, ev.id).rows if r.copy_id == inc.copy_id)
    r = rules()["loss_report"]
    fmt = "%Y-%m-%d %H:%M"
    pdf = OfficePDF(title=t("documents.loss_report", lang), lang=lang)
    pdf.add_page()
    pdf.title_block(t("documents.loss_report", lang), f"{ev.title} · #{inc.id}")
    pdf.facts([
        (t("documents.control_no", lang), row.control_no),
        (t("documents.marking", lang), row.marking),
        (t("documents.copy", lang), copy_label(row.number, row.total, lang)),
        (t("documents.code", lang), row.code),
        (t("documents.holder", lang), inc.holder_name or "—"),
        (t("documents.declared_at", lang), local(inc.declared_at, ev.tz).strftime(fmt)),
        (t("documents.deadline", lang), local(inc.deadline_at, ev.tz).strftime(fmt)),
        (t("documents.what", lang), inc.what),
        (t("documents.when", lang), inc.when_text),
        (t("documents.where", lang), inc.where),
        (t("documents.measures", lang), inc.measures),
        (t("documents.reported_to", lang), inc.reported_to),
        (t("documents.reported_at", lang), local(inc.reported_at, ev.tz).strftime(fmt) if inc.reported_at else "—"),
    ], label_width=42)
    pdf.para(f"{pick(r['text'], lang)} — {r['source']}", size=8)
    pdf.signature_lines([t("documents.reporter", lang), t("documents.unit_head", lang)])
    return pdf.output_bytes()


def reconciliation_csv(rec: Reconciliation, lang: str = "zh_CN") -> bytes:
    from planners.exports.tables import to_csv

    return to_csv([{**r.as_json(), "state": t(f"documents.state.{r.state}", lang)} for r in rec.rows])


# ---------------------------------------------------------------- demo

def load_demo(session: Session, ctx) -> None:
    """Register the demo documents (data/demo/documents.yaml); running twice changes nothing."""
    import yaml

    from planners import auth
    from planners.config import DEMO_DIR
    from planners.store.models import User

    spec = yaml.safe_load((DEMO_DIR / "documents.yaml").read_text(encoding="utf-8"))
    for item in spec.get("documents", []):
        ev = ctx.events.get(item["event"])
        if ev is None:
            continue
        if session.scalar(select(Document.id).where(Document.event_id == ev.id,
                                                    Document.control_no == item["control_no"])):
            continue
        organizer = auth.principal(session.get(User, ev.organizer_id))
        start_day = local(ev.starts_at, ev.tz).date() - timedelta(days=2)
        retention = str(item.get("retention", ""))
        if "retention_in_days" in item:  # a date relative to the demo's day
            retention = (start_day + timedelta(days=int(item["retention_in_days"]))).isoformat()
        d = register_document(session, ev.id, DocumentInput(
            control_no=item["control_no"], short_title=item["short_title"], carrier=item["carrier"],
            level=item["level"], retention_kind=item.get("retention_kind", ""), retention=retention,
            proposed_by=item.get("proposed_by", ""), approved_by=item.get("approved_by", ""),
            basis=item.get("basis", ""), scope=list(item.get("scope", [])), classified_on=start_day,
            copies=int(item["copies"])), actor=organizer)
        ctx.created.append(f"document {d.control_no}")


# The desk link (presence at issue, copies to take back at check-out) lives in planners.custody_desk.
import planners.custody_desk  # noqa: E402,F401
