"""A writer in its own process, for the audit-chain concurrency test: `python audit_worker.py URL N WHO`."""
from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))


def write_entries(url: str, n: int, who: str) -> int:
    from planners.base import audit
    from planners.store.uow import write_session

    for i in range(n):
        with write_session(url) as s:
            audit.record(s, actor=who, action="concurrent", object_id=i)
    return n


if __name__ == "__main__":
    print(write_entries(sys.argv[1], int(sys.argv[2]), sys.argv[3]))
