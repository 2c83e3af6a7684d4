"""A desk in its own process, for the concurrency test (importable by multiprocessing 'spawn')."""
from __future__ import annotations

import os
import random


def desk_worker(url: str, keys: str, event_id: int, codes: list[str], desk: str, barrier, out) -> None:
    os.environ["DATABASE_URL"] = url
    os.environ["CONCLAVE_KEYS_DIR"] = keys
    import planners.wiring  # noqa: F401
    from planners import checkin

    order = list(codes)
    random.Random(desk).shuffle(order)
    counts: dict[str, int] = {}
    barrier.wait(timeout=120)  # a desk that never started must not hang the others
    for c in order:
        try:
            reason = checkin.scan(event_id, c, desk=desk, actor=f"test:{desk}").reason
        except Exception as exc:  # counted, must be zero
            reason = f"error:{type(exc).__name__}:{exc}"[:200]
        counts[reason] = counts.get(reason, 0) + 1
    out.put(counts)
