"""In a real browser: the organizer opens the plan's own page (保密工作方案, issue 16) from the events page, builds
the demo meeting's plan, marks a task done on its own row, undoes it, marks the next one (which lands on the row
it was made on), and downloads the ICS; the leader reads the page in Chinese without English words."""
from __future__ import annotations

import re

import pytest

from tests.conftest import TEST_PASSWORD
from tests.e2e.harness import sign_in, wait_idle

pytestmark = pytest.mark.e2e
TITLE = "2026年第四季度外贸形势分析会"


def _pick_event(page, label: str = "Event") -> None:
    picker = page.get_by_role("combobox", name=label, exact=True)
    if TITLE not in picker.input_value():
        picker.click()
        page.get_by_role("option", name=re.compile(TITLE)).click()
        wait_idle(page)
    assert TITLE in picker.input_value()


def _row(page, rule: str):
    """The bordered row of one task (its line names the rule in <b data-rule=…>)."""
    return page.locator("[class*='st-key-planrow_']").filter(has=page.locator(f"b[data-rule='{rule}']"))


def _state(page, rule: str) -> str:
    return _row(page, rule).locator("[data-testid='plan-state']").get_attribute("data-state")


def test_organizer_marks_tasks_on_their_rows_undoes_and_downloads_the_calendar(server, page, tmp_path):
    import vobject

    sign_in(page, server.base, "organizer", TEST_PASSWORD)
    page.get_by_role("link", name="Events").click()
    page.wait_for_selector("h1:has-text('Events')")
    wait_idle(page)
    _pick_event(page)
    # the events page keeps a summary and the way to the plan
    page.get_by_role("link", name="Open the security plan").click()
    page.wait_for_selector("h1:has-text('Security plan')")
    page.wait_for_url(re.compile(r"/plan(\?|$)"))
    wait_idle(page)
    _pick_event(page)  # the choice is remembered across pages

    page.get_by_role("button", name="Build / rebuild the plan").click()
    page.wait_for_selector("text=/Plan built/")
    wait_idle(page)
    main = page.inner_text("[data-testid='stMain']")
    assert "Before" in main and "During" in main and "After" in main
    done = int(re.search(r"Readiness: (\d+) of", main).group(1))  # B1.2/B6 follow the sign-off (issue 11)
    assert _state(page, "B2") == "open" and _state(page, "B3") == "open"
    assert page.get_by_role("button", name="Submit the security plan to the leader").count() == 1

    _row(page, "B2").get_by_role("radio", name="Done", exact=True).click()
    _row(page, "B2").get_by_text("Task B2: Done.").wait_for()  # said on the row that was used
    wait_idle(page)
    assert _state(page, "B2") == "done"
    page.wait_for_selector(f"text=/Readiness: {done + 1} of/")  # the gauge moved

    _row(page, "B2").get_by_role("button", name="Undo my last mark").click()
    _row(page, "B2").get_by_text(re.compile("task B2 is Open again")).wait_for()
    wait_idle(page)
    assert _state(page, "B2") == "open"
    page.wait_for_selector(f"text=/Readiness: {done} of/")

    _row(page, "B3").get_by_role("radio", name="Done", exact=True).click()  # the next mark, after the undo
    _row(page, "B3").get_by_text("Task B3: Done.").wait_for()
    wait_idle(page)
    assert (_state(page, "B2"), _state(page, "B3")) == ("open", "done")

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
    b3 = next(e for e in cal.vevent_list if " B3 " in e.summary.value)
    assert "Status: Done" in b3.description.value  # in the language of the page


def test_the_leader_reads_the_plan_page_in_chinese(server, browser):
    from tests.e2e.test_zh_walk_flow import _leaks, _page_text

    ctx = browser.new_context(viewport={"width": 1400, "height": 1000}, locale="zh-CN")
    page = ctx.new_page()
    page.set_default_timeout(20000)
    try:
        sign_in(page, server.base, "leader", TEST_PASSWORD, lang="zh_CN")
        page.locator("[data-testid='stSidebar'] a").filter(has_text=re.compile("^保密工作方案$")).first.click()
        page.wait_for_selector("h1:has-text('保密工作方案')")
        wait_idle(page)
        _pick_event(page, "活动")
        page.wait_for_selector("text=会前")
        page.locator("[data-testid='stVegaLiteChart']").first.wait_for()  # the chart drew (a valid spec)
        text = _page_text(page)
        assert "Traceback" not in text and "已完成" in text and "待办" in text
        assert sorted(set(_leaks(text))) == []
    finally:
        ctx.close()
