"""Markdown that calls out (issue 19, item 4), in a real browser: with an approval titled
`![b](http://127.0.0.1:9/x.png)`, a user named `<img src=…>` and an attendee with an image in its name, the
leader's approvals page sends no request to 127.0.0.1:9."""
from __future__ import annotations

import os

import pytest
from sqlalchemy import select

from tests.conftest import TEST_PASSWORD, make_user
from tests.e2e.harness import Server, sign_in, wait_idle

pytestmark = pytest.mark.e2e

BEACON = "http://127.0.0.1:9/"


@pytest.fixture(scope="module")
def hostile_server(tmp_path_factory):
    from planners.base import demo as demo_mod
    from planners.store import db as dbmod, schema, uow
    from planners.store.models import Approval, Attendee, User

    d = tmp_path_factory.mktemp("e2e-hostile")
    url, keys = f"sqlite:///{d / 'conclave.db'}", str(d / "keys")
    os.environ["CONCLAVE_KEYS_DIR"] = keys
    schema.upgrade(url)
    with uow.write_session(url) as s:
        for role in ("organizer", "front_desk", "leader", "admin"):
            make_user(s, role, role)
    with uow.write_session(url) as s:
        demo_mod.load(s)
    with uow.write_session(url) as s:
        from planners.attendees import eligibility
        from planners.base.auth import principal
        from planners.store.models import Event

        for e in s.scalars(select(Event).order_by(Event.id)):  # one request in the leader's queue
            needs = [aid for aid, el in eligibility.for_event(s, e).items() if el.status == "needs_approval"]
            if needs:
                eligibility.request_exception(s, needs[0], actor=principal(s.get(User, e.organizer_id)))
                break
    with uow.write_session(url) as s:
        for i, a in enumerate(s.scalars(select(Attendee))):
            a.name = f"![b]({BEACON}att{i}.png){a.name}"
        for ap in s.scalars(select(Approval)):
            ap.title = {k: f"![b]({BEACON}approval.png){v}" for k, v in (ap.title or {}).items()}
            ap.comment = f"[x]({BEACON})"
        for u in s.scalars(select(User)):
            u.display_name = f"<img src='{BEACON}user.png'>{u.display_name}"
    dbmod.dispose_all()
    srv = Server(url, keys)
    yield srv
    srv.stop()


def test_no_request_leaves_for_a_url_in_the_data(hostile_server, page):
    sent: list[str] = []
    page.on("request", lambda r: sent.append(r.url))
    sign_in(page, hostile_server.base, "leader", TEST_PASSWORD, path="approvals")
    wait_idle(page)
    assert page.get_by_text("approval.png", exact=False).count() > 0, "the title is shown, as text"
    page.wait_for_timeout(1500)  # an image in the page would have been requested by now
    assert [u for u in sent if u.startswith("http://127.0.0.1:9")] == []
