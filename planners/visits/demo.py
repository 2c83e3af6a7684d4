"""The visits step of the demo (data/demo/visits.yaml). Running it twice changes nothing.

Works with whatever accounts exist: the organizer is the event's organizer (or the first organizer), the deciding
leader is the demo `leader` when it is a leader, else the first active leader."""
from __future__ import annotations

from datetime import datetime, time, timedelta

import yaml
from sqlalchemy import select
from sqlalchemy.orm import Session

from planners.base import approvals, auth
from planners.visits import disclosure
from planners import visits
from planners.core.config import DEMO_DIR
from planners.base.events import local, zone
from planners.core.clock import utcnow
from planners.store.models import User, Venue
from planners.store.models_visits import VisitRequest


def _leader(session: Session, ctx) -> User | None:
    u = ctx.users.get("leader")
    if u is not None and u.role == "leader" and u.active:
        return u
    return session.scalar(select(User).where(User.role == "leader", User.active.is_(True)).order_by(User.id))


def _organizer(session: Session, ctx) -> User | None:
    u = ctx.users.get("organizer")
    if u is not None and u.role == "organizer":
        return u
    return session.scalar(select(User).where(User.role == "organizer", User.active.is_(True)).order_by(User.id))


def _existing(session: Session, key: str) -> VisitRequest | None:
    for v in session.scalars(select(VisitRequest)):
        if (v.facts or {}).get("demo_key") == key:
            return v
    return None


def _key_locations(session: Session, ctx, doc: dict, leader: User | None) -> None:
    """Issue 12: the register of key locations, each proposed by the organizer and approved by the leader."""
    from planners.store.models_visits import KeyLocation
    from planners.visits import locations

    org = _organizer(session, ctx)
    if org is None or leader is None:
        return
    for spec in doc.get("key_locations") or []:
        if session.scalar(select(KeyLocation).where(KeyLocation.name == spec["name"])) is not None:
            continue
        loc = locations.propose_location(session, locations.LocationInput(**spec), actor=auth.principal(org))
        item = approvals.latest_for(session, locations.KIND, "key_location", loc.id)
        approvals.decide(session, item.id, "approved", leader=auth.principal(leader))
        ctx.created.append(f"key location {loc.name}")


def _plan_state(session: Session, v: VisitRequest, spec: dict, organizer) -> None:
    """Issue 12: a stop tried at a key location (refused and recorded) and the plan tasks already done."""
    from planners.plan.board import mark_task
    from planners.plan.build import tasks as plan_tasks
    from planners.visits import locations

    if spec.get("refused_stop"):
        stops = locations.stops_of(v) + [locations.RouteStop(**spec["refused_stop"])]
        locations.set_route_or_record(session, v.id, stops, actor=organizer)
    if v.event_id and spec.get("done"):
        for t in plan_tasks(session, v.event_id):
            if t.rule_id in spec["done"] and t.status == "open":
                mark_task(session, t.id, "done", actor=organizer)


def load_demo(session: Session, ctx) -> None:
    doc = yaml.safe_load((DEMO_DIR / "visits.yaml").read_text(encoding="utf-8"))
    leader = _leader(session, ctx)
    _key_locations(session, ctx, doc, leader)
    for spec in doc["visits"]:
        if _existing(session, spec["key"]) is not None:
            continue
        ev = ctx.events.get(spec.get("event", "")) if spec.get("event") else None
        if ev is not None:
            org_user = session.get(User, ev.organizer_id)
            start, end, tz, venue_id = local(ev.starts_at, ev.tz), local(ev.ends_at, ev.tz), ev.tz, ev.venue_id
        else:
            org_user = _organizer(session, ctx)
            tz = spec["tz"]
            day = (utcnow() + timedelta(days=spec["start_in_days"])).date()
            hh, mm = (int(x) for x in spec["start_time"].split(":"))
            start = datetime.combine(day, time(hh, mm), tzinfo=zone(tz))
            end = start + timedelta(hours=spec["hours"])
            venue = session.scalar(select(Venue).where(Venue.name == spec.get("venue", "")))
            venue_id = venue.id if venue else None
        if org_user is None:
            continue
        organizer = auth.principal(org_user)
        data = visits.VisitInput(
            title=spec["title"], purpose=spec["purpose"], visit_type=spec["visit_type"], start=start, end=end,
            tz=tz, level=spec.get("level", "internal"), venue_id=venue_id, host_unit=spec.get("host_unit", ""),
            members=[visits.Member(**m) for m in spec["members"]],
            route=[visits.RoutePart(**p) for p in spec.get("route", [])],
            meetings=[visits.Meeting(with_whom=m["with"], topic=m.get("topic", "")) for m in spec.get("meetings", [])],
            topics=list(spec.get("topics", [])), photography_allowed=spec.get("photography_allowed", False),
            gifts=spec.get("gifts", ""), contacts=spec.get("contacts", ""), organizer_id=org_user.id)
        v = visits.create(session, data, actor=organizer)
        v.facts = {"demo_key": spec["key"]}
        if ev is not None:
            v.event_id = ev.id
        session.flush()
        if spec.get("scope"):
            disclosure.set_scope(session, v.id, ceiling=spec["scope"]["ceiling"], actor=organizer,
                                 items=[disclosure.ItemInput(topic=i["topic"], decision=i["decision"],
                                                             methods=tuple(i.get("methods", ())))
                                        for i in spec["scope"]["items"]])
        visits.submit(session, v.id, actor=organizer)
        if spec.get("scope") and (spec.get("decision") or {}).get("scope"):  # issue 16: both to the leader
            disclosure.submit_scope(session, v.id, actor=organizer)
        decision = spec.get("decision") or {}
        if leader is not None and decision.get("visit"):
            lp = auth.principal(leader)
            # issue 16: the request and its scope (submitted with it) are decided together
            from planners.visits.decision import decide_visit

            decide_visit(session, v.id, decision["visit"], leader=lp, comment=decision.get("comment", ""))
            if v.status == "approved":
                _plan_state(session, v, spec, organizer)
        ctx.created.append(f"visit {v.title}")
