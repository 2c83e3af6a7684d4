"""What the visits area answers for others (planners/wiring.py), issue 12: the hard gates of a visit's event (no
`ready` without an approved disclosure scope, no `closed` before the post-visit report is approved) and what the
leader, the organizer and the foreign-affairs office (role foreign_affairs, the 外事部门) see on their home page.

Why a role for the 外事部门 and not a unit setting naming someone: the office is several people who sign in and read
(information requests, reports) without approving anything; a role gives them their own permission rows
(`visit.report_read`, `keyloc.see`) and pages, and survives staff changes, where a setting naming one account would
need an admin at every change and would give that person a leader's or an organizer's rights besides."""
from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from planners.base.auth import Principal
from planners.base.home import Attention
from planners.core.clock import utcnow
from planners.core.findings import Finding, Severity
from planners.core.i18n import both
from planners.store.models import Event
from planners.store.models_visits import InfoRequestLog, VisitReport, VisitRequest
from planners.visits import disclosure
from planners.visits.report import get_report


def _visit_of(session: Session, ev: Event) -> VisitRequest | None:
    if ev.kind != "foreign_visit":
        return None
    vid = (ev.facts or {}).get("visit_id")
    v = session.get(VisitRequest, int(vid)) if vid else None
    if v is None:
        v = session.scalar(select(VisitRequest).where(VisitRequest.event_id == ev.id)
                           .order_by(VisitRequest.id.desc()).limit(1))
    return v


def scope_ready_findings(session: Session, ev: Event) -> list[Finding]:
    """`gate` ready: a visit's event is not ready while its disclosure scope is not approved (rule VIS-SCOPE)."""
    v = _visit_of(session, ev)
    if v is None:
        return []
    scope = disclosure.get_scope(session, v.id)
    if scope is not None and scope.status == "approved":
        return []
    c = disclosure.check("scope_gate")
    return [Finding(rule=c["id"], severity=Severity.BLOCKER, source=c["source"], met=False,
                    reason=both("vplan.gate_scope", status=scope.status if scope else "none"))]


def report_closed_findings(session: Session, ev: Event) -> list[Finding]:
    """`gate` closed: a visit's event closes only after its post-visit report is approved (rule VIS-REPORT)."""
    v = _visit_of(session, ev)
    if v is None:
        return []
    rep = get_report(session, v.id)
    if rep is not None and rep.status == "approved":
        return []
    c = disclosure.check("report_gate")
    return [Finding(rule=c["id"], severity=Severity.BLOCKER, source=c["source"], met=False,
                    reason=both("vplan.gate_report", status=rep.status if rep else "none"))]


def mark_scope_task(session: Session, item, leader: Principal) -> None:
    """`on_decision` disclosure_scope (after the scope's own answer): an approved scope marks the plan's VB2 done."""
    if item.status != "approved" or not item.event_id:
        return
    from planners.plan.board import mark_task
    from planners.plan.build import tasks as plan_tasks

    ev = session.get(Event, item.event_id)
    if ev is None or ev.status == "closed":
        return
    for t in plan_tasks(session, ev.id):
        if t.rule_id == "VB2" and t.status == "open":
            mark_task(session, t.id, "done", actor=leader)


def foreign_affairs_items(session: Session, me: Principal) -> list[Attention]:
    """`attention`: the 外事部门 sees every information request and every filed report of the last 30 days; the
    organizer sees the reports that are due (visit ended, none filed) or returned."""
    since = utcnow() - timedelta(days=30)
    out: list[Attention] = []
    if me.role == "foreign_affairs":
        for r in session.scalars(select(InfoRequestLog).where(InfoRequestLog.at >= since)
                                 .order_by(InfoRequestLog.id.desc())):
            v = session.get(VisitRequest, r.visit_id)
            out.append(Attention(color="orange", page="visits", event_id=v.event_id if v else None,
                                 text=both("vplan.home_fa_request", title=v.title if v else "", who=r.asked_by,
                                           what=r.what)))
        for rep in session.scalars(select(VisitReport).where(VisitReport.filed_at >= since)
                                   .order_by(VisitReport.id.desc())):
            v = session.get(VisitRequest, rep.visit_id)
            out.append(Attention(color="blue", page="visits", event_id=v.event_id if v else None,
                                 text=both(f"vplan.home_fa_report_{rep.status}", title=v.title if v else "")))
    elif me.role == "organizer":
        now = utcnow()
        for v in session.scalars(select(VisitRequest).where(VisitRequest.organizer_id == me.id,
                                                            VisitRequest.status == "approved",
                                                            VisitRequest.ends_at <= now,
                                                            VisitRequest.ends_at >= now - timedelta(days=60))):
            rep = get_report(session, v.id)
            if rep is None or rep.status == "returned":
                key = "vplan.home_report_due" if rep is None else "vplan.home_report_returned"
                out.append(Attention(color="red" if rep is None else "orange", page="visits", event_id=v.event_id,
                                     text=both(key, title=v.title, comment=rep.last_comment if rep else "")))
    return out
