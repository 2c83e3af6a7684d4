"""The leader's approval queue, shared by every area.

An area calls `request(...)` with what is asked and the findings that make it need a leader, and answers the
`on_decision` hook for its kind (planners/wiring.py) to apply the decision to its own object. Separation of duties: only a leader decides,
never the person who asked, and a 'returned' item can be resubmitted (after changes) by its requester. Items that
belong together (a visit's request and its disclosure scope) are decided in one decision, `decide_together`; an
area's `on_decision` answer asks `in_same_decision` to refuse one of them decided alone."""
from __future__ import annotations

import json

from sqlalchemy import select
from sqlalchemy.orm import Session

from planners.base import audit
from planners.core import hooks
from planners.base.auth import Principal
from planners.core.errors import InvalidTransition, NotFound, PermissionDenied, SelfApprovalForbidden, \
    ValidationFailed
from planners.core.findings import Finding
from planners.core.clock import utcnow
from planners.store.models import Approval, ApprovalStep, AuditEntry, User

DECISIONS = ("approved", "returned", "rejected")
OPEN = ("pending",)
def finding_to_json(f: Finding) -> dict:
    return {"rule": f.rule, "severity": f.severity.value, "reason": f.reason, "source": f.source, "met": f.met}


def request(session: Session, *, kind: str, object_type: str, object_id, title: dict[str, str],
            requested_by: Principal | str, event_id: int | None = None, findings: list[Finding] | None = None,
            payload: dict | None = None, comment: str = "") -> Approval:
    """Put an item in the queue, or resubmit the open/returned one for the same object."""
    who = requested_by.username if isinstance(requested_by, Principal) else requested_by
    existing = session.scalar(select(Approval).where(
        Approval.kind == kind, Approval.object_type == object_type, Approval.object_id == str(object_id),
        Approval.status.in_(("pending", "returned"))))
    fjson = [finding_to_json(f) for f in (findings or [])]
    if existing:
        existing.status, existing.title, existing.findings = "pending", title, fjson
        existing.payload = payload or existing.payload
        existing.requested_by, existing.requested_at = who, utcnow()
        existing.decided_by = existing.decided_at = None
        item, action = existing, "resubmitted"
    else:
        item = Approval(kind=kind, object_type=object_type, object_id=str(object_id), event_id=event_id,
                        title=title, findings=fjson, payload=payload or {}, requested_by=who)
        session.add(item)
        action = "requested"
    session.flush()
    session.add(ApprovalStep(approval_id=item.id, actor=who, action=action, comment=comment))
    audit.record(session, actor=who, action=f"approval.{action}", object_type="approval", object_id=item.id,
                 event_id=event_id, kind=kind, target=f"{object_type}:{object_id}")
    return item


def decide(session: Session, approval_id: int, decision: str, *, leader: Principal, comment: str = "") -> Approval:
    if leader.role != "leader":
        raise PermissionDenied("Only a leader decides approvals.", key="approvals.leader_only")
    if decision not in DECISIONS:
        raise ValidationFailed(f"Decision must be one of {DECISIONS}.", key="approvals.bad_decision",
                               field="decision")
    item = session.get(Approval, approval_id, with_for_update=True)
    if item is None:
        raise NotFound("No such approval item.", key="error.not_found")
    if item.status != "pending":
        raise InvalidTransition(f"This item is {item.status}, not waiting for a decision.",
                                key="approvals.not_pending", status=item.status)
    requesters = {s.actor for s in session.scalars(select(ApprovalStep).where(
        ApprovalStep.approval_id == item.id, ApprovalStep.action.in_(("requested", "resubmitted"))))}
    if leader.username in requesters or leader.username == item.requested_by:
        raise SelfApprovalForbidden("Nobody may decide their own request; another leader must decide it.")
    asked_by = requesters | {item.requested_by}
    makers = account_makers(session, leader.id) & asked_by
    if makers:
        who = sorted(makers)[0]
        raise SelfApprovalForbidden(
            f"{leader.username} may not decide this: the account was created or made a leader by {who}, who "
            f"asked for it. Another leader, whose account {who} did not make, must decide it.",
            key="approvals.created_by_requester", leader=leader.username, requester=who)
    made = sorted(u.username for u in session.scalars(select(User).where(User.username.in_(asked_by)))
                  if leader.username in account_makers(session, u.id))
    if made:  # the other way round: the leader made the account that asked
        raise SelfApprovalForbidden(
            f"{leader.username} may not decide this: {leader.username} created the account {made[0]} that asked "
            "for it. Another leader must decide it.",
            key="approvals.leader_made_requester", leader=leader.username, requester=made[0])
    if decision in ("returned", "rejected") and not comment.strip():
        raise ValidationFailed("Say why: a return or a rejection needs a comment for the requester.",
                               key="approvals.comment_required", field="comment")
    item.status, item.decided_by, item.decided_at, item.comment = decision, leader.username, utcnow(), comment
    session.add(ApprovalStep(approval_id=item.id, actor=leader.username, action=decision, comment=comment))
    audit.record(session, actor=leader.username, action=f"approval.{decision}", object_type="approval",
                 object_id=item.id, event_id=item.event_id, kind=item.kind,
                 target=f"{item.object_type}:{item.object_id}", comment=comment)
    for handler in hooks.answers("on_decision", item.kind):
        handler(session, item, leader)
    return item


def account_makers(session: Session, user_id: int) -> set[str]:
    """Who created account `user_id` and who last made it a leader, read from the audit trail (auth writes
    `user.create` with the creator as actor, and `user.update` with the role before and after): a person who
    made a leader's account must not have that account decide their own requests (a second account of one
    person is still that person)."""
    entries = session.scalars(select(AuditEntry).where(
        AuditEntry.object_type == "user", AuditEntry.object_id == str(user_id),
        AuditEntry.action.in_(("user.create", "user.update"))).order_by(AuditEntry.id))
    created_by, promoted_by = set(), None
    for e in entries:
        try:
            body = json.loads(e.details or "{}")
        except ValueError:
            body = {}
        if e.action == "user.create":
            created_by.add(e.actor)
        elif (body.get("after") or {}).get("role") == "leader" and (body.get("before") or {}).get("role") != "leader":
            promoted_by = e.actor
    return created_by | ({promoted_by} if promoted_by else set())


def withdraw(session: Session, approval_id: int, *, actor: Principal, comment: str = "") -> Approval:
    item = session.get(Approval, approval_id)
    if item is None:
        raise NotFound("No such approval item.", key="error.not_found")
    if item.requested_by != actor.username:
        raise PermissionDenied("Only the requester withdraws a request.", key="approvals.requester_only")
    if item.status not in ("pending", "returned"):
        raise InvalidTransition(f"This item is {item.status}.", key="approvals.not_pending", status=item.status)
    item.status = "withdrawn"
    session.add(ApprovalStep(approval_id=item.id, actor=actor.username, action="withdrawn", comment=comment))
    audit.record(session, actor=actor.username, action="approval.withdrawn", object_type="approval",
                 object_id=item.id, event_id=item.event_id)
    return item


def pending(session: Session, *, kind: str | None = None) -> list[Approval]:
    """The queue, oldest first."""
    q = select(Approval).where(Approval.status == "pending").order_by(Approval.requested_at, Approval.id)
    if kind:
        q = q.where(Approval.kind == kind)
    return list(session.scalars(q))


def for_object(session: Session, object_type: str, object_id) -> list[Approval]:
    return list(session.scalars(select(Approval).where(
        Approval.object_type == object_type, Approval.object_id == str(object_id)).order_by(Approval.id)))


def latest_for(session: Session, kind: str, object_type: str, object_id) -> Approval | None:
    return session.scalar(select(Approval).where(
        Approval.kind == kind, Approval.object_type == object_type, Approval.object_id == str(object_id))
        .order_by(Approval.id.desc()).limit(1))


def history(session: Session, approval_id: int) -> list[ApprovalStep]:
    return list(session.scalars(select(ApprovalStep).where(ApprovalStep.approval_id == approval_id)
                                .order_by(ApprovalStep.id)))




def supersede(session: Session, item: Approval, *, actor: str, why: str = "changed") -> Approval:  # issue 12
    """An approved (or pending) item no longer matches its object: marked `superseded`, the step kept and audited.
    The area queues the next request itself (request(...))."""
    if item.status not in ("approved", "pending"):
        raise InvalidTransition(f"This item is {item.status}.", key="approvals.not_pending", status=item.status)
    before = item.status
    item.status = "superseded"
    session.add(ApprovalStep(approval_id=item.id, actor=actor, action="superseded", comment=why))
    audit.record(session, actor=actor, action="approval.superseded", object_type="approval", object_id=item.id,
                 event_id=item.event_id, kind=item.kind, before={"status": before}, why=why)
    return item


# issue 16: the leader's own recent decisions ("what I decided")
def decided_by(session: Session, username: str, *, limit: int = 10) -> list[tuple[Approval, ApprovalStep]]:
    """The last `limit` decisions `username` took (approve, return, reject), newest first, each with its item."""
    steps = session.scalars(select(ApprovalStep).where(
        ApprovalStep.actor == username, ApprovalStep.action.in_(DECISIONS + ("approved_first",)))
        .order_by(ApprovalStep.at.desc(), ApprovalStep.id.desc()).limit(limit))
    return [(session.get(Approval, st.approval_id), st) for st in steps]


# issue 16: one decision over several items (a visit's request and its disclosure scope)
_TOGETHER = "approvals.deciding_together"


def decide_together(session: Session, approval_ids, decision: str, *, leader: Principal,
                    comment: str = "") -> list[Approval]:
    """Decide several items in one decision, in the order given, with one comment; an `on_decision` answer asks
    `in_same_decision` to know whether a paired item is decided with it. Any refusal refuses all (the caller's
    unit of work writes nothing)."""
    ids = list(dict.fromkeys(int(i) for i in approval_ids))
    before = session.info.get(_TOGETHER)
    session.info[_TOGETHER] = frozenset(ids)
    try:
        return [decide(session, i, decision, leader=leader, comment=comment) for i in ids]
    finally:
        session.info[_TOGETHER] = before


def in_same_decision(session: Session, approval_id: int) -> bool:
    """Whether `approval_id` is decided in the decision under way (decide_together)."""
    return int(approval_id) in (session.info.get(_TOGETHER) or ())
