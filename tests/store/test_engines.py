"""The store works the same on SQLite and PostgreSQL: migrations, append-only audit, concurrency."""
import multiprocessing as mp
from concurrent.futures import ProcessPoolExecutor

import pytest
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError

from planners import audit
from planners.store import schema
from planners.store.db import dispose_all, read_session, write_session


def test_migrations_reach_head(any_db_url):
    assert schema.is_current(any_db_url)


def test_audit_table_is_append_only(any_db_url):
    with write_session(any_db_url) as s:
        audit.record(s, actor="a", action="x")
    for stmt in ("UPDATE audit_entries SET actor='m'", "DELETE FROM audit_entries"):
        with pytest.raises(DBAPIError, match="append-only"):
            with write_session(any_db_url) as s:
                s.execute(text(stmt))


def test_concurrent_writers_keep_one_unbroken_chain(any_db_url):
    from tests.store.audit_worker import write_entries

    dispose_all()
    with ProcessPoolExecutor(4, mp_context=mp.get_context("spawn")) as pool:
        futures = [pool.submit(write_entries, any_db_url, 25, f"p{i}") for i in range(4)]
        done = sum(f.result(timeout=600) for f in futures)  # a dead worker fails the test, never hangs it
    with read_session(any_db_url) as s:
        res = audit.verify(s)
    assert done == 100 and res.ok and res.checked == 100
