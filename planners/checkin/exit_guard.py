"""The exit of someone who may hold a numbered copy, made safe against a copy issued at the same moment.

The desk reads what a person holds (the `exit_attention` answers, e.g. their numbered copies) before the exit's
write transaction, on the ORM, so the hot path stays fast. A copy issued to them by another desk between that read
and the exit would let them out with it. So the read also notes the newest custody entry naming the person (its
`mark`), and inside the exit's transaction — after locking their attendance row on PostgreSQL (SQLite's BEGIN
IMMEDIATE already serialises every writer) — the mark is read again: if a copy moved to or from them since, the
holds are read once more, from the committed state, before the exit is decided. The issue side locks the same
attendance row when it asks whether the receiver is present (planners.checkin.hooks), so on PostgreSQL either the
issue commits first and the exit sees it (orange, 收回), or the exit commits first and the issue finds the person
gone (refused: not checked in). Never an exit with a copy outstanding."""
from __future__ import annotations

from typing import Callable

from sqlalchemy import func, select

from planners.checkin.desk_sql import Q_ATT_LOCK, Q_CUSTODY_MARK
from planners.store.fastsql import Tx
from planners.store.models_documents import CustodyEntry
from planners.store.uow import read as read_session

ReadHolds = Callable[[str | None, int, int | None], list]


class Holds(list):
    """What stops the exit, with the custody mark read before it and where it was read."""

    def __init__(self, items, *, mark: int | None, url: str | None):
        super().__init__(items)
        self.mark, self.url = mark, url


def read_holds(url: str | None, event_id: int, attendee_id: int | None, read: ReadHolds) -> list:
    """The mark first, then the holds (a copy issued in between is then seen again inside the exit)."""
    if attendee_id is None:
        return []
    with read_session(url) as s:
        mark = s.scalar(select(func.max(CustodyEntry.id)).where(CustodyEntry.event_id == event_id,
                                                                CustodyEntry.attendee_id == attendee_id))
    return Holds(read(url, event_id, attendee_id), mark=mark, url=url)


def confirm(tx: Tx, event_id: int, attendee_id: int, held: list, read: ReadHolds) -> list:
    """Inside the exit's transaction: the holds still as read, or read again if a copy moved since."""
    if not isinstance(held, Holds):
        return held  # an override lets the person out whatever they hold
    if not tx.sqlite:
        tx.run(Q_ATT_LOCK, event_id=event_id, attendee_id=attendee_id)
    if tx.scalar(Q_CUSTODY_MARK, event_id=event_id, attendee_id=attendee_id) == held.mark:
        return held
    return read(held.url, event_id, attendee_id)
