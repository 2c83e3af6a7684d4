"""What the front desk answers for other areas (planners/wiring.py): whether a person counts as present.

A copy is issued only to someone inside the room once the desk is running for that event (someone has checked
in, or the event is in progress); before that, advance distribution to named receivers is allowed and every
other issue rule still applies.

Also the demo step: the demo events' signing keys and badges, a registered desk for the front desk page, and the
sessions of the demo's meeting under way (issue 15), so a newcomer sees the session doors."""
from __future__ import annotations

from datetime import UTC, timedelta

from sqlalchemy import exists, select
from sqlalchemy.orm import Session

from planners.attendees import badges as tokens
from planners.checkin import devices
from planners.store.db import is_sqlite
from planners.store.models import Attendee, Event
from planners.store.models_checkin import Attendance
from planners.store.models_sessions import EventSession


def desk_running(session: Session, event_id: int) -> bool:
    ev = session.get(Event, event_id)
    if ev is not None and ev.status == "in_progress":
        return True
    return bool(session.scalar(select(exists().where(Attendance.event_id == event_id))))


def checked_in_when_desk_runs(session: Session, event_id: int, attendee_id: int) -> bool:
    """`attendee_present`: anyone before the desk runs; once it runs, only someone inside."""
    if not desk_running(session, event_id):
        return True
    # the person's attendance row locked in the unit of work (PostgreSQL; SQLite's BEGIN IMMEDIATE
    # serialises): an exit at the same moment waits, or is waited for (planners.checkin.exit_guard)
    q = select(Attendance.inside).where(Attendance.event_id == event_id, Attendance.attendee_id == attendee_id)
    if not is_sqlite(session.get_bind()):
        q = q.with_for_update()
    return bool(session.scalar(q))


DEMO_DESK = ("正门签到台", "会议中心一层正门")  # name, location: the desk the demo's front desk account picks


def load_demo(session: Session, ctx) -> None:
    """Demo step: the demo events' signing keys and badges, so badges print out of the box, and one registered
    desk, so the front desk page works out of the box (idempotent)."""
    for key, ev in ctx.events.items():
        if tokens.prepare_event(session, ev.id, actor="demo"):
            ctx.created.append(f"badges {ev.title}")
    if devices.get_desk(session, DEMO_DESK[0]) is None:
        devices.register_desk(session, DEMO_DESK[0], location=DEMO_DESK[1], actor="demo")
        ctx.created.append(f"desk {DEMO_DESK[0]}")
    demo_sessions(session, ctx)


def demo_sessions(session: Session, ctx) -> None:
    """The sessions of the scenario's events (`sessions:` under an event): times from the event's start, the
    event's venue, `admitted: all` or a list of names; created once, by the event's organizer (idempotent)."""
    from planners.base.demo import system_principal
    from planners.checkin.sessions import SessionInput, create_session

    for e in ctx.scenario["events"]:
        ev = ctx.events.get(e["key"])
        if not e.get("sessions") or ev is None:
            continue
        if session.scalar(select(exists().where(EventSession.event_id == ev.id))):
            continue
        people = {a.name: a.id for a in session.scalars(select(Attendee).where(Attendee.event_id == ev.id))}
        start = ev.starts_at.replace(tzinfo=UTC)
        for x in e["sessions"]:
            admitted = people.values() if x.get("admitted") == "all" else [people[n] for n in x.get("admitted", [])]
            begins = start + timedelta(hours=x.get("from_hour", 0))
            create_session(session, ev.id, SessionInput(
                title=x["title"], start=begins, end=begins + timedelta(hours=x["hours"]), level=x["level"],
                venue_id=ev.venue_id, room=x.get("room", ""), device_policy=x.get("device_policy", "lockers"),
                knowledge_scope=x.get("knowledge_scope", ""), admitted=tuple(sorted(admitted))),
                actor=system_principal(ctx, e["organizer"]))
            ctx.created.append(f"session {x['title']}")
