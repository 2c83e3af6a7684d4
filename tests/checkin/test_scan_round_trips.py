"""Issue 17, the core: on SQLite a scan at the main door reads the person with everything the door asks of them
(badge generation, attendance, approved list, top locker, secrecy notice) in one statement, and the scan's id with
both chains' heads in another. The verdicts, lockers, notices and both hash chains are the same as when each is
read on its own (PostgreSQL still reads them one by one, its badge row locked first)."""
from __future__ import annotations

from planners import checkin
from planners.base import audit
from planners.checkin import notice
from planners.store import fastsql, uow
from tests.checkin.helpers import make_event
from tests.conftest import make_user


class _Counting:
    def __init__(self, cur, into: list):
        self._cur, self._into = cur, into

    def execute(self, sql, args=()):
        self._into.append(" ".join(sql.split()[:3]))
        return self._cur.execute(sql, args)

    def __getattr__(self, name):
        return getattr(self._cur, name)


def _statements(monkeypatch) -> list[list[str]]:
    """The statements of each driver-gear transaction from now on (their first three words)."""
    seen: list[list[str]] = []
    orig = fastsql.Tx.__init__

    def init(self, *a, **kw):
        orig(self, *a, **kw)
        seen.append([])
        self.cur = _Counting(self.cur, seen[-1])

    monkeypatch.setattr(fastsql.Tx, "__init__", init)
    return seen


def _setup(url):
    with uow.write_session(url) as s:
        org, desk = make_user(s, "org", "organizer"), make_user(s, "desk", "front_desk")
    eid, codes = make_event(url, org, n=3, device_policy="lockers")
    with uow.write_session(url) as s:
        notice.save(s, eid, "一、不得携带手机进入会场。", actor=org)
    return eid, org, desk, sorted(codes.items())


def _chains_intact(url):
    with uow.read(url) as s:
        rep = audit.verify_trail(s, require_checkpoints=False)
    assert rep.ok, rep.problems


def _locker(v):
    return next((a["locker"] for a in v.require_attention if a["code"] == "locker"), None)


def test_the_door_reads_the_person_and_the_heads_in_two_round_trips_on_sqlite(db_url, monkeypatch):
    eid, org, desk, ((a1, c1), (a2, c2), (a3, c3)) = _setup(db_url)
    seen = _statements(monkeypatch)
    v = checkin.scan(eid, c1, desk="D1", actor=desk)  # the first admission also starts the event (two entries)
    assert v.reason == "ok" and _locker(v) == "1"
    assert any(a["code"] == "secrecy_notice" for a in v.require_attention)
    first = seen[-1]
    assert first[0] == "BEGIN IMMEDIATE" and first[-1] == "COMMIT"
    reads = [s for s in first if s.startswith("SELECT") and not s.startswith("SELECT public_key")]  # cached after
    assert len(reads) == 3, first  # desk + event, the person with what the door asks, the id + both heads
    assert first.count("INSERT INTO audit_entries") == 2 and first.count("INSERT INTO scans") == 1

    v = checkin.scan(eid, c2, desk="D1", actor=desk)
    assert v.reason == "ok" and _locker(v) == "2"  # the top locker read ahead is the one handed out before
    assert len([s for s in seen[-1] if s.startswith("SELECT")]) == 3
    assert len(seen[-1]) == 8, seen[-1]  # BEGIN, 3 reads, attendance, scan, audit entry, COMMIT

    again = checkin.scan(eid, c1, desk="north", actor=desk)  # attendance read ahead: inside already, at any desk
    assert again.reason in ("already_checked_in", "same_badge_again") and again.details["desk"] == "D1"
    out = checkin.scan(eid, c2, desk="D1", actor=desk, direction="out")
    assert out.reason == "exit_ok"
    back = checkin.scan(eid, c2, desk="D1", actor=desk)
    assert back.reason == "ok" and _locker(back) == "3" and back.details["entry"] == 2
    _chains_intact(db_url)


def test_the_same_verdicts_and_chains_on_both_engines(any_db_url):
    url = any_db_url
    eid, org, desk, ((a1, c1), (a2, c2), (a3, c3)) = _setup(url)
    got = [checkin.scan(eid, c, desk="D1", actor=desk, url=url) for c in (c1, c2, c1)]
    assert [v.reason for v in got[:2]] == ["ok", "ok"] and got[2].reason in ("already_checked_in",
                                                                               "same_badge_again")
    assert [_locker(v) for v in got[:2]] == ["1", "2"]
    assert all(any(a["code"] == "secrecy_notice" for a in v.require_attention) for v in got[:2])
    with uow.write_session(url) as s:
        version = notice.current(s, eid).version
        notice.sign(s, eid, a3, version=version, desk="D1", actor=desk)
    v3 = checkin.scan(eid, c3, desk="D1", actor=desk, url=url)  # signed: no notice item
    assert v3.reason == "ok" and not any(a["code"] == "secrecy_notice" for a in v3.require_attention)
    m = checkin.manual(eid, a1, desk="D1", actor=desk, direction="out", url=url)
    assert m.reason == "exit_ok"
    _chains_intact(url)
