"""What the venues area answers for others (planners/wiring.py): the demo venues."""
from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from planners.base.demo import system_principal
from planners.core.clock import utcnow
from planners.store.models import Venue
from planners.venues.records import VenueInput, create_venue


def load_demo(session: Session, ctx) -> None:
    """`demo_step`: the demo venues (data/demo/scenario.yaml), before the events that use them."""
    admin = system_principal(ctx, "admin")
    for v in ctx.scenario["venues"]:
        venue = session.scalar(select(Venue).where(Venue.name == v["name"]))
        if venue is None:
            ago = v.get("last_sweep_days_ago")
            venue = create_venue(session, VenueInput(
                name=v["name"], kind=v["kind"], address=v.get("address", ""), features=v.get("features", {}),
                last_sweep_at=(utcnow() - timedelta(days=ago)) if ago is not None else None,
                notes=v.get("notes", "")), actor=admin)
            ctx.created.append(f"venue {venue.name}")
        ctx.venues[v["name"]] = venue
