"""During a foreign visit (issue 12, plan rules VD2 and VD5): the deviation log and the materials handed over.

VD2 keeps the visitors to the approved route; a deviation is logged as it happens: when, where, who noticed it and
what was done. VD5 lets materials be handed over only as the approved disclosure scope allows: each one is recorded
here against the scope, and one the scope does not allow (a topic outside it or must-not, a scope that does not
allow documents for it, a material above the scope's ceiling) is refused with the rule (VIS-MATERIAL) and its source.
Both are kept on the visit (its facts) and go into the post-visit report by themselves (planners.visits.report)."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy.orm import Session

from planners.base import audit
from planners.base.auth import Principal
from planners.core import permissions
from planners.core.clock import to_utc, utcnow
from planners.core.errors import MaterialAboveScope, NotFound, ValidationFailed
from planners.core.levels import Classification
from planners.store.models_visits import VisitRequest
from planners.visits import disclosure


def _visit(session: Session, visit_id: int) -> VisitRequest:
    v = session.get(VisitRequest, visit_id)
    if v is None:
        raise NotFound(f"No visit request {visit_id}.", key="visits.not_found", id=visit_id)
    return v


def _during(v: VisitRequest) -> None:
    if v.status != "approved":
        raise ValidationFailed(f"The visit request is {v.status}: only an approved visit records what happens "
                               "during it.", key="vduring.not_approved", field="visit", status=v.status)


def _text(value: str, field: str, limit: int = 500) -> str:
    text = (value or "").strip()
    if not text:
        raise ValidationFailed(f"Fill in “{field}”.", key=f"vduring.{field}_required", field=field)
    if len(text) > limit:
        raise ValidationFailed(f"“{field}” is longer than {limit} characters.", key="vduring.too_long", field=field,
                               n=limit)
    return text


def _when(v: VisitRequest, when: datetime | None, now: datetime) -> datetime:
    """A local time in the visit's zone (or UTC-aware), within the visit (an hour's margin) and not in the future."""
    if when is None:
        return now
    at = to_utc(when, v.tz)
    if at > now + timedelta(minutes=5):
        raise ValidationFailed("The time is in the future: log what happened when it happened.",
                               key="vduring.when_future", field="when")
    if at < v.starts_at - timedelta(hours=1) or at > v.ends_at + timedelta(hours=1):
        raise ValidationFailed("The time is outside the visit: give a time during the visit.",
                               key="vduring.when_outside", field="when")
    return at


# ---------------------------------------------------------------- VD2: deviations from the route

@dataclass(kw_only=True)
class DeviationInput:
    where: str
    noticed_by: str
    action: str  # what was done
    when: datetime | None = None  # local time in the visit's zone; None = now


def deviations(v: VisitRequest) -> list[dict]:
    return list((v.facts or {}).get("deviations") or [])


def log_deviation(session: Session, visit_id: int, data: DeviationInput, *, actor: Principal,
                  now: datetime | None = None) -> dict:
    v = _visit(session, visit_id)
    permissions.require(actor, "visit.during", v)
    _during(v)
    now = now or utcnow()
    row = {"n": len(deviations(v)) + 1, "at": _when(v, data.when, now).isoformat(timespec="minutes"),
           "where": _text(data.where, "where", 200), "noticed_by": _text(data.noticed_by, "noticed_by", 200),
           "action": _text(data.action, "action"), "by": actor.username}
    v.facts = {**(v.facts or {}), "deviations": deviations(v) + [row]}
    session.flush()
    audit.record(session, actor=actor.username, action="visit.deviation_logged", object_type="visit",
                 object_id=v.id, event_id=v.event_id, after=row)
    return row


# ---------------------------------------------------------------- VD5: materials handed over, one by one

@dataclass(kw_only=True)
class HandoverInput:
    what: str
    topic: str  # a topic code of the approved scope
    level: str = "public"  # the material's own classification
    to_whom: str = ""
    when: datetime | None = None


def handed_over(v: VisitRequest) -> list[dict]:
    return list((v.facts or {}).get("materials_handed") or [])


def record_handover(session: Session, visit_id: int, data: HandoverInput, *, actor: Principal,
                    now: datetime | None = None) -> dict:
    """One material handed over, checked against the approved scope; refused (MaterialAboveScope) beyond it."""
    v = _visit(session, visit_id)
    permissions.require(actor, "visit.during", v)
    _during(v)
    now = now or utcnow()
    what = _text(data.what, "what", 200)
    to_whom = _text(data.to_whom, "to_whom", 200)
    try:
        level = Classification.parse(data.level)
    except ValueError as exc:
        raise ValidationFailed(str(exc), key="vduring.bad_level", field="level") from exc
    scope = disclosure.approved_scope(session, v.id)
    items = {i.topic_code: i for i in disclosure.scope_items(session, scope)}
    cat = disclosure.topics(session)
    item = items.get(data.topic)
    name = cat[data.topic].title if data.topic in cat else {"en": data.topic or "—", "zh_CN": data.topic or "—"}
    ceiling = Classification.parse(scope.ceiling)
    c = disclosure.check("material_above_scope")
    why = None
    if item is None:
        why = "not_in_scope"
    elif item.decision == "must_not":
        why = "must_not"
    elif "documents" not in (item.methods or []):
        why = "no_documents"
    elif level.rank > ceiling.rank:
        why = "above_ceiling"
    if why is not None:
        audit.record(session, actor=actor.username, action="visit.handover_refused", object_type="visit",
                     object_id=v.id, event_id=v.event_id, what=what, topic=data.topic, why=why, rule=c["id"])
        raise MaterialAboveScope(
            f"“{what}” may not be handed over ({why}): rule {c['id']} ({c['source']}). Hand over only material on a "
            "scope topic that allows documents, at or below the scope's ceiling, or ask for the scope to be changed.",
            key=f"vduring.error_material_{why}", field="topic", what=what,
            topic=name["zh_CN"] if name["zh_CN"] == name["en"] else f"{name['zh_CN']} / {name['en']}", level=level.label("zh_CN"), ceiling=ceiling.label("zh_CN"), rule=c["id"],
            source=c["source"])
    row = {"n": len(handed_over(v)) + 1, "at": _when(v, data.when, now).isoformat(timespec="minutes"),
           "what": what, "topic": data.topic, "level": level.value, "to_whom": to_whom, "by": actor.username,
           "scope_version": scope.version}
    v.facts = {**(v.facts or {}), "materials_handed": handed_over(v) + [row]}
    session.flush()
    audit.record(session, actor=actor.username, action="visit.handover_recorded", object_type="visit",
                 object_id=v.id, event_id=v.event_id, after=row)
    return row
