"""Which person of the unit's register (planners.people, table `people`) an event's attendee is (issue 13).

An attendee is matched by name + ID last digits + unit, compared in key form (NFKC, no invisible characters or
spaces, case-insensitive):

- `exact`: exactly one person with that name, those digits and that unit — the attendee is linked, and
  eligibility reads the register's level, class, pledges, training, status and deny list;
- `ambiguous`: people with that name and digits exist, but none (or more than one) of the same unit: the
  organizer picks one (`link_manually`, match `manual`) or corrects the row;
- `none`: nobody of that name and digits in the register: the attendee keeps the typed fields (today's rules).

The event row keeps what belongs to the event (role, designated by). A field typed on the row that differs
from the register (clearance, class, nationality, foreign-invested, pledge) is a *mismatch*: reported as a
finding on import and in the table, never written over either side."""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import Session

from planners.base import audit
from planners.core import permissions, textsafe
from planners.core.errors import NotFound, ValidationFailed
from planners.core.i18n import both
from planners.store.models import Attendee, Event
from planners.store.models_people import AttendeeLink, Person

LINKED = ("exact", "manual")
MATCHES = ("exact", "ambiguous", "none", "manual")
# the columns the desk reads with the attendee (planners.checkin.desk_sql.Q_PERSON); None when not linked
REGISTER_FACTS = ("p_id", "p_level", "p_class", "p_status", "p_decommission_until", "p_pledge_until",
                  "p_training_until", "p_barred_until", "p_nationality", "p_employer_type")


def office_today() -> date:
    """The office's date (the register's dates are office dates): planners.core.clock.office_today."""
    from planners.core.clock import office_today as today

    return today()


def _k(text) -> str:
    return textsafe.key_form(text or "").upper()


@dataclass
class Match:
    status: str  # exact / ambiguous / none
    person_id: int | None = None
    candidates: list[int] = field(default_factory=list)
    mismatches: list[dict] = field(default_factory=list)

    def text(self, lang: str) -> str:
        return both(f"people.match.{self.status}", id=self.person_id or "",
                    candidates=", ".join(f"#{c}" for c in self.candidates))[lang]


class Index:
    """The register keyed by (name, ID digits) for matching many rows at once."""

    def __init__(self, session: Session):
        self.by_key: dict[tuple[str, str], list[Person]] = {}
        for p in session.scalars(select(Person).order_by(Person.id)):
            self.by_key.setdefault((_k(p.name), _k(p.id_last4)), []).append(p)

    def match(self, name: str, id_last4: str, unit: str) -> tuple[Match, Person | None]:
        found = self.by_key.get((_k(name), _k(id_last4)), [])
        if not found:
            return Match("none"), None
        same_unit = [p for p in found if _k(p.unit) == _k(unit)]
        if len(same_unit) == 1:
            return Match("exact", same_unit[0].id), same_unit[0]
        return Match("ambiguous", candidates=[p.id for p in (same_unit or found)]), None


def match(session: Session, *, name: str, id_last4: str, unit: str = "") -> Match:
    m, _p = Index(session).match(name, id_last4, unit)
    return m


def register_pledge_valid(p, on: date) -> bool:
    until = getattr(p, "pledge_until", None)
    return until is not None and until >= on


def mismatches(row, p: Person, on: date) -> list[dict]:
    """Fields typed on the attendee row (ORM object or dict) that differ from the register: findings."""
    get = (lambda f: row.get(f)) if isinstance(row, dict) else (lambda f: getattr(row, f, None))
    out = []

    def add(f, imported, register):
        out.append({"field": f, "imported": "" if imported is None else str(imported), "register": str(register)})

    if get("clearance") and get("clearance") != p.level:
        add("clearance", get("clearance"), p.level)
    if get("secret_class") and get("secret_class") != p.person_class:
        add("secret_class", get("secret_class"), p.person_class)
    nat = (get("nationality") or "CN").upper()
    if nat != (p.nationality or "CN").upper():
        add("nationality", nat, p.nationality)
    fi = bool(get("foreign_invested_staff"))
    if fi != (p.employer_type == "foreign_invested"):
        add("foreign_invested_staff", fi, p.employer_type == "foreign_invested")
    if bool(get("pledge_signed")) and not register_pledge_valid(p, on):
        add("pledge_signed", True, False)
    return out


def mismatch_text(m: dict, lang: str) -> str:
    return both("people.mismatch", field=both(f"people.field.{m['field']}"), imported=m["imported"] or "-",
                register=m["register"] or "-")[lang]


def link_attendees(session: Session, attendees: list[Attendee], *, actor, on: date | None = None) -> dict[int, Match]:
    """Match each attendee against the register and store the result (exact / ambiguous / manual; no row means
    `none`). A row linked by hand keeps its choice while name and digits still name that person. One query for
    the register and one per 500 attendees for their current links: an import of 10,000 rows stays fast."""
    from planners.core.clock import utcnow

    on = on or office_today()
    who = getattr(actor, "username", None) or str(actor)
    idx = Index(session)
    by_pid = {p.id: p for ps in idx.by_key.values() for p in ps}
    current = links(session, [a.id for a in attendees])
    out: dict[int, Match] = {}
    new_rows = []
    now = utcnow()
    for a in attendees:
        link = current.get(a.id)
        if link is not None and link.match == "manual" and link.person_id in by_pid:
            p = by_pid[link.person_id]
            if (_k(p.name), _k(p.id_last4)) == (_k(a.name), _k(a.id_last4)):
                m = Match("manual", p.id, mismatches=mismatches(a, p, on))
                link.mismatches = m.mismatches
                out[a.id] = m
                continue
        m, p = idx.match(a.name, a.id_last4, a.unit)
        if p is not None:
            m.mismatches = mismatches(a, p, on)
        out[a.id] = m
        if m.status == "none":
            if link is not None:
                session.delete(link)
            continue
        if link is None:
            new_rows.append({"attendee_id": a.id, "person_id": m.person_id, "match": m.status,
                             "candidates": m.candidates, "mismatches": m.mismatches, "linked_by": who,
                             "linked_at": now})
        else:
            link.person_id, link.match, link.candidates, link.mismatches = (m.person_id, m.status, m.candidates,
                                                                            m.mismatches)
            link.linked_by, link.linked_at = who, now
    session.flush()
    if new_rows:
        from sqlalchemy import insert

        session.execute(insert(AttendeeLink), new_rows)
    return out


def link_event(session: Session, event_id: int, *, actor) -> dict[int, Match]:
    """Match the whole list with the register again (after the register changed), as the event's organizer."""
    ev = session.get(Event, event_id)
    if ev is None:
        raise NotFound("No such event.", key="error.not_found")
    if not isinstance(actor, str):  # the import and the demo link as themselves; a person acts with their rights
        permissions.require(actor, "attendees.edit", ev)
    rows = list(session.scalars(select(Attendee).where(Attendee.event_id == event_id).order_by(Attendee.id)))
    res = link_attendees(session, rows, actor=actor)
    audit.record(session, actor=getattr(actor, "username", None) or str(actor), action="attendees.link_register",
                 object_type="event", object_id=event_id, event_id=event_id,
                 exact=sum(1 for m in res.values() if m.status in LINKED),
                 ambiguous=sum(1 for m in res.values() if m.status == "ambiguous"),
                 none=sum(1 for m in res.values() if m.status == "none"))
    return res


def link_manually(session: Session, attendee_id: int, person_id: int, *, actor) -> Match:
    """The organizer picks the person of an ambiguous match (same name and digits required)."""
    a = session.get(Attendee, attendee_id)
    p = session.get(Person, person_id)
    if a is None or p is None:
        raise NotFound("No such attendee or person.", key="error.not_found")
    permissions.require(actor, "attendees.edit", session.get(Event, a.event_id))
    if (_k(p.name), _k(p.id_last4)) != (_k(a.name), _k(a.id_last4)):
        raise ValidationFailed("The person's name and ID digits differ from the attendee's.",
                               key="people.link_mismatch", field="person_id")
    m = Match("manual", p.id, mismatches=mismatches(a, p, office_today()))
    from planners.core.clock import utcnow

    link = session.get(AttendeeLink, a.id)
    if link is None:
        link = AttendeeLink(attendee_id=a.id)
        session.add(link)
    link.person_id, link.match, link.candidates, link.mismatches = p.id, m.status, [], m.mismatches
    link.linked_by, link.linked_at = getattr(actor, "username", None) or str(actor), utcnow()
    audit.record(session, actor=getattr(actor, "username", None) or str(actor), action="attendees.link_manual",
                 object_type="attendee", object_id=a.id, event_id=a.event_id, person_id=p.id)
    return m


def candidates(session: Session, attendee_id: int) -> list[Person]:
    """The people of the register an ambiguous match could be (for the organizer to pick one)."""
    link = session.get(AttendeeLink, attendee_id)
    ids = list(link.candidates or []) if link is not None else []
    return list(session.scalars(select(Person).where(Person.id.in_(ids)).order_by(Person.id))) if ids else []


def links(session: Session, attendee_ids) -> dict[int, AttendeeLink]:
    """attendee id -> its link row (absent: not in the register), read 500 ids at a time."""
    ids = list(attendee_ids)
    out: dict[int, AttendeeLink] = {}
    for k in range(0, len(ids), 500):
        out.update({link.attendee_id: link for link in session.scalars(
            select(AttendeeLink).where(AttendeeLink.attendee_id.in_(ids[k:k + 500])))})
    return out


def register_facts(session: Session, attendee_ids) -> dict[int, dict]:
    """attendee id -> the register's facts (REGISTER_FACTS) for linked attendees only."""
    ids = list(attendee_ids)
    out: dict[int, dict] = {}
    for k in range(0, len(ids), 500):
        q = (select(AttendeeLink.attendee_id, Person).join(Person, Person.id == AttendeeLink.person_id)
             .where(AttendeeLink.attendee_id.in_(ids[k:k + 500]), AttendeeLink.match.in_(LINKED)))
        out.update({aid: facts_of(p) for aid, p in session.execute(q)})
    return out


def facts_of(p: Person) -> dict:
    return {"p_id": p.id, "p_level": p.level, "p_class": p.person_class, "p_status": p.status,
            "p_decommission_until": p.decommission_until, "p_pledge_until": p.pledge_until,
            "p_training_until": p.training_until, "p_barred_until": p.barred_until,
            "p_nationality": p.nationality, "p_employer_type": p.employer_type}
