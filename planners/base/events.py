"""Events: a classified meeting or a foreign visit. Create, edit, list, and move through their states."""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from planners.base import audit
from planners.core.clock import local, to_utc, zone  # noqa: F401  (events.local etc. read well at call sites)
from planners.core import hooks
from planners.base.auth import Principal
from planners.core.errors import ConcurrentEdit, EventNotReady, InvalidTransition, NotFound, ValidationFailed
from planners.core.findings import Finding, Severity
from planners.core.levels import Classification
from planners.core.i18n import t
from planners.store.models import Event, Venue
from planners.core import permissions

KINDS = ("meeting", "foreign_visit")
DEVICE_POLICIES = ("lockers", "approved_only", "none")
STATUSES = ("draft", "planned", "ready", "in_progress", "closed")
TRANSITIONS: dict[str, tuple[str, ...]] = {
    "draft": ("planned",),
    "planned": ("ready", "draft"),
    "ready": ("in_progress", "planned"),
    "in_progress": ("closed",),
    "closed": (),
}


@dataclass(kw_only=True)
class EventInput:
    title: str
    kind: str
    level: str
    start: datetime  # aware, or naive in `tz`
    end: datetime
    tz: str = "Asia/Shanghai"
    retention: str = ""
    venue_id: int | None = None
    host_unit: str = ""
    relay_scope: str = ""
    device_policy: str = "lockers"
    foreign_participants: bool = False
    facts: dict = field(default_factory=dict)


def _check_free_text(data: EventInput) -> None:
    """Free text goes into Word, PDF and calendar exports and onto screens: no control characters (a line
    break only in the multi-line relay scope) and no bidi controls, which make a line read otherwise."""
    from planners.core.textsafe import BIDI, describe, is_control

    for name, value, multiline in (("title", data.title, False), ("host_unit", data.host_unit, False),
                                   ("retention", data.retention, False), ("relay_scope", data.relay_scope, True)):
        for ch in (value or "").strip():
            if (is_control(ch) and not (multiline and ch in "\r\n\t")) or ch in BIDI:
                raise ValidationFailed(f"The field {name} contains the character {describe(ch)}: retype it without "
                                       "line breaks, control or text-direction characters.",
                                       key="events.text_control", field=name, char=describe(ch))


def validate(data: EventInput) -> tuple[datetime, datetime]:
    title = (data.title or "").strip()
    if not title:
        raise ValidationFailed("The title is required (a non-secret short title).", key="events.title_required",
                               field="title")
    if len(title) > 200:
        raise ValidationFailed("The title is longer than 200 characters.", key="events.title_long", field="title")
    _check_free_text(data)
    if data.kind not in KINDS:
        raise ValidationFailed(f"Kind must be one of {KINDS}.", key="events.bad_kind", field="kind")
    if not data.level:
        raise ValidationFailed("Choose the event's classification level.", key="events.level_required",
                               field="level")
    try:
        level = Classification.parse(data.level)
    except ValueError as exc:
        raise ValidationFailed(str(exc), key="events.level_required", field="level") from exc
    if data.device_policy not in DEVICE_POLICIES:
        raise ValidationFailed(f"Device policy must be one of {DEVICE_POLICIES}.", key="events.bad_device_policy",
                               field="device_policy")
    if data.start is None or data.end is None:
        raise ValidationFailed("Start and end are required.", key="events.dates_required", field="start")
    start, end = to_utc(data.start, data.tz), to_utc(data.end, data.tz)
    if end <= start:
        raise ValidationFailed("The end must be after the start; correct the end date and time.",
                               key="events.end_before_start", field="end")
    if data.retention and not level.is_state_secret:
        raise ValidationFailed("A 保密期限 applies only to 秘密, 机密 and 绝密.", key="events.retention_not_secret",
                               field="retention")
    return start, end


def _snapshot(e: Event) -> dict:
    return {"title": e.title, "kind": e.kind, "level": e.level, "retention": e.retention,
            "start": e.starts_at.isoformat(), "end": e.ends_at.isoformat(), "tz": e.tz, "venue_id": e.venue_id,
            "host_unit": e.host_unit, "relay_scope": e.relay_scope, "device_policy": e.device_policy,
            "foreign_participants": e.foreign_participants, "status": e.status}


def create_event(session: Session, data: EventInput, *, actor: Principal) -> Event:
    permissions.require(actor, "event.create")
    start, end = validate(data)
    if data.venue_id is not None and session.get(Venue, data.venue_id) is None:
        raise ValidationFailed("The chosen venue does not exist.", key="events.bad_venue", field="venue_id")
    ev = Event(title=data.title.strip(), kind=data.kind, level=Classification.parse(data.level).value,
               retention=data.retention.strip(), starts_at=start, ends_at=end, tz=data.tz,
               venue_id=data.venue_id, organizer_id=actor.id, host_unit=data.host_unit.strip(),
               relay_scope=data.relay_scope.strip(), device_policy=data.device_policy,
               foreign_participants=data.foreign_participants, facts=dict(data.facts), status="draft")
    session.add(ev)
    session.flush()
    audit.record(session, actor=actor.username, action="event.create", object_type="event", object_id=ev.id,
                 event_id=ev.id, after=_snapshot(ev))
    for hook in hooks.answers("event_changed", "created"):
        hook(session, ev, actor)
    return ev


def update_event(session: Session, event_id: int, data: EventInput, *, actor: Principal,
                 expected_version: int | None = None) -> Event:
    ev = get_event(session, event_id)
    _may_edit(ev, actor)
    if expected_version is not None and ev.version != expected_version:
        raise ConcurrentEdit("Someone else changed this event since you opened it. Reload and apply your change again.")
    if ev.status == "closed":
        raise InvalidTransition("A closed event cannot be edited.", key="events.closed")
    start, end = validate(data)
    before = _snapshot(ev)
    ev.title, ev.kind, ev.level = data.title.strip(), data.kind, Classification.parse(data.level).value
    ev.retention, ev.starts_at, ev.ends_at, ev.tz = data.retention.strip(), start, end, data.tz
    ev.venue_id, ev.host_unit, ev.relay_scope = data.venue_id, data.host_unit.strip(), data.relay_scope.strip()
    ev.device_policy, ev.foreign_participants = data.device_policy, data.foreign_participants
    ev.facts = {**(ev.facts or {}), **data.facts}
    ev.version += 1
    session.flush()
    after = _snapshot(ev)
    audit.record(session, actor=actor.username, action="event.update", object_type="event", object_id=ev.id,
                 event_id=ev.id, before=before, after=after)
    for hook in hooks.answers("event_changed", "updated"):
        hook(session, ev, actor)
    return ev


def may_edit(actor: Principal, ev: Event) -> bool:
    """The event's own organizer, or an admin, may change it (pages ask this to show or hide the controls)."""
    return permissions.allowed(actor, "event.edit", ev)


def _may_edit(ev: Event, actor: Principal) -> None:
    permissions.require(actor, "event.edit", ev)


def get_event(session: Session, event_id: int) -> Event:
    ev = session.get(Event, event_id)
    if ev is None:
        raise NotFound(f"No event with id {event_id}; `conclave events` lists them.", key="events.not_found",
                       id=event_id)
    return ev


def visible_events(session: Session, actor: Principal, *, status: str | None = None,
                   kind: str | None = None, text: str | None = None) -> list[Event]:
    """A user sees the events of their role: an organizer their own, a front desk those it can run,
    a leader and an admin all."""
    q = select(Event).order_by(Event.starts_at)
    if actor.role == "organizer":
        q = q.where(Event.organizer_id == actor.id)
    elif actor.role == "front_desk":
        q = q.where(Event.status.in_(("planned", "ready", "in_progress")))
    if status:
        q = q.where(Event.status == status)
    if kind:
        q = q.where(Event.kind == kind)
    if text:
        q = q.where(Event.title.contains(text.strip()))
    return list(session.scalars(q).unique())


def can_see(actor: Principal, ev: Event) -> bool:
    return permissions.allowed(actor, "event.see", ev)


def check_transition(session: Session, ev: Event, target: str) -> list[Finding]:
    """Findings that stop `ev` from entering `target` (empty list: it may)."""
    if target not in TRANSITIONS.get(ev.status, ()):
        return [Finding(rule="status", severity=Severity.BLOCKER, source="",
                        reason={"en": f"An event cannot go from {ev.status} to {target}.",
                                "zh_CN": f"活动不能从“{ev.status}”变为“{target}”。"})]
    out: list[Finding] = []
    for check in hooks.answers("gate", target):
        out.extend(f for f in check(session, ev) if f.severity == Severity.BLOCKER and not f.met)
    return out


def not_ready_findings(session: Session, ev: Event) -> list[Finding]:
    """Why the desk may not admit anyone to `ev` (issue 11): its status unless ready or under way, and every
    blocking finding of the readiness gate (venue, mandatory tasks, approvals)."""
    out: list[Finding] = []
    if ev.status not in ("ready", "in_progress"):
        out.append(Finding(rule="status", severity=Severity.BLOCKER, source="",
                           reason={lang: t("events.desk_status", lang, status=t(f"status.{ev.status}", lang))
                                   for lang in ("en", "zh_CN")}))
    for check in hooks.answers("gate", "ready"):
        out.extend(f for f in check(session, ev) if f.severity == Severity.BLOCKER and not f.met)
    return out


def transition(session: Session, event_id: int, target: str, *, actor: Principal) -> Event:
    ev = get_event(session, event_id)
    permissions.require(actor, "event.transition", ev)
    if target not in STATUSES:
        raise InvalidTransition(f"Unknown status {target!r}.", key="events.bad_status", status=target)
    blockers = check_transition(session, ev, target)
    if blockers:
        raise EventNotReady(blockers)
    before = ev.status
    ev.status = target
    ev.version += 1
    audit.record(session, actor=actor.username, action="event.status", object_type="event", object_id=ev.id,
                 event_id=ev.id, before={"status": before}, after={"status": target})
    return ev


def undo_last_edit(session: Session, event_id: int, *, actor: Principal) -> Event:
    """Undo the actor's last edit of this event, if nothing changed it since (read from the audit trail)."""
    import json

    from planners.store.models import AuditEntry

    ev = get_event(session, event_id)
    _may_edit(ev, actor)
    last = session.scalars(
        select(AuditEntry).where(AuditEntry.event_id == event_id, AuditEntry.object_type == "event",
                                 AuditEntry.action.in_(("event.update", "event.undo")))
        .order_by(AuditEntry.id.desc()).limit(1)).first()
    if last is None or last.action != "event.update" or last.actor != actor.username:
        raise InvalidTransition("There is no edit of yours to undo on this event.", key="events.nothing_to_undo")
    details = json.loads(last.details)
    if details.get("after") != _snapshot(ev):
        raise ConcurrentEdit("The event changed after your edit; undo is no longer possible. Edit it instead.")
    b = details["before"]
    before = _snapshot(ev)
    ev.title, ev.kind, ev.level, ev.retention, ev.tz = b["title"], b["kind"], b["level"], b["retention"], b["tz"]
    ev.starts_at = datetime.fromisoformat(b["start"])
    ev.ends_at = datetime.fromisoformat(b["end"])
    ev.venue_id, ev.host_unit, ev.relay_scope = b["venue_id"], b["host_unit"], b["relay_scope"]
    ev.device_policy, ev.foreign_participants = b["device_policy"], b["foreign_participants"]
    ev.version += 1
    session.flush()
    audit.record(session, actor=actor.username, action="event.undo", object_type="event", object_id=ev.id,
                 event_id=ev.id, before=before, after=_snapshot(ev))
    for hook in hooks.answers("event_changed", "updated"):
        hook(session, ev, actor)
    return ev
