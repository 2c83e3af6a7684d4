"""A leader's exception binds to the person, not to the table row (issue 18, item 3).

An exception (planners.store.models_checkin.AttendeeException) lifts needs-approval rules for one attendee.
It stores a fingerprint of who that attendee was when the leader approved (name, ID type and last digits,
unit) and of the facts the lifted rules read (nationality for E3, the foreign-invested flag for E4, …). If
any of these change on the attendee row, the exception no longer applies: at judge time it is ignored (the
desk says needs_approval again), and the edit that changed the row voids it and puts the item back in the
leader's queue. The voided approval keeps its text, so it still names the person it was granted to."""
from __future__ import annotations

import hashlib
import json
import unicodedata
from collections.abc import Mapping

VERSION = "v1"
IDENTITY = ("name", "id_type", "id_last4", "unit")
# The attendee fields each eligibility check reads (planners.attendees.eligibility._violates).
CHECK_FACTS: dict[str, tuple[str, ...]] = {
    "clearance_at_least_level": ("clearance",),
    "pledge_signed": ("pledge_signed",),
    "foreign_national": ("nationality",),
    "foreign_invested_staff": ("foreign_invested_staff",),
    "top_secret_named_by_leader": ("designated_by",),
    "photo_id_at_desk": (),
}
ALL_FACTS = tuple(sorted({f for fs in CHECK_FACTS.values() for f in fs}))
BOOLEAN = {"pledge_signed", "foreign_invested_staff"}


def _get(row, name: str):
    if isinstance(row, Mapping):
        return row.get(name)
    return getattr(row, name, None)


def _norm(name: str, value):
    if name in BOOLEAN:
        return bool(value)
    text = unicodedata.normalize("NFKC", "" if value is None else str(value)).strip()
    return text.upper() if name in ("nationality", "id_last4") else text


def fact_fields(rules) -> tuple[str, ...]:
    """The attendee fields the lifted `rules` read; every fact field for a rule the catalogue no longer has."""
    from planners.attendees.eligibility import catalogue

    checks = {r["id"]: r["check"] for r in catalogue()}
    out: set[str] = set()
    for rule in rules or []:
        check = checks.get(rule)
        out.update(CHECK_FACTS.get(check, ALL_FACTS) if check else ALL_FACTS)
    return tuple(sorted(out))


def facts(attendee, rules) -> dict:
    return {f: _norm(f, _get(attendee, f)) for f in IDENTITY + fact_fields(rules)}


def fingerprint(attendee, rules) -> str:
    """`v1:` + SHA-256 of the identity and lifted-rule facts (ORM object, row or mapping with attendee columns)."""
    canon = json.dumps({"rules": sorted(rules or []), "facts": facts(attendee, rules)}, ensure_ascii=False,
                       sort_keys=True, separators=(",", ":"))
    return f"{VERSION}:{hashlib.sha256(canon.encode('utf-8')).hexdigest()}"


def holds(attendee, rules, stored: str | None, voided_at=None) -> bool:
    """Does an exception granted with fingerprint `stored` still apply to `attendee` as it is now?"""
    return voided_at is None and bool(stored) and stored == fingerprint(attendee, rules)


def _say(key: str, **params) -> str:
    """A step comment both languages can read (approval history is shown as written)."""
    from planners.core.i18n import both

    text = both(key, **params)
    return f"{text['zh_CN']} / {text['en']}"


def review(session, attendee, *, actor) -> list[int]:
    """After `attendee` was edited: void each of its exceptions that no longer holds, record why, and put the
    item back in the leader's queue when the person (as they are now) still needs one. Returns the ids of the
    new or re-opened approval items."""
    from sqlalchemy import select

    from planners.base import approvals, audit
    from planners.core.clock import utcnow
    from planners.store.models import Approval, ApprovalStep
    from planners.store.models_checkin import AttendeeException

    who = getattr(actor, "username", None) or str(actor)
    voided = []
    for ex in session.scalars(select(AttendeeException).where(AttendeeException.attendee_id == attendee.id,
                                                              AttendeeException.voided_at.is_(None))):
        if holds(attendee, ex.rules, ex.fingerprint):
            continue
        ex.voided_at = utcnow()
        voided.append(ex)
        item = session.get(Approval, ex.approval_id)
        granted_to = (item.payload or {}).get("attendee", "") if item is not None else ""
        if item is not None:
            session.add(ApprovalStep(approval_id=item.id, actor=who, action="voided",
                                     comment=_say("eligibility.exception_voided", name=granted_to)))
        audit.record(session, actor=who, action="attendee.exception_voided", object_type="attendee",
                     object_id=attendee.id, event_id=attendee.event_id, approval_id=ex.approval_id,
                     rules=list(ex.rules or []))
    if not voided:
        return []
    session.flush()
    from planners.attendees import eligibility
    from planners.core.i18n import both
    from planners.store.models import Event

    ev = session.get(Event, attendee.event_id)
    el = eligibility.for_attendee(session, attendee, ev)
    rules = [f for f in el.findings if not f.met and f.data["outcome"] == "needs_approval"]
    if not rules:
        return []
    prior = ", ".join(sorted({(session.get(Approval, ex.approval_id).payload or {}).get("attendee", "")
                              for ex in voided if session.get(Approval, ex.approval_id) is not None}))
    item = approvals.request(
        session, kind=eligibility.EXCEPTION_KIND, object_type="attendee", object_id=attendee.id, event_id=ev.id,
        title=both("eligibility.exception_title", name=attendee.name, unit=attendee.unit, event=ev.title),
        requested_by=who, findings=rules,
        payload={"rules": [f.rule for f in rules], "attendee": attendee.name, "replaces": prior},
        comment=_say("eligibility.exception_requeued", name=prior))
    return [item.id]
