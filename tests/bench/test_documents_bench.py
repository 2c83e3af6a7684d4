"""Benchmark: reconciliation of an event with 2,000 copies and 10,000 ledger entries (target < 1 s).

Measures and prints the figures, writes them to bench-results/documents.json, and asserts the target."""
from __future__ import annotations

import json
import statistics
import time
from datetime import date, datetime, timedelta

import pytest
from sqlalchemy import insert

from planners import documents as docs
from planners.base.events import EventInput, create_event
from planners.core.clock import utcnow
from planners.store.uow import read as read_session, write_session
from planners.store.models import Attendee
from planners.store.models_documents import CustodyEntry, DocumentCopy
from tests.conftest import ROOT, make_user

pytestmark = pytest.mark.bench
COPIES, ENTRIES, TARGET_S = 2000, 10000, 1.0


def _build(url: str) -> int:
    with write_session(url) as s:
        org = make_user(s, "organizer", "organizer")
        ev = create_event(s, EventInput(title="基准测试大会", kind="meeting", level="confidential",
                                        start=datetime(2030, 1, 1, 9), end=datetime(2030, 1, 3, 18)), actor=org)
        s.execute(insert(Attendee), [{"event_id": ev.id, "name": f"参会{i:03d}", "unit": "市财政局",
                                      "clearance": "confidential", "nationality": "CN"} for i in range(400)])
        ids = [a.id for a in docs.attendees_of(s, ev.id)]
        for k in range(10):  # 10 documents x 200 copies
            docs.register_document(s, ev.id, docs.DocumentInput(
                control_no=f"B-{k:02d}", short_title=f"基准材料{k}", carrier="paper", level="confidential",
                retention_kind="period", retention="10年", proposed_by="甲", approved_by="乙", basis="第1条",
                scope=["市财政局"], classified_on=date(2029, 12, 1), copies=COPIES // 10), actor=org)
        copy_ids = [c for (c,) in s.query(DocumentCopy.id).filter(DocumentCopy.event_id == ev.id)]
        assert len(copy_ids) == COPIES
        t0, rows = utcnow(), []
        cycle = ["issued", "recovered", "issued", "transferred", "recovered"]  # 5 per copy: 10,000 entries
        for i, cid in enumerate(copy_ids):
            for seq, action in enumerate(cycle, start=1):
                holder = ids[(i + seq) % len(ids)] if action in ("issued", "transferred") else None
                rows.append({"event_id": ev.id, "copy_id": cid, "seq": seq, "action": action, "attendee_id": holder,
                             "holder_name": f"参会{(i + seq) % len(ids):03d}" if holder else "", "actor": "bench",
                             "desk": "A", "acknowledgement": "", "ref": "",
                             "at": t0 + timedelta(seconds=i * 5 + seq)})
        s.execute(insert(CustodyEntry), rows)
        return ev.id


def _time(fn, n=9):
    """Wall-clock and CPU seconds of n runs (the machine is shared: CPU time shows the work, wall time the wait)."""
    wall, cpu = [], []
    for _ in range(n):
        t, c = time.perf_counter(), time.process_time()
        result = fn()
        wall.append(time.perf_counter() - t)
        cpu.append(time.process_time() - c)
    return wall, cpu, result


@pytest.mark.parametrize("engine", ["sqlite", "postgresql"])
def test_reconciliation_of_2000_copies_and_10000_entries_is_under_one_second(request, engine):
    url = request.getfixturevalue("db_url" if engine == "sqlite" else "pg_url")
    eid = _build(url)

    def run():
        with read_session(url) as s:
            return docs.reconcile(s, eid)

    times, cpu, rec = _time(run)
    assert len(rec.rows) == COPIES and rec.counts["recovered"] == COPIES
    with read_session(url) as s:
        from sqlalchemy import func, select
        assert s.scalar(select(func.count()).select_from(CustodyEntry)) == ENTRIES
    held_times, _cpu, _ = _time(lambda: _held(url, eid))
    figures = {"engine": engine, "copies": COPIES, "ledger_entries": ENTRIES,
               "reconcile_s": {"first": round(times[0], 4), "median": round(statistics.median(times), 4),
                               "max": round(max(times), 4), "cpu_median": round(statistics.median(cpu), 4)},
               "copies_held_by_median_s": round(statistics.median(held_times), 4), "target_s": TARGET_S}
    print(f"\n[documents bench] {json.dumps(figures, ensure_ascii=False)}")
    out = ROOT / "bench-results" / "documents.json"
    out.parent.mkdir(exist_ok=True)
    existing = json.loads(out.read_text()) if out.exists() else {}
    existing[engine] = figures
    out.write_text(json.dumps(existing, indent=1))
    # The target is for the typical run: on a shared 2-core machine single runs can wait for the CPU.
    assert statistics.median(times) < TARGET_S


def _held(url, eid):
    with read_session(url) as s:
        return docs.copies_held_by(s, eid, 1)
