"""The offline desk (issue 15): pack -> scans offline -> sync; idempotent; conflicts; tampered packs and logs."""
from __future__ import annotations

import json
import sqlite3
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from planners.attendees import badges as tokens
from planners.checkin import offline, sync
from planners.core import clock
from planners.core.errors import OfflineLogRefused, OfflinePackRefused
from planners.store import uow
from planners.store.models import AuditEntry
from planners.store.models_checkin import Attendance, Scan
from planners.store.models_sessions import OfflineEntry
from tests.checkin.helpers import make_event, register_desks


def _pack(url, eid, now=None) -> bytes:
    with uow.write_session(url) as s:
        return offline.make_pack(s, eid, actor="cli:test", now=now)


def _server_counts(url, eid):
    with uow.read(url) as s:
        return (s.scalar(select(func.count()).select_from(Scan).where(Scan.event_id == eid)),
                s.scalar(select(func.count()).select_from(Attendance).where(Attendance.event_id == eid,
                                                                             Attendance.inside.is_(True))),
                s.scalar(select(func.count()).select_from(OfflineEntry)),
                s.scalar(select(func.count()).select_from(AuditEntry)))


def test_pack_then_200_offline_scans_then_sync_shows_exactly_those_and_a_second_sync_changes_nothing(
        db_url, users, tmp_path):
    eid, codes = make_event(db_url, users["organizer"], n=200, device_policy="none")
    register_desks(db_url, "offline")
    pack_file = tmp_path / "desk.pack"
    pack_file.write_bytes(_pack(db_url, eid))
    desk = offline.open_desk(pack_file, tmp_path / "desk.log")
    t0 = clock.utcnow()
    verdicts = [desk.decide(c, now=t0 + timedelta(seconds=i)) for i, c in enumerate(codes.values())]
    desk.close()
    assert [v.reason for v in verdicts] == ["ok"] * 200
    res = sync.sync_log(tmp_path / "desk.log", actor="cli:test")
    assert res.counts == {"merged": 200, "duplicate": 0, "conflict": 0, "refused": 0, "seen": 0}
    scans, inside, ledger, trail = _server_counts(db_url, eid)
    assert (scans, inside, ledger) == (200, 200, 200)
    with uow.read(db_url) as s:
        got = {(r.attendee_id, r.at) for r in s.scalars(select(Scan).where(Scan.event_id == eid))}
        assert {r.method for r in s.scalars(select(Scan).where(Scan.event_id == eid))} == {"offline"}
    assert got == {(aid, t0 + timedelta(seconds=i)) for i, aid in enumerate(codes)}
    again = sync.sync_log(tmp_path / "desk.log", actor="cli:test")
    assert again.counts["seen"] == 200 and again.counts["merged"] == 0
    assert _server_counts(db_url, eid) == (scans, inside, ledger, trail)


def test_admitted_offline_but_revoked_meanwhile_is_a_conflict_finding_and_an_audit_entry(db_url, users, tmp_path):
    org = users["organizer"]
    eid, codes = make_event(db_url, org, n=3, device_policy="none")
    register_desks(db_url, "offline")
    (tmp_path / "p").write_bytes(_pack(db_url, eid))
    aid = next(iter(codes))
    with uow.write_session(db_url) as s:
        tokens.reissue(s, aid, actor=org)  # the server revokes the badge after the pack was made
    desk = offline.open_desk(tmp_path / "p", tmp_path / "l")
    assert desk.decide(codes[aid]).reason == "ok"  # the offline desk could not know
    other = list(codes)[1]
    assert desk.decide(codes[other]).reason == "ok"
    desk.close()
    from planners import checkin

    checkin.scan(eid, codes[other], desk="d", actor=users["front_desk"], now=clock.utcnow() - timedelta(minutes=5))
    res = sync.sync_log(tmp_path / "l", actor="cli:test")
    assert res.counts["conflict"] == 1 and res.counts["duplicate"] == 1
    assert res.conflicts[0]["attendee_id"] == aid and res.conflicts[0]["server_reason"] == "revoked"
    with uow.read(db_url) as s:
        assert s.scalar(select(func.count()).select_from(AuditEntry).where(
            AuditEntry.action == "desk.offline_conflict")) == 1
        from planners.checkin import findings

        items = findings.offline_conflicts(s, org)
        assert len(items) == 1 and "离线" in items[0].text["zh_CN"] and items[0].color == "red"


def test_a_tampered_expired_or_other_events_pack_is_refused(db_url, users, tmp_path):
    eid, codes = make_event(db_url, users["organizer"], n=2)
    data = _pack(db_url, eid)
    outer = json.loads(data)
    body = json.loads(outer["body"])
    body["people"][0]["generation"] = 9  # a forged generation
    outer["body"] = offline.canonical(body)
    with pytest.raises(OfflinePackRefused) as e:
        offline.read_pack(json.dumps(outer))
    assert e.value.params["code"] == "tampered" and "签名" in e.value.localized("zh_CN")
    with pytest.raises(OfflinePackRefused) as e:
        offline.read_pack(data, now=clock.utcnow() + timedelta(hours=25))
    assert e.value.params["code"] == "expired" and "24" in e.value.localized("en")
    with pytest.raises(OfflinePackRefused) as e:
        offline.read_pack(data, event_id=eid + 1)
    assert e.value.params["code"] == "other_event"
    with pytest.raises(OfflinePackRefused) as e:
        offline.read_pack(b"\x00garbage")
    assert e.value.params["code"] == "unreadable"


def _log_with(tmp_path, db_url, users, n=4):
    eid, codes = make_event(db_url, users["organizer"], n=n, device_policy="none")
    register_desks(db_url, "offline")
    (tmp_path / "p").write_bytes(_pack(db_url, eid))
    desk = offline.open_desk(tmp_path / "p", tmp_path / "l")
    t0 = clock.utcnow()
    for i, c in enumerate(codes.values()):
        desk.decide(c, now=t0 + timedelta(seconds=i))
    desk.close()
    return eid, tmp_path / "l"


def _raw(path, sql, *args):
    c = sqlite3.connect(path)
    c.execute("DROP TRIGGER IF EXISTS log_append_only_u")
    c.execute("DROP TRIGGER IF EXISTS log_append_only_d")
    c.execute(sql, args)
    c.commit()
    c.close()


@pytest.mark.parametrize("damage,code", [
    ("DELETE FROM log WHERE n = 2", "gap"),
    ("UPDATE log SET body = replace(body, '\"reason\":\"ok\"', '\"reason\":\"invalid\"') WHERE n = 3", "altered"),
    ("swap rows 2 and 3", "reordered"),
])
def test_a_log_with_a_gap_an_altered_or_a_reordered_entry_is_refused_and_nothing_merged(
        db_url, users, tmp_path, damage, code):
    eid, log = _log_with(tmp_path, db_url, users)
    if damage.startswith("swap"):  # swap two rows: n first to a free slot, then back
        _raw(log, "UPDATE log SET n = 99 WHERE n = 2")
        _raw(log, "UPDATE log SET n = 2 WHERE n = 3")
        _raw(log, "UPDATE log SET n = 3 WHERE n = 99")
    else:
        _raw(log, damage)
    with pytest.raises(OfflineLogRefused) as e:
        sync.sync_log(log, actor="cli:test")
    assert e.value.params["code"] == code and e.value.localized("zh_CN")
    assert _server_counts(db_url, eid)[:3] == (0, 0, 0)


def test_the_log_is_append_only_and_survives_a_reopen(db_url, users, tmp_path):
    eid, log = _log_with(tmp_path, db_url, users, n=2)
    c = sqlite3.connect(log)
    with pytest.raises(sqlite3.DatabaseError):
        c.execute("DELETE FROM log WHERE n = 1")
    c.close()
    desk = offline.open_desk(tmp_path / "p", log)
    assert desk.entries() == 2 and desk.inside_count() == 2
    v = desk.decide(desk.pack.body and next(iter(_codes_of(db_url, eid))))
    assert v.reason == "already_checked_in"
    desk.close()


def _codes_of(url, eid):
    with uow.write_session(url) as s:
        return [c for _a, c in tokens.codes_for_event(s, eid, actor="system")]


def test_the_offline_outside_window_refusal_says_the_window_in_office_time(db_url, users, tmp_path):
    """Issue 16: the desk says when a badge opens in office time (2026-12-11 21:00), not ISO UTC (…T13:00+00:00)."""
    eid, codes = make_event(db_url, users["organizer"], n=1, device_policy="none")
    register_desks(db_url, "offline")
    pack_file = tmp_path / "desk.pack"
    pack_file.write_bytes(_pack(db_url, eid))
    desk = offline.open_desk(pack_file, tmp_path / "desk.log")
    tok = tokens.parse(next(iter(codes.values())))
    v = desk.decide(next(iter(codes.values())), now=tok.valid_until + timedelta(minutes=5))
    desk.close()
    assert v.reason == "outside_window"
    with uow.read(db_url) as s:
        from planners.store.models import Event

        tz = s.get(Event, eid).tz
    assert v.details["end"] == clock.local(tok.valid_until, tz).strftime("%Y-%m-%d %H:%M")
    assert "+00:00" not in v.details["start"] and "T" not in v.details["end"]
