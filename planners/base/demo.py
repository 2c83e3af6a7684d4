"""The demo scenario (data/demo/). Loading it twice changes nothing.

Steps run in order: the foundation step here, then each area's answer to the `demo_step` hook, in the
wiring table's order. `ctx` carries the objects created so far (users, venues, events by key) and collects the one-time
passwords to print."""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, time, timedelta, timezone
from pathlib import Path

import yaml
from sqlalchemy import select
from sqlalchemy.orm import Session

from planners.base import audit, auth
from planners.core import hooks
from planners.core.config import DEMO_DIR
from planners.base.events import EventInput, create_event, transition, zone
from planners.core.clock import utcnow
from planners.store.models import Attendee, Event, User, Venue

ACTOR = "demo"


@dataclass
class DemoContext:
    scenario: dict
    today: datetime
    users: dict[str, User] = field(default_factory=dict)
    venues: dict[str, Venue] = field(default_factory=dict)
    events: dict[str, Event] = field(default_factory=dict)
    passwords: dict[str, str] = field(default_factory=dict)  # username -> one-time password (new accounts)
    created: list[str] = field(default_factory=list)


def load_scenario(path: Path | None = None) -> dict:
    return yaml.safe_load((path or DEMO_DIR / "scenario.yaml").read_text(encoding="utf-8"))


def load(session: Session, *, today: datetime | None = None) -> DemoContext:
    ctx = DemoContext(scenario=load_scenario(), today=today or utcnow())
    _users(session, ctx)
    for step in hooks.answers("demo_step"):
        step(session, ctx)
    return ctx


def _users(session: Session, ctx: DemoContext) -> None:
    for u in ctx.scenario["users"]:
        user = session.scalar(select(User).where(User.username == u["username"]))
        if user is None:
            user, pw = auth.create_user(session, username=u["username"], role=u["role"], actor=ACTOR,
                                        display_name=u.get("display_name", ""), unit=u.get("unit", ""))
            ctx.passwords[user.username] = pw
            ctx.created.append(f"user {user.username}")
        ctx.users[u["username"]] = user


def system_principal(ctx: DemoContext, username: str) -> auth.Principal:
    return auth.principal(ctx.users[username])


def load_events(session: Session, ctx: DemoContext) -> None:
    """`demo_step`: the demo events (after the venues), relative to the day the demo is loaded."""
    today = ctx.today
    for e in ctx.scenario["events"]:
        existing = [ev for ev in session.scalars(select(Event).where(Event.title == e["title"]))
                    if (ev.facts or {}).get("demo_key") == e["key"]]
        if existing:
            ctx.events[e["key"]] = existing[0]
            continue
        tz = zone(e["tz"])
        if "start_in_hours" in e:  # an event under way when the demo is loaded (the front desk's)
            start = (today.replace(tzinfo=timezone.utc) + timedelta(hours=e["start_in_hours"])).replace(
                second=0, microsecond=0).astimezone(tz)
        else:
            day = (today + timedelta(days=e["start_in_days"])).date()
            hh, mm = (int(x) for x in e["start_time"].split(":"))
            start = datetime.combine(day, time(hh, mm), tzinfo=tz)
        organizer = system_principal(ctx, e["organizer"])
        ev = create_event(session, EventInput(
            title=e["title"], kind=e["kind"], level=e["level"], retention=e.get("retention", ""), start=start,
            end=start + timedelta(hours=e["hours"]), tz=e["tz"], venue_id=ctx.venues[e["venue"]].id,
            host_unit=e.get("host_unit", ""), relay_scope=e.get("relay_scope", ""),
            device_policy=e.get("device_policy", "lockers"), foreign_participants=e.get("foreign_participants", False),
            facts={"demo_key": e["key"]}), actor=organizer)
        for a in e.get("attendees", []):
            session.add(Attendee(
                event_id=ev.id, name=a["name"], unit=a.get("unit", ""), post=a.get("post", ""),
                id_type=a.get("id_type", "resident_id"), id_last4=a.get("id_last4", ""),
                nationality=a.get("nationality", "CN"), foreign_invested_staff=a.get("foreign_invested_staff", False),
                clearance=a.get("clearance"), secret_class=a.get("secret_class"),
                pledge_signed=a.get("pledge_signed", False), event_role=a.get("event_role", "attendee"),
                designated_by=a.get("designated_by", "")))
        session.flush()
        audit.record(session, actor=ACTOR, action="attendees.import", object_type="event", object_id=ev.id,
                     event_id=ev.id, count=len(e.get("attendees", [])), source="demo")
        if e.get("status", "draft") != "draft":  # through the same transitions and gates as in the app
            transition(session, ev.id, e["status"], actor=organizer)
        ctx.events[e["key"]] = ev
        ctx.created.append(f"event {ev.title}")
