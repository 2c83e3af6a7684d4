"""Foundation flows in a real browser: deep links while signed out; organizer creates an event; 中文."""
from __future__ import annotations

import pytest

from planners.base.auth import PAGE_ROLES
from tests.conftest import ROOT, TEST_PASSWORD
from tests.e2e.harness import sign_in, wait_idle

pytestmark = pytest.mark.e2e
PAGES = sorted(p for p in PAGE_ROLES if (ROOT / "pages" / f"{p}.py").exists())


def test_every_page_url_on_a_fresh_server_shows_only_the_signin_form(server, page):
    for name in PAGES:
        page.goto(f"{server.base}/{name}")
        page.wait_for_selector("text=/Sign in to Conclave|登录 Conclave/")
        wait_idle(page)
        body = page.inner_text("[data-testid='stMain']")
        assert "Sign in to Conclave" in body or "登录 Conclave" in body, name
        assert page.locator("[data-testid='stDataFrame']").count() == 0, name
        assert page.locator("[data-testid='stDataFrame'], [data-testid='stTable']").count() == 0


def test_wrong_role_deep_link_is_refused(server, page):
    sign_in(page, server.base, "front_desk", TEST_PASSWORD)
    page.goto(f"{server.base}/admin")
    page.wait_for_selector("text=/Sign in to Conclave|登录 Conclave|This page is for|本页面仅供/")
    wait_idle(page)
    body = page.inner_text("[data-testid='stMain']")
    assert "Users and roles" not in body and "用户与角色" not in body.split("\n")[0]


def test_organizer_creates_an_event_and_sees_it_then_switches_to_chinese(server, page):
    sign_in(page, server.base, "organizer", TEST_PASSWORD)
    page.get_by_role("radio", name="English").check(force=True)
    wait_idle(page)
    page.get_by_role("link", name="Events").click()
    page.wait_for_selector("h1:has-text('Events')")
    wait_idle(page)
    exp = page.locator("[data-testid='stExpander']").filter(has_text="New event")
    if not exp.locator("input").first.is_visible():
        exp.locator("summary").click()
    exp.get_by_role("textbox", name="Short title (non-secret)").fill("E2E 专题协调会")
    exp.get_by_role("combobox", name="Classification level").click()
    page.get_by_role("option", name="Secret", exact=True).click()
    exp.get_by_role("button", name="Create event").click()
    page.wait_for_selector("text=Event “E2E 专题协调会” created.")
    wait_idle(page)
    # the new event is listed and selected (st.dataframe draws on a canvas, so read the picker)
    assert "E2E 专题协调会" in page.get_by_role("combobox", name="Event", exact=True).input_value()
    page.get_by_role("radio", name="中文").check(force=True)
    page.wait_for_selector("h1:has-text('活动')")
    wait_idle(page)
    main = page.inner_text("[data-testid='stMain']")
    assert "活动列表" in main and "E2E 专题协调会" in main and "新建活动" in main
