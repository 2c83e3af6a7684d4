"""The demo's part of the register (`demo_step`, after the events and before the badges): a security officer
account, and every demo attendee who holds a 涉密 clearance as a person of the register, with pledges and
trainings; the demo meetings' attendees are linked to them, so the verdicts come from the register. In the
meeting under way (desk-demo): 吴敏 is in a 脱密期, 冯涛's pledge has expired and 周强 is barred by the leader.
Running it twice changes nothing."""
from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from planners.attendees.people_link import link_attendees
from planners.base import auth
from planners.core.errors import ValidationFailed
from planners.core.levels import Classification
from planners.people import register, rules
from planners.store.models import Attendee, User
from planners.store.models_people import Person

OFFICER = {"username": "officer", "display_name": "刘洋（保密办）", "role": "security_officer", "unit": "市商务局保密办"}
DECOMMISSION, EXPIRED, BARRED = "吴敏", "冯涛", "周强"  # in the desk-demo meeting


def _officer(session: Session, ctx) -> auth.Principal:
    user = session.scalar(select(User).where(User.username == OFFICER["username"]))
    if user is None:
        user, pw = auth.create_user(session, actor="demo", **OFFICER)
        ctx.passwords[user.username] = pw
        ctx.created.append(f"user {user.username}")
    ctx.users[user.username] = user
    return auth.principal(user)


def load_demo(session: Session, ctx) -> None:
    officer = _officer(session, ctx)
    if session.scalar(select(Person.id).limit(1)) is not None:
        return  # the register is there already
    leader = auth.principal(ctx.users["leader"])
    today = register.today()
    special = {}
    if "desk-demo" in ctx.events:
        special = {a.name: a for a in session.scalars(select(Attendee).where(
            Attendee.event_id == ctx.events["desk-demo"].id))}
    made: dict[tuple, Person] = {}
    attendees = [a for ev in ctx.events.values()
                 for a in session.scalars(select(Attendee).where(Attendee.event_id == ev.id))]
    for a in attendees:
        if not a.clearance or not Classification(a.clearance).is_state_secret:
            continue
        key = (register.key_form(a.name), a.id_last4.upper(), register.key_form(a.unit))
        if key in made:
            continue
        cls = a.secret_class or "general"
        values = {"name": a.name, "unit": a.unit, "post": a.post, "id_type": a.id_type, "id_last4": a.id_last4,
                  "nationality": a.nationality, "level": a.clearance, "vetted_level": a.clearance,
                  "person_class": cls, "vetted_by": "市委保密办", "vetted_at": today - timedelta(days=500),
                  "employer_type": "foreign_invested" if a.foreign_invested_staff else "state_organ"}
        if a.name == DECOMMISSION and a.name in special:
            values.update(status="decommission", decommission_until=today + timedelta(days=180))
        try:
            p = register.create(session, values, actor=officer, reason="demo")
        except ValidationFailed:  # a demo row the register refuses (e.g. a duplicate ID) stays unlinked
            continue
        made[key] = p
        if a.pledge_signed:
            signed = today - timedelta(days=400 if (a.name == EXPIRED and a.name in special) else 60)
            register.record_pledge(session, p.id, kind="secrecy_pledge", signed_on=signed, version="2024版",
                                   actor=officer)
            if cls == "core":
                register.record_pledge(session, p.id, kind="responsibility", signed_on=signed, version="2024版",
                                       actor=officer)
        register.record_training(session, p.id, stage="onboarding", taken_on=today - timedelta(days=480),
                                 course="上岗保密教育", hours=8, actor=officer)
        register.record_training(session, p.id, stage="in_post", taken_on=today - timedelta(days=40),
                                 course="年度在岗保密教育", hours=rules.min_hours("in_post", cls), actor=officer)
        if a.name == BARRED and a.name in special:
            register.bar(session, p.id, reason="违规将手机带入涉密会议室（演示）", ends_on=today + timedelta(days=90),
                         actor=leader)
    link_attendees(session, attendees, actor=officer)
    ctx.created.append(f"people register ({len(made)})")
