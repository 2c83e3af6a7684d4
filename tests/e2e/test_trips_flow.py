"""An outbound trip in a real browser: the organizer changes the approved demo trip (it goes back to the leader),
the leader approves it, the security officer records the missing traveller's briefing and outbound pledge, the
organizer records the departure, the return, the clean laptop back and the debrief (its request for information
goes to the leader's queue)."""
from __future__ import annotations

import re

import pytest

from tests.conftest import TEST_PASSWORD, make_user
from tests.e2e.harness import sign_in, wait_idle

pytestmark = pytest.mark.e2e
TITLE = "赴德国参加汉诺威国际工业博览会"


def _q(server, sql: str, **params):
    from sqlalchemy import create_engine, text

    eng = create_engine(server.db_url)
    with eng.connect() as c:
        row = c.execute(text(sql), params).first()
    eng.dispose()
    return row


def _trip(server):
    return _q(server, "SELECT id, status FROM trips WHERE title=:t", t=TITLE)


def _open(page, tid: int) -> None:
    page.get_by_role("link", name="Trips abroad").click()
    page.wait_for_selector("h1:has-text('Trips abroad')")
    wait_idle(page, 60000)
    box = page.get_by_role("combobox", name="Trip", exact=True)
    if TITLE not in (box.input_value() or ""):  # the choice persists within the browser session
        box.click()
        page.get_by_role("option", name=re.compile(TITLE)).click()
        wait_idle(page, 60000)


def _choose(page, key: str, name: str) -> None:
    page.locator(f".st-key-{key}").get_by_role("combobox").click()
    page.get_by_role("option", name=name, exact=True).click()


def _tab(page, name: str) -> None:
    wait_idle(page, 60000)
    page.get_by_role("tab", name=name, exact=True).first.click()


def _context(browser, server, who: str):
    ctx = browser.new_context(viewport={"width": 1400, "height": 1000})
    pg = ctx.new_page()
    pg.set_default_timeout(60000)
    sign_in(pg, server.base, who, TEST_PASSWORD)
    return ctx, pg


def test_organizer_leader_briefing_and_debrief_of_the_demo_trade_fair(server, page, browser):
    from planners.store import uow

    with uow.write_session(server.db_url) as s:
        make_user(s, "trips_officer", "security_officer")
    tid, status = _trip(server)
    assert status == "approved"
    page.set_default_timeout(60000)  # a shared, loaded machine: each rerun of the page may take seconds

    sign_in(page, server.base, "organizer", TEST_PASSWORD)
    _open(page, tid)
    page.locator(f".st-key-edit{tid}_p textarea").fill("参展并开展招商推介（增加企业座谈）")
    page.get_by_role("button", name="Save changes").click()
    page.wait_for_selector("text=waiting for the leader")
    assert _trip(server)[1] == "submitted"

    ctx, lp = _context(browser, server, "leader")
    try:
        lp.get_by_role("link", name="Approvals").click()
        lp.wait_for_selector("h1:has-text('Approvals')")
        wait_idle(lp, 60000)
        item = _q(server, "SELECT id FROM approvals WHERE kind='trip' AND status='pending'")[0]
        box = lp.locator(f".st-key-approval_{item}")
        assert TITLE in box.inner_text() and "Why this needs a leader" in box.inner_text()
        box.get_by_role("textbox").fill("同意")
        box.get_by_role("button", name="Approve").click()
        wait_idle(lp)
        box.get_by_role("button", name=re.compile("^Confirm: approve")).click()  # confirmed (issue 16)
        lp.wait_for_selector(f".st-key-approval_{item}", state="detached")
        wait_idle(lp, 60000)
    finally:
        ctx.close()
    assert _trip(server)[1] == "approved"

    ctx, op = _context(browser, server, "trips_officer")
    try:
        _open(op, tid)
        _tab(op, "Briefing")
        _choose(op, f"attp{tid}", "王芳")
        op.locator(f".st-key-attby{tid} input").fill("市商务局保密办")
        op.get_by_role("button", name="Record attendance").click()
        op.wait_for_selector("text=Attendance of 王芳 recorded.")
        wait_idle(op, 60000)
        _tab(op, "Briefing")
        _choose(op, f"plp{tid}", "王芳")
        op.get_by_role("button", name="Record the signed outbound pledge").click()
        op.wait_for_selector("text=Outbound pledge of 王芳 recorded.")
    finally:
        ctx.close()

    _open(page, tid)
    _tab(page, "Briefing")
    page.wait_for_selector("text=Every traveller is briefed and has signed; the trip may depart.")
    page.get_by_role("button", name="Record departure").click()
    page.wait_for_selector("text=The delegation has left")
    wait_idle(page, 60000)
    _tab(page, "Debrief")
    wait_idle(page, 60000)
    try:
        page.get_by_role("button", name="Record the return").click()
        page.wait_for_selector("text=The delegation is back")
    except Exception:
        page.screenshot(path="/tmp/h14_trips_fail.png", full_page=True)
        raise
    wait_idle(page, 60000)
    _tab(page, "Carry check")
    page.get_by_role("button", name="Mark back").click()
    page.wait_for_selector("text=Back at the 保密室.")
    wait_idle(page, 60000)
    _tab(page, "Debrief")
    page.locator(f".st-key-da{tid} textarea").fill("某公司代表 | 园区土地储备数据 | 未答复，表示转达")
    page.get_by_role("button", name="Record the debrief").click()
    page.wait_for_selector("text=The debrief is recorded")
    assert _trip(server)[1] == "debriefed"
    assert _q(server, "SELECT count(*) FROM approvals WHERE kind='trip_info_request' AND status='pending'")[0] == 1
