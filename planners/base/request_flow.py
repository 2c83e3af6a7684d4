"""The request-and-approve workflow that trips and visits share (issue 16: one copy, not two).

An area's request moves through a state machine (`TRANSITIONS`: action -> {from status: to status}) whose decision
steps are taken by a leader in the approval queue (planners.base.approvals). The area keeps its own object, its own
error keys and what its decision does (its `on_decision` answer); this module holds the steps they all take alike:
the next status or the refusal, the organizer responsible, the item waiting for a leader, the leader's decision on
it, and the check that nobody else changed the object meanwhile."""
from __future__ import annotations

from sqlalchemy.orm import Session

from planners.base import approvals
from planners.base.auth import Principal
from planners.core.errors import InvalidTransition, ValidationFailed
from planners.store.models import User

DECISION_ACTION = {"approved": "approve", "returned": "return", "rejected": "reject"}
BASE_TRANSITIONS: dict[str, dict[str, str]] = {
    "submit": {"draft": "submitted", "returned": "submitted"},
    "approve": {"submitted": "approved"},
    "return": {"submitted": "returned"},
    "reject": {"submitted": "rejected"},
    "edit": {"draft": "draft", "returned": "returned", "approved": "submitted"},
}


def next_status(transitions: dict[str, dict[str, str]], status: str, action: str, *, key: str, what: str) -> str:
    """The status after `action`, or InvalidTransition with the reason (`what`: "A trip", "A visit request")."""
    to = transitions.get(action, {}).get(status)
    if to is None:
        raise InvalidTransition(f"{what} that is {status} cannot be {action}.", key=key, status=status, action=action)
    return to


def organizer_for(session: Session, organizer_id: int | None, actor: Principal, *, key: str, what: str) -> int:
    """The organizer responsible (by default the actor, when an organizer): an active organizer account."""
    oid = organizer_id or (actor.id if actor.role == "organizer" else None)
    user = session.get(User, oid) if oid else None
    if user is None or user.role != "organizer" or not user.active:
        raise ValidationFailed(f"Choose the organizer responsible for this {what} (an active organizer account).",
                               key=key, field="organizer_id")
    return user.id


def check_version(obj, expected_version: int | None, *, key: str, what: str) -> None:
    """Refuse an edit made on a copy someone else changed since it was opened."""
    if expected_version is not None and obj.version != expected_version:
        raise InvalidTransition(f"Someone else changed this {what} since you opened it; reload and apply your "
                                "change again.", key=key)


def pending_item(session: Session, kind: str, object_type: str, object_id):
    """The object's item waiting in the leader queue, or None."""
    item = approvals.latest_for(session, kind, object_type, object_id)
    return item if item is not None and item.status == "pending" else None


def decide(session: Session, obj, decision: str, *, kind: str, object_type: str,
           transitions: dict[str, dict[str, str]], key: str, what: str, noun: str, leader: Principal,
           comment: str = ""):
    """A leader decides the object's waiting item (approved / returned / rejected) through the approvals queue;
    the area's `on_decision` answer applies it."""
    if decision not in DECISION_ACTION:
        raise ValidationFailed("Choose approve, return or reject.", key="approvals.bad_decision", field="decision")
    next_status(transitions, obj.status, DECISION_ACTION[decision], key=key, what=what)
    item = pending_item(session, kind, object_type, obj.id)
    if item is None:
        raise InvalidTransition(f"Nothing is waiting for a decision on this {noun}.", key=key,
                                status=obj.status, action=DECISION_ACTION[decision])
    approvals.decide(session, item.id, decision, leader=leader, comment=comment)
    return obj
