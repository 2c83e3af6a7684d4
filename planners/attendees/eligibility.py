"""Who may be admitted: the eligibility rules of data/rules/attendees.yaml applied to one attendee.

Each attendee is `eligible`, `ineligible` or `needs_approval`, with the findings that say why (rule, source,
how to fix). Rules marked `needs_approval` are lifted for one person by a leader-approved exception, asked
through the shared approval queue (kind `attendee_exception`)."""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Callable

from sqlalchemy import select
from sqlalchemy.orm import Session

from planners.base import approvals, audit
from planners.base.auth import Principal
from planners.core.errors import InvalidTransition, NotFound
from planners.core.findings import Finding, Severity
from planners.core.i18n import both
from planners.core.levels import Classification
from planners.core.rules import Field, load_catalogue
from planners.store.models import Approval, Attendee, Event
from planners.store.models_checkin import AttendeeException
from planners.core import permissions
from collections.abc import Mapping
import unicodedata
import json
import hashlib

CHECKS = ("clearance_at_least_level", "pledge_signed", "foreign_national", "foreign_invested_staff",
          "top_secret_named_by_leader", "photo_id_at_desk",
          # issue 13: read from the people register for an attendee linked to a person (never for others)
          "not_barred", "clearance_active", "not_in_decommission", "still_in_post", "training_current")
# the desk's verdict reason when one of these register checks is open (in this order of precedence)
REGISTER_REASONS = (("not_barred", "barred"), ("clearance_active", "clearance_suspended"),
                    ("not_in_decommission", "in_decommission_period"), ("pledge_signed", "pledge_expired"))
OUTCOMES = ("ineligible", "needs_approval", "attention")
FIELDS = {
    "check": Field("enum", required=True, choices=CHECKS),
    "outcome": Field("enum", required=True, choices=OUTCOMES),
    "min_level": Field("level", required=True),
    "proposal": Field("bool"),
    "text": Field("bilingual", required=True),
    "fix": Field("bilingual", required=True),
}
EXCEPTION_KIND = "attendee_exception"
ELIGIBLE, INELIGIBLE, NEEDS_APPROVAL = "eligible", "ineligible", "needs_approval"


def catalogue() -> list[dict]:
    return load_catalogue("attendees", FIELDS)["rules"]


@dataclass
class Eligibility:
    status: str  # eligible / ineligible / needs_approval
    findings: list[Finding] = field(default_factory=list)  # the rules not met (and exceptions granted, met=True)
    attention: list[Finding] = field(default_factory=list)  # what the desk must do (E6)

    @property
    def open_rules(self) -> list[str]:
        return [f.rule for f in self.findings if not f.met]


# The People's Republic of China as offices type it; stored as ISO 3166 alpha-2 "CN" (the import normalises).
CHINA = ("CN", "CHN", "PRC", "P.R.C.", "中国", "中华人民共和国")


def normalize_nationality(value: str | None) -> str:
    """ISO 3166 alpha-2 for China however typed (中国, 中华人民共和国, PRC, CHN -> CN); other codes upper-cased."""
    v = unicodedata.normalize("NFKC", (value or "").strip()).upper()
    if not v or v in CHINA:
        return "CN"
    return v


def is_foreign(a) -> bool:
    """The one definition of a foreign national (rule E3), used by eligibility, the documents' receiver rules
    and the desk's escort."""
    return normalize_nationality(getattr(a, "nationality", None)) != "CN"


class Effective:
    """An attendee as eligibility sees it (issue 13): linked to a person of the register (`reg`: the
    register's facts, planners.attendees.people_link.REGISTER_FACTS), the register's level, class, nationality,
    employer type and pledge stand in for the typed fields; the event's own fields (role, designated by) stay.
    Not linked: the attendee as typed (today's rules)."""

    __slots__ = ("_a", "reg", "on")
    OVERLAY = {"clearance": "p_level", "secret_class": "p_class", "nationality": "p_nationality"}

    def __init__(self, a, reg: dict | None, on):
        self._a, self.reg, self.on = a, reg, on

    @property
    def linked(self) -> bool:
        return self.reg is not None

    def __getattr__(self, name):
        reg = object.__getattribute__(self, "reg")
        if reg is not None:
            if name in Effective.OVERLAY:
                return reg[Effective.OVERLAY[name]]
            if name == "foreign_invested_staff":
                return reg["p_employer_type"] == "foreign_invested"
            if name == "pledge_signed":
                until = reg["p_pledge_until"]
                return until is not None and until >= object.__getattribute__(self, "on")
        return getattr(object.__getattribute__(self, "_a"), name)


def office_today():
    from planners.attendees.people_link import office_today as today

    return today()


def effective(a, reg: dict | None = None, on=None) -> Effective:
    if isinstance(a, Effective):
        return a
    if reg is None and getattr(a, "p_id", None) is not None:  # a desk row carries the register's facts
        from planners.attendees.people_link import REGISTER_FACTS

        reg = {k: getattr(a, k) for k in REGISTER_FACTS}
    return Effective(a, reg, on or office_today())


def _register_violates(check: str, a: Effective) -> bool:
    reg = a.reg
    if reg is None:
        return False  # not linked: the register's rules do not apply (the typed fields do)
    on = a.on
    if check == "not_barred":
        return reg["p_barred_until"] is not None and reg["p_barred_until"] >= on
    if check == "clearance_active":
        return reg["p_status"] == "suspended"
    if check == "not_in_decommission":
        end = reg["p_decommission_until"]
        return reg["p_status"] == "decommission" and (end is None or end >= on)
    if check == "still_in_post":
        end = reg["p_decommission_until"]
        return reg["p_status"] == "left" or (reg["p_status"] == "decommission" and end is not None and end < on)
    if check == "training_current":
        return reg["p_training_until"] is None or reg["p_training_until"] < on
    return False


def _violates(check: str, a: Attendee, ev: Event) -> bool:
    if check in ("not_barred", "clearance_active", "not_in_decommission", "still_in_post", "training_current"):
        return _register_violates(check, a) if isinstance(a, Effective) else False
    if check == "clearance_at_least_level":
        if not a.clearance:
            return True
        try:
            return not Classification.parse(a.clearance).at_least(Classification(ev.level))
        except ValueError:
            return True
    if check == "pledge_signed":
        return not a.pledge_signed
    if check == "foreign_national":
        return is_foreign(a)
    if check == "foreign_invested_staff":
        return bool(a.foreign_invested_staff)
    if check == "top_secret_named_by_leader":
        return not (a.designated_by or "").strip()
    if check == "photo_id_at_desk":
        return True
    return False


def _finding(rule: dict, *, met: bool = False, data: dict | None = None) -> Finding:
    sev = Severity.INFO if rule["outcome"] == "attention" else Severity.BLOCKER
    reason = {lang: rule["text"][lang] + (" " + both("eligibility.proposal")[lang] if rule.get("proposal") else "")
              for lang in ("en", "zh_CN")}
    return Finding(rule=rule["id"], severity=sev, reason=reason, source=rule["source"], met=met,
                   data={"outcome": rule["outcome"], "fix": rule["fix"], "check": rule["check"], **(data or {})})


def granted_rules(session: Session, attendee_id: int, attendee: Attendee | None = None) -> set[str]:
    """The rules lifted for this attendee by exceptions that still hold: granted to the person the row names now
    (planners.attendees.eligibility), not voided."""

    attendee = attendee if attendee is not None else session.get(Attendee, attendee_id)
    if attendee is not None and not isinstance(attendee, Effective):
        attendee = seen(session, attendee)
    out: set[str] = set()
    for ex in session.scalars(select(AttendeeException).where(AttendeeException.attendee_id == attendee_id)):
        if attendee is not None and holds(attendee, ex.rules, ex.fingerprint, ex.voided_at):
            out.update(ex.rules or [])
    return out


_AT: dict[str, tuple[list, list]] = {}  # level -> (the catalogue's rules it was cut from, the cut)


def rules_at(level: str) -> list[dict]:
    """The catalogue's rules that apply at an event's level (min_level at or below it), in catalogue order; cut
    again whenever the catalogue is re-read (its file changed)."""
    cat = catalogue()
    got = _AT.get(level)
    if got is None or got[0] is not cat:
        at = Classification(level)
        got = _AT[level] = (cat, [r for r in cat if at.at_least(r["min_level"])])
    return got[1]


def evaluate(attendee: Attendee, event: Event, granted: set[str] | frozenset = frozenset(), *,
             rules: list[dict] | None = None) -> Eligibility:
    """Apply every rule to one attendee of `event`; `granted` are rule ids lifted by a leader's exception.
    `attendee` may be an `Effective` (linked to the register, issue 13) or the row as typed. `rules`: rules_at
    the event's level, when the caller judges many people (read once for all of them)."""
    out = Eligibility(status=ELIGIBLE)
    for rule in rules_at(event.level) if rules is None else rules:
        if not _violates(rule["check"], attendee, event):
            continue
        if rule["outcome"] == "attention":
            out.attention.append(_finding(rule))
        elif rule["outcome"] == "needs_approval" and rule["id"] in granted:
            out.findings.append(_finding(rule, met=True, data={"exception": True}))
        else:
            out.findings.append(_finding(rule))
    open_outcomes = {f.data["outcome"] for f in out.findings if not f.met}
    if "ineligible" in open_outcomes:
        out.status = INELIGIBLE
    elif "needs_approval" in open_outcomes:
        out.status = NEEDS_APPROVAL
    return out


def judge(attendee, event, granted_of: Callable[[int], set[str]]) -> Eligibility:
    """`evaluate`, asking `granted_of(attendee id)` for the leader's exceptions only when a rule that one can lift
    is open. `attendee` and `event` may be ORM objects or rows with the same column names (the front desk)."""
    first = evaluate(attendee, event)
    if first.status != NEEDS_APPROVAL:  # exceptions lift needs-approval rules only: look them up when it matters
        return first
    return evaluate(attendee, event, granted_of(attendee.id))


def register_reason(el: Eligibility, a) -> str | None:
    """The desk's reason for a refusal that comes from the register (barred, clearance_suspended,
    in_decommission_period, pledge_expired), or None."""
    if not isinstance(a, Effective) or not a.linked:
        return None
    open_checks = {f.data.get("check") for f in el.findings if not f.met}
    for check, reason in REGISTER_REASONS:
        if check in open_checks:
            if check == "pledge_signed" and a.reg["p_pledge_until"] is None:
                continue  # never signed: the ordinary refusal (E2P), not an expiry
            return reason
    return None


def seen(session: Session, attendee: Attendee, on=None) -> Effective:
    """The attendee with the register's facts when linked (planners.attendees.people_link)."""
    from planners.attendees.people_link import register_facts

    return effective(attendee, register_facts(session, [attendee.id]).get(attendee.id), on)


def for_attendee(session: Session, attendee: Attendee, event: Event | None = None) -> Eligibility:
    event = event or session.get(Event, attendee.event_id)
    a = seen(session, attendee)
    return judge(a, event, lambda aid: granted_rules(session, aid, a))


_ROW_COLUMNS = tuple(c for c in Attendee.__table__.columns if c.name != "photo")


def attendee_rows(session: Session, event_id: int) -> list:
    """Every attendee of the event as read-only rows with the Attendee's column names (the photo left out), in
    id order: what judging and hashing a whole list reads. 10,000 ORM objects cost ~0.4 s to build; rows a tenth."""
    return list(session.execute(select(*_ROW_COLUMNS).where(Attendee.event_id == event_id).order_by(Attendee.id)))


def for_event(session: Session, event: Event, on: date | None = None, *, rows: list | None = None
              ) -> dict[int, Eligibility]:
    """{attendee id: eligibility} of every attendee of the event, on the office day `on` (today). `rows`: the
    event's attendees already read (attendee_rows or ORM objects), else they are read here."""
    from planners.attendees.people_link import register_facts

    rows = attendee_rows(session, event.id) if rows is None else rows
    reg = register_facts(session, [a.id for a in rows])
    on = on or office_today()
    people = [effective(a, reg.get(a.id), on) for a in rows]
    by_id = {a.id: a for a in people}
    granted: dict[int, set[str]] = {}
    for ex in session.scalars(select(AttendeeException).where(AttendeeException.event_id == event.id)):
        a = by_id.get(ex.attendee_id)
        if a is not None and holds(a, ex.rules, ex.fingerprint, ex.voided_at):
            granted.setdefault(ex.attendee_id, set()).update(ex.rules or [])
    rules = rules_at(event.level)
    return {a.id: evaluate(a, event, granted.get(a.id, set()), rules=rules) for a in people}


def for_event_id(session: Session, event_id: int, on: str) -> dict[int, Eligibility]:
    """for_event by the event's id and an ISO office day: plain arguments, so a screen can keep the result until
    the data (or the day) changes — judging 10,000 people costs 0.9 s (issue 17)."""
    return for_event(session, session.get(Event, event_id), date.fromisoformat(on))


def request_exception(session: Session, attendee_id: int, *, actor: Principal, comment: str = "") -> Approval:
    """Ask a leader to lift the needs-approval rules for this attendee (the findings say why)."""
    a = session.get(Attendee, attendee_id)
    if a is None:
        raise NotFound("No such attendee.", key="error.not_found")
    ev = session.get(Event, a.event_id)
    permissions.require(actor, "attendees.exception", ev)
    _refuse_barred(session, a)
    el = for_attendee(session, a, ev)
    rules = [f for f in el.findings if not f.met and f.data["outcome"] == "needs_approval"]
    if not rules:
        raise InvalidTransition("This attendee needs no exception.", key="eligibility.no_exception_needed")
    return approvals.request(
        session, kind=EXCEPTION_KIND, object_type="attendee", object_id=a.id, event_id=ev.id,
        title=both("eligibility.exception_title", name=a.name, unit=a.unit, event=ev.title),
        requested_by=actor, findings=rules, payload={"rules": [f.rule for f in rules], "attendee": a.name},
        comment=comment)


def apply_exception_decision(session: Session, item: Approval, leader: Principal) -> None:
    if item.status != "approved":
        return
    a = session.get(Attendee, int(item.object_id))
    if a is None:
        return
    _refuse_barred(session, a)  # a barred person is refused at approval too (issue 13)
    rules = list(item.payload.get("rules", []))
    ex = AttendeeException(event_id=a.event_id, attendee_id=a.id, rules=rules, approval_id=item.id,
                           decided_by=leader.username, fingerprint=fingerprint(seen(session, a), rules))
    session.add(ex)
    session.flush()
    audit.record(session, actor=leader.username, action="attendee.exception_granted", object_type="attendee",
                 object_id=a.id, event_id=a.event_id, rules=ex.rules, approval_id=item.id)


def _refuse_barred(session: Session, a: Attendee) -> None:
    from planners.core.errors import PersonBarred
    from planners.store.models_people import Bar

    e = seen(session, a)
    if e.linked and _register_violates("not_barred", e):
        b = session.scalar(select(Bar).where(Bar.person_id == e.reg["p_id"], Bar.lifted_at.is_(None))
                           .order_by(Bar.ends_on.desc()).limit(1))
        raise PersonBarred(f"{a.name} is on the deny list until {e.reg['p_barred_until']}.", name=a.name,
                           until=str(e.reg["p_barred_until"]), reason=b.reason if b else "")


# ---------------------------------------------------------------- an exception binds to the person
#A leader's exception binds to the person, not to the table row (issue 18, item 3).
# 
# An exception (planners.store.models_checkin.AttendeeException) lifts needs-approval rules for one attendee.
# It stores a fingerprint of who that attendee was when the leader approved (name, ID type and last digits,
# unit) and of the facts the lifted rules read (nationality for E3, the foreign-invested flag for E4, …). If
# any of these change on the attendee row, the exception no longer applies: at judge time it is ignored (the
# desk says needs_approval again), and the edit that changed the row voids it and puts the item back in the
# leader's queue. The voided approval keeps its text, so it still names the person it was granted to.

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
    "not_barred": (), "clearance_active": (), "not_in_decommission": (), "still_in_post": (),
    "training_current": (),
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
    eff = seen(session, attendee)
    for ex in session.scalars(select(AttendeeException).where(AttendeeException.attendee_id == attendee.id,
                                                              AttendeeException.voided_at.is_(None))):
        if holds(eff, ex.rules, ex.fingerprint):
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
    from planners.core.i18n import both
    from planners.store.models import Event

    ev = session.get(Event, attendee.event_id)
    el = for_attendee(session, attendee, ev)
    rules = [f for f in el.findings if not f.met and f.data["outcome"] == "needs_approval"]
    if not rules:
        return []
    prior = ", ".join(sorted({(session.get(Approval, ex.approval_id).payload or {}).get("attendee", "")
                              for ex in voided if session.get(Approval, ex.approval_id) is not None}))
    item = approvals.request(
        session, kind=EXCEPTION_KIND, object_type="attendee", object_id=attendee.id, event_id=ev.id,
        title=both("eligibility.exception_title", name=attendee.name, unit=attendee.unit, event=ev.title),
        requested_by=who, findings=rules,
        payload={"rules": [f.rule for f in rules], "attendee": attendee.name, "replaces": prior},
        comment=_say("eligibility.exception_requeued", name=prior))
    return [item.id]
