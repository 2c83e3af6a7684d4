"""One trip as data (the CLI's `trips show --json` and the page read it): travellers with their vetting findings,
briefing and pledge state; the carry list with verdicts and rules; the departure gate; the debrief due and state."""
from __future__ import annotations

from sqlalchemy.orm import Session

from planners.trips import briefing, carry, debrief, requests, vetting
from planners.trips import travellers as reg


def _f(f) -> dict:
    return {"rule": f.rule, "severity": f.severity.value, "reason": f.reason, "source": f.source,
            "todo": f.data.get("todo", {})}


def summary(session: Session, trip_id: int) -> dict:
    trip = requests.get(session, trip_id)
    travellers = []
    for x in requests.travellers_of(session, trip.id):
        p = reg.person(session, x.person_id)
        st = briefing.traveller_state(session, trip, x)
        found = vetting.traveller_findings(requests._vetted(p, trip), pledge_ok=st["pledge"],
                                           starts_on=trip.starts_on, ends_on=trip.ends_on)
        travellers.append({**st, "level": p.level, "class": p.person_class, "status": p.status,
                           "findings": [_f(f) for f in found]})
    names = {x.person_id: x.name for x in requests.travellers_of(session, trip.id)}
    items = [{"id": ci.id, "traveller": names.get(ci.person_id, "?"), "kind": ci.kind, "item": ci.label,
              "code": ci.copy_code, "level": ci.level, "verdict": ci.verdict,
              "rule": carry.item_finding(ci, "").rule, "out": ci.out_at is not None, "back": ci.back_at is not None}
             for ci in carry.items_of(session, trip.id)]
    gate = briefing.gate_findings(session, trip) if trip.status == "approved" else []
    return {"id": trip.id, "title": trip.title, "status": trip.status, "destinations": list(trip.destinations),
            "start": trip.starts_on.isoformat(), "end": trip.ends_on.isoformat(),
            "inviting_party": trip.inviting_party, "approved_by": list(trip.approved_by or []),
            "approvals_needed": requests.approvers_needed(session, trip),
            "destination_findings": [_f(f) for f in vetting.destination_findings(list(trip.destinations))],
            "travellers": travellers, "carry": items, "may_depart": trip.status == "approved" and not gate,
            "gate": [_f(f) for f in gate], "debrief": debrief.state(session, trip)}
