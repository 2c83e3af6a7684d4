"""`conclave events` only reads (issue 19, item 8): it lists the events of a write-protected evidence copy and
leaves the database byte-identical, without a journal beside it (also as root, whom a 0444 mode does not stop)."""
from __future__ import annotations

import json
import os
import sqlite3

import pytest
from click.testing import CliRunner

from planners.cli import main
from planners.store.db import dispose_all
from tests.checkin.helpers import make_event


def _events(*args):
    dispose_all()
    res = CliRunner().invoke(main, ["events", *args])
    dispose_all()
    return res


def _settled(db_url, users):
    import gc

    from planners.base import trail

    make_event(db_url, users["organizer"], title="证据副本会议")
    trail.wait()  # the checkpoint thread holds a connection until it is done
    dispose_all()
    gc.collect()
    path = db_url[len("sqlite:///"):]
    con = sqlite3.connect(path)
    con.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    con.execute("PRAGMA journal_mode=DELETE")
    con.close()
    return path


def test_events_leaves_the_database_untouched(db_url, users):
    path = _settled(db_url, users)
    before = open(path, "rb").read()
    res = _events("--json")
    assert res.exit_code == 0, res.output
    assert [e["title"] for e in json.loads(res.output)] == ["证据副本会议"]
    assert open(path, "rb").read() == before
    assert not os.path.exists(path + "-wal") and not os.path.exists(path + "-shm")


@pytest.mark.skipif(os.geteuid() == 0, reason="root writes through a 0444 mode")
def test_events_lists_a_write_protected_copy(db_url, users):
    path = _settled(db_url, users)
    folder = os.path.dirname(path)
    os.chmod(path, 0o444)
    os.chmod(folder, 0o555)
    try:
        res = _events()
        assert res.exit_code == 0, res.output
        assert "证据副本会议" in res.output
    finally:
        os.chmod(folder, 0o755)
        os.chmod(path, 0o644)
