"""The store works the same on SQLite and PostgreSQL: migrations, append-only audit, concurrency."""
import subprocess
import sys
from pathlib import Path

import pytest
from sqlalchemy import text
from planners.core.errors import StoreFailed

from planners.base import audit
from planners.store import schema
from planners.store.uow import read as read_session, write_session


def test_migrations_reach_head(any_db_url):
    assert schema.is_current(any_db_url)


def test_audit_table_is_append_only(any_db_url):
    with write_session(any_db_url) as s:
        audit.record(s, actor="a", action="x")
    for stmt in ("UPDATE audit_entries SET actor='m'", "DELETE FROM audit_entries"):
        with pytest.raises(StoreFailed, match="append-only"):
            with write_session(any_db_url) as s:
                s.execute(text(stmt))


def test_concurrent_writers_keep_one_unbroken_chain(any_db_url):
    """Four processes append at once; the chain stays whole. Plain subprocesses, so a crash shows its stderr."""
    worker = Path(__file__).with_name("audit_worker.py")
    procs = [subprocess.Popen([sys.executable, str(worker), any_db_url, "25", f"p{i}"],
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True) for i in range(4)]
    outs = [p.communicate(timeout=600) for p in procs]
    assert [p.returncode for p in procs] == [0] * 4, [err[-2000:] for _out, err in outs]
    done = sum(int(out.strip()) for out, _err in outs)
    with read_session(any_db_url) as s:
        res = audit.verify(s)
    assert done == 100 and res.ok and res.checked == 100
