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
