"""The return debrief (回国汇报), due within the rule's days of the return (DEB-DUE), and the home-page warning
when it is overdue. A request for information made abroad goes to the leader's queue, as a visit's does
(kind `trip_info_request`); every carrier that went abroad must be back first (DEB-CARRIERS)."""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import Session

from planners.base import approvals, audit
from planners.base.auth import Principal
from planners.base.home import Attention
from planners.core import permissions
from planners.core.clock import office_today
from planners.core.errors import TripBlocked, ValidationFailed
from planners.core.findings import Finding, Severity
from planners.core.i18n import both
from planners.store.models_trips import Trip, TripDebrief
from planners.trips import carry, requests
from planners.trips import rules as trip_rules

INFO_KIND = "trip_info_request"


@dataclass(kw_only=True)
class Approach:
    asked_by: str
    what: str
    answer: str


@dataclass(kw_only=True)
class DebriefInput:
    held_on: date | None
    contacts: str = ""
    approaches: list[Approach] = field(default_factory=list)
    gifts: str = ""
    incidents: str = ""
    deviations: str = ""


def _today() -> date:
    return office_today()


def get(session: Session, trip_id: int) -> TripDebrief | None:
    return session.scalar(select(TripDebrief).where(TripDebrief.trip_id == trip_id))


def record(session: Session, trip_id: int, data: DebriefInput, *, actor: Principal) -> TripDebrief:
    trip = requests.get(session, trip_id)
    permissions.require(actor, "trip.run", trip)
    before = trip.status
    to = requests.next_status(trip.status, "debrief")
    back_on = trip.back_on or trip.ends_on
    if data.held_on is None:
        raise ValidationFailed("Give the date of the debrief.", key="trips.debrief_date_required", field="held_on")
    if data.held_on < back_on:
        raise ValidationFailed(f"The debrief cannot be before the return ({back_on}): correct its date.",
                               key="trips.debrief_before_return", field="held_on", back=back_on.isoformat())
    if data.held_on > _today():
        raise ValidationFailed("The debrief date is in the future.", key="trips.debrief_future", field="held_on")
    for i, a in enumerate(data.approaches, 1):
        for name, value in (("asked_by", a.asked_by), ("what", a.what), ("answer", a.answer)):
            if not (value or "").strip():
                raise ValidationFailed(f"Approach {i}: say who asked, what for, and how it was answered.",
                                       key="trips.approach_incomplete", field="approaches", row=i, column=name)
    out = carry.still_out(session, trip.id)
    if out:
        r = trip_rules.rule("carriers_back", "debrief")
        raise TripBlocked([Finding(rule=r["id"], severity=Severity.BLOCKER, source=r["source"],
                                   reason=both("trips.debrief_carrier_out", item=ci.label or ci.copy_code))
                           for ci in out])
    d = TripDebrief(trip_id=trip.id, held_on=data.held_on, contacts=data.contacts.strip(),
                    approaches=[{"asked_by": a.asked_by.strip()[:200], "what": a.what.strip(),
                                 "answer": a.answer.strip()} for a in data.approaches],
                    gifts=data.gifts.strip(), incidents=data.incidents.strip(), deviations=data.deviations.strip(),
                    recorded_by=actor.username)
    session.add(d)
    trip.status = to
    session.flush()
    for i, a in enumerate(d.approaches, 1):
        f = trip_rules.finding("info_request", "debrief", who=a["asked_by"], what=a["what"], answer=a["answer"])
        approvals.request(session, kind=INFO_KIND, object_type="trip_info_request", object_id=f"{trip.id}-{i}",
                          title=both("trips.info_title", title=trip.title), requested_by=actor, findings=[f],
                          payload={"trip": trip.title, **a})
    audit.record(session, actor=actor.username, action="trip.debrief", object_type="trip", object_id=trip.id,
                 before={"status": before}, after={"status": to}, held_on=data.held_on.isoformat(),
                 approaches=len(d.approaches), gifts=bool(d.gifts), incidents=bool(d.incidents))
    return d


def info_seen(session: Session, item, leader: Principal) -> None:
    """A request for information reported at the debrief needs no change of state: the decision is the record."""
    return


def state(session: Session, trip: Trip, today: date | None = None) -> dict:
    due = requests.debrief_due(trip)
    d = get(session, trip.id)
    today = today or _today()
    return {"due": due.isoformat(), "done": d is not None, "held_on": d.held_on.isoformat() if d else None,
            "overdue": d is None and trip.status in ("departed", "back") and today > due}


def overdue_trips(session: Session, me: Principal) -> list[Attention]:
    """attention: an overdue debrief is red on the leader's and the organizer's home page."""
    if me.role not in ("leader", "organizer", "admin"):
        return []
    today = _today()
    out = []
    q = select(Trip).where(Trip.status.in_(("departed", "back")))
    for trip in session.scalars(q.order_by(Trip.ends_on)):
        if me.role == "organizer" and not permissions.allowed(me, "trip.run", trip):
            continue
        due = requests.debrief_due(trip)
        if today > due:
            out.append(Attention(color="red", page="trips", text=both("trips.home_overdue", title=trip.title,
                                                                      due=due.isoformat()),
                                 data={"trip_id": trip.id}))
    return out
