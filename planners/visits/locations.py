"""Key departments and locations (要害部门部位), the unit's staff who may escort, and a visit's route.

The register: an organizer proposes a location (name, level, responsible person, "no foreign visitors"), a change
or its retirement; nothing takes effect until a leader approves it through the leader queue (kind `key_location`,
answered in planners/wiring.py by `apply_location_decision`).

The route: a list of stops {place, location_id, host, escort, escort_user}. Every stop has an escort from the
unit's staff (`check_escort`, the one place that says who is staff: today the active accounts; later the people
register). A stop at a key location barred to foreign visitors is refused (KeyLocationOnRoute, with the rule and
its source) unless a leader granted an exception for that visit and location (kind `key_location_exception`).
The event's facts say whether the route passes a key location, so the plan adds the measures it needs (VB4.1)."""
from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from planners.base import approvals, audit
from planners.base.auth import Principal
from planners.core import permissions
from planners.core.clock import utcnow
from planners.core.errors import (EscortForeign, EscortNotStaff, InvalidTransition, KeyLocationOnRoute, NotFound,
                                  ValidationFailed)
from planners.core.findings import Finding, Severity
from planners.core.i18n import both
from planners.core.levels import Classification
from planners.store.models import Event, User
from planners.store.models_visits import KeyLocation, VisitRequest
from planners.visits.disclosure import check as rule_check

KIND = "key_location"
EXCEPTION_KIND = "key_location_exception"
VISIT_KIND = "visit_request"  # planners.visits.requests.KIND (that module imports this one)
STATUSES = ("proposed", "active", "retired", "rejected")


# ---------------------------------------------------------------- the register

@dataclass(kw_only=True)
class LocationInput:
    name: str
    level: str = "internal"
    responsible: str = ""
    no_foreign_visitors: bool = True


def _values(data: LocationInput) -> dict:
    name = (data.name or "").strip()
    if not name:
        raise ValidationFailed("Give the key location a name.", key="vplan.keyloc_name_required", field="name")
    if len(name) > 200:
        raise ValidationFailed("The name is longer than 200 characters.", key="vplan.keyloc_name_long", field="name")
    try:
        level = Classification.parse(data.level).value
    except ValueError as exc:
        raise ValidationFailed(str(exc), key="vplan.keyloc_bad_level", field="level") from exc
    if not (data.responsible or "").strip():
        raise ValidationFailed("Name the person responsible for the location.", key="vplan.keyloc_responsible",
                               field="responsible")
    return {"name": name, "level": level, "responsible": data.responsible.strip()[:200],
            "no_foreign_visitors": bool(data.no_foreign_visitors)}


def _snapshot(loc: KeyLocation) -> dict:
    return {"name": loc.name, "level": loc.level, "responsible": loc.responsible,
            "no_foreign_visitors": loc.no_foreign_visitors, "status": loc.status}


def _ask(session: Session, loc: KeyLocation, op: str, actor: Principal, values: dict | None = None) -> None:
    if loc.pending:
        raise InvalidTransition("A change of this location waits for the leader; wait for the decision.",
                                key="vplan.keyloc_waiting")
    loc.pending = {"op": op, "values": values or {}}
    session.flush()
    shown = {**_snapshot(loc), **(values or {})}
    approvals.request(session, kind=KIND, object_type="key_location", object_id=loc.id, requested_by=actor,
                      title=both(f"vplan.keyloc_approval_{op}", name=shown["name"]),
                      payload={"op": op, "name": shown["name"], "level": Classification.parse(shown["level"])
                               .label("zh_CN"), "responsible": shown["responsible"],
                               "no_foreign_visitors": "yes" if shown["no_foreign_visitors"] else "no"})
    audit.record(session, actor=actor.username, action=f"keyloc.{op}_requested", object_type="key_location",
                 object_id=loc.id, before=_snapshot(loc), after=shown)


def propose_location(session: Session, data: LocationInput, *, actor: Principal) -> KeyLocation:
    """A new key location, waiting for the leader's approval."""
    permissions.require(actor, "keyloc.edit")
    values = _values(data)
    if session.scalar(select(KeyLocation).where(KeyLocation.name == values["name"])):
        raise ValidationFailed(f"A key location named {values['name']!r} exists already.",
                               key="vplan.keyloc_name_taken", field="name", name=values["name"])
    loc = KeyLocation(status="proposed", created_by=actor.username, **values)
    session.add(loc)
    session.flush()
    _ask(session, loc, "create", actor)
    return loc


def change_location(session: Session, location_id: int, data: LocationInput, *, actor: Principal) -> KeyLocation:
    permissions.require(actor, "keyloc.edit")
    loc = get_location(session, location_id)
    if loc.status != "active":
        raise InvalidTransition("Only an active key location is changed.", key="vplan.keyloc_not_active")
    values = _values(data)
    other = session.scalar(select(KeyLocation).where(KeyLocation.name == values["name"], KeyLocation.id != loc.id))
    if other is not None:
        raise ValidationFailed(f"A key location named {values['name']!r} exists already.",
                               key="vplan.keyloc_name_taken", field="name", name=values["name"])
    _ask(session, loc, "update", actor, values)
    return loc


def retire_location(session: Session, location_id: int, *, actor: Principal) -> KeyLocation:
    permissions.require(actor, "keyloc.edit")
    loc = get_location(session, location_id)
    if loc.status != "active":
        raise InvalidTransition("Only an active key location is retired.", key="vplan.keyloc_not_active")
    _ask(session, loc, "retire", actor)
    return loc


def apply_location_decision(session: Session, item, leader: Principal) -> None:
    """`on_decision` for kind key_location: an approved change takes effect, anything else is dropped."""
    loc = session.get(KeyLocation, int(item.object_id))
    if loc is None or not loc.pending:
        return
    before = _snapshot(loc)
    op, values = loc.pending.get("op"), loc.pending.get("values") or {}
    if item.status == "approved":
        if op == "create":
            loc.status = "active"
        elif op == "update":
            for k, v in values.items():
                setattr(loc, k, v)
        elif op == "retire":
            loc.status = "retired"
        loc.version += 1
    elif op == "create" and item.status == "rejected":
        loc.status = "rejected"
    if item.status in ("approved", "rejected") or op != "create":
        loc.pending = None
    if item.status == "returned" and op == "create":
        loc.pending = None  # the organizer proposes it again (a new request) after the change asked for
    loc.decided_by = leader.username
    session.flush()
    audit.record(session, actor=leader.username, action=f"keyloc.{op}_{item.status}", object_type="key_location",
                 object_id=loc.id, before=before, after=_snapshot(loc), comment=item.comment)


def get_location(session: Session, location_id: int) -> KeyLocation:
    loc = session.get(KeyLocation, location_id)
    if loc is None:
        raise NotFound(f"No key location {location_id}; `conclave locations` lists them.",
                       key="vplan.keyloc_not_found", id=location_id)
    return loc


def locations(session: Session, *, include_inactive: bool = False) -> list[KeyLocation]:
    q = select(KeyLocation).order_by(KeyLocation.name)
    if not include_inactive:
        q = q.where(KeyLocation.status == "active")
    return list(session.scalars(q))


def location_rows(session: Session, *, include_inactive: bool = True) -> list[dict]:
    """The register as plain rows (CLI --json, the page's table)."""
    return [{"id": x.id, "name": x.name, "level": x.level, "responsible": x.responsible,
             "no_foreign_visitors": x.no_foreign_visitors, "status": x.status,
             "pending": (x.pending or {}).get("op") or ""}
            for x in locations(session, include_inactive=include_inactive)]


# ---------------------------------------------------------------- staff who may escort

@dataclass(frozen=True, kw_only=True)
class StaffMember:
    username: str
    name: str
    foreign: bool = False


def _base_name(display: str) -> str:
    for sep in ("（", "("):
        display = display.split(sep)[0]
    return display.strip()


def unit_staff(session: Session) -> list[StaffMember]:
    """The unit's staff as it exists today: the active accounts (the people register replaces this later)."""
    return [StaffMember(username=u.username, name=_base_name(u.display_name or u.username) or u.username)
            for u in session.scalars(select(User).where(User.active.is_(True)).order_by(User.id))]


def check_escort(session: Session, escort: str, v, *, line: int) -> StaffMember:
    """The staff member named as escort of stop `line`, or EscortNotStaff / EscortForeign (rule VIS-ESCORT)."""
    c = rule_check("escort_staff")
    who = (escort or "").strip()
    if not who:
        raise EscortNotStaff(f"Stop {line} has no escort: name one of the unit's staff.", field="escort", line=line,
                             escort="—", rule=c["id"], source=c["source"])
    members = {m["name"].strip().lower() for m in v.members or []}
    if who.lower() in members:
        raise EscortForeign(f"Stop {line}: {who} is a member of the delegation and cannot escort it.",
                            field="escort", line=line, escort=who, rule=c["id"], source=c["source"])
    for s in unit_staff(session):
        if who in (s.username, s.name) or _base_name(who) == s.name:
            if s.foreign:
                raise EscortForeign(f"Stop {line}: {who} is not a PRC national and cannot escort.", field="escort",
                                    line=line, escort=who, rule=c["id"], source=c["source"])
            return s
    raise EscortNotStaff(f"Stop {line}: {who} is not on the unit's staff; choose an escort from the staff list.",
                         field="escort", line=line, escort=who, rule=c["id"], source=c["source"])


# ---------------------------------------------------------------- the route

@dataclass(kw_only=True)
class RouteStop:
    place: str
    location_id: int | None = None
    host: str = ""
    escort: str = ""  # a staff member's account name or name


def _exceptions(v: VisitRequest) -> dict:
    return dict((v.facts or {}).get("location_exceptions") or {})


def key_location_of(session: Session, place: str, location_id: int | None) -> KeyLocation | None:
    """The active key location a stop is at: the one chosen, or one whose name the place contains."""
    active = locations(session)
    if location_id is not None:
        return next((x for x in active if x.id == location_id), None)
    text = (place or "").strip().lower()
    return next((x for x in active if x.name.strip().lower() in text), None) if text else None


def check_stop(session: Session, v: VisitRequest, stop: RouteStop, line: int) -> tuple[dict, KeyLocation | None]:
    """One stop checked: the stored form, and the key location it is at (None). Raises what refuses it."""
    place = (stop.place or "").strip()
    if not place:
        raise ValidationFailed(f"Route stop {line} needs a place.", key="visits.route_place", field="route", line=line)
    if stop.location_id is not None and session.get(KeyLocation, stop.location_id) is None:
        raise ValidationFailed(f"Route stop {line}: no key location {stop.location_id}.", key="vplan.keyloc_not_found",
                               field="route", id=stop.location_id)
    loc = key_location_of(session, place, stop.location_id)
    if loc is not None and loc.no_foreign_visitors and str(loc.id) not in _exceptions(v):
        c = rule_check("key_location_on_route")
        raise KeyLocationOnRoute(
            f"Route stop {line} ({place}) is at the key location {loc.name}, which foreign visitors may not enter "
            f"(rule {c['id']}, {c['source']}). Remove the stop or ask a leader for an exception.",
            field="route", line=line, place=place, location=loc.name, rule=c["id"], source=c["source"])
    staff = check_escort(session, stop.escort, v, line=line)
    return ({"place": place, "location_id": loc.id if loc else None, "host": (stop.host or "").strip(),
             "escort": staff.name, "escort_user": staff.username}, loc)


def check_route(session: Session, v: VisitRequest, stops: list[RouteStop]) -> tuple[list[dict], bool]:
    """The route as stored, and whether it passes a key location (allowed or under an exception)."""
    out, passes = [], False
    for i, stop in enumerate(stops, 1):
        row, loc = check_stop(session, v, stop, i)
        out.append(row)
        passes = passes or loc is not None
    return out, passes


def stops_of(v: VisitRequest) -> list[RouteStop]:
    return [RouteStop(place=p.get("place", ""), location_id=p.get("location_id"), host=p.get("host", ""),
                      escort=p.get("escort_user") or p.get("escort", "")) for p in v.route or []]


def sync_event(session: Session, v: VisitRequest, actor: str) -> None:
    """The visit's event carries the facts the plan reads (visit type, route through a key location); a change
    rebuilds the plan (planners/wiring.py: event_changed is not asked, the plan is rebuilt here)."""
    if not v.event_id:
        return
    ev = session.get(Event, v.event_id)
    if ev is None or ev.status == "closed":
        return
    facts = dict(ev.facts or {})
    new = {"visit_id": v.id, "visit_type": v.visit_type,
           "route_key_location": bool((v.facts or {}).get("route_key_location"))}
    if any(facts.get(k) != val for k, val in new.items()):
        ev.facts = {**facts, **new}
        session.flush()
        from planners.plan.build import build_plan

        build_plan(session, ev.id, actor=actor)


def set_route(session: Session, visit_id: int, stops: list[RouteStop], *, actor: Principal) -> VisitRequest:
    """Fix the visit's route (every stop with an escort; no key location barred to visitors without an
    exception). Audited; the event's plan follows."""
    v = session.get(VisitRequest, visit_id)
    if v is None:
        raise NotFound(f"No visit request {visit_id}.", key="visits.not_found", id=visit_id)
    permissions.require(actor, "visit.route", v)
    if v.status == "rejected":
        raise InvalidTransition("The request was rejected; its route cannot change.", key="visits.bad_transition",
                                status=v.status, action="edit")
    if not stops:
        raise ValidationFailed("The route needs at least one stop.", key="vplan.route_empty", field="route")
    before = list(v.route or [])
    route, passes = check_route(session, v, stops)
    v.route = route
    v.facts = {**(v.facts or {}), "route_key_location": passes, "route_fixed_by": actor.username,
               "route_fixed_at": utcnow().isoformat(timespec="seconds")}
    v.version += 1
    session.flush()
    audit.record(session, actor=actor.username, action="visit.route_set", object_type="visit", object_id=v.id,
                 event_id=v.event_id, before=before, after=route, key_location=passes)
    _back_to_leader(session, v, before, route, actor)
    sync_event(session, v, actor.username)
    return v


def _stop_text(p: dict) -> str:
    return f"{p.get('place', '')} ({p.get('host') or '—'} / {p.get('escort') or '—'})"


def route_change(before: list[dict], after: list[dict]) -> dict[str, str]:
    """What changed between two routes, in both languages: the stops added, removed, and with another host or escort."""
    def key(p):
        return (p.get("place", ""), p.get("location_id"))
    old, new = {key(p): p for p in before}, {key(p): p for p in after}
    added = [_stop_text(p) for k, p in new.items() if k not in old]
    removed = [_stop_text(p) for k, p in old.items() if k not in new]
    changed = [f"{_stop_text(old[k])} → {_stop_text(p)}" for k, p in new.items()
               if k in old and (old[k].get("host"), old[k].get("escort")) != (p.get("host"), p.get("escort"))]
    reordered = not (added or removed) and [key(p) for p in before] != [key(p) for p in after]
    parts = {"en": [], "zh_CN": []}
    for name, rows in (("added", added), ("removed", removed), ("changed", changed)):
        if rows:
            for lang in parts:
                parts[lang].append(both(f"vduring.route_{name}", stops="; ".join(rows))[lang])
    if reordered:
        for lang in parts:
            parts[lang].append(both("vduring.route_reordered")[lang])
    if not any(parts.values()):
        return both("vduring.route_unchanged")
    return {"en": " ".join(parts["en"]), "zh_CN": "".join(parts["zh_CN"])}


def _back_to_leader(session: Session, v: VisitRequest, before: list[dict], after: list[dict],
                    actor: Principal) -> None:
    """Gap 1 of issue 12: a new route of an approved request goes back to the leader (the approved item superseded,
    the request queued again with what changed); a route changed while the leader has it is resubmitted with it."""
    if v.status not in ("approved", "submitted") or before == after:
        return
    item = approvals.latest_for(session, VISIT_KIND, "visit", v.id)
    if item is None:
        return
    change = route_change(before, after)
    if v.status == "approved" and item.status == "approved":
        approvals.supersede(session, item, actor=actor.username, why=change["zh_CN"])
    prior = v.status
    v.status = "submitted"
    # what the leader read last time, with the new route and what changed (the request's own fields did not change)
    pay = {**(item.payload or {}), "route": " → ".join(p["place"] for p in after),
           "route_change": f"{change['zh_CN']} / {change['en']}"}
    findings = [Finding(rule=f.get("rule", ""), severity=Severity(f.get("severity", "info")),
                        reason=f.get("reason", {}), source=f.get("source", ""), met=f.get("met", False))
                for f in item.findings or [] if f.get("rule") != "FV5"]
    approvals.request(session, kind=VISIT_KIND, object_type="visit", object_id=v.id, event_id=v.event_id,
                      title=item.title or both("visits.approval_title", title=v.title), requested_by=actor,
                      findings=findings, payload=pay, comment=change["zh_CN"])
    audit.record(session, actor=actor.username, action="visit.submit", object_type="visit", object_id=v.id,
                 event_id=v.event_id, before={"status": prior}, after={"status": "submitted"},
                 why="route_changed", change=change)


def set_route_or_record(session: Session, visit_id: int, stops: list[RouteStop], *,
                        actor: Principal) -> KeyLocationOnRoute | None:
    """Like set_route, but a stop refused at a key location is recorded on the visit (the route keeps its last
    accepted form) and the refusal returned: the organizer and the leader see what was tried and why not."""
    try:
        with session.begin_nested():
            set_route(session, visit_id, stops, actor=actor)
        return None
    except KeyLocationOnRoute as exc:
        v = session.get(VisitRequest, visit_id)
        entry = {"place": exc.params.get("place"), "location": exc.params.get("location"),
                 "rule": exc.params.get("rule"), "source": exc.params.get("source"), "by": actor.username,
                 "at": utcnow().isoformat(timespec="seconds")}
        v.facts = {**(v.facts or {}), "route_refusals": list((v.facts or {}).get("route_refusals") or []) + [entry]}
        session.flush()
        audit.record(session, actor=actor.username, action="visit.route_refused", object_type="visit",
                     object_id=v.id, event_id=v.event_id, **entry)
        return exc


def route_refusals(v: VisitRequest) -> list[dict]:
    return list((v.facts or {}).get("route_refusals") or [])


# ---------------------------------------------------------------- exceptions for one visit

def request_exception(session: Session, visit_id: int, location_id: int, *, reason: str,
                      actor: Principal):
    """Ask a leader to let this visit's route pass a key location barred to foreign visitors."""
    v = session.get(VisitRequest, visit_id)
    if v is None:
        raise NotFound(f"No visit request {visit_id}.", key="visits.not_found", id=visit_id)
    permissions.require(actor, "visit.route", v)
    loc = get_location(session, location_id)
    if not (reason or "").strip():
        raise ValidationFailed("Say why the visitors must pass this location.", key="vplan.exception_reason",
                               field="reason")
    c = rule_check("key_location_on_route")
    finding = Finding(rule=c["id"], severity=Severity.WARNING, source=c["source"],
                      reason=both("vplan.exception_finding", location=loc.name, reason=reason.strip()))
    item = approvals.request(session, kind=EXCEPTION_KIND, object_type="visit_key_location",
                             object_id=f"{v.id}:{loc.id}", event_id=v.event_id, requested_by=actor,
                             title=both("vplan.exception_title", title=v.title, location=loc.name),
                             findings=[finding], payload={"visit": v.title, "location": loc.name,
                                                          "reason": reason.strip()})
    audit.record(session, actor=actor.username, action="visit.keyloc_exception_requested", object_type="visit",
                 object_id=v.id, event_id=v.event_id, location=loc.name)
    return item


def apply_exception_decision(session: Session, item, leader: Principal) -> None:
    """`on_decision` for kind key_location_exception: an approved exception is kept on the visit."""
    visit_id, _, loc_id = str(item.object_id).partition(":")
    v = session.get(VisitRequest, int(visit_id))
    if v is None:
        return
    if item.status == "approved":
        ex = _exceptions(v)
        ex[loc_id] = {"by": leader.username, "at": utcnow().isoformat(timespec="seconds"), "comment": item.comment}
        v.facts = {**(v.facts or {}), "location_exceptions": ex}
        session.flush()
    audit.record(session, actor=leader.username, action=f"visit.keyloc_exception_{item.status}", object_type="visit",
                 object_id=v.id, event_id=v.event_id, location=loc_id, comment=item.comment)


# ---------------------------------------------------------------- each host briefed (plan task VB6)

def hosts(v: VisitRequest) -> list[str]:
    """The named hosts of the route, each once, in route order."""
    return list(dict.fromkeys(p.get("host", "").strip() for p in v.route or [] if p.get("host", "").strip()))


def briefed(v: VisitRequest) -> dict:
    return dict((v.facts or {}).get("briefed_hosts") or {})


def record_briefed(session: Session, visit_id: int, host: str, *, actor: Principal) -> VisitRequest:
    """Record that the host briefing (from the approved scope) was issued to `host`; when every named host has it,
    the plan's VB6 is done. A briefing recorded for an older scope version no longer counts."""
    from planners.visits.disclosure import approved_scope

    v = session.get(VisitRequest, visit_id)
    if v is None:
        raise NotFound(f"No visit request {visit_id}.", key="visits.not_found", id=visit_id)
    permissions.require(actor, "visit.route", v)
    scope = approved_scope(session, visit_id)
    if host not in hosts(v):
        raise ValidationFailed(f"{host!r} is not a host named on the route.", key="vplan_more.not_a_host", field="host",
                               host=host)
    done = briefed(v)
    done[host] = {"by": actor.username, "at": utcnow().isoformat(timespec="seconds"), "scope_version": scope.version}
    v.facts = {**(v.facts or {}), "briefed_hosts": done}
    session.flush()
    audit.record(session, actor=actor.username, action="visit.host_briefed", object_type="visit", object_id=v.id,
                 event_id=v.event_id, host=host, scope_version=scope.version)
    if v.event_id and all((done.get(h) or {}).get("scope_version") == scope.version for h in hosts(v)):
        from planners.plan.board import mark_task
        from planners.plan.build import tasks as plan_tasks

        for t in plan_tasks(session, v.event_id):
            if t.rule_id == "VB6" and t.status == "open":
                mark_task(session, t.id, "done", actor=actor)
    return v
