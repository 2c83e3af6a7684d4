"""Issue 16, item 5: the audit page is a readable log in both languages — localized columns, office time, details
as text, the action filter by human names, a date filter."""
from __future__ import annotations

import datetime as dt
import re

import pytest

from planners.core.clock import local, utcnow
from tests.conftest import app_test


@pytest.mark.parametrize("lang, cols, event_created", [
    ("zh_CN", ["时间（北京时间）", "操作人", "操作", "对象", "活动", "详情"], "新建活动"),
    ("en", ["Time (office time)", "Who", "Action", "Object", "Event", "Details"], "Event created"),
])
def test_the_audit_log_reads_in_the_readers_language(db_url, demo, users, lang, cols, event_created):
    at = app_test("audit", user=users["admin"], lang=lang).run()
    assert not at.exception, at.exception
    df = at.dataframe[0].value
    assert list(df.columns) == cols
    assert event_created in set(df[cols[2]])
    assert not any(str(x).startswith("{") for x in df[cols[5]])  # no raw JSON
    assert all(re.fullmatch(r"\d{4}-\d\d-\d\d \d\d:\d\d:\d\d", x) for x in df[cols[0]])
    now_office = local(utcnow(), "Asia/Shanghai").strftime("%Y-%m-%d %H")
    assert any(x.startswith(now_office) for x in df[cols[0]])  # office time, not UTC

    # the action filter offers human names and filters by them
    ms = at.multiselect(key="audit_actions")
    assert "event.create" in ms.options or event_created in ms.options
    ms.set_value(["event.create"]).run()
    df = at.dataframe[0].value
    assert len(df) >= 1 and set(df[cols[2]]) == {event_created}

    # a date range before today: nothing; up to today: the entries again
    today = local(utcnow(), "Asia/Shanghai").date()
    at.date_input(key="audit_since").set_value(today - dt.timedelta(days=3))
    at.date_input(key="audit_until").set_value(today - dt.timedelta(days=2)).run()
    assert at.dataframe[0].value.empty
    at.date_input(key="audit_until").set_value(today).run()
    assert len(at.dataframe[0].value) >= 1
