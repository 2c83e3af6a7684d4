"""Who is inside now, who has not arrived, live numbers, arrivals over time, the roll call, the look-up by
name + ID digits, and the desk's recent scans."""
from __future__ import annotations

import unicodedata
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session

from planners.base.events import local
from planners.core.errors import ValidationFailed
from planners.core.clock import utcnow
from planners.store.models import Attendee
from planners.store.models_checkin import Attendance, Scan
from planners.checkin.verdict import UNDO_MINUTES

# ---- manual look-up for a lost badge --------------------------------------------------------------------

def find_attendees(session: Session, event_id: int, name: str, last_digits: str) -> list[Attendee]:
    """Attendees whose name contains `name` and whose ID ends with `last_digits` (both required).

    What the desk types is text, not a pattern: `%` and `_` match themselves; full-width digits and letters
    typed through an IME (１２３Ｘ) are NFKC-normalised to the half-width form the ID digits are stored in."""
    raw = (name or "").strip()
    name = unicodedata.normalize("NFKC", raw)
    last = unicodedata.normalize("NFKC", (last_digits or "")).strip().upper()
    if not name or len(last) < 2:
        raise ValidationFailed("Give the name and at least the last 2 ID digits.", key="checkin.lookup_needs_both",
                               field="name")
    q = select(Attendee).where(Attendee.event_id == event_id,
                               or_(Attendee.name.contains(name, autoescape=True),
                                   Attendee.name.contains(raw, autoescape=True)))
    return [a for a in session.scalars(q.order_by(Attendee.name)) if (a.id_last4 or "").upper().endswith(last)]



# ---- who is inside, live numbers ------------------------------------------------------------------------

def is_inside(session: Session, event_id: int, attendee_id: int) -> bool:
    return bool(session.scalar(select(Attendance.inside).where(Attendance.event_id == event_id,
                                                               Attendance.attendee_id == attendee_id)))


def inside_now(session: Session, event_id: int, *, limit: int | None = None) -> list[dict]:
    """Who is inside (the roll call for an evacuation), by unit and name; `limit` for a screen."""
    q = (select(Attendee, Attendance).join(Attendance, Attendance.attendee_id == Attendee.id)
         .where(Attendance.event_id == event_id, Attendance.inside.is_(True)).order_by(Attendee.unit, Attendee.name))
    rows = session.execute(q.limit(limit) if limit else q).all()
    return [{"id": a.id, "name": a.name, "unit": a.unit, "role": a.event_role, "since": t.last_in_at,
             "desk": t.last_in_desk, "locker": t.locker or ""} for a, t in rows]


def not_arrived(session: Session, event_id: int, *, limit: int | None = None) -> list[Attendee]:
    arrived = select(Attendance.attendee_id).where(Attendance.event_id == event_id)
    q = select(Attendee).where(Attendee.event_id == event_id, Attendee.id.not_in(arrived)).order_by(
        Attendee.unit, Attendee.name)
    return list(session.scalars(q.limit(limit) if limit else q))


def roll_call_csv(session: Session, event_id: int) -> bytes:
    """Everyone inside now, for an evacuation roll call (CSV, neutralised cells)."""
    from planners.base.events import get_event
    from planners.exports.tables import to_csv

    ev = get_event(session, event_id)
    return to_csv([{"name": p["name"], "unit": p["unit"], "role": p["role"], "locker": p["locker"],
                    "since": local(p["since"], ev.tz).strftime("%Y-%m-%d %H:%M"), "desk": p["desk"]}
                   for p in inside_now(session, event_id)], ["name", "unit", "role", "locker", "since", "desk"])


def live_numbers(session: Session, event_id: int) -> dict[str, int]:
    expected = session.scalar(select(func.count()).select_from(Attendee).where(Attendee.event_id == event_id))
    arrived = session.scalar(select(func.count()).select_from(Attendance).where(Attendance.event_id == event_id))
    inside = session.scalar(select(func.count()).select_from(Attendance).where(
        Attendance.event_id == event_id, Attendance.inside.is_(True)))
    refused = session.scalar(select(func.count()).select_from(Scan).where(
        Scan.event_id == event_id, Scan.status == "refused"))
    return {"expected": expected or 0, "arrived": arrived or 0, "inside": inside or 0, "refused": refused or 0}


def arrivals_over_time(session: Session, event_id: int, *, bucket_minutes: int = 5) -> list[dict]:
    """Check-ins per time bucket (UTC bucket start), from the scan log (undone check-ins removed)."""
    undone = {d for (d,) in session.execute(select(Scan.duplicate_of).where(
        Scan.event_id == event_id, Scan.direction == "undo"))}
    counts: dict[datetime, int] = {}
    for sid, at in session.execute(select(Scan.id, Scan.at).where(
            Scan.event_id == event_id, Scan.direction == "in", Scan.reason == "ok", Scan.duplicate_of.is_(None))):
        if sid in undone:
            continue
        b = at.replace(second=0, microsecond=0)
        b -= timedelta(minutes=b.minute % bucket_minutes)
        counts[b] = counts.get(b, 0) + 1
    return [{"at": k, "arrivals": v} for k, v in sorted(counts.items())]


def recent_scans(session: Session, event_id: int, *, desk: str | None = None, limit: int = 20) -> list[Scan]:
    q = select(Scan).where(Scan.event_id == event_id).order_by(Scan.id.desc()).limit(limit)
    if desk:
        q = q.where(Scan.desk == desk)
    return list(session.scalars(q))


def last_undoable(session: Session, event_id: int, desk: str, now: datetime | None = None) -> Scan | None:
    """The desk's most recent check-in that can still be undone."""
    now = now or utcnow()
    sc = session.scalar(select(Scan).where(Scan.event_id == event_id, Scan.desk == desk, Scan.direction == "in",
                                           Scan.reason == "ok", Scan.at >= now - timedelta(minutes=UNDO_MINUTES))
                        .order_by(Scan.id.desc()).limit(1))
    if sc is None:
        return None
    att = session.scalar(select(Attendance).where(Attendance.event_id == event_id,
                                                  Attendance.attendee_id == sc.attendee_id))
    if att is None or not att.inside or att.last_in_scan_id not in (sc.id, sc.duplicate_of):
        return None
    return sc


@dataclass(frozen=True)
class UndoOffer:
    """What the desk's undo button offers: the check-in (scan) it takes back, whom, when (UTC)."""
    scan_id: int
    attendee_id: int
    name: str
    at: datetime
    duplicate_of: int | None = None


def undo_offer(session: Session, event_id: int, desk: str, now: datetime | None = None) -> UndoOffer | None:
    """The desk's most recent check-in that can still be undone, with the person's name (last_undoable)."""
    sc = last_undoable(session, event_id, desk, now)
    if sc is None:
        return None
    return UndoOffer(scan_id=sc.id, attendee_id=sc.attendee_id, name=attendee_name(session, sc.attendee_id),
                     at=sc.at, duplicate_of=sc.duplicate_of)


def offer_of_verdict(v, *, door: int | None = None) -> UndoOffer | None:
    """The undo offer a verdict itself is, with no read: an admission just recorded at the event's main door is
    by construction the desk's newest check-in that can be undone (its attendance row points at it, the person is
    inside). None when the verdict says nothing about it (a refusal, an exit, a session's door): ask undo_offer."""
    if (v is None or v.reason != "ok" or v.direction != "in" or v.duplicate or door is not None
            or v.scan_id is None or v.at is None or not v.attendee):
        return None
    return UndoOffer(scan_id=v.scan_id, attendee_id=v.attendee["id"], name=v.attendee.get("name", ""), at=v.at)


def offer_open(offer: UndoOffer | None, now: datetime | None = None) -> bool:
    """Is the offer still inside the undo window (UNDO_MINUTES)? The undo itself checks everything again."""
    return offer is not None and (now or utcnow()) - offer.at <= timedelta(minutes=UNDO_MINUTES)


def attendee_name(session: Session, attendee_id: int) -> str:
    a = session.get(Attendee, attendee_id)
    return a.name if a is not None else ""


def photo_of(session: Session, attendee_id: int) -> bytes | None:
    """The attendee's photo on file, shown beside the verdict (never in the roll call or an export)."""
    a = session.get(Attendee, attendee_id)
    return a.photo if a is not None and a.photo else None
