"""The pre-departure secrecy briefing (行前保密教育), the departure gate, departure and return.

The sheet is built from the rules (kind `briefing`), the trip (travellers, itinerary, carry list with verdicts) and
the approved scope of talks abroad (checked by planners.visits.disclosure: what may be discussed, with the agreed
lines, what must not, what to do when asked). Each traveller's attendance is recorded here; the signed outbound
pledge (出国（境）保密承诺书) is a record of the people register. The gate (DEP-GATE): without both for every
traveller, and with a carrier still waiting for its approval, the trip cannot move to `departed`."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from sqlalchemy.orm import Session

from planners.base import audit
from planners.base.auth import Principal
from planners.core import permissions
from planners.core.clock import office_today
from planners.core.errors import InvalidTransition, TripBlocked, ValidationFailed
from planners.core.findings import Finding, Severity
from planners.core.i18n import both, pick, t
from planners.core.levels import Classification
from planners.trips import carry, requests
from planners.trips import rules as trip_rules
from planners.trips import travellers as reg
from planners.visits import disclosure


def _today() -> date:
    return office_today()


def _traveller(session: Session, trip, person_id: int):
    x = next((x for x in requests.travellers_of(session, trip.id) if x.person_id == person_id), None)
    if x is None:
        raise ValidationFailed("Choose a traveller of this trip.", key="trips.carry_not_traveller", field="person_id")
    return x


def record_attendance(session: Session, trip_id: int, person_id: int, *, briefed_on: date, briefed_by: str,
                      actor: Principal):
    trip = requests.get(session, trip_id)
    permissions.require(actor, "trip.brief", trip)
    if trip.status not in ("submitted", "approved", "draft", "returned"):
        raise InvalidTransition("The briefing is recorded before departure.", key="trips.briefing_late",
                                status=trip.status)
    x = _traveller(session, trip, person_id)
    if briefed_on is None or briefed_on > _today():
        raise ValidationFailed("The briefing date is missing or in the future.", key="trips.briefed_on_bad",
                               field="briefed_on")
    if not (briefed_by or "").strip():
        raise ValidationFailed("Name who gave the briefing.", key="trips.briefed_by_required", field="briefed_by")
    x.briefed_on, x.briefed_by = briefed_on, briefed_by.strip()[:120]
    session.flush()
    audit.record(session, actor=actor.username, action="trip.briefed", object_type="trip", object_id=trip.id,
                 person_id=person_id, briefed_on=briefed_on.isoformat(), briefed_by=x.briefed_by)
    return x


def record_pledge(session: Session, trip_id: int, person_id: int, *, signed_on: date, actor: Principal,
                  version: str = ""):
    """The traveller's signed outbound pledge, valid to the end of the trip, recorded in the people register."""
    trip = requests.get(session, trip_id)
    permissions.require(actor, "trip.brief", trip)
    _traveller(session, trip, person_id)
    p = reg.record_pledge(session, person_id, signed_on=signed_on, version=version or trip_rules.pledge_version(),
                          expires_on=trip.ends_on + timedelta(days=trip_rules.debrief_days()), actor=actor)
    audit.record(session, actor=actor.username, action="trip.pledge", object_type="trip", object_id=trip.id,
                 person_id=person_id, version=p.version, signed_on=signed_on.isoformat())
    return p


def traveller_state(session: Session, trip, x) -> dict:
    pl = reg.outbound_pledge(session, x.person_id, trip.starts_on)
    return {"person_id": x.person_id, "name": x.name, "role": x.role,
            "briefed_on": x.briefed_on.isoformat() if x.briefed_on else None, "briefed_by": x.briefed_by,
            "pledge": reg.pledge_ok(session, x.person_id, trip.starts_on, trip.ends_on),
            "pledge_version": pl.version if pl else None,
            "pledge_signed_on": pl.signed_on.isoformat() if pl else None}


def gate_findings(session: Session, trip) -> list[Finding]:
    """What stops the trip from departing (DEP-GATE), one finding per traveller or carrier."""
    rid = trip_rules.rule("departure", "gate")
    src = rid["source"]
    out: list[Finding] = []
    for x in requests.travellers_of(session, trip.id):
        if x.briefed_on is None:
            out.append(Finding(rule=rid["id"], severity=Severity.BLOCKER, source=src,
                               reason=both("trips.gate_not_briefed", name=x.name), data={"person_id": x.person_id}))
        if not reg.pledge_ok(session, x.person_id, trip.starts_on, trip.ends_on):
            out.append(Finding(rule=rid["id"], severity=Severity.BLOCKER, source=src,
                               reason=both("trips.gate_no_pledge", name=x.name), data={"person_id": x.person_id}))
    for ci in carry.pending(session, trip.id):
        out.append(Finding(rule=rid["id"], severity=Severity.BLOCKER, source=src,
                           reason=both("trips.gate_carry_pending", item=ci.label or ci.copy_code)))
    return out


def depart(session: Session, trip_id: int, *, departed_on: date | None = None, actor: Principal):
    trip = requests.get(session, trip_id)
    permissions.require(actor, "trip.run", trip)
    before = trip.status
    to = requests.next_status(trip.status, "depart")
    blocked = gate_findings(session, trip)
    if blocked:
        raise TripBlocked(blocked)
    departed_on = departed_on or _today()
    if departed_on > _today():
        raise ValidationFailed("Record the departure on the day the delegation leaves.", key="trips.depart_future",
                               field="departed_on")
    n = carry.take_out(session, trip, actor)
    trip.status, trip.departed_on = to, departed_on
    audit.record(session, actor=actor.username, action="trip.depart", object_type="trip", object_id=trip.id,
                 before={"status": before}, after={"status": to}, copies_abroad=n)
    return trip


def come_back(session: Session, trip_id: int, *, back_on: date | None = None, actor: Principal):
    trip = requests.get(session, trip_id)
    permissions.require(actor, "trip.run", trip)
    before = trip.status
    to = requests.next_status(trip.status, "back")
    back_on = back_on or _today()
    if back_on > _today():
        raise ValidationFailed("The return date is in the future: record it on the day they are back.",
                               key="trips.back_future", field="back_on")
    if trip.departed_on and back_on < trip.departed_on:
        raise ValidationFailed("The return date is before the departure.", key="trips.back_before_departure",
                               field="back_on")
    trip.status, trip.back_on = to, back_on
    audit.record(session, actor=actor.username, action="trip.back", object_type="trip", object_id=trip.id,
                 before={"status": before}, after={"status": to}, back_on=back_on.isoformat())
    return trip


# ---------------------------------------------------------------- the sheet

@dataclass(frozen=True, kw_only=True)
class Sheet:
    title: str
    marking: str
    facts: list[tuple[str, str]]
    travellers: list[list[str]]
    itinerary: list[list[str]]
    sections: list[tuple[str, str]]  # heading (rule id), text
    carry: list[list[str]]
    allowed: list[tuple[str, str, str]]
    forbidden: list[str]
    when_asked: str


def scope_lines(session: Session, trip, lang: str) -> tuple[list[tuple[str, str, str]], list[str]]:
    """The approved scope of talks abroad, as the host briefing shows it (disclosure tiers and agreed lines)."""
    cat = disclosure.topics(session)
    allowed, forbidden = [], []
    sep = "、" if lang == "zh_CN" else ", "
    for i in requests.scope_inputs(trip):
        topic = cat.get(i.topic)
        label = topic.label(lang) if topic else i.topic
        if i.decision == "must_not":
            forbidden.append(label)
            continue
        line = pick(topic.talking_points, lang) if topic and i.decision == "agreed_line" else ""
        how = t(f"disclosure.decision_{i.decision}", lang) + " · " + sep.join(
            t(f"disclosure.method_{m}", lang) for m in i.methods)
        allowed.append((label, how, line or i.note))
    return allowed, forbidden


def build(session: Session, trip_id: int, lang: str = "zh_CN") -> Sheet:
    trip = requests.get(session, trip_id)
    if trip.status in ("draft", "submitted", "returned", "rejected"):
        raise InvalidTransition(f"The trip is {trip.status}: the briefing sheet is made from an approved trip and "
                                "its approved scope of talks.", key="trips.sheet_not_approved",
                                status=t(f"trips.status_{trip.status}", lang))
    names = {x.person_id: x.name for x in requests.travellers_of(session, trip.id)}
    ceiling = Classification.parse((trip.scope or {}).get("ceiling", "internal"))
    facts = [(t("trips.col_dates", lang), f"{trip.starts_on:%Y-%m-%d} – {trip.ends_on:%Y-%m-%d}"),
             (t("trips.col_destinations", lang), ("、" if lang == "zh_CN" else ", ").join(
                 trip_rules.country_name(c, lang) for c in trip.destinations or [])),
             (t("trips.field_inviting", lang), trip.inviting_party),
             (t("trips.field_purpose", lang), trip.purpose),
             (t("trips.ceiling", lang), ceiling.label(lang)),
             (t("trips.approved_by", lang), "、".join(trip.approved_by or [])),
             (t("trips.debrief_due", lang), requests.debrief_due(trip).isoformat())]
    sections = [(r["id"], pick(r["text"], lang)) for r in trip_rules.rules("briefing")]
    rows = []
    for ci in carry.items_of(session, trip.id):
        rows.append([names.get(ci.person_id, "?"), ci.label or ci.copy_code, ci.copy_code or "—",
                     t(f"trips.verdict_{ci.verdict}", lang), carry.item_finding(ci, names.get(ci.person_id, ""))
                     .rule])
    allowed, forbidden = scope_lines(session, trip, lang)
    return Sheet(title=t("trips.sheet_title", lang, title=trip.title), marking=Classification.INTERNAL.label(lang),
                 facts=facts,
                 travellers=[[x.name, x.role, x.briefed_on.isoformat() if x.briefed_on else "—"]
                             for x in requests.travellers_of(session, trip.id)],
                 itinerary=[[s["day"], s["place"], s.get("host", ""), s.get("meeting", "")]
                            for s in trip.itinerary or []],
                 sections=sections, carry=rows, allowed=allowed, forbidden=forbidden,
                 when_asked=pick(disclosure.when_asked(), lang))
