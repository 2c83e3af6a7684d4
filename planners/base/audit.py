"""Append-only, hash-chained audit trail.

Every change of state writes one entry: who, when, what, which object, a before/after summary. Each entry's
hash covers its own fields, its id and the previous entry's hash, so `verify()` names the first entry that
was altered or removed. The database refuses UPDATE and DELETE on the table (triggers, migration 0001)."""
from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Iterable

from sqlalchemy import select, text
from sqlalchemy.orm import Session

from planners.core.clock import utcnow
from planners.store.fastsql import Statement, Tx
from planners.store.models import AuditEntry

GENESIS = "0" * 64
_SECRET_WORDS = ("password", "secret", "private", "token_key", "signing_key", "hash")
_PG_AUDIT_LOCK = 0x43_4F_4E_43  # advisory lock id: serialises the chain on PostgreSQL


def _scrub(value: Any) -> Any:
    if isinstance(value, dict):
        return {
            k: ("[redacted]" if any(w in str(k).lower() for w in _SECRET_WORDS) else _scrub(v))
            for k, v in value.items()
        }
    if isinstance(value, (list, tuple)):
        return [_scrub(v) for v in value]
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, (str, int, float, bool)) or value is None:
        return value
    return str(value)


def canonical(details: dict) -> str:
    return json.dumps(_scrub(details), ensure_ascii=False, sort_keys=True, separators=(",", ":"))


def entry_hash(*, id: int, ts: datetime, actor: str, action: str, object_type: str, object_id: str,
               event_id: int | None, details: str, prev_hash: str) -> str:
    payload = "\x1f".join([
        str(id), ts.isoformat(timespec="microseconds"), actor, action, object_type, object_id,
        "" if event_id is None else str(event_id), details, prev_hash,
    ])
    return hashlib.sha256(payload.encode("utf-8")).hexdigest()


def _values(last, *, actor: str, action: str, object_type: str, object_id: Any, event_id: int | None,
            before: dict | None, after: dict | None, details: dict) -> dict:
    """The next entry's column values, chained to `last` (the last entry's (id, hash), or None). The caller
    holds the write lock (BEGIN IMMEDIATE on SQLite, the advisory lock on PostgreSQL) from reading `last` to
    inserting, so no other writer appends in between."""
    new_id = (last[0] + 1) if last else 1
    prev = last[1] if last else GENESIS
    body = dict(details)
    if before is not None:
        body["before"] = before
    if after is not None:
        body["after"] = after
    det = canonical(body)
    ts = utcnow()
    h = entry_hash(id=new_id, ts=ts, actor=actor, action=action, object_type=object_type,
                   object_id=str(object_id), event_id=event_id, details=det, prev_hash=prev)
    return dict(id=new_id, ts=ts, actor=actor, action=action, object_type=object_type, object_id=str(object_id),
                event_id=event_id, details=det, prev_hash=prev, hash=h)


_TABLE = AuditEntry.__table__
_LOCK = Statement("SELECT pg_advisory_xact_lock(:k)")
_LAST = Statement("SELECT id, hash FROM audit_entries ORDER BY id DESC LIMIT 1", _TABLE)
_INSERT = Statement("INSERT INTO audit_entries (id, ts, actor, action, object_type, object_id, event_id, details, "
                    "prev_hash, hash) VALUES (:id, :ts, :actor, :action, :object_type, :object_id, :event_id, "
                    ":details, :prev_hash, :hash)", _TABLE)


def record(gear: Session | Tx, /, *, actor: str, action: str, object_type: str = "", object_id: Any = "",
           event_id: int | None = None, before: dict | None = None, after: dict | None = None,
           **details: Any) -> AuditEntry | int:
    """Append one entry in the caller's transaction, so the entry and the change commit together: the one
    writer of the trail. `gear` is the unit of work's ORM session or its driver gear (the front desk's hot
    path, planners.store.fastsql); both write the same chain and the same stored values. Returns the entry
    (ORM session) or its id (driver gear)."""
    fields = dict(actor=actor, action=action, object_type=object_type, object_id=object_id, event_id=event_id,
                  before=before, after=after, details=details)
    if isinstance(gear, Tx):
        if not gear.sqlite:
            gear.run(_LOCK, k=_PG_AUDIT_LOCK)
        values = _values(gear.one(_LAST), **fields)
        gear.run(_INSERT, **values)
        return values["id"]
    if gear.get_bind().dialect.name != "sqlite":
        gear.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": _PG_AUDIT_LOCK})
    last = gear.execute(select(AuditEntry.id, AuditEntry.hash).order_by(AuditEntry.id.desc()).limit(1)).first()
    entry = AuditEntry(**_values(last, **fields))
    gear.add(entry)
    gear.flush()
    return entry


@dataclass(frozen=True, kw_only=True)
class VerifyResult:
    ok: bool
    checked: int
    head: str
    first_bad_id: int | None = None
    problem: str = ""


def verify_entries(entries: Iterable[AuditEntry]) -> VerifyResult:
    prev = GENESIS
    expected_id = 1
    n = 0
    for e in entries:
        if e.id != expected_id:
            return VerifyResult(ok=False, checked=n, head=prev, first_bad_id=expected_id,
                                problem=f"entry {expected_id} is missing (removed); the chain continues at {e.id}")
        if e.prev_hash != prev:
            return VerifyResult(ok=False, checked=n, head=prev, first_bad_id=e.id,
                                problem=f"entry {e.id} does not follow entry {e.id - 1}: the previous entry was altered or removed")
        h = entry_hash(id=e.id, ts=e.ts, actor=e.actor, action=e.action, object_type=e.object_type,
                       object_id=e.object_id, event_id=e.event_id, details=e.details, prev_hash=e.prev_hash)
        if h != e.hash:
            return VerifyResult(ok=False, checked=n, head=prev, first_bad_id=e.id,
                                problem=f"entry {e.id} was altered: its content no longer matches its hash")
        prev = e.hash
        expected_id += 1
        n += 1
    return VerifyResult(ok=True, checked=n, head=prev)


def verify(session: Session) -> VerifyResult:
    rows = session.execute(select(AuditEntry).order_by(AuditEntry.id).execution_options(yield_per=2000)).scalars()
    return verify_entries(rows)


def query(session: Session, *, event_id: int | None = None, actor: str | None = None,
          action: str | None = None, limit: int = 5000) -> list[AuditEntry]:
    q = select(AuditEntry).order_by(AuditEntry.id.desc()).limit(limit)
    if event_id is not None:
        q = q.where(AuditEntry.event_id == event_id)
    if actor:
        q = q.where(AuditEntry.actor == actor)
    if action:
        q = q.where(AuditEntry.action == action)
    return list(session.execute(q).scalars())


def to_rows(entries: Iterable[AuditEntry]) -> list[dict]:
    return [
        {"id": e.id, "ts_utc": e.ts.isoformat(timespec="seconds"), "actor": e.actor, "action": e.action,
         "object_type": e.object_type, "object_id": e.object_id, "event_id": e.event_id,
         "details": e.details, "hash": e.hash}
        for e in entries
    ]


def event_titles(session: Session) -> dict[int, str]:
    """Every event's title by id, for the audit page's event filter."""
    from planners.store.models import Event

    return dict(session.execute(select(Event.id, Event.title).order_by(Event.id)).all())
