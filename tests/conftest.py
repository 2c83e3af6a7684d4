"""Shared fixtures: a fresh database per test (SQLite file by default), users of each role, AppTest runner."""
from __future__ import annotations

import os
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

os.environ.setdefault("CONCLAVE_KEYS_DIR", str(ROOT / ".pytest_cache" / "keys"))

import planners.wiring  # noqa: E402,F401  (installs which area answers which hook)
from planners.base import auth  # noqa: E402
from planners.store import db as dbmod  # noqa: E402
from planners.store import uow
from planners.store import schema  # noqa: E402

TEST_PASSWORD = "correct-horse-battery"


@pytest.fixture
def db_url(tmp_path, monkeypatch) -> str:
    """A fresh, migrated SQLite database; DATABASE_URL points at it for the whole test."""
    url = f"sqlite:///{tmp_path / 'conclave.db'}"
    monkeypatch.setenv("DATABASE_URL", url)
    monkeypatch.setenv("CONCLAVE_KEYS_DIR", str(tmp_path / "keys"))
    schema.upgrade(url)
    yield url
    dbmod.dispose_all()


@pytest.fixture
def replace_hook():
    """Replace a hook's answers for one test: `replace_hook("attendee_present", [fn])` (planners/core/hooks.py)."""
    from contextlib import ExitStack

    from planners.core import hooks

    with ExitStack() as stack:
        yield lambda name, answers, key=None: stack.enter_context(hooks.replaced(name, answers, key=key))


@pytest.fixture
def session(db_url):
    """A session in one write transaction, committed at the end of the test (use for setup and assertions)."""
    with uow.write_session(db_url) as s:
        yield s


def make_user(s, username: str, role: str) -> auth.Principal:
    user, _ = auth.create_user(s, username=username, role=role, actor="test", password=TEST_PASSWORD,
                               must_change=False, display_name=username)
    s.flush()
    return auth.principal(user)


@pytest.fixture
def users(db_url) -> dict[str, auth.Principal]:
    """One account per role (and a second leader), committed, with TEST_PASSWORD."""
    with uow.write_session(db_url) as s:
        out = {r: make_user(s, r, r) for r in auth.ROLES}
        out["leader2"] = make_user(s, "leader2", "leader")
    return out


@pytest.fixture
def demo(db_url, users):
    """The demo scenario loaded over the test users."""
    from planners.base import demo as demo_mod

    with uow.write_session(db_url) as s:
        ctx = demo_mod.load(s)
    return ctx


def app_test(page: str, *, user: auth.Principal | None = None, lang: str = "en", timeout: float = 30):
    """An AppTest of pages/<page>.py signed in as `user` (or signed out)."""
    from streamlit.testing.v1 import AppTest

    at = AppTest.from_file(str(ROOT / "pages" / f"{page}.py"), default_timeout=timeout)
    at.session_state["lang"] = lang
    if user is not None:
        at.session_state["user_id"] = user.id
    return at


@pytest.fixture(scope="session")
def pg_server():
    from tests.pgserver import PgServer

    srv = PgServer().start()
    yield srv
    srv.stop()


@pytest.fixture
def pg_url(pg_server, monkeypatch, tmp_path) -> str:
    """A fresh, migrated database on the test run's PostgreSQL server; DATABASE_URL points at it."""
    url = pg_server.new_database()
    monkeypatch.setenv("DATABASE_URL", url)
    monkeypatch.setenv("CONCLAVE_KEYS_DIR", str(tmp_path / "keys"))
    schema.upgrade(url)
    yield url
    dbmod.dispose_all()


@pytest.fixture(params=["sqlite", "postgresql"])
def any_db_url(request):
    """The same test on SQLite and on PostgreSQL."""
    if request.param == "sqlite":
        return request.getfixturevalue("db_url")
    return request.getfixturevalue("pg_url")
