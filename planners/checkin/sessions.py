"""Sessions of an event (issue 15): each with its room, times, level (at most the event's), device policy,
knowledge scope and the subset of the allow-list admitted. A session has its own door (planners.checkin.door);
presence and the roll call are kept per session and for the whole event. End-of-day checks of each room and
container of a multi-day event; a day whose check is missing is an attention item for the organizer."""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from planners.base import audit
from planners.base.auth import Principal
from planners.base.events import local
from planners.core import permissions
from planners.core.clock import utcnow
from planners.core.errors import (
    InvalidTransition,
    NotFound,
    SessionAboveEvent,
    SessionInvalid,
    SessionOutsideEvent,
)
from planners.core.i18n import both
from planners.core.levels import Classification
from planners.exports.tables import to_csv
from planners.store.models import Attendee, Event, Venue
from planners.store.models_sessions import (
    EventSession,
    RoomCheck,
    SessionAttendance,
    SessionAttendee,
    SessionScan,
)

DEVICE_POLICIES = ("lockers", "approved_only", "none")
CHECK_RESULTS = ("in_order", "problem")
CHECK_KINDS = ("room", "container")


@dataclass(frozen=True, kw_only=True)
class SessionInput:
    title: str
    start: datetime
    end: datetime
    level: str
    venue_id: int | None = None
    room: str = ""
    device_policy: str = "lockers"
    knowledge_scope: str = ""
    admitted: tuple[int, ...] = field(default_factory=tuple)  # attendee ids of the event's allow-list


def _utc(dt: datetime) -> datetime:
    return dt.astimezone(UTC).replace(tzinfo=None) if dt.tzinfo else dt


def _event(session: Session, event_id: int) -> Event:
    ev = session.get(Event, event_id)
    if ev is None:
        raise NotFound(f"No event with id {event_id}.", key="events.not_found", id=event_id)
    return ev


def get_session(session: Session, session_id: int) -> EventSession:
    s = session.get(EventSession, session_id)
    if s is None:
        raise NotFound(f"No session with id {session_id}.", key="sessions.not_found", id=session_id)
    return s


def validate(session: Session, ev: Event, data: SessionInput) -> tuple[datetime, datetime]:
    """The session's times in UTC, or the refusal naming the field and how to fix it."""
    title = (data.title or "").strip()
    if not title or len(title) > 200:
        raise SessionInvalid("A session needs a title of at most 200 characters.", field="title",
                             problem=both("sessions.problem.title"))
    start, end = _utc(data.start), _utc(data.end)
    if end <= start:
        raise SessionInvalid("The session ends before it starts.", field="end", problem=both("sessions.problem.end"))
    first, last = local(ev.starts_at, ev.tz).date(), local(ev.ends_at, ev.tz).date()
    if local(start, ev.tz).date() < first or local(end, ev.tz).date() > last:
        raise SessionOutsideEvent("The session lies outside the event's dates.", field="start",
                                  first=first.isoformat(), last=last.isoformat())
    try:
        level = Classification.parse(data.level)
    except ValueError:
        raise SessionInvalid("Unknown level.", field="level", problem=both("sessions.problem.level")) from None
    if level.above(ev.level):
        raise SessionAboveEvent("The session's level is above the event's.", field="level",
                                level=f"{level.label('zh_CN')} / {level.label('en')}",
                                event_level=f"{Classification(ev.level).label('zh_CN')} / "
                                            f"{Classification(ev.level).label('en')}")
    if data.device_policy not in DEVICE_POLICIES:
        raise SessionInvalid("Unknown device policy.", field="device_policy", problem=both("sessions.problem.devices"))
    if data.venue_id is not None and session.get(Venue, data.venue_id) is None:
        raise SessionInvalid("Unknown venue.", field="venue_id", problem=both("sessions.problem.venue"))
    if len(data.knowledge_scope or "") > 2000 or len(data.room or "") > 120:
        raise SessionInvalid("Text too long.", field="knowledge_scope", problem=both("sessions.problem.too_long"))
    listed = set(session.scalars(select(Attendee.id).where(Attendee.event_id == ev.id)))
    stray = [i for i in data.admitted if i not in listed]
    if stray:
        raise SessionInvalid("Only people of the event's allow-list can be admitted.", field="admitted",
                             problem=both("sessions.problem.not_listed", ids=", ".join(map(str, stray))))
    return start, end


def _snapshot(s: EventSession, admitted: list[int]) -> dict:
    return {"title": s.title, "level": s.level, "venue_id": s.venue_id, "room": s.room,
            "start": s.starts_at.isoformat(), "end": s.ends_at.isoformat(), "device_policy": s.device_policy,
            "admitted": len(admitted)}


def create_session(session: Session, event_id: int, data: SessionInput, *, actor: Principal) -> EventSession:
    ev = _event(session, event_id)
    permissions.require(actor, "sessions.manage", ev)
    start, end = validate(session, ev, data)
    level = Classification.parse(data.level).value
    s = EventSession(event_id=ev.id, title=data.title.strip(), venue_id=data.venue_id, room=(data.room or "").strip(),
                     starts_at=start, ends_at=end, level=level, device_policy=data.device_policy,
                     knowledge_scope=(data.knowledge_scope or "").strip(), created_by=actor.username)
    session.add(s)
    session.flush()
    for aid in sorted(set(data.admitted)):
        session.add(SessionAttendee(session_id=s.id, attendee_id=aid))
    session.flush()
    audit.record(session, actor=actor.username, action="session.created", object_type="session", object_id=s.id,
                 event_id=ev.id, after=_snapshot(s, list(data.admitted)))
    return s


def update_session(session: Session, session_id: int, data: SessionInput, *, actor: Principal) -> EventSession:
    s = get_session(session, session_id)
    ev = _event(session, s.event_id)
    permissions.require(actor, "sessions.manage", ev)
    start, end = validate(session, ev, data)
    before = _snapshot(s, admitted_ids(session, s.id))
    s.title, s.venue_id, s.room = data.title.strip(), data.venue_id, (data.room or "").strip()
    s.starts_at, s.ends_at, s.level = start, end, Classification.parse(data.level).value
    s.device_policy, s.knowledge_scope = data.device_policy, (data.knowledge_scope or "").strip()
    session.execute(delete(SessionAttendee).where(SessionAttendee.session_id == s.id))
    for aid in sorted(set(data.admitted)):
        session.add(SessionAttendee(session_id=s.id, attendee_id=aid))
    session.flush()
    audit.record(session, actor=actor.username, action="session.updated", object_type="session", object_id=s.id,
                 event_id=ev.id, before=before, after=_snapshot(s, list(data.admitted)))
    return s


def delete_session(session: Session, session_id: int, *, actor: Principal) -> None:
    s = get_session(session, session_id)
    ev = _event(session, s.event_id)
    permissions.require(actor, "sessions.manage", ev)
    before = _snapshot(s, admitted_ids(session, s.id))
    session.delete(s)
    session.flush()
    audit.record(session, actor=actor.username, action="session.deleted", object_type="session",
                 object_id=session_id, event_id=ev.id, before=before)


def list_sessions(session: Session, event_id: int) -> list[EventSession]:
    return list(session.scalars(select(EventSession).where(EventSession.event_id == event_id)
                                .order_by(EventSession.starts_at, EventSession.id)))


def admitted_ids(session: Session, session_id: int) -> list[int]:
    return list(session.scalars(select(SessionAttendee.attendee_id).where(SessionAttendee.session_id == session_id)
                                .order_by(SessionAttendee.attendee_id)))


def session_rows(session: Session, event_id: int, lang: str) -> list[dict]:
    """The sessions as the organizer's table shows them."""
    ev = _event(session, event_id)
    venues = {v.id: v.name for v in session.scalars(select(Venue))}
    out = []
    for s in list_sessions(session, event_id):
        out.append({"id": s.id, "title": s.title, "level": Classification(s.level).label(lang),
                    "room": " ".join(x for x in (venues.get(s.venue_id, ""), s.room) if x),
                    "start": local(s.starts_at, ev.tz).strftime("%Y-%m-%d %H:%M"),
                    "end": local(s.ends_at, ev.tz).strftime("%Y-%m-%d %H:%M"),
                    "devices": both(f"sessions.devices.{s.device_policy}")[lang],
                    "admitted": len(admitted_ids(session, s.id)), "inside": len(inside_session(session, s.id))})
    return out


# ---- presence per session ----------------------------------------------------------------------------------

def inside_session(session: Session, session_id: int) -> list[dict]:
    """Who is inside the session's room now, by unit and name (the roll call of the room)."""
    q = (select(Attendee, SessionAttendance).join(SessionAttendance, SessionAttendance.attendee_id == Attendee.id)
         .where(SessionAttendance.session_id == session_id, SessionAttendance.inside.is_(True))
         .order_by(Attendee.unit, Attendee.name))
    return [{"id": a.id, "name": a.name, "unit": a.unit, "since": t.last_in_at, "desk": t.last_in_desk}
            for a, t in session.execute(q).all()]


def roll_call_session(session: Session, session_id: int, lang: str = "zh_CN") -> bytes:
    """CSV of the session's list: name, unit, first entry, inside now (never a photo; cells neutralised)."""
    s = get_session(session, session_id)
    ev = _event(session, s.event_id)
    seen = {t.attendee_id: t for t in session.scalars(select(SessionAttendance)
                                                     .where(SessionAttendance.session_id == s.id))}
    people = session.scalars(select(Attendee).join(SessionAttendee, SessionAttendee.attendee_id == Attendee.id)
                             .where(SessionAttendee.session_id == s.id).order_by(Attendee.unit, Attendee.name))
    cols = [both(f"sessions.roll.{k}")[lang] for k in ("name", "unit", "first_in", "inside")]
    yes, no = both("sessions.roll.is_in")[lang], both("sessions.roll.is_out")[lang]
    rows = []
    for a in people:
        t = seen.get(a.id)
        rows.append(dict(zip(cols, [a.name, a.unit,
                                    local(t.first_in_at, ev.tz).strftime("%Y-%m-%d %H:%M") if t else "",
                                    yes if t is not None and t.inside else no])))
    return to_csv(rows, cols)


def undo_at_door(session: Session, sc) -> bool:
    """Undo (planners.checkin.corrections) of a check-in made at a session's door: the room's presence is taken
    back. False when the scan was made at the main entrance."""
    tie = session.get(SessionScan, sc.id)
    if tie is None:
        return False
    t = session.scalar(select(SessionAttendance).where(SessionAttendance.session_id == tie.session_id,
                                                       SessionAttendance.attendee_id == sc.attendee_id))
    if t is None or not t.inside:
        raise InvalidTransition("This check-in was already undone or followed by an exit.", key="checkin.undo_stale")
    if t.entries <= 1:
        session.delete(t)
    else:
        t.entries, t.inside = t.entries - 1, False
    return True


# ---- end-of-day checks of rooms and containers -----------------------------------------------------------

def event_days(ev: Event) -> list[date]:
    first, last = local(ev.starts_at, ev.tz).date(), local(ev.ends_at, ev.tz).date()
    return [first + timedelta(days=i) for i in range((last - first).days + 1)]


def places_to_check(session: Session, ev: Event) -> list[str]:
    """The rooms of the event's sessions (a multi-day event's rooms are checked at each day's end), and the
    containers recorded for it."""
    venues = {v.id: v.name for v in session.scalars(select(Venue))}
    out = []
    for s in list_sessions(session, ev.id):
        p = " ".join(x for x in (venues.get(s.venue_id, ""), s.room) if x) or s.title
        if p not in out:
            out.append(p)
    for p in (ev.facts or {}).get("containers", []):
        if p not in out:
            out.append(p)
    return out


def record_room_check(session: Session, event_id: int, *, day: date, place: str, result: str, actor: Principal,
                      kind: str = "room", note: str = "") -> RoomCheck:
    ev = _event(session, event_id)
    permissions.require(actor, "sessions.room_check", ev)
    if result not in CHECK_RESULTS:
        raise SessionInvalid("Unknown result.", field="result", problem=both("sessions.problem.result"))
    if kind not in CHECK_KINDS:
        raise SessionInvalid("Unknown kind.", field="kind", problem=both("sessions.problem.kind"))
    place = (place or "").strip()[:120]
    if not place:
        raise SessionInvalid("Name the room or container.", field="place", problem=both("sessions.problem.place"))
    if day not in event_days(ev):
        raise SessionOutsideEvent("The day lies outside the event's dates.", field="day",
                                  first=event_days(ev)[0].isoformat(), last=event_days(ev)[-1].isoformat())
    row = session.scalar(select(RoomCheck).where(RoomCheck.event_id == ev.id, RoomCheck.day == day.isoformat(),
                                                 RoomCheck.place == place))
    if row is None:
        row = RoomCheck(event_id=ev.id, day=day.isoformat(), place=place)
        session.add(row)
    row.kind, row.result, row.note = kind, result, (note or "")[:300]
    row.checked_by, row.checked_at = actor.username, utcnow()
    session.flush()
    audit.record(session, actor=actor.username, action="session.room_checked", object_type="room_check",
                 object_id=row.id, event_id=ev.id, day=row.day, place=place, result=result, kind=kind)
    return row


def room_checks(session: Session, event_id: int) -> list[RoomCheck]:
    return list(session.scalars(select(RoomCheck).where(RoomCheck.event_id == event_id)
                                .order_by(RoomCheck.day, RoomCheck.place)))


def missed_checks(session: Session, ev: Event, now: datetime | None = None) -> list[dict]:
    """Each (day, place) of a multi-day event whose day is over (office time) without its check, and each check
    that found a problem: what the organizer must follow up."""
    days = event_days(ev)
    if len(days) < 2:
        return []
    today = local(now or utcnow(), ev.tz).date()
    done = {(r.day, r.place): r for r in room_checks(session, ev.id)}
    out = []
    for d in days:
        if d >= today:
            continue
        for p in places_to_check(session, ev):
            r = done.get((d.isoformat(), p))
            if r is None:
                out.append({"day": d.isoformat(), "place": p, "problem": "missed"})
            elif r.result == "problem":
                out.append({"day": d.isoformat(), "place": p, "problem": "problem", "by": r.checked_by})
    return out
