"""Building an event's plan: the facts of the event, which rules apply, the dated tasks they give, and
the stored plan rebuilt idempotently (marks kept, retired tasks hidden, not deleted)."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from planners.base import audit
from planners.base.auth import Principal
from planners.core.due import parse_due
from planners.core.errors import PermissionDenied
from planners.base.events import get_event
from planners.core.i18n import both
from planners.core.levels import Classification
from planners.core.clock import utcnow
from planners.store.models import Event
from planners.store.models_plan import PlanTask
from planners.venues import assess_event
from planners.plan.rules import LANGS, PHASES, plan_rules

# ---------------------------------------------------------------- facts and which rules apply

@dataclass(frozen=True, kw_only=True)
class PlanFacts:
    level: str
    start: datetime  # naive UTC
    end: datetime
    kind: str = "meeting"
    foreign_participants: bool = False
    documents_issued: bool = False
    device_policy: str = "lockers"
    relay_scope: str = ""
    venue: str = ""
    venue_verdict: str | None = None  # None: no venue
    venue_unmet: tuple[str, ...] = ()
    incidents: tuple[tuple[str, datetime], ...] = ()  # (kind, when UTC)
    visit_type: str = ""  # issue 12: a foreign visit's type (F7), from the event's facts the visits area keeps
    route_key_location: bool = False  # the visit's route passes a key location (under a leader's exception)


def rule_applies(rule: dict, f: PlanFacts) -> bool:
    for k, v in (rule.get("when") or {}).items():
        if k == "level_at_least" and not Classification.parse(f.level).at_least(Classification.parse(v)):
            return False
        if k == "kind" and f.kind not in v:
            return False
        if k in ("foreign_participants", "documents_issued") and bool(getattr(f, k)) != v:
            return False
        if k == "relay_scope_set" and bool(f.relay_scope.strip()) != v:
            return False
        if k == "device_policy" and f.device_policy not in v:
            return False
        if k == "venue_verdict" and f.venue_verdict not in v:
            return False
        if k == "venue_unmet" and not set(v) & set(f.venue_unmet):
            return False
        if k == "visit_type" and f.visit_type not in v:
            return False
        if k == "route_key_location" and bool(f.route_key_location) != v:
            return False
        if k == "incident" and not any(kind == v for kind, _ in f.incidents):
            return False
    return True


def applicable_rules(f: PlanFacts, rules_dir=None) -> list[str]:
    """The ids of the plan rules that apply to these facts, in file order."""
    return [r["id"] for r in plan_rules(rules_dir) if rule_applies(r, f)]


def _fill(text: dict, f: PlanFacts) -> dict:
    out = {}
    for lang in LANGS:
        values = {
            "level": Classification.parse(f.level).label(lang),
            "venue": f.venue or both("plan.no_venue")[lang],
            "venue_verdict": both(f"venues.verdict_{f.venue_verdict}")[lang] if f.venue_verdict
            else both("plan.no_venue")[lang],
            "relay_scope": f.relay_scope.strip() or both("plan.relay_not_decided")[lang],
            "device_policy": both("device_policy." + f.device_policy)[lang],
        }
        out[lang] = text[lang].format(**values)
    return out


def _default_alarm(offset: timedelta) -> int:
    return 24 * 60 if offset <= -timedelta(days=2) else 30


@dataclass(frozen=True, kw_only=True)
class TaskSpec:
    key: str
    rule_id: str
    origin: str
    phase: str
    owner: str
    due_expr: str
    due_at: datetime | None
    alarm_minutes: int
    mandatory: bool
    proposal: bool
    text: dict
    source: str
    sort: int


def compute_tasks(f: PlanFacts, remedies=(), rules_dir=None) -> list[TaskSpec]:
    """The tasks of the plan for these facts (pure: no database)."""
    out: list[TaskSpec] = []
    for i, r in enumerate(plan_rules(rules_dir)):
        if not rule_applies(r, f):
            continue
        due = parse_due(r["due"])
        alarm = -parse_due("T-" + r["alarm"]).offset if r.get("alarm") else None
        common = dict(rule_id=r["id"], origin="plan", phase=r["phase"], owner=r["owner"], due_expr=due.expr,
                      mandatory=bool(r.get("mandatory")), proposal=bool(r.get("proposal")),
                      text=_fill(r["text"], f), source=r["source"])
        alarm_min = int(alarm.total_seconds() // 60) if alarm else _default_alarm(due.offset)
        if "incident" in (r.get("when") or {}):
            n = 0
            for kind, at in f.incidents:
                if kind != r["when"]["incident"]:
                    continue
                n += 1
                out.append(TaskSpec(key=f"{r['id']}#{n}", due_at=due.at(start=f.start, end=f.end, incident=at),
                                    alarm_minutes=alarm_min, sort=1000 + i * 10 + n, **common))
        else:
            out.append(TaskSpec(key=r["id"], due_at=due.at(start=f.start, end=f.end), alarm_minutes=alarm_min,
                                sort=i * 10, **common))
    for j, t in enumerate(remedies):
        due = parse_due(t.due)
        out.append(TaskSpec(key=f"venue:{t.rule}", rule_id=t.rule, origin="venue", phase="before", owner=t.owner,
                            due_expr=due.expr, due_at=due.at(start=f.start, end=f.end),
                            alarm_minutes=_default_alarm(due.offset), mandatory=t.mandatory, proposal=False,
                            text=dict(t.text), source=t.source, sort=500 + j))
    return out


def event_facts(session: Session, ev: Event):
    """The facts of the event the plan rules read, and the venue assessment (or None)."""
    a = assess_event(session, ev)
    facts = ev.facts or {}
    incidents = tuple((i["kind"], datetime.fromisoformat(i["at"])) for i in facts.get("incidents", []))
    return PlanFacts(level=ev.level, start=ev.starts_at, end=ev.ends_at, kind=ev.kind,
                     foreign_participants=bool(ev.foreign_participants),
                     documents_issued=bool(facts.get("documents_issued")), device_policy=ev.device_policy,
                     relay_scope=ev.relay_scope or "", venue=a.venue_name if a else "",
                     venue_verdict=a.verdict if a else None, venue_unmet=tuple(a.unmet) if a else (),
                     incidents=incidents, visit_type=str(facts.get("visit_type") or ""),
                     route_key_location=bool(facts.get("route_key_location"))), a


# ---------------------------------------------------------------- the stored plan

@dataclass(frozen=True, kw_only=True)
class BuildResult:
    added: int
    updated: int
    retired: int
    kept_done: int
    total: int


_SYNC_FIELDS = ("rule_id", "origin", "phase", "owner_role", "due_expr", "due_at", "alarm_minutes", "mandatory",
                "proposal", "text", "source", "sort")


def build_plan(session: Session, event_id: int, *, actor: Principal | str, rules_dir=None) -> BuildResult:
    """Build or rebuild the event's plan; keeps the status of every task already marked."""
    who = actor.username if isinstance(actor, Principal) else actor
    if isinstance(actor, Principal) and actor.role not in ("organizer", "admin", "leader"):
        raise PermissionDenied("Only an organizer or a leader builds a plan.", key="plan.build_denied")
    ev = get_event(session, event_id)
    facts, a = event_facts(session, ev)
    specs = compute_tasks(facts, a.tasks if a else (), rules_dir=rules_dir)
    existing = {t.task_key: t for t in session.scalars(select(PlanTask).where(PlanTask.event_id == ev.id))}
    added = updated = retired = kept = 0
    now = utcnow()
    for sp in specs:
        values = {"rule_id": sp.rule_id, "origin": sp.origin, "phase": sp.phase, "owner_role": sp.owner,
                  "due_expr": sp.due_expr, "due_at": sp.due_at, "alarm_minutes": sp.alarm_minutes,
                  "mandatory": sp.mandatory, "proposal": sp.proposal, "text": sp.text, "source": sp.source,
                  "sort": sp.sort}
        t = existing.pop(sp.key, None)
        if t is None:
            session.add(PlanTask(event_id=ev.id, task_key=sp.key, status="open", applies=True, created_at=now,
                                 updated_at=now, **values))
            added += 1
            continue
        changed = (not t.applies) or any(getattr(t, k) != v for k, v in values.items())
        if changed:
            for k, v in values.items():
                setattr(t, k, v)
            t.applies = True
            updated += 1
        if t.status != "open":
            kept += 1
    for t in existing.values():
        if t.applies:
            t.applies = False
            retired += 1
    session.flush()
    if added or updated or retired:
        audit.record(session, actor=who, action="plan.build", object_type="event", object_id=ev.id,
                     event_id=ev.id, added=added, updated=updated, retired=retired, kept_done=kept)
    return BuildResult(added=added, updated=updated, retired=retired, kept_done=kept, total=len(specs))


def tasks(session: Session, event_id: int, *, include_retired: bool = False) -> list[PlanTask]:
    q = select(PlanTask).where(PlanTask.event_id == event_id)
    if not include_retired:
        q = q.where(PlanTask.applies.is_(True))
    order = {p: i for i, p in enumerate(PHASES)}
    rows = list(session.scalars(q))
    return sorted(rows, key=lambda t: (order[t.phase], t.due_at or datetime.max, t.sort, t.id))
