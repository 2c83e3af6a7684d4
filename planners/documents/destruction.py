"""Destruction of copies: requested with two witnesses, approved by a leader, then carried out."""
from __future__ import annotations


from sqlalchemy import select
from sqlalchemy.orm import Session

from planners.base import approvals, audit
from planners.base.auth import Principal
from planners.core.errors import InvalidTransition, NotFound, RecoveryRefused, ValidationFailed
from planners.base.events import get_event
from planners.core.findings import Finding, Severity
from planners.core.i18n import both
from planners.core.clock import utcnow
from planners.store.models import Approval
from planners.store.models_documents import Destruction
from planners.documents.custody import _append, _audit_move, _lock_copy, _resolve, _state_refusal, copy_state
from planners.documents.register import _norm
from planners.documents.rules import _may_manage, copy_code, rule_param, rules

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


def on_destruction_decision(session: Session, item: Approval, leader: Principal) -> None:
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
