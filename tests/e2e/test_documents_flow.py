"""Documents in a real browser: register a document with 5 copies, issue 2, recover 1, reconcile shows 1
outstanding."""
from __future__ import annotations

import pytest
from sqlalchemy import select

from planners import documents as docs
from planners.store.db import dispose_all
from planners.store.uow import read as read_session
from planners.store.models_documents import Document
from tests.conftest import TEST_PASSWORD
from tests.e2e.harness import sign_in, wait_idle

pytestmark = pytest.mark.e2e


def _form(page, button: str):
    # the form whose submit button is `button` (a tab's content stays in the page, so take the visible one)
    return page.locator("[data-testid='stForm']:visible").filter(
        has=page.get_by_role("button", name=button, exact=True)).first


class _tab:
    """A tab by its label. After a rerun Streamlit may briefly keep the previous run's tab bar beside the new
    one, so a click goes to every visible tab of that name (clicking the current tab again is harmless)."""

    def __init__(self, page, name: str):
        self.page, self.name = page, name

    def click(self) -> None:
        wait_idle(self.page)
        for tab in self.page.locator("[data-testid='stTab']").filter(has_text=self.name).all():
            try:
                if tab.is_visible():
                    tab.click(timeout=3000)
            except Exception:  # noqa: BLE001 - a stale tab bar went away meanwhile
                pass
        wait_idle(self.page)


def _issue(page, code: str, receiver: str) -> None:
    form = _form(page, "Issue")
    form.get_by_role("textbox", name="Copy code (scan the label or type it)", exact=True).fill(code)
    form.get_by_role("combobox", name="Receiver").click()
    page.keyboard.type(receiver)
    page.get_by_role("option").filter(has_text=receiver).first.click()
    form.get_by_role("button", name="Issue", exact=True).click()
    page.wait_for_selector("[data-testid='verdict'] >> text=ISSUED")
    wait_idle(page)


def test_register_five_copies_issue_two_recover_one_reconcile_shows_one_outstanding(server, page):
    sign_in(page, server.base, "organizer", TEST_PASSWORD)
    page.get_by_role("link", name="Documents").click()
    page.wait_for_selector("h1:has-text('Documents')")
    wait_idle(page)
    box = page.get_by_role("combobox", name="Event", exact=True)
    if "第四季度外贸形势分析会" not in box.input_value():  # the organizer also runs the meeting under way
        box.click()
        page.keyboard.type("第四季度")
        page.get_by_role("option").filter(has_text="第四季度外贸形势分析会").first.click()
        wait_idle(page)
    event_label = box.input_value()
    assert "第四季度外贸形势分析会" in event_label
    event_id = int(event_label.split()[0].lstrip("#"))

    _tab(page, "Register").click()
    form = _form(page, "Register document")
    form.get_by_role("textbox", name="Control number", exact=True).fill("E2E-DOC-1")
    form.get_by_role("textbox", name="Short title (non-secret)", exact=True).fill("浏览器测试材料")
    form.get_by_role("spinbutton", name="Copies").fill("5")
    form.get_by_role("textbox", name="保密期限", exact=True).fill("10年")
    form.get_by_role("textbox", name="Proposed by (handler, 承办人)", exact=True).fill("陈明")
    form.get_by_role("textbox", name="Approved by (定密责任人)", exact=True).fill("王建国")
    form.get_by_role("textbox", name="Basis of classification", exact=True).fill("本单位保密事项范围 第3条")
    form.get_by_role("textbox", name="Knowledge scope (知悉范围)", exact=True).fill("市财政局\n市海关")
    form.get_by_role("button", name="Register document").click()
    page.wait_for_selector("text=/Document E2E-DOC-1 registered as/")
    wait_idle(page)

    with read_session(server.db_url) as s:
        did = s.scalar(select(Document.id).where(Document.event_id == event_id, Document.control_no == "E2E-DOC-1"))
    dispose_all()
    codes = [docs.copy_code(event_id, did, n) for n in (1, 2)]

    _tab(page, "Issue / recover").click()
    wait_idle(page)
    _issue(page, codes[0], "梁静")
    _issue(page, codes[1], "吕强")

    form = _form(page, "Recover")
    form.get_by_role("textbox", name="Copy code (scan the label or type it)", exact=True).fill(codes[0])
    form.get_by_role("button", name="Recover", exact=True).click()
    page.wait_for_selector("[data-testid='verdict'] >> text=RECOVERED")
    wait_idle(page)

    _tab(page, "Reconciliation").click()
    try:
        page.wait_for_selector("text=1 copies outstanding")
    except Exception:
        page.screenshot(path="/tmp/doc-e2e-fail.png", full_page=True)
        print(page.inner_text("[data-testid='stMain']")[:3000])
        raise
    table = page.locator("[data-testid='stTable']:visible").first.inner_text()
    assert codes[1] in table and "吕强" in table and codes[0] not in table

    # the QR label sheet is made when its button is clicked
    _tab(page, "Copies and labels").click()
    with page.expect_download() as dl:
        page.locator("[data-testid='stDownloadButton']:visible").filter(has_text="Download QR labels (PDF)") \
            .first.locator("button").click()
    data = open(dl.value.path(), "rb").read()
    assert data.startswith(b"%PDF")
    from tests.helpers import pdf_text

    assert "共 12 份" in pdf_text(data) or "of 12" in pdf_text(data)
