"""Travellers are people of the unit's register (planners.people, issue 13): the few calls trips makes to it.

Kept in one module so the rest of the area reads a person through `person()` and a pledge through `pledge_ok()`."""
from __future__ import annotations

from datetime import date

from sqlalchemy.orm import Session

from planners import people
from planners.core.clock import utcnow
from planners.core.errors import NotFound, ValidationFailed
from planners.trips import rules as trip_rules


def person(session: Session, person_id: int):
    try:
        p = people.get(session, person_id)
    except NotFound:
        p = None
    if p is None:
        raise ValidationFailed(f"Traveller {person_id} is not in the people register: choose a person of the "
                               "register (People page).", key="trips.traveller_unknown", field="travellers",
                               id=person_id)
    return p


def is_barred(p, on: date | None = None) -> bool:
    flag = getattr(p, "barred", None)
    if isinstance(flag, bool):
        return flag
    until = getattr(p, "barred_until", None)
    return bool(until and until >= (on or utcnow().date()))


def pledge_ok(session: Session, person_id: int, starts_on: date, ends_on: date) -> bool:
    """A signed outbound pledge (出国（境）保密承诺书) valid over the whole trip."""
    kind = trip_rules.pledge_kind()
    return bool(people.valid_pledge(session, person_id, kind, on=starts_on)
                and people.valid_pledge(session, person_id, kind, on=ends_on))


def outbound_pledge(session: Session, person_id: int, starts_on: date):
    """The latest outbound pledge signed for this trip (who, version, when), or None."""
    kind = trip_rules.pledge_kind()
    return next((p for p in people.pledges(session, person_id) if p.kind == kind and
                 (p.expires_on is None or p.expires_on >= starts_on)), None)


def record_pledge(session: Session, person_id: int, *, signed_on: date, version: str, expires_on: date,
                  actor):
    """The signed outbound pledge is a record of the people register (its own permission: people.keep)."""
    return people.record_pledge(session, person_id, kind=trip_rules.pledge_kind(), signed_on=signed_on,
                                actor=actor, version=version, expires_on=expires_on)


def register(session: Session, text: str = "") -> list:
    """The register, for choosing travellers (people.search)."""
    return people.search(session, text)


def candidates(session: Session, actor, text: str = "") -> list:
    """The people an organizer may choose as travellers (name, unit, level, class): the trip's own read of the
    register, for those who make trip requests."""
    from planners.core import permissions

    permissions.require(actor, "trip.list")
    return [p for p in people.search(session, text) if p.status != "left"]
