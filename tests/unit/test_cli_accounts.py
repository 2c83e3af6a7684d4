"""Issue 19 item 7: the CLI records the real OS user, acts as a person only with that person's password, and
separation of duties holds across the accounts one person made."""
from __future__ import annotations

import json
import os
import pwd

import pytest
from click.testing import CliRunner
from sqlalchemy import select

from planners.base import approvals, audit, auth, signin_guard
from planners.cli import main
from planners.cli.common import cli_actor
from planners.core import config
from planners.core.errors import SelfApprovalForbidden
from planners.store.models import User
from planners.store.uow import read as read_session, write_session
from tests.checkin.helpers import make_event
from tests.conftest import TEST_PASSWORD

REAL = pwd.getpwuid(os.getuid()).pw_name


@pytest.fixture(autouse=True)
def _fresh_limiter():
    signin_guard.LIMITER.reset()
    yield
    signin_guard.LIMITER.reset()


def _run(*args, password: str | None = TEST_PASSWORD, **env):
    if password is not None:
        env["CONCLAVE_PASSWORD"] = password
    return CliRunner(env=env).invoke(main, list(args))


def _entries(action: str) -> list:
    with read_session() as s:
        return [e for e in audit.query(s) if e.action == action]


def _hash(username: str) -> str:
    with read_session() as s:
        return s.scalar(select(User.password_hash).where(User.username == username))


def test_cli_actor_is_the_uid_not_logname(monkeypatch):
    assert REAL != "leader"
    monkeypatch.setenv("LOGNAME", "leader")
    monkeypatch.setenv("USER", "leader")
    monkeypatch.setenv("USERNAME", "leader")
    assert cli_actor() == f"cli:{REAL}"


def test_an_os_level_command_is_audited_as_the_real_os_user(db_url):
    r = _run("init", password=None, LOGNAME="leader", USER="leader")
    assert r.exit_code == 0, r.output
    [created] = _entries("user.create")
    assert created.actor == f"cli:{REAL}"


@pytest.mark.parametrize("password", ["wrong-password-1", None])
def test_reset_password_without_the_admins_password_changes_nothing(db_url, users, password):
    before = _hash("organizer")
    r = _run("user", "reset-password", "organizer", "--as", "admin", password=password)
    assert r.exit_code == 3 and "Traceback" not in r.output
    assert "refused" in r.output
    if password is None:  # no terminal and no CONCLAVE_PASSWORD: says how to give it
        assert "CONCLAVE_PASSWORD" in r.output
    else:
        [failed] = _entries("signin.failed")  # counted like a web sign-in
        assert failed.actor == "admin" or "admin" in failed.details
    assert _hash("organizer") == before
    assert _entries("user.password_reset") == []


def test_no_argument_means_no_account(db_url, users):
    r = _run("user", "add", "boss2", "--role", "leader")
    assert r.exit_code == 2 and "--as" in r.output
    with read_session() as s:
        assert s.scalar(select(User).where(User.username == "boss2")) is None


def test_an_account_of_another_role_is_refused(db_url, users):
    before = _hash("front_desk")
    r = _run("user", "reset-password", "front_desk", "--as", "organizer")
    assert r.exit_code == 3 and "admin" in r.output and "organizer" in r.output
    assert _hash("front_desk") == before and _entries("user.password_reset") == []


def test_with_the_password_it_works_and_is_audited_as_the_account_and_the_os_user(db_url, users):
    before = _hash("organizer")
    r = _run("user", "reset-password", "organizer", "--as", "admin", LOGNAME="leader")
    assert r.exit_code == 0, r.output
    assert _hash("organizer") != before
    [reset] = _entries("user.password_reset")
    assert reset.actor == "admin" and json.loads(reset.details)["through"] == f"cli:{REAL}"
    assert [e.actor for e in _entries("signin.ok")] == ["admin"]


def test_cli_failures_count_and_lock_the_account_as_on_the_web(db_url, users):
    for _ in range(config.MAX_FAILED_SIGNINS):
        assert _run("user", "add", "x1", "--role", "leader", "--as", "admin", password="not-it-at-all").exit_code == 3
    assert [e.actor for e in _entries("user.locked")] == ["admin"]
    r = _run("user", "add", "x1", "--role", "leader", "--as", "admin")  # the right password, but locked
    assert r.exit_code == 3
    with read_session() as s:
        assert s.scalar(select(User).where(User.username == "x1")) is None


def test_a_desk_scan_needs_the_desks_password(db_url, users):
    from planners.store.models_checkin import Scan

    eid, codes = make_event(db_url, users["organizer"], n=1)
    code = next(iter(codes.values()))
    r = _run("scan", str(eid), code, "--desk", "north", "--json", "--as", "front_desk", password="wrong-password")
    assert r.exit_code == 3
    with read_session() as s:
        assert s.query(Scan).count() == 0
    r = _run("scan", str(eid), code, "--desk", "north", "--json", "--as", "front_desk")
    assert r.exit_code == 0 and json.loads(r.output)["status"] == "ok"
    with read_session() as s:
        [scan] = s.query(Scan).all()
        assert scan.actor == "front_desk"


def test_documents_issue_as_someone_else_needs_their_password(db_url, users):
    r = _run("documents", "issue", "1", "X", "1", "--as", "organizer", password="guessing-it")
    assert r.exit_code == 3 and "refused" in r.output
    assert _entries("signin.ok") == []


def _ask(requester: auth.Principal, thing: int = 1) -> int:
    with write_session() as s:
        return approvals.request(s, kind="test_kind", object_type="thing", object_id=thing,
                                 title={"en": "May we?", "zh_CN": "可以吗？"}, requested_by=requester).id


def _principal(username: str) -> auth.Principal:
    with read_session() as s:
        return auth.principal(s.scalar(select(User).where(User.username == username)))


def test_a_leader_account_the_requester_created_cannot_decide_the_request(db_url, users):
    r = _run("user", "add", "boss2", "--role", "leader", "--as", "admin")
    assert r.exit_code == 0, r.output
    [created] = [e for e in _entries("user.create") if json.loads(e.details)["after"]["username"] == "boss2"]
    assert created.actor == "admin"
    boss2 = _principal("boss2")
    a = _ask(users["admin"])
    with pytest.raises(SelfApprovalForbidden) as ei:
        with write_session() as s:
            approvals.decide(s, a, "approved", leader=boss2)
    assert ei.value.key == "approvals.created_by_requester"
    assert "admin" in ei.value.localized("en") and "boss2" in ei.value.localized("en")
    assert "申请人" in ei.value.localized("zh_CN")
    with read_session() as s:
        assert [x.id for x in approvals.pending(s)] == [a]  # still waiting
    with write_session() as s:  # a leader the requester did not make decides it
        approvals.decide(s, a, "approved", leader=users["leader2"])
    b = _ask(users["organizer"], thing=2)  # boss2 decides other people's requests
    with write_session() as s:
        approvals.decide(s, b, "approved", leader=boss2)


def test_a_leader_the_requester_promoted_cannot_decide_the_request(db_url, users):
    with write_session() as s:
        auth.update_user(s, user_id=users["organizer"].id, actor=users["admin"], role="leader")
    promoted = _principal("organizer")
    a = _ask(users["admin"])
    with pytest.raises(SelfApprovalForbidden):
        with write_session() as s:
            approvals.decide(s, a, "approved", leader=promoted)
    b = _ask(users["front_desk"], thing=2)
    with write_session() as s:
        approvals.decide(s, b, "approved", leader=promoted)


def test_a_leader_cannot_decide_for_an_account_they_created(db_url, users):
    with write_session() as s:  # leader2 was an admin once, and made an organizer account
        me = auth.principal(s.get(User, users["leader2"].id))
        s.get(User, me.id).role = "admin"
        auth.create_user(s, username="stooge", role="organizer", actor=me.username, password=TEST_PASSWORD,
                         must_change=False)
        s.get(User, me.id).role = "leader"
    a = _ask(_principal("stooge"))
    with pytest.raises(SelfApprovalForbidden) as ei:
        with write_session() as s:
            approvals.decide(s, a, "approved", leader=users["leader2"])
    assert ei.value.key == "approvals.leader_made_requester" and "stooge" in ei.value.localized("zh_CN")
    with write_session() as s:
        approvals.decide(s, a, "approved", leader=users["leader"])


def test_the_password_is_asked_on_the_terminal_not_echoed(db_url, users, monkeypatch):
    from planners.cli import common

    asked = []
    monkeypatch.setattr(common, "_has_terminal", lambda: True)
    monkeypatch.setattr(common.getpass, "getpass", lambda prompt: asked.append(prompt) or TEST_PASSWORD)
    r = _run("user", "add", "boss3", "--role", "organizer", "--as", "admin", password=None)
    assert r.exit_code == 0, r.output
    assert asked == ["password of admin: "] and TEST_PASSWORD not in r.output
