"""What a screen asks of the store, through the unit of work: a read session, one change of state, and the
schema brought up to date. Pages (through pages/parts/ui.py) ask these, never planners.store."""
from __future__ import annotations

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
