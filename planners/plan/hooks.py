"""What the plan answers for others (planners/wiring.py): the readiness gate, rebuilds when the event or
its venue changes, the overdue tasks on the home page, and the demo plan."""
from __future__ import annotations


from sqlalchemy import select
from sqlalchemy.orm import Session

from planners.base.auth import Principal
from planners.core.findings import Finding, Severity
from planners.core.i18n import both
from planners.core.levels import Classification
from planners.core.clock import utcnow
from planners.store.models import Event
from planners.plan.board import counts_done, is_overdue, mark_task, set_documents_issued
from planners.plan.build import build_plan, tasks
from planners.plan.rules import LANGS

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


def rebuild_on_change(session: Session, ev: Event, actor) -> None:
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

    from planners.base import auth
    from planners.core.config import DEMO_DIR

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
        from planners.plan.signoff import DERIVED_RULES  # issue 11: these follow the approvals (signoff demo)

        for k in keys:
            t = by_key.get(k)
            if t is not None and t.status == "open" and t.rule_id not in DERIVED_RULES:
                mark_task(session, t.id, "done", actor=organizer)



# ---------------------------------------------------------------- home: what needs attention

def overdue_plan_tasks(session: Session, me: Principal) -> list:
    from planners.base.events import visible_events
    from planners.base.home import Attention

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
            # issue 16: the item opens the plan's own page, where the tasks are marked
            out.append(Attention(color="red", event_id=e.id, page="plan",
                                 data={"count": len(late), "link": "planpage.open_link", "icon": ":material/checklist:"},
                                 text=both("plan.home_overdue", title=e.title, n=len(late), rules=rules)))
    return out


def on_venue_changed(session: Session, venue, actor) -> None:
    """`venue_changed`: the plans of the venue's open events follow its facts."""
    rebuild_for_venue(session, venue.id, actor=actor.username if isinstance(actor, Principal) else str(actor))
