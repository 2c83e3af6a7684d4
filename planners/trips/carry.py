"""The carry check: what each traveller takes abroad, each with its verdict and rule (data/rules/trips.yaml, kind
`carry`), tied to the custody ledger of the documents area.

    registered copy, 绝密                 -> refused (CAR-TOP-SECRET, 实施条例 art. 29(5))
    registered copy, 秘密/机密            -> pending: its own approval in the leader queue (CAR-APPROVAL, F2)
                                            -> approved / refused by the leader
    registered copy, not a state secret   -> allowed (CAR-NON-SECRET)
    涉密 device                           -> refused (CAR-DEVICE)
    notebook, laptop, phone … not registered -> clean_device (CAR-CLEAN)

A copy that does not exist, or that is not in store (held by someone, abroad already, lost, destroyed), is refused
with the field named and nothing written. At departure every copy that goes is recorded in the copy's ledger as
`taken_abroad` (documents.take_abroad): reconciliation shows it outstanding, "abroad with X", until it is back
(documents.back_from_abroad, to the 保密室)."""
from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from planners import documents
from planners.base import approvals, audit
from planners.base.auth import Principal
from planners.core import permissions
from planners.core.clock import utcnow
from planners.core.errors import InvalidTransition, NotFound, ValidationFailed
from planners.core.i18n import both, t
from planners.core.levels import Classification
from planners.store.models_trips import Trip, TripCarryItem
from planners.trips import requests
from planners.trips import rules as trip_rules

KIND = "trip_carry"
ITEM_KINDS = ("copy", "notebook", "laptop", "phone", "storage", "other")
VERDICTS = ("allowed", "clean_device", "pending", "approved", "refused")
GOES = ("allowed", "clean_device", "approved")  # what travels
BEFORE_DEPARTURE = ("draft", "submitted", "approved", "returned")


def items_of(session: Session, trip_id: int) -> list[TripCarryItem]:
    return list(session.scalars(select(TripCarryItem).where(TripCarryItem.trip_id == trip_id)
                                .order_by(TripCarryItem.id)))


def _copy_verdict(level: Classification) -> tuple[str, str]:
    if level is Classification.TOP_SECRET:
        return "refused", "top_secret_copy"
    if level.is_state_secret:
        return "pending", "secret_copy"
    return "allowed", "non_secret_copy"


def item_finding(item: TripCarryItem, name: str):
    lvl = Classification.parse(item.level or "public")
    return trip_rules.finding(item.rule or "clean_device", "carry", item=item.label or item.copy_code,
                              level={"en": lvl.label("en"), "zh_CN": lvl.label("zh_CN")}, name=name)


def add_item(session: Session, trip_id: int, *, person_id: int, kind: str, label: str = "", copy_code: str = "",
             classified_device: bool = False, actor: Principal) -> TripCarryItem:
    """Record one thing a traveller takes, with its verdict; a secret copy goes to the leader for its own
    approval. Refused (nothing written) when the copy does not exist or is not in store."""
    trip = requests.get(session, trip_id)
    permissions.require(actor, "trip.run", trip)
    if trip.status not in BEFORE_DEPARTURE:
        raise InvalidTransition("The carry list is fixed once the delegation has left.", key="trips.carry_fixed",
                                status=trip.status)
    traveller = next((x for x in requests.travellers_of(session, trip.id) if x.person_id == person_id), None)
    if traveller is None:
        raise ValidationFailed("Choose a traveller of this trip.", key="trips.carry_not_traveller",
                               field="person_id")
    if kind not in ITEM_KINDS:
        raise ValidationFailed(f"Kind must be one of {ITEM_KINDS}.", key="trips.carry_bad_kind", field="kind")
    item = TripCarryItem(trip_id=trip.id, person_id=person_id, kind=kind, label=(label or "").strip()[:200],
                         recorded_by=actor.username, classified_device=bool(classified_device))
    if kind == "copy":
        code = (copy_code or "").strip().upper()
        if not code:
            raise ValidationFailed("Give the copy's code (DOC-E-D-N) from its label.", key="trips.carry_code_required",
                                   field="copy_code")
        try:
            copy, doc, st = documents.find_copy(session, code)
        except NotFound as exc:
            raise ValidationFailed(f"No copy {code} is registered: check the code on the label.",
                                   key="trips.carry_no_copy", field="copy_code", code=code) from exc
        if any(x.copy_id == copy.id and x.verdict != "refused" for x in _open_items(session, copy.id)):
            raise ValidationFailed(f"Copy {code} is already on a trip's carry list.", key="trips.carry_listed",
                                   field="copy_code", code=code)
        if st.state not in ("in_store", "recovered", "secrecy_room"):
            holder = st.holder_name or "—"
            raise ValidationFailed(f"Copy {code} is not in store ({st.state}, {holder}): it can go only from the "
                                   "保密室.", key="trips.carry_held", field="copy_code", code=code,
                                   state=t(f"documents.state.{st.state}", "zh_CN"), holder=holder)
        item.copy_code, item.copy_id, item.level = code, copy.id, doc.level
        item.label = item.label or doc.short_title
        item.verdict, item.rule = _copy_verdict(Classification.parse(doc.level))
    else:
        item.level = "public"
        if not item.label:
            raise ValidationFailed("Describe the item (e.g. laptop, black, asset tag).", key="trips.carry_label",
                                   field="label")
        item.verdict, item.rule = ("refused", "classified_device") if classified_device else ("clean_device",
                                                                                             "clean_device")
    session.add(item)
    session.flush()
    audit.record(session, actor=actor.username, action="trip.carry_add", object_type="trip", object_id=trip.id,
                 item=item.id, kind=kind, code=item.copy_code, verdict=item.verdict, rule=_rule_id(item))
    if item.verdict == "pending":
        approvals.request(session, kind=KIND, object_type="trip_carry", object_id=item.id,
                          title=both("trips.carry_approval_title", item=item.label, name=traveller.name,
                                     title=trip.title),
                          requested_by=actor, findings=[item_finding(item, traveller.name)],
                          payload={"trip": trip.title, "traveller": traveller.name, "copy": item.copy_code,
                                   "level": Classification.parse(item.level).label("zh_CN"),
                                   "dates": f"{trip.starts_on} – {trip.ends_on}"})
    return item


def _open_items(session: Session, copy_id: int) -> list[TripCarryItem]:
    """Carry items of this copy on trips that are not closed and whose copy is not back."""
    q = (select(TripCarryItem).join(Trip, Trip.id == TripCarryItem.trip_id)
         .where(TripCarryItem.copy_id == copy_id, TripCarryItem.back_at.is_(None),
                Trip.status.not_in(("closed", "rejected", "debriefed"))))
    return list(session.scalars(q))


def _rule_id(item: TripCarryItem) -> str:
    return trip_rules.rule(item.rule, "carry")["id"] if item.rule else ""


def remove_item(session: Session, item_id: int, *, actor: Principal) -> None:
    item = session.get(TripCarryItem, item_id)
    if item is None:
        raise NotFound("No such carry item.", key="trips.carry_not_found")
    trip = requests.get(session, item.trip_id)
    permissions.require(actor, "trip.run", trip)
    if trip.status not in BEFORE_DEPARTURE:
        raise InvalidTransition("The carry list is fixed once the delegation has left.", key="trips.carry_fixed",
                                status=trip.status)
    open_item = approvals.latest_for(session, KIND, "trip_carry", item.id)
    if open_item is not None and open_item.status == "pending":  # its own approval request goes too
        approvals.withdraw(session, open_item.id, actor=actor)
    session.delete(item)
    session.flush()
    audit.record(session, actor=actor.username, action="trip.carry_remove", object_type="trip", object_id=trip.id,
                 item=item_id, code=item.copy_code)


def on_carry_decision(session: Session, item, leader: Principal) -> None:
    """on_decision for kind `trip_carry`: the leader's answer is the carrier's own approval (F2)."""
    ci = session.get(TripCarryItem, int(item.object_id))
    if ci is None:
        return
    before = ci.verdict
    ci.verdict = "approved" if item.status == "approved" else "refused"
    audit.record(session, actor=leader.username, action=f"trip.carry_{ci.verdict}", object_type="trip",
                 object_id=ci.trip_id, item=ci.id, code=ci.copy_code, before=before, comment=item.comment)


def take_out(session: Session, trip: Trip, actor: Principal) -> int:
    """At departure: every copy that goes is recorded abroad with its traveller in the custody ledger."""
    n = 0
    names = {x.person_id: x.name for x in requests.travellers_of(session, trip.id)}
    for ci in items_of(session, trip.id):
        if ci.verdict not in GOES:
            continue
        if ci.copy_id:
            documents.take_abroad(session, ci.copy_code, holder_name=names.get(ci.person_id, "?"),
                                  ref=f"trip:{trip.id}", actor=actor)
            n += 1
        ci.out_at = utcnow()
    session.flush()
    return n


def bring_back(session: Session, item_id: int, *, custodian: str, actor: Principal) -> TripCarryItem:
    """A carrier that went abroad is back: copies go to the 保密室 in the ledger; devices are checked again."""
    ci = session.get(TripCarryItem, item_id)
    if ci is None:
        raise NotFound("No such carry item.", key="trips.carry_not_found")
    trip = requests.get(session, ci.trip_id)
    permissions.require(actor, "trip.run", trip)
    if trip.status not in ("departed", "back"):
        raise InvalidTransition("Carriers are brought back after the delegation left.", key="trips.carry_not_out",
                                status=trip.status)
    if ci.out_at is None:
        raise ValidationFailed("This item did not go abroad.", key="trips.carry_not_taken", field="item")
    if ci.back_at is not None:
        raise ValidationFailed("This item is back already.", key="trips.carry_back_already", field="item")
    if ci.copy_id:
        if not (custodian or "").strip():
            raise ValidationFailed("Name the custodian of the 保密室 who takes the copy back.",
                                   key="documents.custodian_required", field="custodian")
        documents.back_from_abroad(session, ci.copy_code, custodian=custodian, ref=f"trip:{trip.id}", actor=actor)
    ci.back_at = utcnow()
    session.flush()
    audit.record(session, actor=actor.username, action="trip.carry_back", object_type="trip", object_id=trip.id,
                 item=ci.id, code=ci.copy_code, custodian=(custodian or "").strip())
    return ci


def still_out(session: Session, trip_id: int) -> list[TripCarryItem]:
    return [ci for ci in items_of(session, trip_id) if ci.out_at is not None and ci.back_at is None]


def pending(session: Session, trip_id: int) -> list[TripCarryItem]:
    return [ci for ci in items_of(session, trip_id) if ci.verdict == "pending"]
