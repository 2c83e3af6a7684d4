"""A writer in its own process, for the audit-chain concurrency test (importable by multiprocessing 'spawn')."""
from __future__ import annotations


def write_entries(url: str, n: int, who: str) -> int:
    from planners import audit
    from planners.store.db import write_session

    for i in range(n):
        with write_session(url) as s:
            audit.record(s, actor=who, action="concurrent", object_id=i)
    return n
