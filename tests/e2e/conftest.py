from __future__ import annotations

import os

import pytest

from tests.conftest import make_user
from tests.e2e.harness import CHROMIUM, CHROMIUM_ARGS, LIMIT_MS, Server

pytestmark = pytest.mark.e2e


def _prepared_db(tmp_path_factory):
    from planners.base import demo as demo_mod
    from planners.store import db as dbmod
    from planners.store import uow
    from planners.store import schema

    d = tmp_path_factory.mktemp("e2e")
    url = f"sqlite:///{d / 'conclave.db'}"
    keys = str(d / "keys")
    os.environ["CONCLAVE_KEYS_DIR"] = keys
    schema.upgrade(url)
    with uow.write_session(url) as s:
        for role in ("organizer", "front_desk", "leader", "admin"):
            make_user(s, role, role)
        make_user(s, "leader2", "leader")
    with uow.write_session(url) as s:
        demo_mod.load(s)
    dbmod.dispose_all()
    return url, keys


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    """A freshly started server over a database with the demo and one test account per role."""
    url, keys = _prepared_db(tmp_path_factory)
    srv = Server(url, keys)
    srv.db_url = url
    yield srv
    srv.stop()


@pytest.fixture(scope="session")
def browser():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
        yield b
        b.close()


@pytest.fixture
def page(browser):
    ctx = browser.new_context(viewport={"width": 1400, "height": 1000}, accept_downloads=True)
    pg = ctx.new_page()
    pg.set_default_timeout(LIMIT_MS)
    yield pg
    ctx.close()
