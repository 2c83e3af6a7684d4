"""`conclave scan EVENT --stdin` (issue 17): a scripted desk signs in once, then scans one code per line of
standard input, printing each verdict as it is made. Every line is the one-shot scan: the same verdicts, the
same scan log and audit entries, the same exit codes; only the sign-in (argon2 + start-up) is paid once."""
from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest
from click.testing import CliRunner
from sqlalchemy import select

from planners.cli import main
from planners.store import uow
from planners.store.models import AuditEntry, User
from planners.store.models_checkin import Scan as ScanLog
from tests.checkin.helpers import make_event
from tests.conftest import ROOT, TEST_PASSWORD


@pytest.fixture
def runner():
    return CliRunner(env={"CONCLAVE_PASSWORD": TEST_PASSWORD})


def _people(n: int, first: int = 0) -> list[dict]:
    return [dict(name=f"参会人{i:03d}", unit="市财政局", id_last4=f"{i:04d}", clearance="confidential",
                 pledge_signed=True, nationality="CN", id_type="resident_id") for i in range(first, first + n)]


def _trail(url: str, event_id: int) -> list[tuple]:
    """What the audit trail says of the event's scans, without ids and times."""
    with uow.read(url) as s:
        rows = s.scalars(select(AuditEntry).where(AuditEntry.event_id == event_id,
                                                  AuditEntry.action.like("checkin.%")).order_by(AuditEntry.id))
        out = []
        for e in rows:
            d = json.loads(e.details)
            out.append((e.actor, e.action, e.object_type, d.get("reason"), d.get("desk"), d.get("through"),
                        tuple(sorted(d))))
        return out


def _signins(url: str, name: str) -> int:
    with uow.read(url) as s:
        return len(list(s.scalars(select(AuditEntry.id).where(AuditEntry.action == "signin.ok",
                                                              AuditEntry.actor == name))))


def _one_json_per_line(output: str) -> list[dict]:
    return [json.loads(line) for line in output.splitlines() if line.strip()]


def test_stdin_scans_every_line_as_the_one_shot_does_with_one_sign_in(db_url, users, runner):
    batch_eid, batch = make_event(db_url, users["organizer"], people=_people(2), title="批量")
    shot_eid, shot = make_event(db_url, users["organizer"], people=_people(2, 10), title="逐个")
    b1, b2 = batch.values()
    s1, s2 = shot.values()
    before = _signins(db_url, "front_desk")

    lines = [b1, "", b2, "NOT-A-BADGE", "   ", b1]
    r = runner.invoke(main, ["scan", str(batch_eid), "--stdin", "--desk", "north", "--json", "--as", "front_desk"],
                      input="\n".join(lines) + "\n")
    got = _one_json_per_line(r.stdout)
    assert [v["reason"] for v in got] == ["ok", "ok", "invalid", "same_badge_again"]  # blank lines skipped
    assert r.exit_code == 3, r.output  # one refusal (or more): the one-shot's refusal code
    assert _signins(db_url, "front_desk") == before + 1  # signed in once for the whole run

    one_shot = []
    for code in (s1, s2, "NOT-A-BADGE", s1):
        res = runner.invoke(main, ["scan", str(shot_eid), code, "--desk", "north", "--json", "--as", "front_desk"])
        one_shot.append((res.exit_code, json.loads(res.stdout)))
    assert [v["reason"] for _, v in one_shot] == [v["reason"] for v in got]
    assert [c for c, _ in one_shot] == [0, 0, 3, 3]
    assert [sorted(v) for _, v in one_shot] == [sorted(v) for v in got]  # the same verdict, field for field
    assert _trail(db_url, batch_eid) == _trail(db_url, shot_eid)  # the same audit entries
    assert len(_trail(db_url, batch_eid)) == 4 and {t[5] for t in _trail(db_url, batch_eid)} == {"cli:" + _os_user()}
    with uow.read(db_url) as s:
        logged = [(x.reason, x.desk) for x in s.scalars(select(ScanLog).where(ScanLog.event_id == batch_eid)
                                                        .order_by(ScanLog.id))]
    assert [x[0] for x in logged] == ["ok", "ok", "invalid", "same_badge_again"] and {x[1] for x in logged} == {"north"}


def _os_user() -> str:
    from planners.cli.common import os_user

    return os_user()


def test_stdin_exits_0_when_every_code_is_admitted_and_checks_out_with_exit(db_url, users, runner):
    eid, codes = make_event(db_url, users["organizer"], people=_people(3))
    feed = "\n".join(codes.values()) + "\n"
    args = ["scan", str(eid), "--stdin", "--desk", "north", "--as", "front_desk"]
    r = runner.invoke(main, [*args, "--json"], input=feed)
    assert r.exit_code == 0 and [v["reason"] for v in _one_json_per_line(r.stdout)] == ["ok"] * 3
    r = runner.invoke(main, [*args, "--exit"], input=feed)  # text lines, as the one-shot prints them
    assert r.exit_code == 0 and r.stdout.count(" exit_ok: ") == 3, r.output
    r = runner.invoke(main, [*args, "--json"], input="\n \n")
    assert r.exit_code == 0 and r.stdout.strip() == ""  # nothing to scan: nothing refused


def test_stdin_wants_no_code_argument_and_a_code_wants_no_stdin(db_url, users, runner):
    eid, codes = make_event(db_url, users["organizer"], n=1)
    code = next(iter(codes.values()))
    r = runner.invoke(main, ["scan", str(eid), code, "--stdin", "--desk", "north", "--as", "front_desk"], input="")
    assert r.exit_code == 2 and "either CODE or --stdin" in r.output
    r = runner.invoke(main, ["scan", str(eid), "--desk", "north", "--as", "front_desk"])
    assert r.exit_code == 2 and "either CODE or --stdin" in r.output


def test_an_unregistered_desk_stops_the_run_with_the_one_shots_error(db_url, users, runner):
    eid, codes = make_event(db_url, users["organizer"], n=2)
    r = runner.invoke(main, ["scan", str(eid), "--stdin", "--desk", "nowhere", "--json", "--as", "front_desk"],
                      input="\n".join(codes.values()) + "\n")
    assert r.exit_code == 2 and "not registered" in r.stderr and r.stdout.strip() == ""
    with uow.read(db_url) as s:
        assert s.scalar(select(ScanLog.id).where(ScanLog.event_id == eid)) is None


def _deactivate(u):
    u.active = False


def _lock(u):
    from datetime import timedelta

    from planners.core.clock import utcnow

    u.locked_until = utcnow() + timedelta(minutes=15)


def _make_organizer(u):
    u.role = "organizer"


@pytest.mark.parametrize("change", [_deactivate, _lock, _make_organizer], ids=["deactivated", "locked", "role"])
def test_an_account_deactivated_during_the_run_scans_nothing_more(db_url, users, runner, monkeypatch, change):
    from planners import checkin

    eid, codes = make_event(db_url, users["organizer"], n=3)
    real_scan = checkin.scan

    def scan_then_deactivate(*a, **kw):  # an admin deactivates the desk's account after the first code
        v = real_scan(*a, **kw)
        with uow.write_session(db_url) as s:
            change(s.scalar(select(User).where(User.username == "front_desk")))
        return v

    monkeypatch.setattr(checkin, "scan", scan_then_deactivate)
    r = runner.invoke(main, ["scan", str(eid), "--stdin", "--desk", "north", "--json", "--as", "front_desk"],
                      input="\n".join(codes.values()) + "\n")
    assert r.exit_code == 3, r.output
    assert [v["reason"] for v in _one_json_per_line(r.stdout)] == ["ok"]
    assert "can no longer scan" in r.stderr and "1 codes scanned" in r.stderr
    with uow.read(db_url) as s:
        assert len(list(s.scalars(select(ScanLog.id).where(ScanLog.event_id == eid)))) == 1


def test_each_verdict_is_printed_before_the_next_line_is_read(db_url, users):
    """A real pipe: the verdict of a code arrives while standard input is still open (flushed per line)."""
    eid, codes = make_event(db_url, users["organizer"], n=2)
    c1, c2 = codes.values()
    env = dict(os.environ, PYTHONPATH=str(ROOT), DATABASE_URL=db_url, CONCLAVE_PASSWORD=TEST_PASSWORD)
    p = subprocess.Popen([sys.executable, "-c", "from planners.cli.main import main; main()", "scan", str(eid),
                          "--stdin", "--desk", "north", "--json", "--as", "front_desk"],
                         stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env)
    try:
        p.stdin.write(c1 + "\n")
        p.stdin.flush()
        first = json.loads(p.stdout.readline())  # blocks until the verdict is written: stdin is still open
        assert first["reason"] == "ok"
        p.stdin.write(c1 + "\n" + c2 + "\n")
        p.stdin.close()
        rest = [json.loads(x) for x in p.stdout.read().splitlines()]
        assert [v["reason"] for v in rest] == ["same_badge_again", "ok"]
        assert p.wait(timeout=60) == 3
    finally:
        if p.poll() is None:
            p.kill()


def test_a_lock_that_ran_out_lets_the_account_act_again(db_url, users):
    from datetime import timedelta

    from planners.base import auth
    from planners.core.clock import utcnow

    uid = users["front_desk"].id
    assert auth.role_while_usable(uid) == "front_desk"
    with uow.write_session(db_url) as s:
        s.get(User, uid).locked_until = utcnow() - timedelta(minutes=1)
    assert auth.role_while_usable(uid) == "front_desk"
    assert auth.role_while_usable(10**6) is None  # no such account


def test_ctrl_c_between_codes_ends_the_run_as_the_end_of_input_does(db_url, users, runner, monkeypatch):
    from planners.cli import attendees as cli_attendees

    eid, codes = make_event(db_url, users["organizer"], n=3)
    real, calls = cli_attendees._still_a_desk, []

    def interrupted_before_the_second(*a):
        calls.append(1)
        if len(calls) == 2:
            raise KeyboardInterrupt
        return real(*a)

    monkeypatch.setattr(cli_attendees, "_still_a_desk", interrupted_before_the_second)
    r = runner.invoke(main, ["scan", str(eid), "--stdin", "--desk", "north", "--json", "--as", "front_desk"],
                      input="\n".join(codes.values()) + "\n")
    assert r.exit_code == 0 and [v["reason"] for v in _one_json_per_line(r.stdout)] == ["ok"], r.output
    assert "Traceback" not in r.output
