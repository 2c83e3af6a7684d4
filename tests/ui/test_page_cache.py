"""Cached reads on the screens (issue 17, pages/parts/cache.py): an unchanged rerun does not read the register
again, and the rerun after any committed change — by the page, or by another process — shows it."""
from __future__ import annotations

import sqlite3

from planners import documents as docs
from planners.base import work
from planners.store.uow import write_session
from tests.conftest import app_test


def _register(event_id: int, organizer, control: str) -> None:
    with write_session() as s:
        docs.register_document(s, event_id, docs.DocumentInput(
            control_no=control, short_title="缓存测试材料", carrier="paper", level="secret", retention_kind="period",
            retention="5年", proposed_by="陈明", approved_by="王建国", basis="第3条", scope=["市财政局"], copies=2),
            actor=organizer)


def _tables_text(at) -> str:
    return " ".join(df.value.to_string() for df in at.dataframe)


def test_an_unchanged_rerun_reads_from_the_cache_and_a_write_is_seen_at_once(db_url, demo, users, monkeypatch):
    calls = []
    real = docs.documents_of

    def counted(s, event_id):
        calls.append(event_id)
        return real(s, event_id)

    monkeypatch.setattr(docs, "documents_of", counted)
    eid = demo.events["q4-trade-meeting"].id
    at = app_test("documents", user=users["organizer"])
    at.session_state["event_id"] = eid
    at.run()
    assert not at.exception, at.exception
    assert calls == [eid]
    at.run()
    assert calls == [eid]  # nothing changed: the register is not read again
    _register(eid, users["organizer"], "CACHE-001")
    at.run()
    assert not at.exception, at.exception
    assert calls == [eid, eid] and "CACHE-001" in _tables_text(at)


def test_a_change_by_another_process_is_seen_through_the_audit_trail(db_url, demo, users):
    """Another process (the command line, a second server) commits nothing this one counts; its audit entry
    moves the version."""
    before = work.data_version()
    con = sqlite3.connect(db_url[len("sqlite:///"):])
    last = con.execute("SELECT id, hash FROM audit_entries ORDER BY id DESC LIMIT 1").fetchone()
    con.execute("INSERT INTO audit_entries (id, ts, actor, action, object_type, object_id, details, prev_hash, hash) "
                "VALUES (?, '2026-01-01 00:00:00.000000', 'other', 'x', '', '', '{}', ?, ?)",
                (last[0] + 1, last[1], "0" * 64))
    con.commit()
    con.close()
    after = work.data_version()
    assert after[0] == before[0] and after[1] == before[1] + 1
