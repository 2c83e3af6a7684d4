"""Outbound trips and their approval workflow (the leader queue, kind `trip`).

    draft --submit--> submitted --approve--> approved --depart--> departed --back--> back --debrief--> debriefed
                      submitted --return---> returned --submit--> submitted                       --close--> closed
                      submitted --reject---> rejected (final)
    approved --edit--> submitted (a change to an approved trip goes back to the leader)

A decision is taken through planners.base.approvals: only a leader, never the requester. A trip with a core (核心)
traveller needs two different leaders (TRV-CORE); a BLOCKER finding (a barred traveller, one not in post) refuses
the approval. Travellers are people of the register (trips.travellers); the scope of talks abroad is checked by
planners.visits.disclosure (tiers, ceiling, methods) and approved with the trip."""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from planners.base import approvals, audit, request_flow
from planners.base.auth import Principal
from planners.core import permissions
from planners.core.clock import office_today
from planners.core.errors import (
    NotFound,
    SelfApprovalForbidden,
    TripBlocked,
    ValidationFailed,
)
from planners.core.findings import Finding
from planners.core.i18n import both
from planners.core.levels import Classification
from planners.store.models import User
from planners.store.models_trips import Trip, TripTraveller
from planners.trips import rules as trip_rules
from planners.trips import travellers as reg
from planners.trips import vetting
from planners.visits import disclosure

KIND = "trip"
STATUSES = ("draft", "submitted", "approved", "returned", "rejected", "departed", "back", "debriefed", "closed")
TRANSITIONS: dict[str, dict[str, str]] = {
    **request_flow.BASE_TRANSITIONS,
    "depart": {"approved": "departed"},
    "back": {"departed": "back"},
    "debrief": {"back": "debriefed"},
    "close": {"debriefed": "closed"},
}
DECISION_ACTION = request_flow.DECISION_ACTION
EDITABLE = ("draft", "returned", "approved")


def next_status(status: str, action: str) -> str:
    return request_flow.next_status(TRANSITIONS, status, action, key="trips.bad_transition", what="A trip")


@dataclass(kw_only=True)
class Stop:
    day: date | None
    place: str
    host: str = ""
    meeting: str = ""


@dataclass(kw_only=True)
class TravellerInput:
    person_id: int
    role: str = ""


@dataclass(kw_only=True)
class TripInput:
    title: str
    purpose: str = ""
    inviting_party: str = ""
    unit: str = ""
    destinations: list[str] = field(default_factory=list)
    starts_on: date | None = None
    ends_on: date | None = None
    itinerary: list[Stop] = field(default_factory=list)
    travellers: list[TravellerInput] = field(default_factory=list)
    ceiling: str = "internal"
    scope: list[disclosure.ItemInput] = field(default_factory=list)
    organizer_id: int | None = None


# ---------------------------------------------------------------- validation

def _cell(row: int, column: str, key: str, message: str, **params):
    return ValidationFailed(f"Itinerary row {row}, {column}: {message}", key=key, field="itinerary", row=row,
                            column=column, **params)


def validate_itinerary(stops: list[Stop], starts_on: date | None, ends_on: date | None) -> None:
    """Every row of the itinerary table, cell by cell: the error names the row and the column."""
    for i, s in enumerate(stops, 1):
        if s.day is None:
            raise _cell(i, "day", "trips.stop_day_required", "give the day.")
        if starts_on and ends_on and not (starts_on <= s.day <= ends_on):
            raise _cell(i, "day", "trips.stop_day_outside", "the day is outside the trip's dates.",
                        start=starts_on.isoformat(), end=ends_on.isoformat())
        if not (s.place or "").strip():
            raise _cell(i, "place", "trips.stop_place_required", "give the place (city, venue).")
        for col, value in (("place", s.place), ("host", s.host), ("meeting", s.meeting)):
            if len((value or "").strip()) > 200:
                raise _cell(i, col, "trips.stop_too_long", "at most 200 characters.")


def validate(session: Session, data: TripInput, *, today: date | None = None) -> list[Finding]:
    """Refuse what is wrong, naming the field; return the scope's findings for the leader."""
    today = today or office_today()
    title = (data.title or "").strip()
    if not title:
        raise ValidationFailed("Give the trip a short non-secret title.", key="trips.title_required", field="title")
    if len(title) > 200:
        raise ValidationFailed("The title is longer than 200 characters.", key="trips.title_long", field="title")
    if not data.destinations:
        raise ValidationFailed("Give at least one destination (country or region code).",
                               key="trips.destinations_required", field="destinations")
    known = trip_rules.countries()
    seen: set[str] = set()
    for code in data.destinations:
        c = (code or "").strip().upper()
        if c not in known:
            raise ValidationFailed(f"Unknown country or region code {code!r}: use an ISO 3166 code such as FR, DE, "
                                   "HK.", key="trips.unknown_country", field="destinations", code=code)
        if c == "CN":
            raise ValidationFailed("CN is not a destination abroad: give the country or region visited.",
                                   key="trips.domestic", field="destinations")
        if c in seen:
            raise ValidationFailed(f"{c} is listed twice.", key="trips.country_twice", field="destinations", code=c)
        seen.add(c)
    if data.starts_on is None:
        raise ValidationFailed("Give the departure date.", key="trips.start_required", field="starts_on")
    if data.ends_on is None:
        raise ValidationFailed("Give the return date.", key="trips.end_required", field="ends_on")
    if data.starts_on < today:
        raise ValidationFailed("The departure date is in the past: a trip is approved before it starts.",
                               key="trips.past", field="starts_on")
    if data.ends_on < data.starts_on:
        raise ValidationFailed("The return date is before the departure date: correct the return date.",
                               key="trips.reversed", field="ends_on")
    if (data.ends_on - data.starts_on).days > 365:
        raise ValidationFailed("A trip lasts at most a year.", key="trips.too_long", field="ends_on")
    if not data.travellers:
        raise ValidationFailed("Choose at least one traveller from the people register.",
                               key="trips.travellers_required", field="travellers")
    ids: set[int] = set()
    for t in data.travellers:
        if t.person_id in ids:
            p = reg.person(session, t.person_id)
            raise ValidationFailed(f"{p.name} is listed twice among the travellers.", key="trips.traveller_twice",
                                   field="travellers", name=p.name)
        ids.add(t.person_id)
        reg.person(session, t.person_id)
    validate_itinerary(data.itinerary, data.starts_on, data.ends_on)
    return scope_findings(session, data.ceiling, data.scope)


def scope_findings(session: Session, ceiling: str, items: list[disclosure.ItemInput]) -> list[Finding]:
    """The scope of talks abroad, checked by the disclosure rules (planners.visits.disclosure.check_item)."""
    try:
        ceil = Classification.parse(ceiling or "internal")
    except ValueError as exc:
        raise ValidationFailed(str(exc), key="disclosure.bad_level", field="ceiling") from exc
    cat = disclosure.topics(session)
    seen: set[str] = set()
    out: list[Finding] = []
    for it in items:
        if it.topic not in cat:
            raise ValidationFailed(f"Unknown topic {it.topic!r}: add it to the catalogue first.",
                                   key="disclosure.unknown_topic", field="scope", topic=it.topic)
        if it.topic in seen:
            raise ValidationFailed(f"Topic {it.topic!r} is listed twice.", key="disclosure.topic_twice",
                                   field="scope", topic=it.topic)
        seen.add(it.topic)
        out += disclosure.check_item(cat[it.topic], it, ceil)
    return out


def _apply(session: Session, trip: Trip, data: TripInput, actor: Principal) -> None:
    trip.title, trip.purpose = data.title.strip(), (data.purpose or "").strip()
    trip.inviting_party, trip.unit = (data.inviting_party or "").strip(), (data.unit or "").strip()
    trip.destinations = [c.strip().upper() for c in data.destinations]
    trip.starts_on, trip.ends_on = data.starts_on, data.ends_on
    trip.itinerary = [{"day": s.day.isoformat(), "place": s.place.strip(), "host": (s.host or "").strip(),
                       "meeting": (s.meeting or "").strip()} for s in data.itinerary]
    trip.scope = {"ceiling": Classification.parse(data.ceiling or "internal").value,
                  "items": [{"topic": i.topic, "decision": i.decision,
                             "methods": list(i.methods) if i.decision != "must_not" else [],
                             "exception_basis": i.exception_basis.strip(), "note": i.note.strip()}
                            for i in data.scope]}
    session.flush()
    existing = {t.person_id: t for t in travellers_of(session, trip.id)}
    wanted = {t.person_id: t for t in data.travellers}
    for pid, t in existing.items():
        if pid not in wanted:
            session.delete(t)
    for pid, t in wanted.items():
        if pid in existing:
            existing[pid].role = (t.role or "").strip()[:60]
        else:
            session.add(TripTraveller(trip_id=trip.id, person_id=pid, name=reg.person(session, pid).name,
                                      role=(t.role or "").strip()[:60], recorded_by=actor.username))
    session.flush()


def snapshot(session: Session, trip: Trip) -> dict:
    return {"title": trip.title, "destinations": trip.destinations, "start": trip.starts_on.isoformat(),
            "end": trip.ends_on.isoformat(), "travellers": [t.person_id for t in travellers_of(session, trip.id)],
            "itinerary": len(trip.itinerary or []), "scope": trip.scope, "status": trip.status}


def _organizer_for(session: Session, data: TripInput, actor: Principal) -> int:
    return request_flow.organizer_for(session, data.organizer_id, actor, key="trips.organizer_required", what="trip")


# ---------------------------------------------------------------- commands

def create(session: Session, data: TripInput, *, actor: Principal, today: date | None = None) -> Trip:
    permissions.require(actor, "trip.create")
    validate(session, data, today=today)
    trip = Trip(organizer_id=_organizer_for(session, data, actor), created_by=actor.username, status="draft",
                title="", starts_on=data.starts_on, ends_on=data.ends_on, approved_by=[], destinations=[],
                itinerary=[], scope={})
    session.add(trip)
    session.flush()
    _apply(session, trip, data, actor)
    audit.record(session, actor=actor.username, action="trip.create", object_type="trip", object_id=trip.id,
                 after=snapshot(session, trip))
    return trip


def get(session: Session, trip_id: int) -> Trip:
    trip = session.get(Trip, trip_id)
    if trip is None:
        raise NotFound(f"No trip {trip_id}; `conclave trips` lists them.", key="trips.not_found", id=trip_id)
    return trip


def travellers_of(session: Session, trip_id: int) -> list[TripTraveller]:
    return list(session.scalars(select(TripTraveller).where(TripTraveller.trip_id == trip_id)
                                .order_by(TripTraveller.id)))


def update(session: Session, trip_id: int, data: TripInput, *, actor: Principal,
           expected_version: int | None = None, today: date | None = None) -> Trip:
    """Change a draft, returned or approved trip; a change to an approved trip sends it back to the leader."""
    trip = get(session, trip_id)
    permissions.require(actor, "trip.edit", trip)
    request_flow.check_version(trip, expected_version, key="trips.concurrent_edit", what="trip")
    to = next_status(trip.status, "edit")
    validate(session, data, today=today)
    before = snapshot(session, trip)
    _apply(session, trip, data, actor)
    if data.organizer_id:
        trip.organizer_id = _organizer_for(session, data, actor)
    trip.version += 1
    session.flush()
    audit.record(session, actor=actor.username, action="trip.update", object_type="trip", object_id=trip.id,
                 before=before, after=snapshot(session, trip))
    if to != trip.status:  # approved -> back to the leader
        _send(session, trip, actor, comment="")
    return trip


def findings_for(session: Session, trip: Trip) -> list[Finding]:
    """What the leader sees beside the request: each traveller's vetting, the destinations, the scope of talks."""
    out: list[Finding] = []
    for t in travellers_of(session, trip.id):
        p = reg.person(session, t.person_id)
        out += vetting.traveller_findings(_vetted(p, trip), pledge_ok=reg.pledge_ok(
            session, t.person_id, trip.starts_on, trip.ends_on), starts_on=trip.starts_on, ends_on=trip.ends_on)
    out += vetting.destination_findings(list(trip.destinations or []))
    out += scope_findings(session, (trip.scope or {}).get("ceiling", "internal"), scope_inputs(trip))
    return out


@dataclass(kw_only=True)
class _Vetted:
    name: str
    level: str
    person_class: str
    status: str
    decommission_until: date | None
    barred: bool


def _vetted(p, trip: Trip) -> _Vetted:
    return _Vetted(name=p.name, level=getattr(p, "level", "public"), person_class=getattr(p, "person_class", ""),
                   status=getattr(p, "status", "active"), decommission_until=getattr(p, "decommission_until", None),
                   barred=reg.is_barred(p, trip.starts_on))


def scope_inputs(trip: Trip) -> list[disclosure.ItemInput]:
    return [disclosure.ItemInput(topic=i["topic"], decision=i["decision"], methods=tuple(i.get("methods") or ()),
                                 exception_basis=i.get("exception_basis", ""), note=i.get("note", ""))
            for i in (trip.scope or {}).get("items", [])]


def approvers_needed(session: Session, trip: Trip) -> int:
    return vetting.approvers_needed([reg.person(session, t.person_id) for t in travellers_of(session, trip.id)])


def payload(session: Session, trip: Trip) -> dict:
    names = [f"{t.name}" + (f" ({t.role})" if t.role else "") for t in travellers_of(session, trip.id)]
    return {"dates": f"{trip.starts_on:%Y-%m-%d} – {trip.ends_on:%Y-%m-%d}",
            "destinations": "、".join(trip_rules.country_name(c, "zh_CN") for c in trip.destinations or []),
            "inviting_party": trip.inviting_party, "purpose": trip.purpose, "travellers": "; ".join(names),
            "itinerary": " → ".join(s["place"] for s in trip.itinerary or []),
            "approvals_needed": approvers_needed(session, trip)}


def _send(session: Session, trip: Trip, actor: Principal | str, comment: str, *, second: bool = False) -> None:
    before = trip.status
    trip.status = "submitted"
    if not second:
        trip.approved_by = []
    who = actor.username if isinstance(actor, Principal) else actor
    title = both("trips.approval_title_second" if second else "trips.approval_title", title=trip.title,
                 first="、".join(trip.approved_by or []))
    approvals.request(session, kind=KIND, object_type="trip", object_id=trip.id, title=title, requested_by=actor,
                      findings=findings_for(session, trip), payload=payload(session, trip), comment=comment)
    audit.record(session, actor=who, action="trip.submit", object_type="trip", object_id=trip.id,
                 before={"status": before}, after={"status": "submitted"}, second=second)


def submit(session: Session, trip_id: int, *, actor: Principal, comment: str = "") -> Trip:
    trip = get(session, trip_id)
    permissions.require(actor, "trip.edit", trip)
    next_status(trip.status, "submit")
    _send(session, trip, actor, comment)
    return trip


def pending_item(session: Session, trip: Trip):
    return request_flow.pending_item(session, KIND, "trip", trip.id)


def decide(session: Session, trip_id: int, decision: str, *, leader: Principal, comment: str = "") -> Trip:
    return request_flow.decide(session, get(session, trip_id), decision, kind=KIND, object_type="trip",
                               transitions=TRANSITIONS, key="trips.bad_transition", what="A trip", noun="trip",
                               leader=leader, comment=comment)


def apply_decision(session: Session, item, leader: Principal) -> None:
    """on_decision for kind `trip`: approve (refused with a blocker; a second leader for core staff), return,
    reject. Raising here refuses the decision: the unit of work writes nothing."""
    trip = session.get(Trip, int(item.object_id))
    if trip is None:
        return
    before = trip.status
    if item.status == "approved":
        blocked = vetting.blockers(findings_for(session, trip))
        if blocked:
            raise TripBlocked(blocked)
        if leader.username in (trip.approved_by or []):
            raise SelfApprovalForbidden("This leader approved the trip already: the second approval is another "
                                        "leader's.", key="trips.second_leader")
        trip.approved_by = [*(trip.approved_by or []), leader.username]
        trip.last_comment, trip.decided_by = item.comment, leader.username
        if len(trip.approved_by) < approvers_needed(session, trip):
            audit.record(session, actor=leader.username, action="trip.first_approval", object_type="trip",
                         object_id=trip.id, comment=item.comment)
            _send(session, trip, item.requested_by, comment=item.comment, second=True)
            return
        trip.status = next_status(trip.status, "approve")
    else:
        trip.status = next_status(trip.status, DECISION_ACTION[item.status])
        trip.approved_by = []
        trip.last_comment, trip.decided_by = item.comment, leader.username
    audit.record(session, actor=leader.username, action=f"trip.{item.status}", object_type="trip",
                 object_id=trip.id, before={"status": before}, after={"status": trip.status}, comment=item.comment)


def close(session: Session, trip_id: int, *, actor: Principal) -> Trip:
    trip = get(session, trip_id)
    permissions.require(actor, "trip.close", trip)
    before = trip.status
    trip.status = next_status(trip.status, "close")
    audit.record(session, actor=actor.username, action="trip.close", object_type="trip", object_id=trip.id,
                 before={"status": before}, after={"status": trip.status})
    return trip


def organizers(session: Session) -> list[User]:
    return list(session.scalars(select(User).where(User.role == "organizer", User.active.is_(True))
                                .order_by(User.id)))


def visible(session: Session, actor: Principal) -> list[Trip]:
    permissions.require(actor, "trip.list")
    q = select(Trip).order_by(Trip.starts_on, Trip.id)
    if actor.role == "organizer":
        q = q.where((Trip.organizer_id == actor.id) | (Trip.created_by == actor.username))
    return list(session.scalars(q))


def all_trips(session: Session) -> list[Trip]:
    """Every trip (the CLI's server listing)."""
    return list(session.scalars(select(Trip).order_by(Trip.starts_on, Trip.id)))


def history(session: Session, trip: Trip):
    out = []
    for item in approvals.for_object(session, "trip", trip.id):
        out.extend(approvals.history(session, item.id))
    return sorted(out, key=lambda s: (s.at, s.id))


def days_until(d: date, today: date | None = None) -> int:
    return (d - (today or office_today())).days


def debrief_due(trip: Trip) -> date:
    return (trip.back_on or trip.ends_on) + timedelta(days=trip_rules.debrief_days())
