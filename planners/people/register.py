"""The register itself: people, their pledges and trainings, the deny list, the history, and the changes of
level / class / status that go through the leader's queue (kind `person_change`)."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from planners.base import approvals, audit
from planners.core import permissions
from planners.core.clock import utcnow
from planners.core.errors import (
    ConcurrentEdit,
    InvalidTransition,
    NotFound,
    PersonBarred,
    ValidationFailed,
)
from planners.core.i18n import both
from planners.core.levels import Classification
from planners.people import rules
from planners.store.models_people import (
    NO_END,
    Bar,
    Person,
    PersonHistory,
    Pledge,
    Training,
)
from planners.people.fields import (  # noqa: F401  (FIELDS, clean, clashes, _date, key_form, today: named
    # through `register` by the importer, the export and the demo)
    KIND,
    PLEDGE_KINDS,
    TRAINING_STAGES,
    DIRECT,
    CONTROLLED,
    FIELDS,
    Problem,
    clean,
    clashes,
    _refuse,
    _date,
    today,
    key_form,
)


# ---- reading -------------------------------------------------------------------------------------------

def get(session: Session, person_id: int) -> Person:
    p = session.get(Person, int(person_id))
    if p is None:
        raise NotFound(f"No person with id {person_id} in the register.", key="people.not_found", id=person_id)
    return p


def find(session: Session, *, name: str | None = None, id_last4: str | None = None,
         unit: str | None = None) -> list[Person]:
    """People whose name, ID last digits and unit match (each given criterion; compared in key form: NFKC,
    no invisible characters or spaces, case-insensitive)."""
    q = select(Person)
    if id_last4:
        q = q.where(func.upper(Person.id_last4) == id_last4.strip().upper())
    rows = list(session.scalars(q.order_by(Person.id)))
    if name:
        rows = [p for p in rows if key_form(p.name) == key_form(name)]
    if unit:
        rows = [p for p in rows if key_form(p.unit) == key_form(unit)]
    return rows


def all_people(session: Session) -> list[Person]:
    return list(session.scalars(select(Person).order_by(Person.unit, Person.name, Person.id)))


def pledges(session: Session, person_id: int) -> list[Pledge]:
    return list(session.scalars(select(Pledge).where(Pledge.person_id == person_id)
                                .order_by(Pledge.signed_on.desc(), Pledge.id.desc())))


def trainings(session: Session, person_id: int) -> list[Training]:
    return list(session.scalars(select(Training).where(Training.person_id == person_id)
                                .order_by(Training.taken_on.desc(), Training.id.desc())))


def bars(session: Session, person_id: int) -> list[Bar]:
    return list(session.scalars(select(Bar).where(Bar.person_id == person_id).order_by(Bar.id.desc())))


def history(session: Session, person_id: int) -> list[PersonHistory]:
    return list(session.scalars(select(PersonHistory).where(PersonHistory.person_id == person_id)
                                .order_by(PersonHistory.id)))


def valid_pledge(session: Session, person_id: int, kind: str, on: date | None = None) -> bool:
    """Does the person hold a pledge of `kind` signed on or before `on` and not expired on `on`?"""
    on = on or today()
    return any(p.signed_on <= on and (p.expires_on is None or p.expires_on >= on)
               for p in pledges(session, person_id) if p.kind == kind)


def is_barred(p: Person, on: date | None = None) -> bool:
    return p.barred_until is not None and p.barred_until >= (on or today())


def active_bar(session: Session, person_id: int, on: date | None = None) -> Bar | None:
    on = on or today()
    return next((b for b in bars(session, person_id) if b.lifted_at is None and b.ends_on >= on), None)


# ---- derived facts (what the desk reads) ----------------------------------------------------------------

def _until(records, ok) -> date | None:
    ends = [r.expires_on or NO_END for r in records if ok(r)]
    return max(ends) if ends else None


def refresh(session: Session, p: Person) -> None:
    """Recompute the facts the desk reads from the records: pledge_until and training_until (the day until which
    every pledge / training the person's class needs holds; None: one is missing), barred_until."""
    session.flush()
    ps, ts = pledges(session, p.id), trainings(session, p.id)
    ends = []
    for r in rules.required(p.person_class, "pledge"):
        ends.append(_until(ps, lambda x, c=r["code"]: x.kind == c))
    p.pledge_until = None if (not ends or None in ends) else min(ends)
    ends = []
    for r in rules.required(p.person_class, "training"):
        need = rules.min_hours(r["code"], p.person_class)
        ends.append(_until(ts, lambda x, c=r["code"], n=need: x.stage == c and (x.hours or 0) >= n))
    p.training_until = None if (not ends or None in ends) else min(ends)
    live = [b.ends_on for b in bars(session, p.id) if b.lifted_at is None]
    p.barred_until = max(live) if live else None


# ---- writing --------------------------------------------------------------------------------------------

def _who(actor) -> str:
    return getattr(actor, "username", None) or str(actor)


def _text(v) -> str:
    if v is None:
        return ""
    return v.isoformat() if isinstance(v, date) else str(v)


def _hist(session: Session, person_id: int, actor, action: str, *, field: str = "", before="", after="",
          reason: str = "", approval_id: int | None = None) -> None:
    session.add(PersonHistory(person_id=person_id, actor=_who(actor), action=action, field=field,
                              before=_text(before), after=_text(after), reason=reason or "",
                              approval_id=approval_id))


def create(session: Session, values: dict, *, actor, reason: str = "") -> Person:
    """Enter a person in the register (the security officer). Level, class and status are set as vetted."""
    permissions.require(actor, "people.keep")
    out, probs = clean(values)
    probs = probs or clashes(session, out)
    if probs:
        raise _refuse(probs)
    p = Person(**out, created_by=_who(actor), created_at=utcnow(), updated_at=utcnow(), version=1)
    session.add(p)
    session.flush()
    refresh(session, p)
    _hist(session, p.id, actor, "created", after=f"{p.name} · {p.unit}", reason=reason)
    audit.record(session, actor=_who(actor), action="people.create", object_type="person", object_id=p.id,
                 after={k: _text(v) for k, v in out.items()})
    return p


@dataclass
class Change:
    person: Person
    applied: dict  # field -> (before, after) applied now
    approval_id: int | None = None  # the leader-queue item for level / class / status changes


def update(session: Session, person_id: int, changes: dict, *, expected_version: int, actor,
           reason: str = "") -> Change:
    """Change a person. Direct fields are applied at once; level, class and status go to the leader's queue
    (kind person_change), with the reason. Refused if the person changed since the editor opened it."""
    permissions.require(actor, "people.keep")
    p = session.get(Person, int(person_id), with_for_update=True)
    if p is None:
        raise NotFound(f"No person with id {person_id} in the register.", key="people.not_found", id=person_id)
    if int(expected_version) != p.version:
        raise ConcurrentEdit("This person was changed since you opened it: reload and make your change again.",
                             key="people.changed_since_opened", name=p.name)
    out, probs = clean(changes, base=p)
    probs = probs or clashes(session, out, exclude=p.id)
    if probs:
        raise _refuse(probs)
    direct = {f: (getattr(p, f), out[f]) for f in DIRECT if f in changes and getattr(p, f) != out[f]}
    controlled = {f: (getattr(p, f), out[f]) for f in CONTROLLED if getattr(p, f) != out[f]
                  and (f in changes or (f == "decommission_until" and "status" in changes))}
    if not direct and not controlled:
        return Change(person=p, applied={})
    if controlled and not reason.strip():
        raise ValidationFailed("Say why: a change of level, class or status needs a reason.",
                               key="people.reason_required", field="reason")
    for f, (before, after) in direct.items():
        setattr(p, f, after)
        _hist(session, p.id, actor, "changed", field=f, before=before, after=after, reason=reason)
    item_id = None
    if controlled:
        item = approvals.request(
            session, kind=KIND, object_type="person", object_id=p.id, requested_by=_who(actor),
            title=both("people.change_title", name=p.name, unit=p.unit),
            payload={"changes": {f: _text(a) for f, (_b, a) in controlled.items()},
                     "before": {f: _text(b) for f, (b, _a) in controlled.items()}, "reason": reason},
            comment=reason)
        item_id = item.id
        _hist(session, p.id, actor, "change_requested", field=", ".join(controlled),
              before="; ".join(f"{f}={_text(b)}" for f, (b, _a) in controlled.items()),
              after="; ".join(f"{f}={_text(a)}" for f, (_b, a) in controlled.items()), reason=reason,
              approval_id=item.id)
    p.version += 1
    p.updated_at = utcnow()
    refresh(session, p)
    audit.record(session, actor=_who(actor), action="people.update", object_type="person", object_id=p.id,
                 before={f: _text(b) for f, (b, _a) in direct.items()},
                 after={f: _text(a) for f, (_b, a) in direct.items()}, reason=reason, approval_id=item_id)
    return Change(person=p, applied=direct, approval_id=item_id)


def apply_decision(session: Session, item, leader) -> None:
    """The leader decided a person_change: approved changes are applied and written to the history."""
    p = session.get(Person, int(item.object_id))
    if p is None:
        return
    if item.status != "approved":
        _hist(session, p.id, leader, f"change_{item.status}", reason=item.comment, approval_id=item.id)
        return
    changes = dict((item.payload or {}).get("changes") or {})
    probs: list[Problem] = []
    for f, value in changes.items():
        before = getattr(p, f)
        after = _date(value, f, probs) if f == "decommission_until" else (value or None if f != "status" else value)
        if f == "level" and after and Classification(after).above(p.vetted_level):
            raise InvalidTransition("The level is above what the vetting allows.", key="people.above_vetting_now",
                                    name=p.name)
        setattr(p, f, after)
        _hist(session, p.id, leader, "changed", field=f, before=before, after=after,
              reason=(item.payload or {}).get("reason", ""), approval_id=item.id)
    p.version += 1
    p.updated_at = utcnow()
    refresh(session, p)
    audit.record(session, actor=leader.username, action="people.change_applied", object_type="person",
                 object_id=p.id, approval_id=item.id, changes=changes)


def pending_change(session: Session, person_id: int):
    from planners.store.models import Approval

    return session.scalar(select(Approval).where(Approval.kind == KIND, Approval.object_id == str(person_id),
                                                 Approval.status.in_(("pending", "returned"))))


def record_pledge(session: Session, person_id: int, *, kind: str, signed_on, actor, version: str = "",
                  expires_on=None) -> Pledge:
    """Record a signed pledge. Its expiry is the rules' validity unless given. A date in the future is refused."""
    permissions.require(actor, "people.keep")
    p = get(session, person_id)
    probs: list[Problem] = []
    if kind not in PLEDGE_KINDS:
        probs.append(Problem("kind", "bad_choice", {"value": str(kind)[:40], "choices": ", ".join(PLEDGE_KINDS)}))
    signed = _date(signed_on, "signed_on", probs)
    expires = _date(expires_on, "expires_on", probs)
    if signed is None and not probs:
        probs.append(Problem("signed_on", "required", {}))
    if signed and signed > today():
        probs.append(Problem("signed_on", "in_future", {"value": signed.isoformat()}))
    if signed and expires and expires < signed:
        probs.append(Problem("expires_on", "before_start", {"value": expires.isoformat()}))
    if len(version or "") > 40:
        probs.append(Problem("version", "too_long", {"max": 40}))
    if probs:
        raise _refuse(probs)
    expires = expires or rules.default_expiry("pledge", kind, signed)
    rec = Pledge(person_id=p.id, kind=kind, version=(version or "").strip(), signed_on=signed, expires_on=expires,
                 recorded_by=_who(actor))
    session.add(rec)
    _hist(session, p.id, actor, "pledge", field=kind, after=f"{signed.isoformat()} → {_text(expires) or '-'}")
    p.version += 1
    refresh(session, p)
    audit.record(session, actor=_who(actor), action="people.pledge", object_type="person", object_id=p.id,
                 kind=kind, signed_on=signed.isoformat(), expires_on=_text(expires))
    return rec


def record_training(session: Session, person_id: int, *, stage: str, taken_on, actor, course: str = "",
                    hours: int = 0, expires_on=None) -> Training:
    permissions.require(actor, "people.keep")
    p = get(session, person_id)
    probs: list[Problem] = []
    if stage not in TRAINING_STAGES:
        probs.append(Problem("stage", "bad_choice", {"value": str(stage)[:40],
                                                     "choices": ", ".join(TRAINING_STAGES)}))
    taken = _date(taken_on, "taken_on", probs)
    expires = _date(expires_on, "expires_on", probs)
    if taken is None and not probs:
        probs.append(Problem("taken_on", "required", {}))
    if taken and taken > today():
        probs.append(Problem("taken_on", "in_future", {"value": taken.isoformat()}))
    try:
        hours = int(hours or 0)
        if hours < 0 or hours > 1000:
            raise ValueError
    except (TypeError, ValueError):
        probs.append(Problem("hours", "bad_hours", {"value": str(hours)[:20]}))
        hours = 0
    if len(course or "") > 200:
        probs.append(Problem("course", "too_long", {"max": 200}))
    if probs:
        raise _refuse(probs)
    expires = expires or rules.default_expiry("training", stage, taken)
    rec = Training(person_id=p.id, stage=stage, course=(course or "").strip(), taken_on=taken, hours=hours,
                   expires_on=expires, recorded_by=_who(actor))
    session.add(rec)
    _hist(session, p.id, actor, "training", field=stage, after=f"{taken.isoformat()} · {hours}h · {course}")
    p.version += 1
    refresh(session, p)
    audit.record(session, actor=_who(actor), action="people.training", object_type="person", object_id=p.id,
                 stage=stage, taken_on=taken.isoformat(), hours=hours)
    return rec


def bar(session: Session, person_id: int, *, reason: str, ends_on, actor) -> Bar:
    """Put a person on the deny list until `ends_on` (a leader, with a reason)."""
    permissions.require(actor, "people.bar")
    p = get(session, person_id)
    probs: list[Problem] = []
    end = _date(ends_on, "ends_on", probs)
    if end is None and not probs:
        probs.append(Problem("ends_on", "required", {}))
    if end and end < today():
        probs.append(Problem("ends_on", "in_past", {"value": end.isoformat()}))
    if not (reason or "").strip():
        probs.append(Problem("reason", "required", {}))
    if probs:
        raise _refuse(probs)
    b = Bar(person_id=p.id, reason=reason.strip(), ends_on=end, barred_by=_who(actor))
    session.add(b)
    _hist(session, p.id, actor, "barred", field="barred_until", before=p.barred_until, after=end, reason=reason)
    p.version += 1
    refresh(session, p)
    audit.record(session, actor=_who(actor), action="people.bar", object_type="person", object_id=p.id,
                 ends_on=end.isoformat(), reason=reason.strip())
    return b


def lift_bar(session: Session, bar_id: int, *, reason: str, actor) -> Bar:
    permissions.require(actor, "people.bar")
    b = session.get(Bar, int(bar_id))
    if b is None or b.lifted_at is not None:
        raise NotFound("No such bar in force.", key="people.no_bar")
    if not (reason or "").strip():
        raise ValidationFailed("Say why the bar is lifted.", key="people.reason_required", field="reason")
    b.lifted_by, b.lifted_at, b.lift_reason = _who(actor), utcnow(), reason.strip()
    p = get(session, b.person_id)
    _hist(session, p.id, actor, "bar_lifted", field="barred_until", before=b.ends_on, reason=reason)
    p.version += 1
    refresh(session, p)
    audit.record(session, actor=_who(actor), action="people.bar_lifted", object_type="person", object_id=p.id,
                 bar_id=b.id, reason=reason.strip())
    return b


def require_not_barred(session: Session, person_id: int | None, on: date | None = None) -> None:
    """Raise PersonBarred when the person is on the deny list on `on` (import, approval, desk)."""
    if person_id is None:
        return
    p = session.get(Person, int(person_id))
    if p is not None and is_barred(p, on):
        b = active_bar(session, p.id, on)
        raise PersonBarred(f"{p.name} is barred until {p.barred_until.isoformat()}: {b.reason if b else ''}",
                           name=p.name, until=p.barred_until.isoformat(), reason=b.reason if b else "")


def search(session: Session, text: str = "") -> list[Person]:
    """The register filtered by a free text (name, unit, post or ID digits)."""
    rows = all_people(session)
    k = key_form(text)
    if not k:
        return rows
    return [p for p in rows if k in key_form(p.name) or k in key_form(p.unit) or k in key_form(p.post)
            or k == key_form(p.id_last4)]


def visible(session: Session, actor, text: str = "") -> list[Person]:
    """The register as `actor` may read it: all of it for the security officer, a leader or an admin; for an
    organizer, the people linked to attendees of their own events (people.see_for_event)."""
    rows = search(session, text)
    if permissions.allowed(actor, "people.see_all"):
        return rows
    from planners.store.models import Attendee, Event
    from planners.store.models_people import AttendeeLink

    mine = set(session.scalars(
        select(AttendeeLink.person_id).join(Attendee, Attendee.id == AttendeeLink.attendee_id)
        .join(Event, Event.id == Attendee.event_id)
        .where(Event.organizer_id == actor.id, AttendeeLink.person_id.is_not(None))))
    return [p for p in rows if p.id in mine]


def get_visible(session: Session, person_id: int, actor) -> Person:
    p = get(session, person_id)
    if p.id not in {x.id for x in visible(session, actor)}:
        permissions.require(actor, "people.see_all")
    return p
