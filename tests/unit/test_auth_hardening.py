"""Sign-in under attack (issue 19, items 1, 2 and one-time password validity): no write lock while argon2 runs,
an atomic failure count whatever the concurrency, the same work on every path, rate limits per session and per
address, a bounded audit trail under a flood, one-time passwords that expire."""
from __future__ import annotations

import sqlite3
import statistics
import threading
import time
import types
from datetime import timedelta

import pytest

from planners.base import auth, signin_guard
from planners.core import config
from planners.core.clock import utcnow
from planners.store.uow import read as read_session, write_session
from planners.store.models import AuditEntry, User
from tests.conftest import TEST_PASSWORD, app_test, make_user


@pytest.fixture(autouse=True)
def _fresh_guard():
    signin_guard.reset()
    yield
    signin_guard.reset()


def _entries(action: str) -> list[AuditEntry]:
    with read_session() as s:
        return s.query(AuditEntry).filter_by(action=action).order_by(AuditEntry.id).all()


def _count_verifies(monkeypatch) -> list[str]:
    calls: list[str] = []
    real = auth.verify_password

    def counting(stored_hash, password):
        calls.append(stored_hash)
        return real(stored_hash, password)

    monkeypatch.setattr(auth, "verify_password", counting)
    return calls


# --- item 1: no write lock while the password is checked --------------------------------------------------

def test_the_password_is_checked_while_another_writer_can_commit(db_url, users, monkeypatch):
    """While argon2 runs, a desk must be able to take SQLite's write lock at once (it waited ~1 s per sign-in)."""
    path = db_url[len("sqlite:///"):]
    seen: list[str] = []
    real = auth.verify_password

    def verify_while_a_desk_writes(stored_hash, password):
        con = sqlite3.connect(path, timeout=0.2, isolation_level=None)
        try:
            con.execute("BEGIN IMMEDIATE")
            con.execute("ROLLBACK")
            seen.append("desk wrote")
        except sqlite3.OperationalError as exc:
            seen.append(f"desk blocked: {exc}")
        finally:
            con.close()
        return real(stored_hash, password)

    monkeypatch.setattr(auth, "verify_password", verify_while_a_desk_writes)
    for name, pw in [("organizer", TEST_PASSWORD), ("organizer", "wrong"), ("ghost", "x")]:
        try:
            auth.sign_in(name, pw)
        except auth.SignInFailed:
            pass
    assert seen == ["desk wrote"] * 3


# --- item 2: the 5th failure locks, whatever the concurrency ----------------------------------------------

def test_thirty_parallel_wrong_passwords_lock_the_account_and_the_right_one_is_refused(any_db_url):
    with write_session(any_db_url) as s:
        make_user(s, "organizer", "organizer")
    barrier = threading.Barrier(30)
    outcomes: list[str] = []
    lock = threading.Lock()

    def guess(i: int) -> None:
        barrier.wait()
        try:
            auth.sign_in("organizer", f"wrong-{i}", any_db_url)
            result = "signed in"
        except auth.SignInFailed:
            result = "refused"
        except Exception as exc:  # a raw database error is a failure of the test
            result = f"{type(exc).__name__}: {exc}"
        with lock:
            outcomes.append(result)

    threads = [threading.Thread(target=guess, args=(i,)) for i in range(30)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(120)
    assert outcomes == ["refused"] * 30
    with read_session(any_db_url) as s:
        u = s.query(User).filter_by(username="organizer").one()
        assert u.locked_until is not None and u.locked_until > utcnow()
        assert s.query(AuditEntry).filter_by(action="user.locked").count() == 1
    with pytest.raises(auth.SignInFailed) as exc:
        auth.sign_in("organizer", TEST_PASSWORD, any_db_url)
    assert "locked" in str(exc.value)
    with read_session(any_db_url) as s:
        assert s.query(AuditEntry).filter_by(action="signin.ok").count() == 0


def test_a_right_password_checked_while_the_account_got_locked_is_refused(db_url, users, monkeypatch):
    """The check runs outside the transaction: the write must refuse a success if a lock landed meanwhile."""
    real = auth.verify_password

    def lock_meanwhile(stored_hash, password):
        with write_session() as s:
            s.query(User).filter_by(username="organizer").one().locked_until = utcnow() + timedelta(minutes=5)
        return real(stored_hash, password)

    monkeypatch.setattr(auth, "verify_password", lock_meanwhile)
    with pytest.raises(auth.SignInFailed):
        auth.sign_in("organizer", TEST_PASSWORD)
    assert _entries("signin.ok") == []


@pytest.fixture
def odd_accounts(db_url, users):
    with write_session() as s:
        s.query(User).filter_by(username="leader2").one().active = False
        s.query(User).filter_by(username="leader").one().locked_until = utcnow() + timedelta(minutes=10)
    return {"unknown": "nobody-here", "inactive": "leader2", "locked": "leader", "wrong": "organizer"}


def test_every_refusal_runs_exactly_one_argon2_check(odd_accounts, monkeypatch):
    calls = _count_verifies(monkeypatch)
    for path, name in odd_accounts.items():
        before = len(calls)
        with pytest.raises(auth.SignInFailed):
            auth.sign_in(name, "not-the-password")
        assert len(calls) - before == 1, path
        assert calls[-1].startswith("$argon2id$"), path


def test_refusals_take_as_long_on_every_path(odd_accounts):
    auth.sign_in("admin", TEST_PASSWORD)  # warm-up: the dummy hash, the engine
    times: dict[str, list[float]] = {p: [] for p in odd_accounts}
    for _ in range(3):
        for path, name in odd_accounts.items():
            t = time.perf_counter()
            with pytest.raises(auth.SignInFailed):
                auth.sign_in(name, "not-the-password")
            times[path].append(time.perf_counter() - t)
    med = {p: statistics.median(v) for p, v in times.items()}
    # before: inactive ~3.5 ms, locked ~7 ms against ~900 ms for a wrong password
    for path in ("unknown", "inactive", "locked"):
        assert med[path] > 0.5 * med["wrong"], med


# --- item 1: rate limits ----------------------------------------------------------------------------------

def test_a_session_is_refused_after_its_failures_and_told_how_long_to_wait(db_url, users, monkeypatch):
    monkeypatch.setattr(signin_guard.LIMITER, "pause_s", 0)
    calls = _count_verifies(monkeypatch)
    for _ in range(signin_guard.SESSION_LIMIT):
        with pytest.raises(auth.SignInFailed) as exc:
            auth.sign_in("ghost", "x", session="tab-1")
        assert not isinstance(exc.value, auth.TooManyAttempts)
    checked = len(calls)
    with pytest.raises(auth.TooManyAttempts) as exc:
        auth.sign_in("organizer", TEST_PASSWORD, session="tab-1")
    assert len(calls) == checked  # refused before any argon2 work
    wait = exc.value.params["seconds"]
    assert 0 < wait <= signin_guard.LIMIT_WINDOW_S
    assert f"wait {wait} s" in exc.value.localized("en")
    assert f"请等待 {wait} 秒" in exc.value.localized("zh_CN")
    # another session is not concerned
    assert auth.sign_in("organizer", TEST_PASSWORD, session="tab-2").username == "organizer"


def test_successes_do_not_count_against_a_session(db_url, users):
    for _ in range(signin_guard.SESSION_LIMIT + 3):
        auth.sign_in("organizer", TEST_PASSWORD, session="desk-tab")


def test_an_address_is_refused_whatever_sessions_it_opens(db_url, users, monkeypatch):
    monkeypatch.setattr(signin_guard.LIMITER, "pause_s", 0)
    monkeypatch.setattr(signin_guard.LIMITER, "address_limit", 4)
    for i in range(4):
        with pytest.raises(auth.SignInFailed):
            auth.sign_in(f"made-up-{i}", "x", session=f"s{i}", client="10.0.0.9")
    with pytest.raises(auth.TooManyAttempts):
        auth.sign_in("organizer", TEST_PASSWORD, session="fresh", client="10.0.0.9")
    assert auth.sign_in("organizer", TEST_PASSWORD, session="fresh", client="10.0.0.10").username == "organizer"


def test_the_limit_lifts_when_the_window_has_passed():
    lim = signin_guard.RateLimiter(session_limit=2, address_limit=10, window_s=60, pause_s=0)
    for t in (0.0, 1.0):
        lim.admit(session="a", client=None, now=t).settle(False)
    with pytest.raises(signin_guard.Throttled) as exc:
        lim.admit(session="a", client=None, now=30.0)
    assert exc.value.wait_s == 30
    lim.admit(session="a", client=None, now=60.5).settle(False)


def test_parallel_attempts_of_one_session_cannot_all_pass_the_check():
    lim = signin_guard.RateLimiter(session_limit=3, address_limit=10, window_s=60, pause_s=0)
    tickets = [lim.admit(session="a", client=None, now=1.0) for _ in range(3)]  # all in progress
    with pytest.raises(signin_guard.Throttled):
        lim.admit(session="a", client=None, now=1.0)
    for t in tickets:
        t.settle(True)
    lim.admit(session="a", client=None, now=2.0)


def test_the_sign_in_form_says_too_many_attempts(db_url, users, monkeypatch):
    monkeypatch.setattr(signin_guard.LIMITER, "pause_s", 0)
    at = app_test("home").run()
    for _ in range(signin_guard.SESSION_LIMIT + 1):
        at.text_input(key="signin_username").input("ghost")
        at.text_input(key="signin_password").input("wrong")
        at.button[0].click().run()
    assert not at.exception
    assert any("Too many sign-in attempts: wait" in e.value for e in at.error), [e.value for e in at.error]


# --- item 1: the audit trail under a flood ------------------------------------------------------------------

def test_a_flood_of_made_up_names_writes_one_entry_then_one_summary_per_window(db_url, users, monkeypatch):
    clock = {"now": 1000.0}
    monkeypatch.setattr(signin_guard, "time", types.SimpleNamespace(monotonic=lambda: clock["now"], sleep=time.sleep))
    for i in range(12):
        with pytest.raises(auth.SignInFailed):
            auth.sign_in(f"made-up-{i}", "x", client="10.0.0.7")
    assert [e.actor for e in _entries("signin.failed")] == ["made-up-0"]
    assert _entries("signin.failed.repeated") == []
    clock["now"] += signin_guard.AUDIT_WINDOW_S
    with pytest.raises(auth.SignInFailed):
        auth.sign_in("made-up-x", "x", client="10.0.0.7")
    (summary,) = _entries("signin.failed.repeated")
    import json

    d = json.loads(summary.details)
    assert d["count"] == 11 and d["reasons"] == {"unknown_user": 11} and d["client"] == "10.0.0.7"
    assert d["names"][:2] == ["made-up-1", "made-up-2"] and d["names_total"] == 11
    assert len(_entries("signin.failed")) == 2  # the new window's first failure
    from planners.base import audit

    with read_session() as s:
        assert audit.verify(s).ok


def test_wrong_passwords_are_all_counted_but_written_once_and_the_lock_always(db_url, users):
    for _ in range(config.MAX_FAILED_SIGNINS - 1):
        with pytest.raises(auth.SignInFailed):
            auth.sign_in("organizer", "wrong")
    with read_session() as s:
        assert s.query(User).filter_by(username="organizer").one().failed_attempts == config.MAX_FAILED_SIGNINS - 1
    assert len(_entries("signin.failed")) == 1
    with pytest.raises(auth.SignInFailed):
        auth.sign_in("organizer", "wrong")
    assert len(_entries("user.locked")) == 1


def test_counted_failures_are_written_at_exit(db_url, users):
    for i in range(3):
        with pytest.raises(auth.SignInFailed):
            auth.sign_in("ghost", "x")
    signin_guard._flush_at_exit()
    (summary,) = _entries("signin.failed.repeated")
    assert '"count":2' in summary.details


# --- item 8: one-time passwords expire -----------------------------------------------------------------------

def test_a_one_time_password_is_valid_72_hours(db_url):
    with write_session() as s:
        u, pw = auth.create_user(s, username="newbie", role="organizer", actor="test")
    expected = utcnow() + timedelta(hours=auth.ONE_TIME_PASSWORD_HOURS)
    assert abs((u.password_expires_at - expected).total_seconds()) < 60
    assert auth.sign_in("newbie", pw).must_change_password
    with write_session() as s:
        auth.change_password(s, u.id, pw, "a-long-enough-password")
    with read_session() as s:
        assert s.get(User, u.id).password_expires_at is None  # a chosen password does not expire


def test_an_expired_one_time_password_is_refused_and_says_how_to_get_a_new_one(db_url, users):
    with write_session() as s:
        u, pw = auth.create_user(s, username="newbie", role="organizer", actor="test")
        u.password_expires_at = utcnow() - timedelta(minutes=1)
    with pytest.raises(auth.OneTimePasswordExpired) as exc:
        auth.sign_in("newbie", pw)
    assert "conclave user reset-password newbie" in exc.value.localized("en")
    assert "conclave user reset-password newbie" in exc.value.localized("zh_CN")
    assert "过期" in exc.value.localized("zh_CN")
    # a wrong password on that account gets the usual answer, not a hint
    with pytest.raises(auth.SignInFailed) as other:
        auth.sign_in("newbie", "guess-guess-guess")
    assert not isinstance(other.value, auth.OneTimePasswordExpired)
    with write_session() as s:
        pw2 = auth.reset_password(s, username="newbie", actor="admin")
    assert auth.sign_in("newbie", pw2).must_change_password


def test_an_attacker_rotating_addresses_is_counted_not_written_one_by_one(monkeypatch):
    monkeypatch.setattr(signin_guard, "INDIVIDUAL_PER_WINDOW", 5)
    log = signin_guard.FailureLog(window_s=60)
    written = []
    for i in range(40):
        written += log.failure("db", user_id=None, account=None, typed=f"n{i}", client=f"10.0.0.{i}",
                               reason="unknown_user", now=1.0 + i * 0.1)
    assert len(written) == 5  # the first five, one by one
    written = log.failure("db", user_id=None, account=None, typed="late", client="10.9.9.9", reason="unknown_user",
                          now=70.0) + log.due("db", now=70.0)
    summaries = [e for e in written if e["action"] == "signin.failed.repeated"]
    assert [(e["client"], e["count"]) for e in summaries] == [("*", 35)]
    assert [e["action"] for e in written].count("signin.failed") == 1  # a new window: its first, one by one


def test_accounts_waiting_for_their_first_change_get_the_validity_from_the_upgrade(tmp_path, monkeypatch):
    from alembic import command
    from sqlalchemy import text

    from planners.store import db as dbmod
    from planners.store import schema

    url = f"sqlite:///{tmp_path / 'old.db'}"
    monkeypatch.setenv("DATABASE_URL", url)
    engine = dbmod.get_engine(url)
    with engine.begin() as conn:
        cfg = schema.alembic_config(url)
        cfg.attributes["connection"] = conn
        command.upgrade(cfg, "0007_join_areas")
    with engine.begin() as conn:
        for name, must in (("waiting", 1), ("settled", 0)):
            conn.execute(text("INSERT INTO users (username, display_name, role, unit, password_hash, "
                              "must_change_password, failed_attempts, active, created_at) VALUES "
                              "(:n, :n, 'organizer', '', 'x', :m, 0, 1, '2026-01-01 00:00:00')"), {"n": name, "m": must})
    schema.upgrade(url)
    with read_session(url) as s:
        waiting = s.query(User).filter_by(username="waiting").one()
        settled = s.query(User).filter_by(username="settled").one()
    expected = utcnow() + timedelta(hours=auth.ONE_TIME_PASSWORD_HOURS)
    assert abs((waiting.password_expires_at - expected).total_seconds()) < 120
    assert settled.password_expires_at is None
    dbmod.dispose_all()
