"""Several desks at once: 8 processes scan the same 200 badges at the same moment -> exactly 200 `ok`, all
others `same_badge_again` or `already_checked_in`, zero errors, on SQLite and PostgreSQL."""
from __future__ import annotations

import multiprocessing as mp
import os
import queue
import sys
import time
import types

from planners.store import db as dbmod

from planners.store import uow
from tests.checkin.helpers import make_event, register_desks
from tests.conftest import make_user
from tests.checkin.worker import desk_worker

DESKS, BADGES = 8, 200


def _results(procs, out, timeout: float = 600) -> list[dict]:
    """Each desk's counts; fails at once (not after the timeout) when a desk process died without reporting."""
    results, deadline = [], time.monotonic() + timeout
    while len(results) < len(procs):
        try:
            results.append(out.get(timeout=1))
        except queue.Empty:
            dead = [p.exitcode for p in procs if p.exitcode not in (None, 0)]
            assert not dead, f"a desk process died (exit codes {dead}); see its traceback above"
            assert time.monotonic() < deadline, "the desks did not finish in time"
    return results


def test_eight_desks_scanning_the_same_200_badges_admit_each_person_exactly_once(any_db_url, monkeypatch):
    # 'spawn' re-runs the parent's __main__ in each child; after an AppTest, Streamlit has left a page script
    # there, which would run (and fail) in every desk. A bare __main__ makes the children start clean.
    monkeypatch.setitem(sys.modules, "__main__", types.ModuleType("__main__"))
    with uow.write_session(any_db_url) as s:
        organizer = make_user(s, "organizer", "organizer")
    eid, codes = make_event(any_db_url, organizer, n=BADGES, device_policy="lockers")
    register_desks(any_db_url, *(f"desk{i}" for i in range(DESKS)))  # each process is its own registered desk
    dbmod.dispose_all()
    ctx = mp.get_context("spawn")
    barrier, out = ctx.Barrier(DESKS), ctx.Queue()
    procs = [ctx.Process(target=desk_worker, args=(any_db_url, os.environ["CONCLAVE_KEYS_DIR"], eid,
                                                   list(codes.values()), f"desk{i}", barrier, out))
             for i in range(DESKS)]
    for p in procs:
        p.start()
    results = _results(procs, out)
    for p in procs:
        p.join(60)
    total: dict[str, int] = {}
    for r in results:
        for k, v in r.items():
            total[k] = total.get(k, 0) + v
    # a second scan of a badge inside is never green: same_badge_again within seconds of its entry, later
    # already_checked_in (issue 18, item 1)
    assert total.get("ok") == BADGES and set(total) <= {"ok", "same_badge_again", "already_checked_in"}, total
    assert total.get("same_badge_again", 0) + total.get("already_checked_in", 0) == BADGES * (DESKS - 1), total
    from planners import checkin

    with uow.read(any_db_url) as s:
        n = checkin.live_numbers(s, eid)
        lockers = [p["locker"] for p in checkin.inside_now(s, eid)]
    assert n["arrived"] == n["inside"] == BADGES
    assert len(set(lockers)) == BADGES  # no locker handed out twice
