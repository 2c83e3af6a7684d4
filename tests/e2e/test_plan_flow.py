"""In a real browser: the organizer builds the demo meeting's plan, marks a task done, downloads the ICS."""
from __future__ import annotations

import re

import pytest

from tests.conftest import TEST_PASSWORD
from tests.e2e.harness import sign_in, wait_idle

pytestmark = pytest.mark.e2e
TITLE = "2026年第四季度外贸形势分析会"


def test_organizer_builds_the_plan_marks_a_task_done_and_downloads_the_calendar(server, page, tmp_path):
    import vobject

    sign_in(page, server.base, "organizer", TEST_PASSWORD)
    page.get_by_role("link", name="Events").click()
    page.wait_for_selector("h1:has-text('Events')")
    wait_idle(page)
    picker = page.get_by_role("combobox", name="Event", exact=True)
    if TITLE not in picker.input_value():
        picker.click()
        page.get_by_role("option", name=re.compile(TITLE)).click()
        wait_idle(page)
    assert TITLE in picker.input_value()

    page.get_by_role("button", name="Build / rebuild the plan").click()
    page.wait_for_selector("text=/Plan built/")
    wait_idle(page)
    main = page.inner_text("[data-testid='stMain']")
    assert "Security plan" in main and "Before" in main and "During" in main and "After" in main
    done = int(re.search(r"Readiness: (\d+) of", main).group(1))  # B1.2/B6 follow the sign-off (issue 11)

    task = page.get_by_role("combobox", name="Task", exact=True)
    task.click()
    page.keyboard.type("B2 ·")
    page.get_by_role("option").filter(has_text="B2 ·").first.click()
    wait_idle(page)
    page.get_by_role("button", name="Mark", exact=True).click()
    page.wait_for_selector("text=Task B2: Done.")
    wait_idle(page)
    page.wait_for_selector(f"text=/Readiness: {done + 1} of/")  # the gauge moved

    with page.expect_download() as info:
        page.get_by_role("button", name="Calendar (.ics)").click()
    download = info.value
    assert download.suggested_filename.endswith(".ics")
    path = tmp_path / "plan.ics"
    download.save_as(path)
    cal = vobject.readOne(path.read_text(encoding="utf-8"))
    assert cal.vtimezone.tzid.value == "Asia/Shanghai"
    summaries = [e.summary.value for e in cal.vevent_list]
    assert len(summaries) > 20 and all(len(e.valarm_list) == 1 for e in cal.vevent_list)
    assert any("B2" in s for s in summaries)
    b2 = next(e for e in cal.vevent_list if " B2 " in e.summary.value)
    assert "Status: Done" in b2.description.value  # in the language of the page
