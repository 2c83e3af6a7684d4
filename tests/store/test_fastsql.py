"""The driver-level statements of the front desk's hot path store and read exactly what the ORM does, on SQLite
and PostgreSQL, and a failed transaction leaves nothing."""
from __future__ import annotations

from datetime import datetime

import pytest

from planners.core.errors import RaceLost
from sqlalchemy import func, select


from planners.store import uow
from planners.store.fastsql import Statement
from planners.store.models import User
from planners.store.models_checkin import AttendeeException, Scan
from tests.checkin.helpers import make_event
from tests.conftest import make_user

SCANS = Scan.__table__
INSERT = Statement("INSERT INTO scans (event_id, attendee_id, desk, actor, at, direction, method, raw, raw_hash, "
                   "status, reason, duplicate_of) VALUES (:event_id, NULL, :desk, 'a', :at, 'in', 'scan', '', '', "
                   "'ok', 'ok', NULL)", SCANS, returning_id=True)
SINCE = Statement("SELECT id, at FROM scans WHERE event_id = :event_id AND at >= :at ORDER BY id", SCANS)


def test_times_written_by_either_path_read_back_equal_and_compare_in_sql(any_db_url):
    whole, micro = datetime(2026, 11, 28, 9, 0, 0), datetime(2026, 11, 28, 9, 0, 0, 123456)
    with uow.write(any_db_url) as work:
        tx = work.tx
        ids = [tx.run(INSERT, event_id=7, desk="fast", at=t) for t in (whole, micro)]
    with uow.write_session(any_db_url) as s:
        s.add(Scan(event_id=7, desk="orm", actor="a", at=whole, direction="in", method="scan", status="ok",
                   reason="ok"))
    with uow.read(any_db_url) as s:
        got = {r.id: (r.desk, r.at) for r in s.scalars(select(Scan).where(Scan.event_id == 7))}
    assert got[ids[0]] == ("fast", whole) and got[ids[1]] == ("fast", micro)
    with uow.write(any_db_url) as work:
        tx = work.tx
        rows = tx.all(SINCE, event_id=7, at=whole)
    assert [r.at for r in rows] == [whole, micro, whole]  # the ORM's row compares equal at the boundary too


def test_booleans_and_json_read_as_python_values(any_db_url):
    with uow.write_session(any_db_url) as s:
        organizer = make_user(s, "organizer", "organizer")
    eid, codes = make_event(any_db_url, organizer, n=1)
    aid = next(iter(codes))
    with uow.write_session(any_db_url) as s:
        s.add(AttendeeException(event_id=eid, attendee_id=aid, rules=["E3", "E4"], approval_id=1, decided_by="l"))
    users = Statement("SELECT active, must_change_password FROM users WHERE username = :username",
                      User.__table__)
    rules = Statement("SELECT rules FROM attendee_exceptions WHERE attendee_id = :attendee_id",
                      AttendeeException.__table__)
    with uow.write(any_db_url) as work:
        tx = work.tx
        u = tx.one(users, username="organizer")
        assert (u.active, u.must_change_password) == (True, False)
        assert tx.scalar(rules, attendee_id=aid) == ["E3", "E4"]
        assert tx.one(users, username="nobody") is None


def test_an_error_inside_the_transaction_rolls_all_of_it_back(any_db_url):
    with pytest.raises(RuntimeError):
        with uow.write(any_db_url) as work:
            tx = work.tx
            tx.run(INSERT, event_id=8, desk="d", at=datetime(2026, 1, 1))
            raise RuntimeError("crash after the first write")
    with uow.read(any_db_url) as s:
        assert s.scalar(select(func.count()).select_from(Scan).where(Scan.event_id == 8)) == 0


def test_a_taken_unique_key_is_a_lost_race_the_caller_retries(any_db_url):
    with uow.write_session(any_db_url) as s:
        make_user(s, "desk1", "front_desk")
    dup = Statement("INSERT INTO audit_entries (id, ts, actor, action, object_type, object_id, details, prev_hash, "
                    "hash) SELECT id, ts, actor, action, object_type, object_id, details, prev_hash, hash "
                    "FROM audit_entries WHERE id = 1")
    with pytest.raises(RaceLost):
        with uow.write(any_db_url) as work:
            tx = work.tx
            tx.run(dup)
