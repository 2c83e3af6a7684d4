"""Issue 16, organizer: due dates on the plan carry the year when it is not this year's."""
from __future__ import annotations

import re
from datetime import timedelta

from planners import plan as timeline
from planners.store.models import Event
from planners.store.uow import write_session
from tests.conftest import app_test


def test_plan_due_dates_carry_the_year_when_it_differs(db_url, demo, users):
    ev_id = demo.events["q4-trade-meeting"].id
    with write_session() as s:  # a meeting more than a year ahead: every due date is in another year
        e = s.get(Event, ev_id)
        e.starts_at, e.ends_at = e.starts_at + timedelta(days=400), e.ends_at + timedelta(days=400)
        timeline.build_plan(s, ev_id, actor=users["organizer"])
        year = str(e.starts_at.year)
    at = app_test("events", user=users["organizer"], lang="zh_CN")
    at.session_state["event_id"] = ev_id
    at.run()
    assert not at.exception, at.exception
    lines = [m.value for m in at.markdown if "data-testid='plan-task'" in m.value]
    dated = [m for m in lines if re.search(r"\d\d-\d\d \d\d:\d\d", m)]
    assert dated and all(re.search(r"20\d\d-\d\d-\d\d \d\d:\d\d", m) for m in dated)
    assert any(year in m or str(int(year) - 1) in m for m in dated)


def test_approval_cards_name_people_not_accounts(db_url, demo):
    """Issue 16, leader: the card says who asked by name (陈明（会务组）), not by user name."""
    from planners.base import auth
    from planners.store.models import User
    from planners.store.uow import read as read_session

    with write_session() as s:  # the test accounts are named by their user names: give the organizer a name
        s.query(User).filter_by(username="organizer").one().display_name = "陈明（会务组）"
    with read_session() as s:
        leader = auth.principal(s.query(User).filter_by(username="leader").one())
    at = app_test("approvals", user=leader, lang="zh_CN").run()
    assert not at.exception, at.exception
    captions = " ".join(c.value for c in at.caption)
    assert "陈明（会务组）" in captions
    assert "organizer ·" not in captions and "：organizer" not in captions
