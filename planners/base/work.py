"""What a screen asks of the store, through the unit of work: a read session, one change of state, and the
schema brought up to date. Pages (through pages/parts/ui.py) ask these, never planners.store."""
from __future__ import annotations

from sqlalchemy import text

from planners.store import schema, uow


def reading():
    """A read session (nothing is committed)."""
    return uow.read()


def writing():
    """One all-or-nothing change of state, owned by the unit of work."""
    return uow.write_session()


def upgrade(url: str | None = None) -> None:
    """Create or upgrade the database (refuses a newer, read-only or unreachable one with a clear message)."""
    schema.upgrade(url)


def data_version(url: str | None = None) -> tuple[int, int]:
    """What a screen keys its cached reads on (issue 17): the write transactions this process committed (every
    change a page makes) and the audit trail's last entry (a change by another process: the command line,
    another app server, a desk). One primary-key read."""
    with uow.read(url) as s:
        last = s.execute(text("SELECT MAX(id) FROM audit_entries")).scalar()
    return uow.committed(), int(last or 0)
