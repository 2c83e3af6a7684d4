"""Every desk operation — scan, manual look-up, undo, locker, check-out — on SQLite and on PostgreSQL."""
from __future__ import annotations

from sqlalchemy import select

from planners import checkin
from planners.store import uow
from planners.store.models_checkin import Attendance
from tests.checkin.helpers import make_event
from tests.conftest import make_user


def _desk_user(url):
    with uow.write_session(url) as s:
        org = make_user(s, "org", "organizer")
        desk = make_user(s, "desk", "front_desk")
    return org, desk


def _attendance(url, eid, aid):
    with uow.read(url) as s:
        return s.scalar(select(Attendance).where(Attendance.event_id == eid, Attendance.attendee_id == aid))


def test_every_desk_operation_works_on_both_databases(any_db_url):
    url = any_db_url
    org, desk = _desk_user(url)
    eid, codes = make_event(url, org, n=3)
    (a1, c1), (a2, c2), (a3, _c3) = sorted(codes.items())

    v = checkin.scan(eid, c1, desk="D1", actor=desk, url=url)                       # scan
    assert v.reason == "ok", v.as_json()
    assert checkin.manual(eid, a2, desk="D1", actor=desk, url=url).reason == "ok"   # manual look-up
    checkin.set_locker(eid, a1, "17", actor=desk, url=url)                          # locker
    assert _attendance(url, eid, a1).locker == "17"
    out = checkin.scan(eid, c1, desk="D1", actor=desk, direction="out", url=url)    # check-out
    assert out.reason == "exit_ok" and not _attendance(url, eid, a1).inside

    v3 = checkin.manual(eid, a3, desk="D1", actor=desk, url=url)
    assert v3.reason == "ok"
    checkin.undo(eid, v3.scan_id, desk="D1", actor=desk, url=url)                   # undo
    assert _attendance(url, eid, a3) is None
    assert checkin.manual(eid, a3, desk="D1", actor=desk, url=url).reason == "ok"   # and in again
