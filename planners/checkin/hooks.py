"""What the front desk answers for other areas (planners/wiring.py): whether a person counts as present.

A copy is issued only to someone inside the room once the desk is running for that event (someone has checked
in, or the event is in progress); before that, advance distribution to named receivers is allowed and every
other issue rule still applies.

Also the demo step: the demo events' signing keys and badges, and a registered desk for the front desk page."""
from __future__ import annotations

from sqlalchemy import exists, select
from sqlalchemy.orm import Session

from planners.attendees import badges as tokens
from planners.checkin import devices
from planners.checkin.presence import is_inside
from planners.store.models import Event
from planners.store.models_checkin import Attendance


def desk_running(session: Session, event_id: int) -> bool:
    ev = session.get(Event, event_id)
    if ev is not None and ev.status == "in_progress":
        return True
    return bool(session.scalar(select(exists().where(Attendance.event_id == event_id))))


def checked_in_when_desk_runs(session: Session, event_id: int, attendee_id: int) -> bool:
    """`attendee_present`: anyone before the desk runs; once it runs, only someone inside."""
    if not desk_running(session, event_id):
        return True
    return is_inside(session, event_id, attendee_id)


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
