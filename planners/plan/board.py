"""The plan board: marking tasks done or not applicable (a mandatory one only by a leader, or asked of one),
undo, incidents, and readiness (every mandatory before-task done)."""
from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from planners.base import audit
from planners.base.auth import Principal
from planners.core.errors import InvalidTransition, MandatoryNeedsLeader, NotFound, ValidationFailed
from planners.base.events import get_event
from planners.core.findings import Finding, Severity
from planners.core.i18n import both
from planners.core.clock import utcnow
from planners.store.models import Event
from planners.store.models_plan import PlanMark, PlanTask
from planners.plan.build import BuildResult, build_plan, tasks
from planners.plan.rules import INCIDENT_KINDS, LANGS, PHASES, TASK_STATUSES
from planners.core import hooks, permissions

def _may_mark(ev: Event, task: PlanTask, actor: Principal) -> None:
    permissions.require(actor, "plan.mark", (task, ev))


def _get_task(session: Session, task_id: int) -> PlanTask:
    t = session.get(PlanTask, task_id)
    if t is None:
        raise NotFound("No such plan task; rebuild the plan and choose again.", key="plan.no_task")
    return t


def mark_task(session: Session, task_id: int, status: str, *, actor: Principal, reason: str = "") -> PlanTask:
    """Mark a task done, not applicable (with a reason; a mandatory task only by a leader) or open again."""
    if status not in TASK_STATUSES:
        raise ValidationFailed(f"Status must be one of {TASK_STATUSES}.", key="plan.bad_status", field="status")
    t = _get_task(session, task_id)
    ev = get_event(session, t.event_id)
    _may_mark(ev, t, actor)
    if ev.status == "closed":
        raise InvalidTransition("The event is closed; its plan can no longer change.", key="plan.event_closed")
    if not t.applies:
        raise InvalidTransition("This task no longer applies to the event.", key="plan.task_retired")
    _not_derived(t)
    reason = (reason or "").strip()
    if status == "na":
        if not reason:
            raise ValidationFailed("Say why the task does not apply.", key="plan.na_reason_required",
                                   field="reason")
        if t.mandatory and actor.role != "leader":
            raise MandatoryNeedsLeader("A mandatory task can be marked not applicable only by a leader.")
    if t.status == status and status != "na":
        raise InvalidTransition("The task has this status already.", key="plan.same_status")
    before = t.status
    t.status, t.reason = status, reason if status == "na" else ""
    t.marked_by, t.marked_role, t.marked_at = (actor.username, actor.role, utcnow()) if status != "open" \
        else (None, None, None)
    session.add(PlanMark(task_id=t.id, event_id=t.event_id, action="mark", from_status=before, to_status=status,
                         reason=t.reason, actor=actor.username, actor_role=actor.role, at=utcnow()))
    session.flush()
    audit.record(session, actor=actor.username, action="plan.mark", object_type="plan_task", object_id=t.id,
                 event_id=t.event_id, rule=t.rule_id, before={"status": before},
                 after={"status": status, "reason": t.reason})
    if t.mandatory and t.phase == "before":  # issue 11: a mandatory task's state is part of the approved plan
        from planners.plan import signoff

        signoff.refresh(session, ev, actor, why="plan.mark")
    return t


def _not_derived(t: PlanTask) -> None:
    """B1.2 and B6.x follow the leader's approvals (issue 11): nobody ticks them by hand."""
    from planners.plan.signoff import DERIVED_RULES

    if t.rule_id in DERIVED_RULES:
        raise InvalidTransition(f"Task {t.rule_id} follows the leader's approval of the plan or the attendee list: "
                                "submit it for approval instead of ticking it.", key="plan.task_derived",
                                rule=t.rule_id)


def undo_last_mark(session: Session, event_id: int, *, actor: Principal) -> PlanTask:
    """Undo the actor's last mark on this event's plan, if nobody changed that task since."""
    marks = list(session.scalars(select(PlanMark).where(PlanMark.event_id == event_id,
                                                        PlanMark.actor == actor.username)
                                 .order_by(PlanMark.id.desc())))
    undone = {m.undoes for m in marks if m.action == "undo"}
    last = next((m for m in marks if m.action == "mark" and m.id not in undone), None)
    if last is None:
        raise InvalidTransition("There is no mark of yours to undo on this plan.", key="plan.nothing_to_undo")
    t = _get_task(session, last.task_id)
    ev = get_event(session, event_id)
    _may_mark(ev, t, actor)
    _not_derived(t)
    if t.status != last.to_status:
        raise InvalidTransition("The task changed after your mark; undo is no longer possible.",
                                key="plan.undo_stale")
    prev = session.scalar(select(PlanMark).where(PlanMark.task_id == t.id, PlanMark.id < last.id,
                                                 PlanMark.to_status == last.from_status)
                          .order_by(PlanMark.id.desc()).limit(1))
    t.status = last.from_status
    if t.status == "open" or prev is None:
        t.reason, t.marked_by, t.marked_role, t.marked_at = "", None, None, None
    else:
        t.reason, t.marked_by, t.marked_role, t.marked_at = prev.reason, prev.actor, prev.actor_role, prev.at
    session.add(PlanMark(task_id=t.id, event_id=event_id, action="undo", from_status=last.to_status,
                         to_status=t.status, reason=t.reason, actor=actor.username, actor_role=actor.role,
                         at=utcnow(), undoes=last.id))
    session.flush()
    audit.record(session, actor=actor.username, action="plan.undo", object_type="plan_task", object_id=t.id,
                 event_id=event_id, rule=t.rule_id, before={"status": last.to_status}, after={"status": t.status})
    if t.mandatory and t.phase == "before":  # issue 11
        from planners.plan import signoff

        signoff.refresh(session, ev, actor, why="plan.undo")
    return t


def report_incident(session: Session, event_id: int, kind: str, *, actor: Principal, at: datetime | None = None,
                    note: str = "") -> BuildResult:
    """Record an incident (e.g. a lost document) on the event: its tasks (report within 24 h …) join the plan."""
    if kind not in INCIDENT_KINDS:
        raise ValidationFailed(f"Incident kind must be one of {INCIDENT_KINDS}.", key="plan.bad_incident",
                               field="kind")
    ev = get_event(session, event_id)
    permissions.require(actor, "plan.incident", ev)
    when = at or utcnow()
    facts = dict(ev.facts or {})
    facts["incidents"] = list(facts.get("incidents", [])) + [
        {"kind": kind, "at": when.isoformat(timespec="seconds"), "by": actor.username}]
    ev.facts = facts
    session.flush()
    audit.record(session, actor=actor.username, action="plan.incident", object_type="event", object_id=ev.id,
                 event_id=ev.id, kind=kind, at=when.isoformat(timespec="seconds"), note=note)
    return build_plan(session, ev.id, actor=actor.username)


def set_documents_issued(session: Session, event_id: int, value: bool, *, actor: Principal) -> BuildResult:
    """Whether numbered documents are issued at the event (rules B9, D6, A1, A2, A5, V10 depend on it)."""
    ev = get_event(session, event_id)
    permissions.require(actor, "plan.documents_issued", ev)
    facts = dict(ev.facts or {})
    if bool(facts.get("documents_issued")) != value:
        facts["documents_issued"] = value
        ev.facts = facts
        session.flush()
        audit.record(session, actor=actor.username, action="event.facts", object_type="event", object_id=ev.id,
                     event_id=ev.id, documents_issued=value)
    return build_plan(session, ev.id, actor=actor)


# ---------------------------------------------------------------- readiness

@dataclass(frozen=True, kw_only=True)
class Readiness:
    mandatory_total: int
    mandatory_done: int
    open_mandatory: list[PlanTask] = field(default_factory=list)
    overdue: list[PlanTask] = field(default_factory=list)
    counts: dict = field(default_factory=dict)  # (phase, status) -> n

    @property
    def ratio(self) -> float:
        return 1.0 if self.mandatory_total == 0 else self.mandatory_done / self.mandatory_total

    @property
    def ready(self) -> bool:
        return not self.open_mandatory


def counts_done(t: PlanTask) -> bool:
    """A mandatory task counts when done, or when a leader marked it not applicable."""
    return t.status == "done" or (t.status == "na" and (not t.mandatory or t.marked_role == "leader"))


def is_overdue(t: PlanTask, now: datetime | None = None) -> bool:
    return t.status == "open" and t.due_at is not None and t.due_at < (now or utcnow())


def readiness(session: Session, event_id: int, *, now: datetime | None = None) -> Readiness:
    ts = tasks(session, event_id)
    mand = [t for t in ts if t.phase == "before" and t.mandatory]
    return Readiness(mandatory_total=len(mand), mandatory_done=sum(counts_done(t) for t in mand),
                     open_mandatory=[t for t in mand if not counts_done(t)],
                     overdue=[t for t in ts if is_overdue(t, now)],
                     counts=dict(Counter((t.phase, t.status) for t in ts)))


def chart_rows(session: Session, event_id: int, lang: str) -> list[dict]:
    """Tasks by phase and status, for the board's chart."""
    r = readiness(session, event_id)
    return [{"phase": both(f"plan.phase_{p}")[lang], "status": both(f"plan.status_{s}")[lang], "n": n,
             "order": PHASES.index(p), "state": s} for (p, s), n in sorted(r.counts.items())]


# ---------------------------------------------------------------- what a task's row offers (issue 16)

@dataclass(frozen=True, kw_only=True)
class MarkChoice:
    """What the plan page draws beside one task: a control (done / not applicable / open) or none, and whether
    "not applicable" is a request to a leader rather than a mark (a mandatory task, asked by a non-leader)."""
    markable: bool
    na_by_request: bool = False
    why: str = ""  # locale key: why there is no control (derived from an approval, event closed, not yours)


def mark_choice(ev: Event, task: PlanTask, actor: Principal) -> MarkChoice:
    """The rules of `mark_task` as a question asked before the user acts, so the page offers only what works."""
    from planners.plan.signoff import DERIVED_RULES

    if task.rule_id in DERIVED_RULES:
        return MarkChoice(markable=False, why="planpage.derived")
    if ev.status == "closed" or not task.applies:
        return MarkChoice(markable=False, why="plan.event_closed" if ev.status == "closed" else "plan.task_retired")
    if not permissions.allowed(actor, "plan.mark", (task, ev)):
        return MarkChoice(markable=False, why="plan.mark_denied")
    return MarkChoice(markable=True, na_by_request=task.mandatory and actor.role != "leader")



# ---------------------------------------------------------------- a mandatory task not applicable: ask a leader

NA_KIND = "plan_task_na"


def request_na(session: Session, task_id: int, *, actor: Principal, reason: str):
    """The organizer asks a leader to mark a mandatory task not applicable (the leader decides in Approvals;
    nobody decides their own request)."""
    from planners.base import approvals

    t = _get_task(session, task_id)
    ev = get_event(session, t.event_id)
    _may_mark(ev, t, actor)
    reason = (reason or "").strip()
    if not reason:
        raise ValidationFailed("Say why the task does not apply.", key="plan.na_reason_required", field="reason")
    if t.status != "open" or not t.applies:
        raise InvalidTransition("The task has this status already.", key="plan.same_status")
    _not_derived(t)
    why = both("plan.na_request_why")
    return approvals.request(
        session, kind=NA_KIND, object_type="plan_task", object_id=t.id, event_id=ev.id, requested_by=actor,
        title=both("plan.na_request_title", rule=t.rule_id, title=ev.title),
        findings=[Finding(rule=t.rule_id, severity=Severity.BLOCKER, source=t.source,
                          reason={lang: f"{why[lang]} {t.text[lang]} — {reason}" for lang in LANGS})],
        payload={"reason": reason}, comment=reason)


def apply_na_decision(session: Session, item, leader: Principal) -> None:
    if item.status != "approved":
        return
    t = session.get(PlanTask, int(item.object_id))
    if t is not None and t.applies and t.status == "open":
        mark_task(session, t.id, "na", actor=leader, reason=(item.payload or {}).get("reason", ""))


def live_findings(session: Session, event_id: int) -> list[Finding]:
    """What the other areas find wrong while the event runs (the `board_findings` answers), shown on the plan
    board beside its tasks: e.g. a multi-day event's end-of-day check of a room that nobody recorded (issue 15)."""
    ev = session.get(Event, event_id)
    if ev is None:
        return []
    return [f for fn in hooks.answers("board_findings") for f in fn(session, ev)]
