"""What the security officer's home page shows (the `attention` hook): pledges and trainings that expire within
30 days, and those already expired, person by person."""
from __future__ import annotations

from datetime import timedelta

from sqlalchemy.orm import Session

from planners.base.home import Attention
from planners.core.i18n import both
from planners.people import register
from planners.store.models_people import NO_END

DAYS = 30


def expiring(session: Session, me) -> list[Attention]:
    if me.role != "security_officer":
        return []
    today = register.today()
    soon = today + timedelta(days=DAYS)
    out: list[Attention] = []
    for p in register.all_people(session):
        if p.status not in ("active", "suspended"):
            continue
        for what, until in (("pledge", p.pledge_until), ("training", p.training_until)):
            if until is None or until == NO_END:
                if until is None:
                    out.append(Attention(color="red", page="people", data={"person_id": p.id, "what": what},
                                         text=both(f"people.home.{what}_missing", name=p.name, unit=p.unit)))
                continue
            if until < today:
                out.append(Attention(color="red", page="people", data={"person_id": p.id, "what": what},
                                     text=both(f"people.home.{what}_expired", name=p.name, unit=p.unit,
                                               date=until.isoformat())))
            elif until <= soon:
                out.append(Attention(color="orange", page="people", data={"person_id": p.id, "what": what},
                                     text=both(f"people.home.{what}_due", name=p.name, unit=p.unit,
                                               date=until.isoformat(), days=(until - today).days)))
    return out
