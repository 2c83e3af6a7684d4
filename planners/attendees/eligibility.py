"""Who may be admitted: the eligibility rules of data/rules/attendees.yaml applied to one attendee.

Each attendee is `eligible`, `ineligible` or `needs_approval`, with the findings that say why (rule, source,
how to fix). Rules marked `needs_approval` are lifted for one person by a leader-approved exception, asked
through the shared approval queue (kind `attendee_exception`)."""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Callable

from sqlalchemy import select
from sqlalchemy.orm import Session

from planners.base import approvals, audit
from planners.base.auth import Principal
from planners.core.errors import InvalidTransition, NotFound
from planners.core.findings import Finding, Severity
from planners.core.i18n import both
from planners.core.levels import Classification
from planners.core.rules import Field, load_catalogue
from planners.store.models import Approval, Attendee, Event
from planners.store.models_checkin import AttendeeException
from planners.core import permissions

CHECKS = ("clearance_at_least_level", "pledge_signed", "foreign_national", "foreign_invested_staff",
          "top_secret_named_by_leader", "photo_id_at_desk")
OUTCOMES = ("ineligible", "needs_approval", "attention")
FIELDS = {
    "check": Field("enum", required=True, choices=CHECKS),
    "outcome": Field("enum", required=True, choices=OUTCOMES),
    "min_level": Field("level", required=True),
    "proposal": Field("bool"),
    "text": Field("bilingual", required=True),
    "fix": Field("bilingual", required=True),
}
EXCEPTION_KIND = "attendee_exception"
ELIGIBLE, INELIGIBLE, NEEDS_APPROVAL = "eligible", "ineligible", "needs_approval"


def catalogue() -> list[dict]:
    return load_catalogue("attendees", FIELDS)["rules"]


@dataclass
class Eligibility:
    status: str  # eligible / ineligible / needs_approval
    findings: list[Finding] = field(default_factory=list)  # the rules not met (and exceptions granted, met=True)
    attention: list[Finding] = field(default_factory=list)  # what the desk must do (E6)

    @property
    def open_rules(self) -> list[str]:
        return [f.rule for f in self.findings if not f.met]


def _violates(check: str, a: Attendee, ev: Event) -> bool:
    level = Classification(ev.level)
    if check == "clearance_at_least_level":
        if not a.clearance:
            return True
        try:
            return not Classification.parse(a.clearance).at_least(level)
        except ValueError:
            return True
    if check == "pledge_signed":
        return not a.pledge_signed
    if check == "foreign_national":
        return (a.nationality or "CN").strip().upper() not in ("CN", "CHN", "中国", "PRC")
    if check == "foreign_invested_staff":
        return bool(a.foreign_invested_staff)
    if check == "top_secret_named_by_leader":
        return not (a.designated_by or "").strip()
    if check == "photo_id_at_desk":
        return True
    return False


def _finding(rule: dict, *, met: bool = False, data: dict | None = None) -> Finding:
    sev = Severity.INFO if rule["outcome"] == "attention" else Severity.BLOCKER
    reason = {lang: rule["text"][lang] + (" " + both("eligibility.proposal")[lang] if rule.get("proposal") else "")
              for lang in ("en", "zh_CN")}
    return Finding(rule=rule["id"], severity=sev, reason=reason, source=rule["source"], met=met,
                   data={"outcome": rule["outcome"], "fix": rule["fix"], **(data or {})})


def granted_rules(session: Session, attendee_id: int, attendee: Attendee | None = None) -> set[str]:
    """The rules lifted for this attendee by exceptions that still hold: granted to the person the row names now
    (planners.attendees.exception_binding), not voided."""
    from planners.attendees.exception_binding import holds

    attendee = attendee if attendee is not None else session.get(Attendee, attendee_id)
    out: set[str] = set()
    for ex in session.scalars(select(AttendeeException).where(AttendeeException.attendee_id == attendee_id)):
        if attendee is not None and holds(attendee, ex.rules, ex.fingerprint, ex.voided_at):
            out.update(ex.rules or [])
    return out


def evaluate(attendee: Attendee, event: Event, granted: set[str] | frozenset = frozenset()) -> Eligibility:
    """Apply every rule to one attendee of `event`; `granted` are rule ids lifted by a leader's exception."""
    level = Classification(event.level)
    out = Eligibility(status=ELIGIBLE)
    for rule in catalogue():
        if not level.at_least(rule["min_level"]) or not _violates(rule["check"], attendee, event):
            continue
        if rule["outcome"] == "attention":
            out.attention.append(_finding(rule))
        elif rule["outcome"] == "needs_approval" and rule["id"] in granted:
            out.findings.append(_finding(rule, met=True, data={"exception": True}))
        else:
            out.findings.append(_finding(rule))
    open_outcomes = {f.data["outcome"] for f in out.findings if not f.met}
    if "ineligible" in open_outcomes:
        out.status = INELIGIBLE
    elif "needs_approval" in open_outcomes:
        out.status = NEEDS_APPROVAL
    return out


def judge(attendee, event, granted_of: Callable[[int], set[str]]) -> Eligibility:
    """`evaluate`, asking `granted_of(attendee id)` for the leader's exceptions only when a rule that one can lift
    is open. `attendee` and `event` may be ORM objects or rows with the same column names (the front desk)."""
    first = evaluate(attendee, event)
    if first.status != NEEDS_APPROVAL:  # exceptions lift needs-approval rules only: look them up when it matters
        return first
    return evaluate(attendee, event, granted_of(attendee.id))


def for_attendee(session: Session, attendee: Attendee, event: Event | None = None) -> Eligibility:
    event = event or session.get(Event, attendee.event_id)
    return judge(attendee, event, lambda aid: granted_rules(session, aid, attendee))


def for_event(session: Session, event: Event) -> dict[int, Eligibility]:
    from planners.attendees.exception_binding import holds

    people = list(session.scalars(select(Attendee).where(Attendee.event_id == event.id)))
    by_id = {a.id: a for a in people}
    granted: dict[int, set[str]] = {}
    for ex in session.scalars(select(AttendeeException).where(AttendeeException.event_id == event.id)):
        a = by_id.get(ex.attendee_id)
        if a is not None and holds(a, ex.rules, ex.fingerprint, ex.voided_at):
            granted.setdefault(ex.attendee_id, set()).update(ex.rules or [])
    return {a.id: evaluate(a, event, granted.get(a.id, set())) for a in people}


def request_exception(session: Session, attendee_id: int, *, actor: Principal, comment: str = "") -> Approval:
    """Ask a leader to lift the needs-approval rules for this attendee (the findings say why)."""
    a = session.get(Attendee, attendee_id)
    if a is None:
        raise NotFound("No such attendee.", key="error.not_found")
    ev = session.get(Event, a.event_id)
    permissions.require(actor, "attendees.exception", ev)
    el = for_attendee(session, a, ev)
    rules = [f for f in el.findings if not f.met and f.data["outcome"] == "needs_approval"]
    if not rules:
        raise InvalidTransition("This attendee needs no exception.", key="eligibility.no_exception_needed")
    return approvals.request(
        session, kind=EXCEPTION_KIND, object_type="attendee", object_id=a.id, event_id=ev.id,
        title=both("eligibility.exception_title", name=a.name, unit=a.unit, event=ev.title),
        requested_by=actor, findings=rules, payload={"rules": [f.rule for f in rules], "attendee": a.name},
        comment=comment)


def apply_exception_decision(session: Session, item: Approval, leader: Principal) -> None:
    if item.status != "approved":
        return
    a = session.get(Attendee, int(item.object_id))
    if a is None:
        return
    from planners.attendees.exception_binding import fingerprint

    rules = list(item.payload.get("rules", []))
    ex = AttendeeException(event_id=a.event_id, attendee_id=a.id, rules=rules, approval_id=item.id,
                           decided_by=leader.username, fingerprint=fingerprint(a, rules))
    session.add(ex)
    session.flush()
    audit.record(session, actor=leader.username, action="attendee.exception_granted", object_type="attendee",
                 object_id=a.id, event_id=a.event_id, rules=ex.rules, approval_id=item.id)
