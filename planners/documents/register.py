"""The register of an event's documents (metadata only, never content) and their numbered copies;
more copies only with a leader's approval."""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from planners.base import approvals, audit
from planners.base.auth import Principal
from planners.core.errors import InvalidTransition, NotFound, ValidationFailed
from planners.base.events import get_event, local
from planners.core.findings import Finding, Severity
from planners.core.i18n import both
from planners.core.levels import ALL_LEVELS, Classification
from planners.core.clock import utcnow
from planners.store.models import Approval, Event
from planners.store.models_documents import Document, DocumentCopy
from planners.documents.rules import CARRIERS, MAX_COPIES, _may_manage, check_retention, doc_marking, rules

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
                 object_id=d.id, event_id=ev.id, rule=rules()["numbered_copies"]["id"],
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


def on_copy_decision(session: Session, item: Approval, leader: Principal) -> None:
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


def levels_allowed_for(ev: Event) -> list[str]:
    """The levels a document of `ev` may have, highest first: never above the event's own level
    (DOC-LEVEL-EVENT, rule above_event_level)."""
    return [lv.value for lv in reversed(ALL_LEVELS) if not lv.above(ev.level)]
