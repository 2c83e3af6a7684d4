"""Benchmark of `conclave desk sync` (issue 15): 5,000 offline scans merged into the server (wall and process
time). Figures go to bench-results/offline.json; run by `make bench`."""
from __future__ import annotations

import json
import time
from datetime import timedelta

import pytest

from planners.checkin import offline, sync
from planners.core import clock
from planners.store import uow
from tests.checkin.helpers import CLEARED, make_event, register_desks
from tests.conftest import ROOT

pytestmark = pytest.mark.bench
N = 5_000


def test_sync_of_5000_offline_scans(db_url, users, tmp_path):
    people = [dict(name=f"参会人{i:05d}", unit=f"单位{i % 40:02d}", id_last4=f"{i:04d}"[-4:], **CLEARED)
              for i in range(N)]
    eid, codes = make_event(db_url, users["organizer"], people=people, device_policy="lockers")
    register_desks(db_url, "offline")
    with uow.write_session(db_url) as s:
        (tmp_path / "p").write_bytes(offline.make_pack(s, eid, actor="bench"))
    desk = offline.open_desk(tmp_path / "p", tmp_path / "l")
    t0 = clock.utcnow()
    w0, c0 = time.perf_counter(), time.process_time()
    for i, c in enumerate(codes.values()):
        desk.decide(c, now=t0 + timedelta(milliseconds=200 * i))
    desk.close()
    offline_wall, offline_cpu = time.perf_counter() - w0, time.process_time() - c0
    w0, c0 = time.perf_counter(), time.process_time()
    res = sync.sync_log(tmp_path / "l", actor="bench")
    wall, cpu = time.perf_counter() - w0, time.process_time() - c0
    assert res.counts["merged"] == N
    w0 = time.perf_counter()
    again = sync.sync_log(tmp_path / "l", actor="bench")
    second = time.perf_counter() - w0
    assert again.counts["seen"] == N
    figures = {"scans": N, "offline_decide_wall_s": round(offline_wall, 2), "offline_decide_cpu_s": round(offline_cpu, 2),
               "sync_wall_s": round(wall, 2), "sync_process_time_s": round(cpu, 2),
               "per_scan_ms": round(1000 * wall / N, 2), "second_sync_wall_s": round(second, 2)}
    out = ROOT / "bench-results" / "offline.json"
    out.parent.mkdir(exist_ok=True)
    out.write_text(json.dumps(figures, indent=2))
    print(f"\n[bench offline] {json.dumps(figures)}")
