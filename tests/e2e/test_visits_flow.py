"""Foreign visit in a real browser: the organizer changes the approved demo visit (it goes back to the leader),
the leader returns it with a comment (its approved disclosure scope goes back with it, issue 16), the organizer
fixes and resubmits (the scope goes with the request), the leader approves both on the visit's one card, and the
host briefing downloads; the organizer records each host briefed and, once the visit has ended, files the post-visit
report, which the leader approves and which then downloads (issue 12). Organizer and leader sign in in separate
browser contexts."""
from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from tests.conftest import TEST_PASSWORD
from tests.e2e.harness import sign_in, wait_idle
from tests.helpers import pdf_text

pytestmark = pytest.mark.e2e
TITLE = "德国巴伐利亚州经贸代表团来访"


def _visit_state(server):
    from sqlalchemy import create_engine, text

    eng = create_engine(server.db_url)
    with eng.connect() as c:
        row = c.execute(text("SELECT id, status, last_comment FROM visit_requests WHERE title=:t"), {"t": TITLE}).one()
        item = c.execute(text("SELECT id FROM approvals WHERE kind='visit_request' AND object_id=:o "
                              "AND status='pending'"), {"o": str(row[0])}).scalar()
    eng.dispose()
    return row, item


def _scope_status(server):
    from sqlalchemy import create_engine, text

    eng = create_engine(server.db_url)
    with eng.connect() as c:
        status = c.execute(text("SELECT s.status FROM disclosure_scopes s JOIN visit_requests v ON v.id = s.visit_id "
                                "WHERE v.title=:t"), {"t": TITLE}).scalar()
    eng.dispose()
    return status


def _open_visits(page, server):
    page.get_by_role("link", name="Foreign visits").click()  # in-app navigation keeps the session
    page.wait_for_selector("h1:has-text('Foreign visits')")
    wait_idle(page)


def _leader_decides(browser, server, button: str, comment: str, item=None, title=TITLE):
    ctx = browser.new_context(viewport={"width": 1400, "height": 1000})
    lp = ctx.new_page()
    lp.set_default_timeout(20000)
    try:
        sign_in(lp, server.base, "leader", TEST_PASSWORD)
        lp.get_by_role("link", name="Approvals").click()
        lp.wait_for_selector("h1:has-text('Approvals')")
        wait_idle(lp)
        item = item or _visit_state(server)[1]
        box = lp.locator(f".st-key-approval_{item}")
        assert TITLE in box.inner_text()
        box.get_by_role("textbox").fill(comment)
        box.get_by_role("button", name=button).click()
        wait_idle(lp)
        box.get_by_role("button", name=re.compile("^Confirm: ")).click()  # a decision is confirmed (issue 16)
        lp.wait_for_selector(f"text=/{title}.*: (returned|approved)/")
        wait_idle(lp)
    finally:
        ctx.close()


def test_organizer_and_leader_take_the_demo_visit_through_return_and_approval_then_the_briefing_downloads(
        server, page, browser, tmp_path):
    sign_in(page, server.base, "organizer", TEST_PASSWORD)
    _open_visits(page, server)
    (vid, status, _), _ = _visit_state(server)
    assert status == "approved"
    assert TITLE in page.get_by_role("combobox", name="Visit request", exact=True).input_value()

    # a change to the approved request sends it back to the leader
    page.locator(f".st-key-edit{vid}_purpose textarea").fill("洽谈投资合作（增加园区参观）")
    page.get_by_role("button", name="Save changes").click()
    page.wait_for_selector("text=Waiting for the leader")
    wait_idle(page)
    assert _visit_state(server)[0][1] == "submitted"

    _leader_decides(browser, server, "Return for changes", "请补充陪同人员名单")
    assert _visit_state(server)[0][1:] == ("returned", "请补充陪同人员名单")
    assert _scope_status(server) == "returned"  # a returned request carries no approved scope (issue 16)

    # the organizer sees the comment, fixes the request and resubmits it
    _open_visits(page, server)
    page.wait_for_selector("text=Leader's comment: 请补充陪同人员名单")
    # the route and the delegation are tables in the form now (issue 12): the route tab adds the stop, escorted
    page.get_by_role("tab", name="Route and escorts").click()
    wait_idle(page)
    page.locator(f".st-key-stop_place{vid} input").fill("经济技术开发区展示中心（参观）")
    page.locator(f".st-key-stop_host{vid} input").fill("孙文 处长")
    page.get_by_role("button", name="Add the stop").click()
    page.wait_for_selector("text=The route was saved.")
    wait_idle(page)
    page.get_by_role("tab", name="Request", exact=True).click()
    wait_idle(page)
    page.get_by_role("button", name="Submit to the leader").click()
    page.wait_for_selector("text=The request went to the leader's queue.")
    wait_idle(page)
    assert _visit_state(server)[0][1] == "submitted"
    assert _scope_status(server) == "submitted"  # the returned scope went back with the request

    _leader_decides(browser, server, "Approve request and scope", "同意")  # one card, one decision
    assert _visit_state(server)[0][1] == "approved"
    assert _scope_status(server) == "approved"

    # the briefing of the approved scope downloads
    _open_visits(page, server)
    page.get_by_role("tab", name="Host briefing").click()
    wait_idle(page)
    page.locator(f".st-key-blang{vid}").get_by_role("radio", name="English").check(force=True)
    page.wait_for_timeout(300)
    wait_idle(page)
    expect(page.locator(f".st-key-blang{vid}").get_by_role("radio", name="English")).to_be_checked()
    page.get_by_role("button", name="Make the briefing").click()
    expect(page.get_by_role("button", name="Download briefing (PDF)")).to_be_visible(timeout=30000)
    wait_idle(page)
    with page.expect_download() as dl:
        page.get_by_role("button", name="Download briefing (PDF)").click()
    target = tmp_path / dl.value.suggested_filename
    dl.value.save_as(target)
    assert target.suffix == ".pdf"
    text = pdf_text(target.read_bytes())
    assert "Host briefing" in text and "Must not be discussed" in text and "孙文" in text
    wait_idle(page)

    # issue 12: each host named on the route gets the briefing, recorded
    for host in ("王建国 副局长", "孙文 处长"):
        page.get_by_role("button", name=f"Briefing issued to {host}").click()
        page.wait_for_selector(f"text=Recorded: the briefing was issued to {host}.")
        wait_idle(page)
        page.get_by_role("tab", name="Host briefing").click()
        wait_idle(page)

    # the visit ends (moved into the past in the database), the organizer files the post-visit report
    _end_visit(server, vid)
    _open_visits(page, server)
    page.get_by_role("tab", name="Post-visit report").first.click()
    wait_idle(page)
    # the gifts and materials are tables now (issue 16); their cells are checked and filed in
    # tests/ui/test_visit_card.py: a canvas grid takes typed text only after timed pauses, which a flow must not use
    expect(page.locator(f".st-key-gifts{vid} [data-testid='stDataFrame']")).to_be_visible()
    page.get_by_role("button", name="File the report to the leader and the foreign-affairs office").click()
    page.wait_for_selector("text=The report went to the leader and the foreign-affairs office.")
    wait_idle(page)
    rep_item = _report_item(server, vid)
    assert rep_item is not None
    _leader_decides(browser, server, "Approve", "同意备案", item=rep_item, title="Post-visit report")
    _open_visits(page, server)
    page.get_by_role("tab", name="Post-visit report").first.click()
    wait_idle(page)
    page.wait_for_selector("text=Report: approved")
    page.get_by_role("button", name="Make the report files").click()
    expect(page.get_by_role("button", name="Download PDF")).to_be_visible(timeout=30000)
    wait_idle(page)
    with page.expect_download() as dl:
        page.get_by_role("button", name="Download PDF").click()
    target = tmp_path / dl.value.suggested_filename
    dl.value.save_as(target)
    text = pdf_text(target.read_bytes())
    assert "外事接待总结" in text and "未涉及" in text


def _end_visit(server, vid) -> None:
    from datetime import datetime, timedelta, timezone

    from sqlalchemy import create_engine, text

    now = datetime.now(timezone.utc).replace(tzinfo=None)
    eng = create_engine(server.db_url)
    with eng.begin() as c:
        c.execute(text("UPDATE visit_requests SET starts_at=:s, ends_at=:e WHERE id=:i"),
                  {"s": now - timedelta(hours=4), "e": now - timedelta(hours=1), "i": vid})
    eng.dispose()


def _report_item(server, vid):
    from sqlalchemy import create_engine, text

    eng = create_engine(server.db_url)
    with eng.connect() as c:
        rid = c.execute(text("SELECT id FROM visit_reports WHERE visit_id=:v"), {"v": vid}).scalar()
        item = c.execute(text("SELECT id FROM approvals WHERE kind='visit_report' AND object_id=:o "
                              "AND status='pending'"), {"o": str(rid)}).scalar()
    eng.dispose()
    return item
