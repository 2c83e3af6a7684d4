"""Issue 15's desk operations on SQLite and on PostgreSQL: scans at a session's door, exits, the secrecy
notice, an offline log synced twice, paper entries (the migration 0016 runs on both)."""
from __future__ import annotations

from datetime import UTC, timedelta

from planners import checkin
from planners.checkin import notice, offline, sync
from planners.checkin import sessions as ss
from planners.core import clock
from planners.store import uow
from tests.checkin.helpers import make_event, register_desks
from tests.conftest import make_user


def test_session_doors_offline_sync_and_paper_on_both_databases(any_db_url, tmp_path):
    url = any_db_url
    with uow.write_session(url) as s:
        org, desk = make_user(s, "org", "organizer"), make_user(s, "desk", "front_desk")
    eid, codes = make_event(url, org, n=4, device_policy="lockers")
    register_desks(url, "offline")
    (a1, c1), (a2, c2), (a3, c3), (a4, _c4) = sorted(codes.items())
    now = clock.utcnow().replace(tzinfo=UTC)
    with uow.write_session(url) as s:
        sid = ss.create_session(s, eid, ss.SessionInput(title="闭门会议", start=now, end=now + timedelta(hours=1),
                                                        level="confidential", admitted=(a1, a2)), actor=org).id
        notice.save(s, eid, "须知", actor=org)
    v = checkin.scan(eid, c1, desk="D1", actor=desk, url=url, session_id=sid)
    assert v.reason == "ok" and any(a["code"] == "secrecy_notice" for a in v.require_attention)
    assert any(a["code"] == "locker" for a in v.require_attention)
    assert checkin.scan(eid, c3, desk="D1", actor=desk, url=url, session_id=sid).reason == "not_on_session_list"
    assert checkin.manual(eid, a2, desk="D1", actor=desk, url=url, session_id=sid).reason == "ok"
    assert checkin.scan(eid, c1, desk="D1", actor=desk, url=url, session_id=sid, direction="out").reason == "exit_ok"
    with uow.read(url) as s:
        assert [p["id"] for p in ss.inside_session(s, sid)] == [a2]
        assert checkin.is_inside(s, eid, a1)
    with uow.write_session(url) as s:
        pack = offline.make_pack(s, eid, actor="test")
    (tmp_path / "p").write_bytes(pack)
    d = offline.open_desk(tmp_path / "p", tmp_path / "l")
    assert d.decide(c3, now=clock.utcnow() + timedelta(seconds=5)).reason == "ok"
    assert d.decide(c2, door=str(sid), now=clock.utcnow() + timedelta(seconds=6)).reason == "already_checked_in"
    d.close()
    res = sync.sync_log(tmp_path / "l", actor="test", url=url)
    assert res.counts["merged"] == 1 and res.counts["refused"] == 1
    assert sync.sync_log(tmp_path / "l", actor="test", url=url).counts["seen"] == 2
    with uow.read(url) as s:
        from planners.store.models import Event

        ev = s.get(Event, eid)
        t = clock.local(clock.utcnow(), ev.tz).strftime("%Y-%m-%d %H:%M")
    res = sync.sync_paper(f"attendee_id,time,desk\n{a4},{t},D1\n".encode(), eid, actor="test", url=url)
    assert res.counts["merged"] == 1
    with uow.read(url) as s:
        assert {p["id"] for p in checkin.inside_now(s, eid)} == {a1, a2, a3, a4}
