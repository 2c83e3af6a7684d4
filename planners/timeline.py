"""The before / during / after plan of an event: dated tasks from the rules in data/rules/plan.yaml and the
remediation tasks of the venue assessment, stored per event and tracked to done.

Building the plan is idempotent and keeps what was done: a task whose rule still applies keeps its status; a
task whose rule no longer applies is kept (hidden, `applies=False`) and comes back with its status if the rule
applies again. Readiness: every mandatory before-task done, or marked not applicable by a leader."""
from __future__ import annotations

import string
from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from planners import audit
from planners.auth import ROLES, Principal
from planners.due import check_due, parse_due
from planners.errors import InvalidTransition, NotFound, PermissionDenied, ValidationFailed
from planners.events import DEVICE_POLICIES, KINDS, gate, get_event, on
from planners.findings import Finding, Severity
from planners.i18n import both
from planners.levels import Classification
from planners.rules import Field, load_catalogue
from planners.store.db import utcnow
from planners.store.models import Event
from planners.store.models_plan import PlanMark, PlanTask
from planners.venue import VERDICTS, assess_event

PHASES = ("before", "during", "after")
TASK_STATUSES = ("open", "done", "na")
INCIDENT_KINDS = ("document_lost",)
PLACEHOLDERS = ("level", "venue", "venue_verdict", "relay_scope", "device_policy")
WHEN_KEYS = ("level_at_least", "kind", "foreign_participants", "documents_issued", "device_policy",
             "relay_scope_set", "venue_verdict", "venue_unmet", "incident")
LANGS = ("en", "zh_CN")


# ---------------------------------------------------------------- the rule file

def _check_when(value) -> None:
    if not isinstance(value, dict):
        raise ValueError("'when' is a mapping such as {level_at_least: 机密, foreign_participants: true}")
    for k, v in value.items():
        if k not in WHEN_KEYS:
            raise ValueError(f"unknown condition {k!r}: use {', '.join(WHEN_KEYS)}")
        if k == "level_at_least":
            Classification.parse(v)
        elif k in ("foreign_participants", "documents_issued", "relay_scope_set"):
            if not isinstance(v, bool):
                raise ValueError(f"{k} is true or false")
        elif k in ("kind", "device_policy", "venue_verdict", "venue_unmet"):
            allowed = {"kind": KINDS, "device_policy": DEVICE_POLICIES, "venue_verdict": VERDICTS}.get(k)
            if not isinstance(v, list) or not v:
                raise ValueError(f"{k} is a list, e.g. [{(allowed or ('V3',))[0]}]")
            if allowed and any(x not in allowed for x in v):
                raise ValueError(f"{k}: use values from {', '.join(allowed)}")
        elif k == "incident" and v not in INCIDENT_KINDS:
            raise ValueError(f"incident is one of {', '.join(INCIDENT_KINDS)}")


def _check_text(value) -> None:
    for lang in LANGS:
        for _, name, _, _ in string.Formatter().parse(str(value.get(lang, ""))):
            if name is not None and name not in PLACEHOLDERS:
                raise ValueError(f"unknown placeholder {{{name}}} in the {lang} text: use {', '.join(PLACEHOLDERS)}")


def _check_alarm(value) -> None:
    d = parse_due("T-" + str(value))
    if d.offset >= timedelta():
        raise ValueError("alarm is a duration such as 1d, 2h or 30m")


PLAN_FIELDS = {
    "phase": Field("enum", required=True, choices=PHASES),
    "owner": Field("enum", required=True, choices=tuple(ROLES)),
    "due": Field("str", required=True, check=check_due),
    "when": Field("dict", check=_check_when),
    "mandatory": Field("bool"),
    "proposal": Field("bool"),
    "alarm": Field("str", check=_check_alarm),
    "text": Field("bilingual", required=True, check=_check_text),
}


def check_rules(rules_dir=None) -> None:
    """Load the plan and venue rule files; RuleFileError when either is wrong (show it, build nothing)."""
    from planners.venue import criteria

    plan_rules(rules_dir)
    criteria(rules_dir)


def plan_rules(rules_dir=None) -> list[dict]:
    """The plan rules (RuleFileError, naming file, line, rule and problem, when the file is wrong)."""
    return load_catalogue("plan", PLAN_FIELDS, rules_dir=rules_dir)["rules"]


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
                     incidents=incidents), a


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


class MandatoryNeedsLeader(PermissionDenied):
    """Only a leader marks a mandatory task not applicable."""

    key = "plan.na_needs_leader"


def _may_mark(ev: Event, task: PlanTask, actor: Principal) -> None:
    if actor.role in ("leader", "admin") or (actor.role == "organizer" and ev.organizer_id == actor.id):
        return
    if actor.role == "front_desk" and task.owner_role == "front_desk":
        return
    raise PermissionDenied("Only the event's organizer, a leader, or the task's owner marks it.",
                           key="plan.mark_denied")


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
    return t


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
    return t


def report_incident(session: Session, event_id: int, kind: str, *, actor: Principal, at: datetime | None = None,
                    note: str = "") -> BuildResult:
    """Record an incident (e.g. a lost document) on the event: its tasks (report within 24 h …) join the plan."""
    if kind not in INCIDENT_KINDS:
        raise ValidationFailed(f"Incident kind must be one of {INCIDENT_KINDS}.", key="plan.bad_incident",
                               field="kind")
    ev = get_event(session, event_id)
    if actor.role not in ("organizer", "front_desk", "leader", "admin"):
        raise PermissionDenied("You may not report incidents.", key="plan.mark_denied")
    if actor.role == "organizer" and ev.organizer_id != actor.id:
        raise PermissionDenied("Only the event's organizer, a leader, or the desk reports it.",
                               key="plan.mark_denied")
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
    if not (actor.role == "admin" or (actor.role == "organizer" and ev.organizer_id == actor.id)):
        raise PermissionDenied("Only the event's organizer may change it.", key="events.owner_only")
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
             "order": PHASES.index(p)} for (p, s), n in sorted(r.counts.items())]


@gate("ready")
def plan_ready_findings(session: Session, ev: Event) -> list[Finding]:
    """The plan stops the event from being ready while a mandatory before-task is open."""
    all_tasks = tasks(session, ev.id)
    if not all_tasks and Classification.parse(ev.level).is_state_secret:
        return [Finding(rule="plan", severity=Severity.BLOCKER, source="实施条例 art. 45(1)",
                        reason=both("plan.gate_no_plan"))]
    out = []
    for t in all_tasks:
        if t.phase == "before" and t.mandatory and not counts_done(t):
            why = "plan.gate_na_not_leader" if t.status == "na" else "plan.gate_open"
            out.append(Finding(rule=t.rule_id, severity=Severity.BLOCKER, source=t.source,
                               reason={lang: both(why)[lang] + " " + t.text[lang] for lang in LANGS}))
    return out


@on("created")
@on("updated")
def _rebuild_on_change(session: Session, ev: Event, actor) -> None:
    build_plan(session, ev.id, actor=actor.username if isinstance(actor, Principal) else str(actor))


def rebuild_for_venue(session: Session, venue_id: int, *, actor: str) -> int:
    """Rebuild the plans of the open events at a venue (after its facts changed). Returns how many."""
    n = 0
    for ev in session.scalars(select(Event).where(Event.venue_id == venue_id, Event.status != "closed")).unique():
        build_plan(session, ev.id, actor=actor)
        n += 1
    return n


# ---------------------------------------------------------------- demo

def load_demo(session: Session, ctx) -> None:
    """The demo meeting's plan: documents issued, plan built, the first tasks marked done (idempotent)."""
    import yaml

    from planners import auth
    from planners.config import DEMO_DIR

    path = DEMO_DIR / "plan.yaml"
    if not path.exists():
        return
    spec = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    for key, cfg in (spec.get("events") or {}).items():
        ev = ctx.events.get(key)
        if ev is None:
            continue
        organizer = auth.principal(ev.organizer)
        if "documents_issued" in cfg:
            set_documents_issued(session, ev.id, bool(cfg["documents_issued"]), actor=organizer)
        else:
            build_plan(session, ev.id, actor=organizer)
        by_key = {t.task_key: t for t in tasks(session, ev.id)}
        phases = set(cfg.get("done_phases", []))  # e.g. an event under way: its before-tasks are done
        keys = list(cfg.get("done", [])) + [k for k, t in by_key.items() if t.phase in phases]
        for k in keys:
            t = by_key.get(k)
            if t is not None and t.status == "open":
                mark_task(session, t.id, "done", actor=organizer)


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
                        documents_issued=bool((ev.facts or {}).get("documents_issued")), venue=a, tasks=rows)


# ---------------------------------------------------------------- home: what needs attention

def _register_provider() -> None:
    from planners.home import Attention, provider
    from planners.events import visible_events

    @provider
    def _overdue_plan_tasks(session: Session, me: Principal) -> list:
        if me.role not in ("organizer", "leader"):
            return []
        now = utcnow()
        out = []
        for e in visible_events(session, me):
            if e.status == "closed":
                continue
            late = [t for t in tasks(session, e.id) if is_overdue(t, now) and (me.role == "organizer" or
                                                                                t.owner_role == "leader")]
            if late:
                rules = ", ".join(t.rule_id for t in late[:6]) + ("…" if len(late) > 6 else "")
                out.append(Attention(color="red", event_id=e.id, page="events", data={"count": len(late)},
                                     text=both("plan.home_overdue", title=e.title, n=len(late), rules=rules)))
        return out


_register_provider()


# ---------------------------------------------------------------- a mandatory task not applicable: ask a leader

NA_KIND = "plan_task_na"


def request_na(session: Session, task_id: int, *, actor: Principal, reason: str):
    """The organizer asks a leader to mark a mandatory task not applicable (the leader decides in Approvals;
    nobody decides their own request)."""
    from planners import approvals

    t = _get_task(session, task_id)
    ev = get_event(session, t.event_id)
    _may_mark(ev, t, actor)
    reason = (reason or "").strip()
    if not reason:
        raise ValidationFailed("Say why the task does not apply.", key="plan.na_reason_required", field="reason")
    if t.status != "open" or not t.applies:
        raise InvalidTransition("The task has this status already.", key="plan.same_status")
    why = both("plan.na_request_why")
    return approvals.request(
        session, kind=NA_KIND, object_type="plan_task", object_id=t.id, event_id=ev.id, requested_by=actor,
        title=both("plan.na_request_title", rule=t.rule_id, title=ev.title),
        findings=[Finding(rule=t.rule_id, severity=Severity.BLOCKER, source=t.source,
                          reason={lang: f"{why[lang]} {t.text[lang]} — {reason}" for lang in LANGS})],
        payload={"reason": reason}, comment=reason)


def _register_na_handler() -> None:
    from planners.approvals import on_decision

    @on_decision(NA_KIND)
    def _apply(session: Session, item, leader: Principal) -> None:
        if item.status != "approved":
            return
        t = session.get(PlanTask, int(item.object_id))
        if t is not None and t.applies and t.status == "open":
            mark_task(session, t.id, "na", actor=leader, reason=(item.payload or {}).get("reason", ""))


_register_na_handler()
