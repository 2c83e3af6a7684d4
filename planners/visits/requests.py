"""Foreign-visit requests and their approval workflow.

State machine (the leader's comment is kept at each step):

    draft --submit--> submitted --approve--> approved
                      submitted --return---> returned --submit--> submitted
                      submitted --reject---> rejected (final)
    approved --edit--> submitted (a change to an approved request goes back to the leader)

A decision is taken through planners.base.approvals (kind `visit_request`): only a leader, never the submitter.
An approved visit creates its event (kind foreign_visit) as the request's organizer, with the delegation as
attendees, so that the plan, allow-list and check-in apply. An unannounced visit (突访) is logged at the front
desk in one step and goes to the leader at once.

Visit types and their limits follow F7 (N117.19(e)(2)): one-time ≤30 days; recurring and long-term ≤1 year."""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from planners.base import approvals, audit, auth, request_flow
from planners.base.auth import Principal
from planners.core.errors import InvalidTransition, NotFound, ValidationFailed
from planners.base.events import EventInput, create_event, local, to_utc, update_event, zone
from planners.core.findings import Finding, Severity
from planners.core.i18n import both
from planners.core.levels import ALL_LEVELS, Classification
from planners.core.clock import utcnow
from planners.store.models import Attendee, User
from planners.store.models_visits import VisitRequest
from planners.core import permissions
from planners.visits.tables import (  # noqa: F401  the rows and their text / table forms, offered here as before
    MEETING_COLUMNS, MEMBER_COLUMNS, PASSPORT_TYPES, ROUTE_COLUMNS, Meeting, Member, RoutePart, meeting_rows,
    meetings_from_rows, member_rows, members_from_rows, members_text, meetings_text, parse_meetings, parse_members,
    parse_route, route_from_rows, route_rows, route_text,
)

KIND = "visit_request"
VISIT_TYPES = ("one_time", "recurring", "long_term", "unannounced")
LEVELS = tuple(c.value for c in ALL_LEVELS if not c.is_state_secret)  # what a visit may be classified
MAX_DAYS = {"one_time": 30, "recurring": 366, "long_term": 366, "unannounced": 30}
STATUSES = ("draft", "submitted", "approved", "returned", "rejected")
# action -> {from status: to status}
TRANSITIONS: dict[str, dict[str, str]] = dict(request_flow.BASE_TRANSITIONS)
DECISION_ACTION = request_flow.DECISION_ACTION


def next_status(status: str, action: str) -> str:
    """The status after `action`, or InvalidTransition with the reason."""
    return request_flow.next_status(TRANSITIONS, status, action, key="visits.bad_transition", what="A visit request")


@dataclass(kw_only=True)
class VisitInput:
    title: str
    purpose: str
    visit_type: str
    start: datetime
    end: datetime
    tz: str = "Asia/Shanghai"
    level: str = "internal"
    venue_id: int | None = None
    host_unit: str = ""
    members: list[Member] = field(default_factory=list)
    route: list[RoutePart] = field(default_factory=list)
    meetings: list[Meeting] = field(default_factory=list)
    topics: list[str] = field(default_factory=list)
    photography_allowed: bool = False
    gifts: str = ""
    contacts: str = ""
    organizer_id: int | None = None  # the event's organizer; default: the actor when an organizer


# ---------------------------------------------------------------- validation

def validate(session: Session, data: VisitInput, *, now: datetime | None = None) -> tuple[datetime, datetime]:
    if not (data.title or "").strip():
        raise ValidationFailed("Give the visit a short non-secret title.", key="visits.title_required", field="title")
    if len(data.title.strip()) > 200:
        raise ValidationFailed("The title is longer than 200 characters.", key="visits.title_long", field="title")
    if data.visit_type not in VISIT_TYPES:
        raise ValidationFailed(f"Visit type must be one of {VISIT_TYPES}.", key="visits.bad_type", field="visit_type")
    try:
        level = Classification.parse(data.level)
    except ValueError as exc:
        raise ValidationFailed(str(exc), key="visits.bad_level", field="level") from exc
    if level.is_state_secret:  # 涉密不涉外: a visit received from foreign partners is never a state-secret event
        raise ValidationFailed("A foreign visit cannot be classified 秘密 or above: choose 内部 or 公开, and keep "
                               "state secrets out of it (approved disclosure scope).", key="visits.level_secret",
                               field="level")
    if data.start is None or data.end is None:
        raise ValidationFailed("Give the start and end of the visit.", key="visits.dates_required", field="start")
    zone(data.tz)
    start, end = to_utc(data.start, data.tz), to_utc(data.end, data.tz)
    now = now or utcnow()
    if end <= start:
        raise ValidationFailed("The visit ends before it starts: correct the end date.", key="visits.reversed",
                               field="end")
    if data.visit_type != "unannounced" and start < now - timedelta(minutes=5):
        raise ValidationFailed("The visit starts in the past: a request is made before the visit.",
                               key="visits.past", field="start")
    limit = MAX_DAYS[data.visit_type]
    if end - start > timedelta(days=limit):
        raise ValidationFailed(f"A {data.visit_type} visit lasts at most {limit} days (F7); split it or choose "
                               "another visit type.", key="visits.too_long", field="end", days=limit)
    if not data.members:
        raise ValidationFailed("List at least one member of the delegation.", key="visits.members_required",
                               field="members")
    for i, m in enumerate(data.members, 1):
        if not m.name.strip() or not m.nationality.strip():
            raise ValidationFailed(f"Member {i}: name and nationality are required.",
                                   key="visits.member_incomplete", field="members", line=i)
        if m.passport_type not in PASSPORT_TYPES:
            raise ValidationFailed(f"Member {i}: passport type must be one of {PASSPORT_TYPES}.",
                                   key="visits.bad_passport_type", field="members", line=i)
        digits = m.passport_last4.strip()
        if digits and (len(digits) > 4 or not digits.isalnum()):
            raise ValidationFailed(f"Member {i}: record only the last 4 characters of the passport number, "
                                   "never the full number.", key="visits.passport_full", field="members", line=i)
    for i, p in enumerate(data.route, 1):
        if not p.place.strip():
            raise ValidationFailed(f"Route part {i} needs a place.", key="visits.route_place", field="route", line=i)
    from planners.visits.disclosure import topics as all_topics

    known = all_topics(session)
    unknown = [t for t in data.topics if t not in known]
    if unknown:
        raise ValidationFailed(f"Unknown topic(s) {unknown}: add them to the catalogue first.",
                               key="visits.unknown_topic", field="topics", topics=", ".join(unknown))
    return start, end


def _apply(v: VisitRequest, data: VisitInput, start: datetime, end: datetime) -> None:
    v.title, v.purpose, v.visit_type = data.title.strip(), data.purpose.strip(), data.visit_type
    v.level = Classification.parse(data.level).value
    v.starts_at, v.ends_at, v.tz = start, end, data.tz
    v.venue_id, v.host_unit = data.venue_id, data.host_unit.strip()
    v.members = [{"name": m.name.strip(), "nationality": m.nationality.strip().upper(),
                  "organisation": m.organisation.strip(), "post": m.post.strip(),
                  "passport_type": m.passport_type, "passport_last4": m.passport_last4.strip()}
                 for m in data.members]
    v.route = [{"place": p.place.strip(), "host": p.host.strip(), "escort": p.escort.strip(),
                "location_id": p.location_id} for p in data.route]

    v.meetings = [{"with": m.with_whom.strip(), "topic": m.topic.strip()} for m in data.meetings]
    v.topics = list(dict.fromkeys(data.topics))
    v.photography_allowed, v.gifts, v.contacts = bool(data.photography_allowed), data.gifts.strip(), data.contacts.strip()


def _check_route(session: Session, v: VisitRequest) -> None:
    """Issue 12: every stop checked against the key locations register and the staff (planners.visits.locations);
    the route is stored in its structured form and the visit knows whether it passes a key location."""
    from planners.visits.locations import check_route, stops_of

    rows, passes = check_route(session, v, stops_of(v))
    v.route = rows
    v.facts = {**(v.facts or {}), "route_key_location": passes}

def snapshot(v: VisitRequest) -> dict:
    return {"title": v.title, "purpose": v.purpose, "visit_type": v.visit_type, "level": v.level,
            "start": v.starts_at.isoformat(), "end": v.ends_at.isoformat(), "tz": v.tz,
            "members": len(v.members or []), "route": v.route, "meetings": v.meetings, "topics": v.topics,
            "photography_allowed": v.photography_allowed, "gifts": v.gifts, "status": v.status}


def _organizer_for(session: Session, data: VisitInput, actor: Principal) -> int:
    return request_flow.organizer_for(session, data.organizer_id, actor, key="visits.organizer_required",
                                      what="visit")


# ---------------------------------------------------------------- commands

def create(session: Session, data: VisitInput, *, actor: Principal, now: datetime | None = None) -> VisitRequest:
    permissions.require(actor, "visit.create")
    if data.visit_type == "unannounced":
        raise ValidationFailed("An unannounced visit is logged at the front desk.", key="visits.unannounced_desk",
                               field="visit_type")
    start, end = validate(session, data, now=now)
    v = VisitRequest(organizer_id=_organizer_for(session, data, actor), created_by=actor.username, status="draft",
                     facts={})
    _apply(v, data, start, end)
    _check_route(session, v)
    session.add(v)
    session.flush()
    audit.record(session, actor=actor.username, action="visit.create", object_type="visit", object_id=v.id,
                 after=snapshot(v))
    return v


def get(session: Session, visit_id: int) -> VisitRequest:
    v = session.get(VisitRequest, visit_id)
    if v is None:
        raise NotFound(f"No visit request {visit_id}.", key="visits.not_found", id=visit_id)
    return v


def _may_edit(v: VisitRequest, actor: Principal) -> None:
    permissions.require(actor, "visit.edit", v)


def update(session: Session, visit_id: int, data: VisitInput, *, actor: Principal,
           expected_version: int | None = None, now: datetime | None = None) -> VisitRequest:
    """Change a draft or returned request; a change to an approved request sends it back to the leader."""
    v = get(session, visit_id)
    _may_edit(v, actor)
    request_flow.check_version(v, expected_version, key="visits.concurrent_edit", what="request")
    to = next_status(v.status, "edit")
    if data.visit_type == "unannounced" and v.visit_type != "unannounced":
        raise ValidationFailed("An unannounced visit is logged at the front desk.", key="visits.unannounced_desk",
                               field="visit_type")
    start, end = validate(session, data, now=now)
    before = snapshot(v)
    _apply(v, data, start, end)
    _check_route(session, v)
    if data.organizer_id:
        v.organizer_id = _organizer_for(session, data, actor)
    v.version += 1
    session.flush()
    audit.record(session, actor=actor.username, action="visit.update", object_type="visit", object_id=v.id,
                 event_id=v.event_id, before=before, after=snapshot(v))
    if to != v.status:  # approved -> back to the leader
        _send(session, v, actor, comment="")
    return v


def findings_for(v: VisitRequest) -> list[Finding]:
    """Why the request needs a leader (P4: receive foreign visitors only with approval) and what to look at."""
    out = [Finding(rule="FV1", severity=Severity.INFO, source="F3 practice P4: receive foreign visitors only "
                   "with approval", reason=both("visits.finding_approval", n=len(v.members or []),
                                               nationalities=", ".join(sorted({m["nationality"]
                                                                               for m in v.members or []}))))]
    if v.visit_type == "unannounced":
        out.append(Finding(rule="FV2", severity=Severity.WARNING, source="F3 (project's own proposal: the seed's "
                           "rule was not found in any source)", reason=both("visits.finding_unannounced")))
    if v.visit_type == "long_term":
        out.append(Finding(rule="FV3", severity=Severity.WARNING, source="N117.19(e)(4) (F7)",
                           reason=both("visits.finding_long_term")))
    if v.photography_allowed:
        out.append(Finding(rule="FV4", severity=Severity.WARNING, source="F3 practice P4: fixed areas and routes",
                           reason=both("visits.finding_photography")))
    if not v.route:
        out.append(Finding(rule="FV5", severity=Severity.WARNING, source="F3 practice P4: fixed areas and routes, "
                           "escorted", reason=both("visits.finding_no_route")))
    return out


def payload(v: VisitRequest, session: Session | None = None) -> dict:
    s, e = local(v.starts_at, v.tz), local(v.ends_at, v.tz)
    from planners.visits.disclosure import topics as all_topics
    from planners.core.i18n import t

    cat = all_topics(session) if session is not None else {}
    return {"visit_type": f"{t(f'visits.type_{v.visit_type}', 'zh_CN')} / {t(f'visits.type_{v.visit_type}', 'en')}",
            "dates": f"{s:%Y-%m-%d %H:%M} – {e:%Y-%m-%d %H:%M} ({v.tz})",
            "purpose": v.purpose, "delegation": "; ".join(f"{m['name']} ({m['nationality']}, {m['organisation']})"
                                                          for m in v.members or []),
            "route": " → ".join(p["place"] for p in v.route or []),
            "meetings": "; ".join(f"{m['with']}: {m['topic']}" for m in v.meetings or []),
            "topics": "; ".join(cat[c].label("zh_CN") if c in cat else c for c in v.topics or []), "photography": "yes" if v.photography_allowed else "no",
            "gifts": v.gifts}


def _send(session: Session, v: VisitRequest, actor: Principal, comment: str) -> None:
    before = v.status
    v.status = "submitted"
    approvals.request(session, kind=KIND, object_type="visit", object_id=v.id, event_id=v.event_id,
                      title=both("visits.approval_title", title=v.title), requested_by=actor,
                      findings=findings_for(v), payload=payload(v, session), comment=comment)
    audit.record(session, actor=actor.username, action="visit.submit", object_type="visit", object_id=v.id,
                 event_id=v.event_id, before={"status": before}, after={"status": "submitted"})
    from planners.visits.disclosure import submit_with_request

    submit_with_request(session, v, actor, comment)  # issue 16: the scope goes with it, decided together


def submit(session: Session, visit_id: int, *, actor: Principal, comment: str = "") -> VisitRequest:
    v = get(session, visit_id)
    _may_edit(v, actor)
    next_status(v.status, "submit")
    _send(session, v, actor, comment)
    return v


def pending_item(session: Session, v: VisitRequest):
    return request_flow.pending_item(session, KIND, "visit", v.id)


def decide(session: Session, visit_id: int, decision: str, *, leader: Principal, comment: str = "") -> VisitRequest:
    """A leader decides a submitted request (approved / returned / rejected) through the approvals queue."""
    return request_flow.decide(session, get(session, visit_id), decision, kind=KIND, object_type="visit",
                               transitions=TRANSITIONS, key="visits.bad_transition", what="A visit request",
                               noun="request", leader=leader, comment=comment)


def apply_decision(session: Session, item, leader: Principal) -> None:
    v = session.get(VisitRequest, int(item.object_id))
    if v is None:
        return
    before = v.status
    v.status = next_status(v.status, DECISION_ACTION[item.status])
    v.last_comment = item.comment
    audit.record(session, actor=leader.username, action=f"visit.{item.status}", object_type="visit",
                 object_id=v.id, event_id=v.event_id, before={"status": before}, after={"status": v.status},
                 comment=item.comment)
    if v.status == "approved":
        make_event(session, v)


def make_event(session: Session, v: VisitRequest):
    """Create (or bring up to date) the visit's event, as the request's organizer, and its visitors."""
    organizer = auth.principal(session.get(User, v.organizer_id))
    data = EventInput(title=v.title, kind="foreign_visit", level=v.level, start=local(v.starts_at, v.tz),
                      end=local(v.ends_at, v.tz), tz=v.tz, venue_id=v.venue_id, host_unit=v.host_unit,
                      device_policy="approved_only", foreign_participants=True,
                      facts={"visit_id": v.id, "visit_type": v.visit_type,  # issue 12: what the plan reads
                             "route_key_location": bool((v.facts or {}).get("route_key_location"))})
    from planners.store.models import Event

    ev = session.get(Event, v.event_id) if v.event_id else None
    if ev is None:
        ev = create_event(session, data, actor=organizer)
        v.event_id = ev.id
    elif ev.status != "closed":
        data.venue_id = v.venue_id if v.venue_id is not None else ev.venue_id
        data.device_policy, data.relay_scope = ev.device_policy, ev.relay_scope
        data.retention = ev.retention
        if (ev.facts or {}).get("visit_id") != v.id or _event_differs(ev, v, data.venue_id):
            ev = update_event(session, ev.id, data, actor=organizer)
    existing = {(a.name, a.id_last4) for a in session.scalars(select(Attendee).where(Attendee.event_id == ev.id))}
    added = 0
    for m in v.members or []:
        if (m["name"], m["passport_last4"]) in existing:
            continue
        session.add(Attendee(event_id=ev.id, name=m["name"], unit=m.get("organisation", ""), post=m.get("post", ""),
                             id_type="passport", id_last4=m.get("passport_last4", ""), nationality=m["nationality"],
                             event_role="visitor", designated_by=f"visit request #{v.id}"))
        added += 1
    session.flush()
    if added:
        audit.record(session, actor=organizer.username, action="attendees.import", object_type="event",
                     object_id=ev.id, event_id=ev.id, count=added, source=f"visit:{v.id}")
    from planners.visits.locations import sync_event

    sync_event(session, v, organizer.username)
    return ev


def _event_differs(ev, v: VisitRequest, venue_id) -> bool:
    return (ev.title, ev.level, ev.starts_at, ev.ends_at, ev.tz, ev.venue_id, ev.host_unit) != \
        (v.title, v.level, v.starts_at, v.ends_at, v.tz, venue_id, v.host_unit)


def log_unannounced(session: Session, *, actor: Principal, title: str, members: list[Member], purpose: str,
                    organizer_id: int, hours: float = 2.0, tz: str = "Asia/Shanghai", host_unit: str = "",
                    now: datetime | None = None) -> VisitRequest:
    """突访: the front desk logs an unannounced visit in one step; it goes to the leader at once."""
    permissions.require(actor, "visit.log_unannounced")
    if not hours or hours <= 0 or hours > 24:
        raise ValidationFailed("Give the expected length of the visit in hours (up to 24).",
                               key="visits.bad_hours", field="hours")
    start_local = local(now or utcnow(), tz).replace(second=0, microsecond=0)
    data = VisitInput(title=title, purpose=purpose, visit_type="unannounced", start=start_local,
                      end=start_local + timedelta(hours=hours), tz=tz, members=members, host_unit=host_unit,
                      organizer_id=organizer_id)
    start, end = validate(session, data, now=now)
    v = VisitRequest(organizer_id=_organizer_for(session, data, actor), created_by=actor.username, status="draft",
                     facts={"logged_at_desk": True})
    _apply(v, data, start, end)
    session.add(v)
    session.flush()
    audit.record(session, actor=actor.username, action="visit.unannounced", object_type="visit", object_id=v.id,
                 after=snapshot(v))
    _send(session, v, actor, comment="")
    return v


def organizers(session: Session) -> list[User]:
    """The accounts that may be responsible for a visit (and become its event's organizer)."""
    return list(session.scalars(select(User).where(User.role == "organizer", User.active.is_(True))
                                .order_by(User.id)))


def visible(session: Session, actor: Principal) -> list[VisitRequest]:
    q = select(VisitRequest).order_by(VisitRequest.starts_at, VisitRequest.id)
    if actor.role == "organizer":
        q = q.where((VisitRequest.organizer_id == actor.id) | (VisitRequest.created_by == actor.username))
    elif actor.role == "front_desk":
        q = q.where(VisitRequest.created_by == actor.username)
    return list(session.scalars(q))


def by_event(session: Session, event_id: int) -> VisitRequest:
    v = session.scalar(select(VisitRequest).where(VisitRequest.event_id == event_id)
                       .order_by(VisitRequest.id.desc()).limit(1))
    if v is None:
        raise NotFound(f"No visit request belongs to event {event_id}; `conclave events` lists the events.",
                       key="visits.no_visit_for_event", id=event_id)
    return v


def history(session: Session, v: VisitRequest):
    out = []
    for item in approvals.for_object(session, "visit", v.id):
        out.extend(approvals.history(session, item.id))
    return sorted(out, key=lambda s: (s.at, s.id))


from planners.base.home import Attention  # noqa: E402


def returned_to_me(session: Session, me: Principal) -> list[Attention]:
    """An organizer sees the requests a leader returned or rejected, with the leader's comment."""
    if me.role not in ("organizer", "front_desk"):
        return []
    return [Attention(color="orange" if v.status == "returned" else "red", page="visits",
                      text=both(f"visits.home_{v.status}", title=v.title, comment=v.last_comment),
                      event_id=v.event_id)
            for v in visible(session, me) if v.status in ("returned", "rejected") and
            (v.updated_at or v.created_at) >= utcnow() - timedelta(days=30)]
