import sqlite3

import pytest
from planners.core.errors import StoreFailed

from planners.base import audit
from planners.store.uow import read as read_session, write_session
from planners.store.models import AuditEntry


def _write(db_url, n):
    with write_session(db_url) as s:
        for i in range(n):
            audit.record(s, actor="alice", action="thing.do", object_type="thing", object_id=i, after={"i": i})


def _sqlite_path(db_url):
    return db_url[len("sqlite:///"):]


def test_a_fresh_chain_verifies(db_url):
    _write(db_url, 5)
    with read_session(db_url) as s:
        res = audit.verify(s)
    assert res.ok and res.checked == 5


def test_the_database_refuses_update_and_delete(db_url):
    _write(db_url, 2)
    for stmt in ("UPDATE audit_entries SET actor='mallory' WHERE id=1", "DELETE FROM audit_entries WHERE id=1"):
        with pytest.raises(StoreFailed, match="append-only"):
            with write_session(db_url) as s:
                s.execute(__import__("sqlalchemy").text(stmt))


def _tamper(db_url, sql):
    con = sqlite3.connect(_sqlite_path(db_url))
    con.execute("DROP TRIGGER audit_entries_no_update")
    con.execute("DROP TRIGGER audit_entries_no_delete")
    con.execute(sql)
    con.commit()
    con.close()


def test_altering_one_entry_is_found_and_named(db_url):
    _write(db_url, 6)
    _tamper(db_url, "UPDATE audit_entries SET details='{\"after\":{\"i\":99}}' WHERE id=4")
    with read_session(db_url) as s:
        res = audit.verify(s)
    assert not res.ok and res.first_bad_id == 4 and "altered" in res.problem and res.checked == 3


def test_removing_one_entry_is_found_and_named(db_url):
    _write(db_url, 6)
    _tamper(db_url, "DELETE FROM audit_entries WHERE id=3")
    with read_session(db_url) as s:
        res = audit.verify(s)
    assert not res.ok and res.first_bad_id == 3 and "missing" in res.problem


def test_rewriting_an_entry_with_a_fresh_hash_breaks_the_next_link(db_url):
    _write(db_url, 4)
    with read_session(db_url) as s:
        e = s.get(AuditEntry, 2)
        forged = audit.entry_hash(id=2, ts=e.ts, actor="mallory", action=e.action, object_type=e.object_type,
                                  object_id=e.object_id, event_id=e.event_id, details=e.details, prev_hash=e.prev_hash)
    _tamper(db_url, f"UPDATE audit_entries SET actor='mallory', hash='{forged}' WHERE id=2")
    with read_session(db_url) as s:
        res = audit.verify(s)
    assert not res.ok and res.first_bad_id == 3


def test_secrets_are_redacted_from_details(db_url):
    with write_session(db_url) as s:
        e = audit.record(s, actor="a", action="x", after={"password": "hunter2", "private_key": "k", "name": "n"})
    assert "hunter2" not in e.details and '"name":"n"' in e.details
