"""Issue 11 in a real browser: the organizer submits the attendee list, the leader approves it; the organizer
adds a person; the leader sees that person in the diff and approves; the desk admits them."""
from __future__ import annotations

import os
import re

import pytest

from tests.conftest import TEST_PASSWORD, make_user
from tests.e2e.harness import Server, sign_in, wait_idle

pytestmark = pytest.mark.e2e
TITLE = "审批流程会议"
PERSON = {"name": "孙立新", "unit": "市发展改革委", "post": "", "id_type": "resident_id", "id_last4": "5821",
          "nationality": "CN", "foreign_invested_staff": False, "clearance": "confidential", "secret_class": "",
          "pledge_signed": True, "event_role": "attendee", "designated_by": ""}


def scan(page, code: str) -> str:
    """Type a code as a scanner does; the verdict banner's colour and text once it changes (tests/e2e's
    test_checkin_flow.scan, with a longer wait: this flow runs four sessions on one server)."""
    before = page.locator("[data-testid='verdict']").all_inner_texts()
    field = page.locator(".st-key-scan_input input")
    field.fill(code)
    field.press("Enter")
    page.wait_for_function(
        "(b) => { const v = document.querySelector(\"[data-testid='verdict']\");"
        " return v && v.innerText !== b; }", arg=(before[0] if before else ""), timeout=60000)
    wait_idle(page)
    v = page.locator("[data-testid='verdict']")
    return v.get_attribute("data-verdict") + " " + v.inner_text()


@pytest.fixture(scope="module")
def world(tmp_path_factory):
    from planners.store import db as dbmod, schema, uow
    from tests.checkin.helpers import make_event

    d = tmp_path_factory.mktemp("signoff")
    url, keys = f"sqlite:///{d / 'conclave.db'}", str(d / "keys")
    os.environ["CONCLAVE_KEYS_DIR"] = keys
    schema.upgrade(url)
    with uow.write_session(url) as s:
        users = {r: make_user(s, r, r) for r in ("organizer", "front_desk", "leader")}
    eid, _ = make_event(url, users["organizer"], n=2, title=TITLE, ready=False)
    with uow.write_session(url) as s:  # its plan is approved already; the list is what this flow is about
        from planners.plan import signoff

        plan_item = signoff.submit(s, eid, "plan", actor=users["organizer"]).id
    with uow.write_session(url) as s:
        from planners.base import approvals

        approvals.decide(s, plan_item, "approved", leader=users["leader"], comment="")
        from planners.store.models import Event

        s.get(Event, eid).status = "ready"  # (its venue and checklist are not what this flow is about)
    dbmod.dispose_all()
    srv = Server(url, keys)
    yield srv, url, eid, users
    srv.stop()


def _leader_approves(page, base: str, expect: str | None) -> None:
    sign_in(page, base, "leader", TEST_PASSWORD, path="approvals")
    card = page.locator("[class*='st-key-approval_']").filter(has_text="Attendee list")
    card.wait_for(timeout=20000)
    card.get_by_text(expect or "nothing was approved before").first.wait_for(timeout=20000)
    card.get_by_role("button", name="Approve").click()
    wait_idle(page)
    card.get_by_role("button", name=re.compile("^Confirm: approve")).click()  # a decision is confirmed (issue 16)
    wait_idle(page)
    page.get_by_text(re.compile("Attendee list of .* approved|approved", re.I)).first.wait_for(timeout=20000)


def _new_page(browser):
    """A page as tests/e2e/conftest.py's `page` makes it (wide viewport), with longer waits: four sessions."""
    ctx = browser.new_context(viewport={"width": 1400, "height": 1000})
    pg = ctx.new_page()
    pg.set_default_timeout(45000)
    return pg


def test_list_submitted_approved_person_added_diff_approved_desk_admits(world, browser):
    srv, url, eid, users = world
    page = _new_page(browser)
    sign_in(page, srv.base, "organizer", TEST_PASSWORD, path="events")
    picker = page.get_by_role("combobox", name="Event", exact=True)
    picker.click()
    page.get_by_role("option", name=re.compile(TITLE)).click()
    wait_idle(page)
    page.get_by_role("button", name="Submit the attendee list to the leader").click()
    wait_idle(page)
    page.get_by_text("Submitted as version 1").wait_for(timeout=20000)
    page.close()

    page = _new_page(browser)
    _leader_approves(page, srv.base, None)
    page.close()

    from planners.attendees import allowlist, badges
    from planners.store import uow

    with uow.write_session(url) as s:  # the organizer adds a person (the list editor has its own page tests)
        allowlist.save_table(s, eid, [PERSON], actor=users["organizer"])
        code = dict((a.name, c) for a, c in badges.codes_for_event(s, eid, actor=users["organizer"]))["孙立新"]

    page = _new_page(browser)
    sign_in(page, srv.base, "front_desk", TEST_PASSWORD, path="checkin")
    page.wait_for_selector(".st-key-desk_pick")
    page.locator(".st-key-desk_pick input").click()
    page.keyboard.type("东门")  # the list of registered desks is long: filter it
    page.get_by_role("option", name="东门", exact=True).click()
    wait_idle(page)
    page.wait_for_selector(".st-key-scan_input input")
    v = scan(page, code)
    assert v.startswith("red") and "not on the approved list" in v
    desk_page = page

    page = _new_page(browser)
    _leader_approves(page, srv.base, "added: 孙立新 (市发展改革委)")
    page.close()

    page = desk_page
    page.wait_for_timeout(2200)
    v = scan(page, code)
    assert v.startswith("green") and "Welcome, 孙立新" in v
    page.close()
