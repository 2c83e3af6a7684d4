"""A read-only snapshot of the plan for the exports."""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy.orm import Session

from planners.base.events import get_event
from planners.core.levels import Classification
from planners.plan.build import event_facts, tasks

# ---------------------------------------------------------------- a read-only snapshot for the exports

@dataclass(frozen=True, kw_only=True)
class TaskRow:
    id: int
    key: str
    rule_id: str
    phase: str
    owner: str
    due_at: datetime | None  # UTC
    due_expr: str
    alarm_minutes: int
    mandatory: bool
    proposal: bool
    text: dict
    source: str
    status: str
    reason: str
    marked_by: str | None
    marked_at: datetime | None


@dataclass(frozen=True, kw_only=True)
class PlanSnapshot:
    event_id: int
    title: str
    kind: str
    level: str
    retention: str
    start: datetime  # UTC
    end: datetime
    tz: str
    host_unit: str
    organizer: str
    relay_scope: str
    device_policy: str
    foreign_participants: bool
    documents_issued: bool
    venue: object  # VenueAssessment | None
    tasks: list[TaskRow]
    approvals: list[dict] = field(default_factory=list)  # issue 11: planners.plan.signoff.state of each kind

    @property
    def marking(self) -> str:
        return Classification(self.level).marking(self.retention or None, "zh_CN")

    def phase(self, phase: str) -> list[TaskRow]:
        return [t for t in self.tasks if t.phase == phase]


def snapshot(session: Session, event_id: int) -> PlanSnapshot:
    ev = get_event(session, event_id)
    _facts, a = event_facts(session, ev)
    rows = [TaskRow(id=t.id, key=t.task_key, rule_id=t.rule_id, phase=t.phase, owner=t.owner_role, due_at=t.due_at,
                    due_expr=t.due_expr, alarm_minutes=t.alarm_minutes, mandatory=t.mandatory, proposal=t.proposal,
                    text=dict(t.text), source=t.source, status=t.status, reason=t.reason, marked_by=t.marked_by,
                    marked_at=t.marked_at) for t in tasks(session, event_id)]
    org = ev.organizer
    return PlanSnapshot(event_id=ev.id, title=ev.title, kind=ev.kind, level=ev.level, retention=ev.retention,
                        start=ev.starts_at, end=ev.ends_at, tz=ev.tz, host_unit=ev.host_unit,
                        organizer=(org.display_name or org.username) if org else "", relay_scope=ev.relay_scope,
                        device_policy=ev.device_policy, foreign_participants=bool(ev.foreign_participants),
                        documents_issued=bool((ev.facts or {}).get("documents_issued")), venue=a, tasks=rows,
                        approvals=_approvals(session, ev))


def _approvals(session: Session, ev) -> list[dict]:
    from planners.plan import signoff

    return [signoff.state(session, ev, k) for k in signoff.KINDS]
