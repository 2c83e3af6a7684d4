"""Document custody on SQLite and PostgreSQL: two desks recovering one copy at once, append-only ledger."""
from __future__ import annotations

import threading
from datetime import date, datetime

import pytest
from sqlalchemy import text
from planners.core.errors import StoreFailed

from planners import documents as docs
from planners.base.events import EventInput, create_event
from planners.store.uow import read as read_session, write_session
from planners.store.models import Attendee
from tests.conftest import make_user


@pytest.fixture
def setup(any_db_url):
    with write_session(any_db_url) as s:
        org = make_user(s, "organizer", "organizer")
        ev = create_event(s, EventInput(title="并发测试会", kind="meeting", level="confidential",
                                        start=datetime(2030, 1, 1, 9), end=datetime(2030, 1, 1, 12)), actor=org)
        a = Attendee(event_id=ev.id, name="梁静", unit="市财政局", clearance="confidential", nationality="CN")
        s.add(a)
        s.flush()
        d = docs.register_document(s, ev.id, docs.DocumentInput(
            control_no="C-1", short_title="并发测试", carrier="paper", level="confidential", retention_kind="period",
            retention="5年", proposed_by="甲", approved_by="乙", basis="第1条", scope=["市财政局"],
            classified_on=date(2029, 12, 1), copies=3), actor=org)
        ids = (ev.id, d.id, a.id)
    return any_db_url, org, ids


def _race(url, fn, n=2):
    barrier = threading.Barrier(n)
    results: list = [None] * n

    def run(i):
        barrier.wait()
        try:
            with write_session(url) as s:
                results[i] = fn(s)
        except Exception as exc:  # noqa: BLE001 - the test inspects it
            results[i] = exc

    threads = [threading.Thread(target=run, args=(i,)) for i in range(n)]
    for th in threads:
        th.start()
    for th in threads:
        th.join(60)
    return results


def test_two_desks_recovering_one_copy_give_one_success_and_one_already_recovered(setup):
    url, org, (eid, did, aid) = setup
    for n in (1, 2, 3):  # several rounds, to make an overlap likely
        code = docs.copy_code(eid, did, n)
        with write_session(url) as s:
            docs.issue_copy(s, eid, code, aid, actor=org)
        results = _race(url, lambda s, c=code: docs.recover_copy(s, eid, c, actor=org, desk="desk").action)
        assert sorted(map(type, results), key=str) == sorted([str, docs.CopyAlreadyRecovered], key=str), results
        with read_session(url) as s:
            rows = docs.reconcile(s, eid).rows
            assert rows[n - 1].state == "recovered"
            entries = s.execute(text("SELECT action FROM custody_entries WHERE copy_id = :c ORDER BY seq"),
                                {"c": rows[n - 1].copy_id}).scalars().all()
        assert entries == ["issued", "recovered"]


def test_two_desks_issuing_one_copy_give_one_issue(setup):
    url, org, (eid, did, aid) = setup
    code = docs.copy_code(eid, did, 1)
    results = _race(url, lambda s: docs.issue_copy(s, eid, code, aid, actor=org).action)
    assert sorted(type(r).__name__ for r in results) == ["IssueRefused", "str"], results


def test_custody_ledger_is_append_only_on_both_engines(setup):
    url, org, (eid, did, aid) = setup
    with write_session(url) as s:
        docs.issue_copy(s, eid, docs.copy_code(eid, did, 1), aid, actor=org)
    for stmt in ("UPDATE custody_entries SET desk = 'x'", "DELETE FROM custody_entries"):
        with pytest.raises(StoreFailed, match="append-only"):
            with write_session(url) as s:
                s.execute(text(stmt))


def test_a_desk_waits_for_the_other_desks_recovery_and_is_told_it_is_already_recovered(setup):
    """Desk A has recovered the copy but not committed yet; desk B must wait for A's lock (not fail on the
    unique key) and then be told the copy is already recovered."""
    import time

    url, org, (eid, did, aid) = setup
    code = docs.copy_code(eid, did, 2)
    with write_session(url) as s:
        docs.issue_copy(s, eid, code, aid, actor=org)
    a_done = threading.Event()
    out: dict = {}

    def desk_a():
        with write_session(url) as s:
            out["a"] = docs.recover_copy(s, eid, code, actor=org, desk="A").action
            a_done.set()
            time.sleep(0.6)

    def desk_b():
        a_done.wait(10)
        try:
            with write_session(url) as s:
                out["b"] = docs.recover_copy(s, eid, code, actor=org, desk="B").action
        except Exception as exc:  # noqa: BLE001
            out["b"] = exc

    ta, tb = threading.Thread(target=desk_a), threading.Thread(target=desk_b)
    ta.start(), tb.start()
    ta.join(30), tb.join(30)
    assert out["a"] == "recovered" and isinstance(out["b"], docs.CopyAlreadyRecovered), out
