"""A session's door (issue 15): the desk picked event + session, so a badge of the event is judged against the
session's level and list, and recorded in the session's presence as well as the event's.

One badge serves every session of its event (the token does not change): the signature, event, window and
generation are checked as at any door (planners.checkin.desk); then here: on the session's list (else
`not_on_session_list`), eligible at the session's level (a foreign guest admitted to a non-secret plenary is
refused at the closed session's door with E3 and its source), not inside this session already. An entry at a
session door also puts the person inside the event (the event's device policy lockers are handed out as at the
main door, by the session's policy); leaving a session's room leaves the person inside the event; leaving the
event (the main door) closes every session's presence. Runs on the desk's driver gear, in its transaction."""
from __future__ import annotations

from datetime import datetime, timedelta
from types import SimpleNamespace

from planners.attendees import eligibility
from planners.base.events import local
from planners.checkin.desk_sql import INSERT_ATTENDANCE, Q_ATTENDANCE, UPDATE_ENTRY
from planners.checkin.verdict import DEDUP_SECONDS, Verdict, attendee_info
from planners.core.errors import NotFound
from planners.core.i18n import both
from planners.store.fastsql import Statement, Tx
from planners.store.models_sessions import (
    EventSession,
    NoticeSignature,
    SecrecyNotice,
    SessionAttendance,
    SessionAttendee,
    SessionScan,
)

_S_T, _SA_T, _SATT_T, _SS_T = (EventSession.__table__, SessionAttendee.__table__, SessionAttendance.__table__,
                               SessionScan.__table__)
Q_SESSION = Statement("SELECT id, event_id, title, level, device_policy, starts_at, ends_at FROM event_sessions "
                      "WHERE id = :id", _S_T)
Q_LISTED = Statement("SELECT 1 FROM session_attendees WHERE session_id = :session_id AND attendee_id = :attendee_id",
                     _SA_T)
Q_SATT = Statement("SELECT * FROM session_attendance WHERE session_id = :session_id AND attendee_id = :attendee_id",
                   _SATT_T)
INSERT_SATT = Statement("INSERT INTO session_attendance (session_id, attendee_id, inside, entries, first_in_at, "
                        "last_in_at, last_in_desk) VALUES (:session_id, :attendee_id, :inside, :entries, "
                        ":first_in_at, :last_in_at, :last_in_desk)", _SATT_T)
UPDATE_SATT_IN = Statement("UPDATE session_attendance SET inside = :inside, entries = :entries, "
                           "last_in_at = :last_in_at, last_in_desk = :last_in_desk WHERE id = :id", _SATT_T)
UPDATE_SATT_OUT = Statement("UPDATE session_attendance SET inside = :inside, last_out_at = :last_out_at "
                            "WHERE id = :id", _SATT_T)
LEAVE_ALL = Statement("UPDATE session_attendance SET inside = :inside, last_out_at = :last_out_at "
                      "WHERE attendee_id = :attendee_id AND inside = :was", _SATT_T)
Q_NOTICE = Statement("SELECT version FROM secrecy_notices WHERE event_id = :event_id AND required = :required "
                     "ORDER BY version DESC LIMIT 1", SecrecyNotice.__table__)
Q_SIGNED = Statement("SELECT 1 FROM notice_signatures WHERE attendee_id = :attendee_id AND version = :version",
                     NoticeSignature.__table__)
INSERT_SESSION_SCAN = Statement("INSERT INTO session_scans (scan_id, session_id) VALUES (:scan_id, :session_id)",
                                _SS_T)


def load(tx: Tx, ev, session_id: int):
    """The session's row, refused unless it is a session of this event."""
    s = tx.one(Q_SESSION, id=int(session_id))
    if s is None or s.event_id != ev.id:
        raise NotFound(f"No session {session_id} in this event.", key="sessions.not_found", id=session_id)
    return s


def as_event(ev, door):
    """The event as the session's door sees it: the session's level and device policy."""
    return SimpleNamespace(**{**ev._asdict(), "level": door.level, "device_policy": door.device_policy})


def admit(tx: Tx, ev, door, a, *, desk: str, direction: str, now: datetime, kit) -> Verdict:
    """The verdict at the session's door; the change waits in `v.write` for the scan's id (as desk._admit).
    `kit`: the desk's own helpers (eligibility, held_locker, next_locker, entry_attention), handed in by
    planners.checkin.desk so that the two modules do not import each other."""
    info = attendee_info(a)
    info["session"] = door.title
    where = {"session": door.title}
    if tx.one(Q_LISTED, session_id=door.id, attendee_id=a.id) is None:
        return Verdict(reason="not_on_session_list", attendee=info, details=where)
    satt = tx.one(Q_SATT, session_id=door.id, attendee_id=a.id)
    if direction == "out":
        if satt is None or not satt.inside:
            return Verdict(reason="not_inside", attendee=info, details=where)

        return Verdict(reason="exit_ok", attendee=info, details=where,
                       write=lambda _scan_id: tx.run(UPDATE_SATT_OUT, id=satt.id, inside=False, last_out_at=now))
    seen_as = as_event(ev, door)
    el = kit.eligibility(tx, seen_as, a)
    if el.status != eligibility.ELIGIBLE:
        rules = [f for f in el.findings if not f.met]
        return Verdict(reason=el.status, attendee=info,
                       details={**where, "rules": ", ".join(f.rule for f in rules),
                                "source": "; ".join(f.source for f in rules)},
                       require_attention=[{"code": "rule", "rule": f.rule, "source": f.source,
                                           "text": both("sessions.attention.rule", rule=f.rule, text=f.reason,
                                                        source=f.source)} for f in rules])
    refused = kit.approved_list_refusal(tx, ev, a, info)  # issue 11: eligible, and on the list as approved
    if refused is not None:
        refused.details.update(where)
        return refused
    if satt is not None and satt.inside:
        details = {**where, "desk": satt.last_in_desk, "since": local(satt.last_in_at, ev.tz).strftime("%H:%M:%S")}
        if satt.last_in_at >= now - timedelta(seconds=DEDUP_SECONDS):
            return Verdict(reason="same_badge_again", attendee=info, duplicate=True, details=details)
        return Verdict(reason="already_checked_in", attendee=info, details=details)
    att = tx.one(Q_ATTENDANCE, event_id=ev.id, attendee_id=a.id)
    locker = kit.held_locker(att)
    event_row = None
    if att is None or not att.inside:  # entering a session's room enters the event
        event_row = {"inside": True, "last_in_at": now, "last_in_desk": desk}
        for k in ("locker", "locker_no", "device_deposited_at", "device_returned_at"):
            event_row[k] = getattr(att, k) if att is not None else None
        if door.device_policy == "lockers" and locker is None:
            n = kit.next_locker(tx, ev.id)
            locker = str(n)
            event_row.update(locker=locker, locker_no=n, device_deposited_at=now, device_returned_at=None)
    entries = 1 if satt is None else satt.entries + 1

    def write(scan_id: int) -> None:
        if event_row is not None and att is None:
            tx.run(INSERT_ATTENDANCE, event_id=ev.id, attendee_id=a.id, entries=1, first_in_at=now,
                   last_in_scan_id=scan_id, **event_row)
        elif event_row is not None:
            tx.run(UPDATE_ENTRY, id=att.id, entries=att.entries + 1, last_in_scan_id=scan_id, **event_row)
        if satt is None:
            tx.run(INSERT_SATT, session_id=door.id, attendee_id=a.id, inside=True, entries=1, first_in_at=now,
                   last_in_at=now, last_in_desk=desk)
        else:
            tx.run(UPDATE_SATT_IN, id=satt.id, inside=True, entries=entries, last_in_at=now, last_in_desk=desk)

    v = Verdict(reason="ok", attendee=info, details={**where, "entry": entries}, write=write)
    v.require_attention = kit.entry_attention(seen_as, a, el, locker)
    v.require_attention.insert(0, {"code": "session", "text": both("sessions.attention.door", session=door.title)})
    return v


def leave_every_session(tx: Tx, attendee_id: int, now: datetime) -> None:
    """Leaving the event (its main door) closes the person's presence in every session."""
    tx.run(LEAVE_ALL, attendee_id=attendee_id, inside=False, was=True, last_out_at=now)


def tie_scan(tx: Tx, scan_id: int, session_id: int) -> None:
    tx.run(INSERT_SESSION_SCAN, scan_id=scan_id, session_id=session_id)




def notice_attention(tx: Tx, event_id: int, attendee_id: int) -> list[dict]:
    """The secrecy notice not yet signed (planners.checkin.notice): an item for the desk, two indexed reads."""
    version = tx.scalar(Q_NOTICE, event_id=event_id, required=True)
    if version is None or tx.one(Q_SIGNED, attendee_id=attendee_id, version=version) is not None:
        return []
    return [{"code": "secrecy_notice", "version": version, "attendee_id": attendee_id,
             "text": both("notice.attention", version=version)}]
