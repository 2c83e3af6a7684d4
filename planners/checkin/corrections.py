"""Corrections at the desk: undo of the desk's last scan within minutes, and lockers."""
from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import select

from planners.base import audit
from planners.core.errors import InvalidTransition, PermissionDenied, ValidationFailed
from planners.core.clock import utcnow
from planners.store.db import is_sqlite
from planners.store.uow import write_session
from planners.store.models_checkin import Attendance, Scan, Badge
from planners.checkin.sessions import undo_at_door  # issue 15
from planners.checkin.devices import require_registered_orm
from planners.checkin.verdict import UNDO_MINUTES, actor_name

# ---- undo, lockers --------------------------------------------------------------------------------------

def undo(event_id: int, scan_id: int, *, desk: str, actor, now: datetime | None = None,
         url: str | None = None) -> None:
    """Take back a mistaken check-in: same desk, within UNDO_MINUTES, and nothing happened to that entry since."""
    who = actor_name(actor)
    now = now or utcnow()
    with write_session(url) as s:
        desk = require_registered_orm(s, desk)  # a registered device only
        sc = s.get(Scan, scan_id)
        if sc is None or sc.event_id != event_id or sc.reason != "ok" or sc.direction != "in":
            raise InvalidTransition("Only a check-in can be undone.", key="checkin.undo_not_checkin")
        if sc.desk != desk:
            raise PermissionDenied("Only the desk that checked the person in may undo it.",
                                   key="checkin.undo_other_desk", desk=sc.desk)
        if now - sc.at > timedelta(minutes=UNDO_MINUTES):
            raise InvalidTransition("Too late to undo: check the person out instead.", key="checkin.undo_too_late",
                                    minutes=UNDO_MINUTES)
        if not is_sqlite(s.get_bind()):  # the same per-badge lock as a scan (SQLite: BEGIN IMMEDIATE serialises)
            s.execute(select(Badge.generation).where(Badge.event_id == event_id, Badge.attendee_id == sc.attendee_id)
                      .with_for_update())
        att = s.scalar(select(Attendance).where(Attendance.event_id == event_id,
                                                Attendance.attendee_id == sc.attendee_id))
        target = sc.duplicate_of or sc.id
        at_door = undo_at_door(s, sc)  # issue 15: an entry at a session's door takes back the room's presence
        if at_door and (att is None or att.last_in_scan_id not in (target, sc.id)):
            pass  # the person entered the event at another door: only the room's entry is taken back
        elif att is None or not att.inside or att.last_in_scan_id not in (target, sc.id):
            raise InvalidTransition("This check-in was already undone or followed by an exit.",
                                    key="checkin.undo_stale")
        elif att.entries <= 1:
            s.delete(att)
        else:
            att.entries, att.inside = att.entries - 1, False
            if att.device_deposited_at is not None and att.device_deposited_at >= sc.at:
                att.locker = att.device_deposited_at = None
        row = Scan(event_id=event_id, attendee_id=sc.attendee_id, desk=desk, actor=who, at=now, direction="undo",
                   method="undo", raw=f"undo:{sc.id}", raw_hash="", status="ok", reason="undone",
                   duplicate_of=sc.id)
        audit.chain_scan(s, row)
        s.add(row)
        s.flush()
        audit.record(s, actor=who, action="checkin.undo", object_type="attendee", object_id=sc.attendee_id,
                     event_id=event_id, desk=desk, scan_id=sc.id)


def set_locker(event_id: int, attendee_id: int, locker: str, *, actor, url: str | None = None) -> None:
    """Record (or change) the locker where a person's phone and devices are kept."""
    who = actor_name(actor)
    locker = (locker or "").strip()
    if not locker or len(locker) > 20:
        raise ValidationFailed("Give a locker number (at most 20 characters).", key="checkin.bad_locker",
                               field="locker")
    with write_session(url) as s:
        att = s.scalar(select(Attendance).where(Attendance.event_id == event_id,
                                                Attendance.attendee_id == attendee_id))
        if att is None or not att.inside:
            raise InvalidTransition("The person is not inside.", key="checkin.not_inside_for_locker")
        clash = s.scalar(select(Attendance).where(Attendance.event_id == event_id, Attendance.locker == locker,
                                                  Attendance.device_returned_at.is_(None),
                                                  Attendance.attendee_id != attendee_id))
        if clash is not None:
            raise ValidationFailed(f"Locker {locker} is in use.", key="checkin.locker_in_use", field="locker",
                                   locker=locker)
        before = att.locker
        att.locker, att.device_deposited_at, att.device_returned_at = locker, utcnow(), None
        att.locker_no = int(locker) if locker.isdigit() and len(locker) < 9 else att.locker_no
        audit.record(s, actor=who, action="checkin.locker", object_type="attendee", object_id=attendee_id,
                     event_id=event_id, before={"locker": before}, after={"locker": locker})
