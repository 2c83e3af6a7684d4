"""The venue catalogue: each venue's facts (kind, address, security features, last sweep); a change
of facts is announced through the `venue_changed` hook so that plans follow."""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from planners.base import audit
from planners.base.auth import Principal
from planners.core import hooks
from planners.core.errors import NotFound, ValidationFailed
from planners.store.models import Venue
from planners.core import permissions

VENUE_KINDS = ("own_premises", "government", "public", "foreign_hotel", "other")
FEATURES = (
    "enclosed_access_control",   # enclosed room with access control that meets standards
    "windows_covered",           # windows opaque or covered
    "wired_pa_only",             # wired PA only, no wireless microphones
    "wireless_shielding",        # jamming / shielding of wireless signals
    "phone_lockers",             # phone lockers outside the room
    "secure_storage",            # safe and shredder
    "guard_cordon",              # guard or cordon
    "escorted_route",            # fixed, escorted route for visitors
    "acoustic_rated",            # sound insulation checked (STC 45 / 50)
    "foreigners_on_site",        # foreigners present on site (a risk, not a feature)
    "foreign_reception",         # issue 12: a venue where foreign visitors are received (涉外接待场所)
    "separated_from_secret",     # issue 12: separated from the unit's secret areas (涉密场所)
)


@dataclass(kw_only=True)
class VenueInput:
    name: str
    kind: str
    address: str = ""
    features: dict[str, bool] = field(default_factory=dict)
    last_sweep_at: datetime | None = None  # naive UTC
    notes: str = ""


def _validate(data: VenueInput) -> None:
    if not data.name.strip():
        raise ValidationFailed("The venue needs a name.", key="venues.name_required", field="name")
    if data.kind not in VENUE_KINDS:
        raise ValidationFailed(f"Kind must be one of {', '.join(VENUE_KINDS)}.", key="venues.bad_kind",
                               field="kind")
    unknown = set(data.features) - set(FEATURES)
    if unknown:
        raise ValidationFailed(f"Unknown venue feature(s): {', '.join(sorted(unknown))}.",
                               key="venues.bad_feature", field="features", names=", ".join(sorted(unknown)))


def create_venue(session: Session, data: VenueInput, *, actor: Principal) -> Venue:
    permissions.require(actor, "venue.record")
    _validate(data)
    if session.scalar(select(Venue).where(Venue.name == data.name.strip())):
        raise ValidationFailed(f"A venue named {data.name!r} exists already.", key="venues.name_taken",
                               field="name", name=data.name)
    v = Venue(name=data.name.strip(), kind=data.kind, address=data.address.strip(),
              features={k: bool(data.features.get(k, False)) for k in FEATURES},
              last_sweep_at=data.last_sweep_at, notes=data.notes)
    session.add(v)
    session.flush()
    audit.record(session, actor=actor.username, action="venue.create", object_type="venue", object_id=v.id,
                 after={"name": v.name, "kind": v.kind, "features": v.features})
    return v


def update_venue(session: Session, venue_id: int, data: VenueInput, *, actor: Principal) -> Venue:
    permissions.require(actor, "venue.record")
    _validate(data)
    v = session.get(Venue, venue_id)
    if v is None:
        raise NotFound("No such venue.", key="error.not_found")
    before = {"name": v.name, "kind": v.kind, "features": v.features,
              "last_sweep_at": v.last_sweep_at.isoformat() if v.last_sweep_at else None}
    v.name, v.kind, v.address, v.notes = data.name.strip(), data.kind, data.address.strip(), data.notes
    v.features = {k: bool(data.features.get(k, False)) for k in FEATURES}
    v.last_sweep_at = data.last_sweep_at
    audit.record(session, actor=actor.username, action="venue.update", object_type="venue", object_id=v.id,
                 before=before, after={"name": v.name, "kind": v.kind, "features": v.features,
                                       "last_sweep_at": v.last_sweep_at.isoformat() if v.last_sweep_at else None})
    session.flush()
    for hook in hooks.answers("venue_changed"):  # e.g. the plans of its events follow the venue's facts
        hook(session, v, actor)
    return v


def list_venues(session: Session) -> list[Venue]:
    return list(session.scalars(select(Venue).order_by(Venue.name)))
