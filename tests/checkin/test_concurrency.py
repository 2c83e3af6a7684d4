"""Several desks at once: 8 processes scan the same 200 badges at the same moment -> exactly 200 `ok`, all
others `already_checked_in`, zero errors, on SQLite and PostgreSQL."""
from __future__ import annotations

import multiprocessing as mp
import os

from planners.store import db as dbmod
from tests.checkin.helpers import make_event
from tests.conftest import make_user
from tests.checkin.worker import desk_worker

DESKS, BADGES = 8, 200


def test_eight_desks_scanning_the_same_200_badges_admit_each_person_exactly_once(any_db_url):
    with dbmod.write_session(any_db_url) as s:
        organizer = make_user(s, "organizer", "organizer")
    eid, codes = make_event(any_db_url, organizer, n=BADGES, device_policy="lockers")
    dbmod.dispose_all()
    ctx = mp.get_context("spawn")
    barrier, out = ctx.Barrier(DESKS), ctx.Queue()
    procs = [ctx.Process(target=desk_worker, args=(any_db_url, os.environ["CONCLAVE_KEYS_DIR"], eid,
                                                   list(codes.values()), f"desk{i}", barrier, out))
             for i in range(DESKS)]
    for p in procs:
        p.start()
    results = [out.get(timeout=600) for _ in procs]
    for p in procs:
        p.join(60)
    total: dict[str, int] = {}
    for r in results:
        for k, v in r.items():
            total[k] = total.get(k, 0) + v
    assert total == {"ok": BADGES, "already_checked_in": BADGES * (DESKS - 1)}, total
    from planners import checkin

    with dbmod.read_session(any_db_url) as s:
        n = checkin.live_numbers(s, eid)
        lockers = [p["locker"] for p in checkin.inside_now(s, eid)]
    assert n["arrived"] == n["inside"] == BADGES
    assert len(set(lockers)) == BADGES  # no locker handed out twice
