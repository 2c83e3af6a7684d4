"""Shared fixtures: a fresh database per test (SQLite file by default), users of each role, AppTest runner."""
from __future__ import annotations

import os
import sys
import time
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


# ---- database templates ------------------------------------------------------------------------------------------
# Migrating a database (0.7 s), hashing the test accounts' passwords (0.9 s) and loading the demo (2.5 s) were done
# again for every test: ~25 of the suite's 35 minutes. Each is now done once per run into a template (the SQLite
# file and its keys folder) and every test gets its own copy: the same state, as independent as before. The demo
# is relative to now (a meeting under way), so a template older than TEMPLATE_MAX_AGE is made again.
TEMPLATE_MAX_AGE = 600.0
_TEMPLATES: dict[str, tuple[float, Path, object]] = {}
_DB_FILES = ("conclave.db", "conclave.db-wal", "conclave.db-shm")


def _copy_state(src: Path, dst: Path) -> None:
    """Make dst's database file and keys folder those of src (no engine may hold the file open)."""
    import shutil

    dbmod.dispose_all()
    for name in _DB_FILES:
        if (dst / name).exists():
            (dst / name).unlink()
        if (src / name).exists():
            shutil.copy2(src / name, dst / name)
    if (dst / "keys").exists():
        shutil.rmtree(dst / "keys")
    if (src / "keys").exists():
        shutil.copytree(src / "keys", dst / "keys")


def _template(factory, name: str, base: str | None, build):
    """The template `name`: a copy of template `base` (or an empty folder) with `build(url)` applied, made once."""
    got = _TEMPLATES.get(name)
    if got is not None and time.monotonic() - got[0] < TEMPLATE_MAX_AGE:
        return got[1], got[2]
    d = factory.mktemp(f"template-{name}")
    if base is not None:
        _copy_state(_template(factory, base, *_BASES[base])[0], d)
    url = f"sqlite:///{d / 'conclave.db'}"
    saved = os.environ.get("CONCLAVE_KEYS_DIR")
    os.environ["CONCLAVE_KEYS_DIR"] = str(d / "keys")
    try:
        value = build(url)
    finally:
        if saved is None:
            os.environ.pop("CONCLAVE_KEYS_DIR", None)
        else:
            os.environ["CONCLAVE_KEYS_DIR"] = saved
        dbmod.dispose_all()
    _TEMPLATES[name] = (time.monotonic(), d, value)
    return d, value


def _build_users(url: str) -> dict[str, auth.Principal]:
    with uow.write_session(url) as s:
        out = {r: make_user(s, r, r) for r in auth.ROLES}
        out["leader2"] = make_user(s, "leader2", "leader")
    return out


def _build_demo(url: str):
    from planners.base import demo as demo_mod

    with uow.write_session(url) as s:
        return demo_mod.load(s)


_BASES = {"migrated": (None, schema.upgrade), "users": ("migrated", _build_users), "demo": ("users", _build_demo)}


def _fingerprint(d: Path) -> tuple:
    """What the database files and keys folder of d hold (names, sizes, digests).

    The engines of this process are closed first. Reading the files opens and closes them, and closing any
    descriptor of a file drops every POSIX lock this process holds on it: a pooled SQLite connection then loses
    its hold on the WAL index, and the next writer in another process rebuilds it under the connection's feet
    ("database disk image is malformed", 1 run in 6 of the four-process audit chain test)."""
    import hashlib

    dbmod.dispose_all()

    files = [d / n for n in _DB_FILES] + (sorted((d / "keys").rglob("*")) if (d / "keys").exists() else [])
    return tuple((str(f.relative_to(d)), hashlib.sha1(f.read_bytes()).hexdigest()) for f in files if f.is_file())


_PRISTINE: dict[Path, tuple[str, tuple]] = {}  # a test's folder -> the template it holds untouched, and its print


def _from_template(factory, tmp_path: Path, name: str, after: str | None = None):
    """Give the test's folder template `name`'s state when it still holds `after`'s untouched; else build `name`'s
    step on what the test's folder holds (a fixture before this one wrote to it), as it was built before."""
    if after is not None:
        held = _PRISTINE.get(tmp_path)
        if held is None or held[0] != after or held[1] != _fingerprint(tmp_path):
            _PRISTINE.pop(tmp_path, None)
            return _BASES[name][1](f"sqlite:///{tmp_path / 'conclave.db'}")
    d, value = _template(factory, name, *_BASES[name])
    _copy_state(d, tmp_path)
    _PRISTINE[tmp_path] = (name, _fingerprint(tmp_path))
    return value


@pytest.fixture
def db_url(tmp_path, tmp_path_factory, monkeypatch) -> str:
    """A fresh, migrated SQLite database; DATABASE_URL points at it for the whole test."""
    url = f"sqlite:///{tmp_path / 'conclave.db'}"
    monkeypatch.setenv("DATABASE_URL", url)
    monkeypatch.setenv("CONCLAVE_KEYS_DIR", str(tmp_path / "keys"))
    _from_template(tmp_path_factory, tmp_path, "migrated")
    schema.upgrade(url)  # current already: checks the file as every start does
    _PRISTINE[tmp_path] = ("migrated", _fingerprint(tmp_path))
    yield url
    _PRISTINE.pop(tmp_path, None)
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
def users(db_url, tmp_path, tmp_path_factory) -> dict[str, auth.Principal]:
    """One account per role (and a second leader), committed, with TEST_PASSWORD."""
    return dict(_from_template(tmp_path_factory, tmp_path, "users", after="migrated"))


@pytest.fixture
def demo(db_url, users, tmp_path, tmp_path_factory):
    """The demo scenario loaded over the test users."""
    import copy

    return copy.deepcopy(_from_template(tmp_path_factory, tmp_path, "demo", after="users"))


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
