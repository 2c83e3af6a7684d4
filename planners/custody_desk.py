"""Ties the documents' custody to the front desk.

- A copy is issued only to someone inside the room once the desk is running for that event (someone has
  checked in, or the event is in progress); before that, advance distribution to named receivers is allowed
  and every other issue rule still applies.
- At check-out the verdict tells the desk which numbered copies the person still holds, to take back first
  (rules D6 / A1: recover against the issue list)."""
from __future__ import annotations

from sqlalchemy import exists, select
from sqlalchemy.orm import Session

from planners import checkin, documents
from planners.i18n import both
from planners.store.models import Attendee, Event
from planners.store.models_checkin import Attendance


def desk_running(session: Session, event_id: int) -> bool:
    ev = session.get(Event, event_id)
    if ev is not None and ev.status == "in_progress":
        return True
    return bool(session.scalar(select(exists().where(Attendance.event_id == event_id))))


def checked_in_when_desk_runs(session: Session, event_id: int, attendee_id: int) -> bool:
    if not desk_running(session, event_id):
        return True
    return checkin.is_inside(session, event_id, attendee_id)


documents.PRESENCE_CHECK = checked_in_when_desk_runs


@checkin.exit_attention
def copies_to_take_back(session: Session, event: Event, attendee: Attendee) -> list[dict]:
    held = documents.copies_held_by(session, event.id, attendee.id)
    if not held:
        return []
    codes = ", ".join(r.code for r in held)
    return [{"code": "documents_to_return", "copies": [r.code for r in held],
             "text": both("custody_desk.take_back", n=len(held), codes=codes)}]
