"""Benchmarks for the foreign-visits area: the leader's queue with many waiting items, and the host briefing.

Targets (our own): the queue of 1,000 waiting items loads in under 0.5 s; a briefing PDF is made in under 5 s
(the PDF includes loading and subsetting the CJK font), a Word briefing in under 1 s."""
from __future__ import annotations

import json
import statistics
import time
from pathlib import Path

import pytest

from planners.base import approvals
from planners.visits import briefing
from planners import visits
from planners.store.uow import read as read_session, write_session

pytestmark = pytest.mark.bench
OUT = Path(__file__).resolve().parents[2] / "bench-results" / "visits.json"


def _timed(fn, n: int) -> list[float]:
    out = []
    for _ in range(n):
        t0 = time.perf_counter()
        fn()
        out.append(time.perf_counter() - t0)
    return out


def test_queue_and_briefing_speed(demo, users):
    with write_session() as s:
        for i in range(1000):
            approvals.request(s, kind="attendee_exception", object_type="attendee", object_id=10_000 + i,
                              title={"en": f"Item {i}", "zh_CN": f"事项{i}"}, requested_by=users["organizer"])
    with read_session() as s:
        vid = visits.by_event(s, demo.events["bavaria-delegation"].id).id

    def queue():
        with read_session() as s:
            assert len(approvals.pending(s)) == 1002  # + the demo's attendee list waiting (issue 11)

    def pdf():
        with read_session() as s:
            briefing.render(s, vid, "pdf", "zh_CN")

    def docx():
        with read_session() as s:
            briefing.render(s, vid, "docx", "en")

    res = {"queue_1000_s": _timed(queue, 5), "briefing_pdf_s": _timed(pdf, 3), "briefing_docx_s": _timed(docx, 5)}
    summary = {k: {"median": round(statistics.median(v), 4), "max": round(max(v), 4)} for k, v in res.items()}
    OUT.parent.mkdir(exist_ok=True)
    OUT.write_text(json.dumps(summary, indent=2))
    print("\nvisits bench:", json.dumps(summary))
    assert summary["queue_1000_s"]["median"] < 0.5
    assert summary["briefing_pdf_s"]["median"] < 5
    assert summary["briefing_docx_s"]["median"] < 1
