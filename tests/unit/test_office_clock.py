"""The office's date and time come from planners.core.clock, never from the server's clock: a server on UTC is
eight hours behind the office, the previous day from 00:00 to 08:00 office time. A debrief form that offered the
server's date then was refused as "before the return" (the trips tests failed in a CI run at 16:06 UTC)."""
from __future__ import annotations

import re
from datetime import date, datetime
from pathlib import Path

from planners.core import clock

ROOT = Path(__file__).resolve().parents[2]


def test_the_office_day_turns_at_midnight_office_time_not_utc(monkeypatch):
    monkeypatch.setattr(clock, "utcnow", lambda: datetime(2026, 12, 2, 16, 6))
    assert clock.office_today() == date(2026, 12, 3)
    assert clock.office_now() == datetime(2026, 12, 3, 0, 6)
    monkeypatch.setattr(clock, "utcnow", lambda: datetime(2026, 12, 2, 15, 59))
    assert clock.office_today() == date(2026, 12, 2)


def test_the_office_dates_of_the_register_and_the_trips_are_the_clocks(monkeypatch):
    from planners.attendees import people_link
    from planners.people import fields
    from planners.trips import briefing, debrief

    monkeypatch.setattr(clock, "utcnow", lambda: datetime(2026, 12, 2, 16, 6))
    assert {people_link.office_today(), fields.today(), briefing._today(), debrief._today()} == {date(2026, 12, 3)}


def test_no_page_or_planner_reads_the_servers_local_clock():
    naive = re.compile(r"\bdate\.today\(\)|\bdatetime\.now\(\)")
    found = [f"{p.relative_to(ROOT)}:{n}" for p in [*(ROOT / "pages").rglob("*.py"), *(ROOT / "planners").rglob("*.py"),
                                                   ROOT / "app.py"]
             for n, line in enumerate(p.read_text(encoding="utf-8").splitlines(), 1) if naive.search(line)]
    assert not found, f"use planners.core.clock.office_today() / office_now(): {found}"
