"""Phones to lockers at the offline desk (issue 15), on SQLite and PostgreSQL: the pack carries the lockers in use;
the offline desk hands out the next free locker and takes the phone back at the exit, each in its append-only log
entry; `conclave desk sync` gives the server the lockers the offline desk named (audited), a locker someone else
holds on the server meanwhile is a clash in the audit trail, and a second sync changes nothing."""
from __future__ import annotations

import json
from datetime import timedelta

from sqlalchemy import func, select

from planners import checkin
from planners.checkin import offline, sync
from planners.core import clock
from planners.store import uow
from planners.store.models import AuditEntry
from planners.store.models_checkin import Attendance
from tests.checkin.helpers import make_event, register_desks
from tests.conftest import make_user


def _setup(url, tmp_path):
    with uow.write_session(url) as s:
        org, desk = make_user(s, "org", "organizer"), make_user(s, "desk", "front_desk")
    eid, codes = make_event(url, org, n=4, device_policy="lockers")
    register_desks(url, "offline")
    return eid, desk, sorted(codes.items())


def _lockers(url, eid) -> dict[int, str]:
    """attendee id -> locker holding their phone now, on the server."""
    with uow.read(url) as s:
        return {a.attendee_id: a.locker for a in s.scalars(select(Attendance).where(
            Attendance.event_id == eid, Attendance.locker.is_not(None), Attendance.device_returned_at.is_(None)))}


def _audit(url, action: str) -> list[tuple[str, dict]]:
    """(object id, details) of each audit entry of `action`, oldest first."""
    with uow.read(url) as s:
        rows = s.scalars(select(AuditEntry).where(AuditEntry.action == action).order_by(AuditEntry.id))
        return [(r.object_id, r.details if isinstance(r.details, dict) else json.loads(r.details)) for r in rows]


def test_lockers_taken_and_returned_offline_are_logged_and_synced_once(any_db_url, tmp_path):
    url = any_db_url
    eid, desk, ((a1, c1), (a2, c2), (a3, c3), (a4, c4)) = _setup(url, tmp_path)
    assert checkin.scan(eid, c1, desk="D1", actor=desk, url=url).reason == "ok"  # locker 1, in the pack
    with uow.write_session(url) as s:
        (tmp_path / "p").write_bytes(offline.make_pack(s, eid, actor="test"))
    # after the pack, online: a2 takes locker 2 and gives it back (the offline desk cannot know)
    assert checkin.scan(eid, c2, desk="D1", actor=desk, url=url).reason == "ok"
    assert checkin.scan(eid, c2, desk="D1", actor=desk, url=url, direction="out").reason == "exit_ok"

    d = offline.open_desk(tmp_path / "p", tmp_path / "l")
    t0 = clock.utcnow() + timedelta(seconds=5)
    got = [d.decide(c3, now=t0), d.decide(c4, now=t0 + timedelta(seconds=1)),
           d.decide(c1, direction="out", now=t0 + timedelta(seconds=2)),
           d.decide(c1, now=t0 + timedelta(seconds=3))]
    assert [v.reason for v in got] == ["ok", "ok", "exit_ok", "ok"]
    lockers = [next((a["locker"] for a in v.require_attention if a["code"] in ("locker", "return_device")), None)
               for v in got]
    assert lockers == ["2", "3", "1", "4"]  # above the pack's locker 1; a1's phone back from 1, then locker 4
    assert got[2].require_attention[0]["code"] == "return_device"
    assert d.lockers_in_use() == {"2": a3, "3": a4, "4": a1}
    d.close()
    d = offline.open_desk(tmp_path / "p", tmp_path / "l")  # restarted: the lockers are still known
    assert d.lockers_in_use() == {"2": a3, "3": a4, "4": a1}
    d.close()
    _header, entries = offline.read_log(tmp_path / "l")
    assert [(e.get("locker"), e.get("locker_returned")) for e in entries] == [
        ("2", None), ("3", None), (None, "1"), ("4", None)]

    res = sync.sync_log(tmp_path / "l", actor="test", url=url)
    assert res.counts["merged"] == 4
    # a3: the server's replay chose 3 (its own top), the phone is in 2 (free again): the server takes 2
    assert _lockers(url, eid) == {a3: "2", a4: "3", a1: "4"}
    moved = [(oid, d["after"]["locker"]) for oid, d in _audit(url, "checkin.locker") if d.get("source") == "offline"]
    assert moved == [(str(a3), "2")]
    with uow.read(url) as s:
        n_audit = s.scalar(select(func.count()).select_from(AuditEntry))
    again = sync.sync_log(tmp_path / "l", actor="test", url=url)
    assert again.counts["seen"] == 4 and again.counts["merged"] == 0
    assert _lockers(url, eid) == {a3: "2", a4: "3", a1: "4"}
    with uow.read(url) as s:
        assert s.scalar(select(func.count()).select_from(AuditEntry)) == n_audit  # nothing changed


def test_a_locker_taken_on_the_server_meanwhile_is_a_clash_in_the_audit_trail(any_db_url, tmp_path):
    url = any_db_url
    eid, desk, ((a1, c1), (a2, c2), (a3, c3), _x) = _setup(url, tmp_path)
    assert checkin.scan(eid, c1, desk="D1", actor=desk, url=url).reason == "ok"
    with uow.write_session(url) as s:
        (tmp_path / "p").write_bytes(offline.make_pack(s, eid, actor="test"))
    assert checkin.scan(eid, c2, desk="D1", actor=desk, url=url).reason == "ok"  # online: locker 2, kept
    d = offline.open_desk(tmp_path / "p", tmp_path / "l")
    v = d.decide(c3, now=clock.utcnow() + timedelta(seconds=5))
    d.close()
    assert v.require_attention[0]["locker"] == "2"
    assert sync.sync_log(tmp_path / "l", actor="test", url=url).counts["merged"] == 1
    assert _lockers(url, eid) == {a1: "1", a2: "2", a3: "3"}  # nobody loses their locker
    [(oid, clash)] = _audit(url, "desk.offline_locker_clash")
    assert oid == str(a3) and clash["offline_locker"] == "2"
    assert clash["server_locker"] == "3" and clash["held_by"] == a2
