"""What the front desk's issue-15 work asks of the organizer on the home page (the `attention` hook): a missed
or failed end-of-day check of a room or container, and an offline-desk conflict (admitted offline, but the
badge had been revoked meanwhile) that nobody has resolved yet."""
from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from planners.base.auth import Principal
from planners.base.events import local, visible_events
from planners.base.home import Attention
from planners.checkin.picker import desk_events
from planners.checkin.sessions import missed_checks
from planners.core import permissions
from planners.core.findings import Finding, Severity
from planners.core.i18n import both
from planners.store.models import Attendee
from planners.store.models_sessions import OfflineEntry


def missed_room_checks(session: Session, me: Principal) -> list[Attention]:
    if me.role not in ("organizer", "leader", "admin"):
        return []
    out = []
    for ev in visible_events(session, me):
        if ev.status in ("draft", "cancelled"):
            continue
        for m in missed_checks(session, ev):
            key = "sessions.checks.missed" if m["problem"] == "missed" else "sessions.checks.problem_found"
            out.append(Attention(color="red" if m["problem"] == "problem" else "orange", event_id=ev.id,
                                 page="checkin", text=both(key, event=ev.title, place=m["place"], day=m["day"]),
                                 data={"day": m["day"], "place": m["place"], "rule": "V5"}))
    return out


def offline_conflicts(session: Session, me: Principal) -> list[Attention]:
    if me.role not in ("organizer", "leader", "admin"):
        return []
    evs = {ev.id: ev for ev in visible_events(session, me)}
    if not evs:
        return []
    rows = session.execute(select(OfflineEntry, Attendee.name).outerjoin(Attendee, Attendee.id == OfflineEntry.attendee_id)
                           .where(OfflineEntry.outcome == "conflict", OfflineEntry.resolved_at.is_(None),
                                  OfflineEntry.event_id.in_(list(evs)))).all()
    return [Attention(color="red", event_id=e.event_id, page="checkin",
                      text=both("offline.conflict", event=evs[e.event_id].title, name=name or "?",
                                at=local(e.at, evs[e.event_id].tz).strftime("%Y-%m-%d %H:%M:%S"), desk=e.synced_by),
                      data={"entry": e.entry_id}) for e, name in rows]


def missed_check_findings(session: Session, ev) -> list[Finding]:
    """The same missed or failed end-of-day checks as findings on the event's plan board (rule A3: the clean-up
    check of every room, each day of a multi-day event). Drafts and cancelled events have none."""
    if ev.status in ("draft", "cancelled"):
        return []
    out = []
    for m in missed_checks(session, ev):
        key = "sessions.checks.missed" if m["problem"] == "missed" else "sessions.checks.problem_found"
        out.append(Finding(rule="A3", severity=Severity.WARNING, source="P2; P3 §9",
                           reason=both(key, event=ev.title, place=m["place"], day=m["day"]),
                           data={"day": m["day"], "place": m["place"], "problem": m["problem"]}))
    return out


def desks_under_way(session: Session, me: Principal) -> list[Attention]:
    """Issue 16: a front desk's home says which of the events it serves is under way, with a link to the desk
    page (before, it said "nothing needs your attention" in the middle of the meeting)."""
    if not permissions.allowed(me, "desk.home_link"):
        return []
    offered, _missing = desk_events(session, me)
    fmt = "%m-%d %H:%M"
    return [Attention(color="blue", event_id=e.id, page="checkin", data={"link": "home.open_desk"},
                      text=both("home.desk_under_way", title=e.title, start=local(e.starts_at, e.tz).strftime(fmt),
                                end=local(e.ends_at, e.tz).strftime(fmt)))
            for e in offered if e.status == "in_progress"]
