"""The demo has one event under way and open for check-in, so a front desk can be tried right after `make run`."""
from __future__ import annotations

from planners.base import auth
from planners import checkin, plan as timeline
from planners.attendees import badges as tokens
from planners.base.events import visible_events
from planners.checkin.hooks import DEMO_DESK
from planners.store import uow
from planners.store.models import Attendee, User
from sqlalchemy import select


def test_the_demo_desk_event_is_open_now_and_gives_each_kind_of_verdict(demo, db_url, users):
    ev = demo.events["desk-demo"]
    with uow.read(db_url) as s:
        desk = auth.principal(s.query(User).filter_by(username="desk").one())
        assert [e.id for e in visible_events(s, desk)] == [ev.id]  # the desk sees it, and only it
        assert not [t for t in timeline.tasks(s, ev.id) if t.phase == "before" and t.status == "open"]
    with uow.write_session(db_url) as s:
        owner = auth.principal(s.query(User).filter_by(username="organizer").one())
        assert ev.organizer_id == owner.id  # the demo organizer's meeting, not admin's (issue 16)
        codes = {a.name: c for a, c in tokens.codes_for_event(s, ev.id, actor=owner)}
    with uow.read(db_url) as s:  # the demo registers the front desk's desk, so the desk page works out of the box
        assert [d.name for d in checkin.list_desks(s, kind="desk")] == [DEMO_DESK[0]]
    got = {name: checkin.scan(ev.id, codes[name], desk=DEMO_DESK[0], actor=users["front_desk"]).reason
           for name in ("孙丽", "郑刚", "钱磊")}
    assert got == {"孙丽": "ok", "郑刚": "ineligible", "钱磊": "needs_approval"}


def test_the_demo_meeting_has_a_plenary_and_a_closed_session_with_their_own_doors(demo, db_url, users):
    """Issue 15: a newcomer sees the session doors; the closed session is at a higher level (the meeting's) and
    admits a subset, so one badge is green at the plenary's door and refused at the closed session's."""
    from planners.checkin import sessions as ss

    ev = demo.events["desk-demo"]
    with uow.read(db_url) as s:
        rows = ss.list_sessions(s, ev.id)
        doors = {x.title: (x.level, x.id, len(ss.admitted_ids(s, x.id))) for x in rows}
        everyone = len(s.scalars(select(Attendee.id).where(Attendee.event_id == ev.id)).all())
    assert list(doors) == ["全体会议", "闭门会议（保密工作专题）"]
    (plenary_level, plenary, n_plenary), (closed_level, closed, n_closed) = doors.values()
    assert (plenary_level, closed_level) == ("internal", "secret") and closed_level == ev.level
    assert n_plenary == everyone and 0 < n_closed < everyone
    with uow.write_session(db_url) as s:
        owner = auth.principal(s.query(User).filter_by(username="organizer").one())
        codes = {a.name: c for a, c in tokens.codes_for_event(s, ev.id, actor=owner)}
    scan = lambda name, door: checkin.scan(ev.id, codes[name], desk=DEMO_DESK[0], actor=users["front_desk"],  # noqa: E731
                                           session_id=door).reason
    assert scan("孙丽", plenary) == "ok" and scan("孙丽", closed) == "ok"  # one badge, both doors
    assert scan("钱磊", closed) == "not_on_session_list"
