"""People register in a real browser: the security officer finds 冯涛 (demo: secrecy pledge expired), records the
newly signed pledge, and the desk admits him from then on: the desk's verdict comes from the register."""
from __future__ import annotations

import pytest

from tests.conftest import TEST_PASSWORD, make_user
from tests.e2e.harness import sign_in, wait_idle

pytestmark = pytest.mark.e2e


def test_the_officer_records_a_pledge_and_the_desk_verdict_follows(server, page):
    from planners import checkin, people
    from planners.attendees import badges as tokens
    from planners.checkin.hooks import DEMO_DESK
    from planners.store import uow
    from planners.store.models import Event, User

    with uow.write_session(server.db_url) as s:
        make_user(s, "security_officer", "security_officer")
        pid = people.find(s, name="冯涛")[0].id
        ev = next(e for e in s.query(Event).all() if (e.facts or {}).get("demo_key") == "desk-demo")
        admin = s.query(User).filter_by(username="admin").one()
        code = {a.name: c for a, c in tokens.codes_for_event(s, ev.id, actor=admin)}["冯涛"]
        desk_user = s.query(User).filter_by(username="front_desk").one()
    from planners.base import auth

    desk = auth.principal(desk_user)
    assert checkin.scan(ev.id, code, desk=DEMO_DESK[0], actor=desk, url=server.db_url).reason == "pledge_expired"

    sign_in(page, server.base, "security_officer", TEST_PASSWORD)
    page.get_by_role("link", name="People register").click()
    page.wait_for_selector("h1:has-text('People register')")
    wait_idle(page)
    page.get_by_label("Search (name, unit, post or ID digits)").fill("冯涛")
    page.keyboard.press("Enter")
    wait_idle(page)
    page.get_by_role("tab", name="Person", exact=True).click()
    wait_idle(page)
    form = page.locator("[data-testid='stForm']").filter(has_text="Record a signed pledge")
    form.get_by_role("button", name="Record").click()
    page.wait_for_selector("text=Pledge recorded.")
    wait_idle(page)
    with uow.read(server.db_url) as s:
        assert people.valid_pledge(s, pid, "secrecy_pledge")
    assert checkin.scan(ev.id, code, desk=DEMO_DESK[0], actor=desk, url=server.db_url).reason == "ok"
