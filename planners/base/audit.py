"""Append-only, hash-chained audit trail.

Every change of state writes one entry: who, when, what, which object, a before/after summary. Each entry's
hash covers its own fields, its id and the previous entry's hash, so `verify()` names the first entry that
was altered or removed. The database refuses UPDATE and DELETE on the table (triggers, migration 0001)."""
from __future__ import annotations

import hashlib
import json
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Iterable

from sqlalchemy import func, select, text
from sqlalchemy.orm import Session

from planners.core.clock import utcnow
from planners.base import trail
from planners.store.fastsql import Statement, Tx
from planners.store.models import AuditEntry
from planners.store.models_checkin import Scan
from pathlib import Path

GENESIS = "0" * 64
_SECRET_WORDS = ("password", "secret", "private", "token_key", "signing_key", "hash")
_PG_AUDIT_LOCK = 0x43_4F_4E_43  # advisory lock id: serialises the chain on PostgreSQL


_SECRET_KEY: dict[str, bool] = {}  # key -> names a secret (issue 17: the same few keys, every scan)


def _is_secret_key(k) -> bool:
    k = str(k)
    got = _SECRET_KEY.get(k)
    if got is None:
        got = any(w in k.lower() for w in _SECRET_WORDS)
        if len(_SECRET_KEY) < 4096:
            _SECRET_KEY[k] = got
    return got


def _scrub(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: ("[redacted]" if _is_secret_key(k) else _scrub(v)) for k, v in value.items()}
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


_THROUGH: ContextVar[str | None] = ContextVar("audit_through", default=None)


@contextmanager
def acting_through(channel: str):
    """Every entry recorded inside carries `through=channel` in its details: the command line names the OS user
    who ran it (`cli:alice`) next to the account it signed in as, which is the entry's actor."""
    token = _THROUGH.set(channel)
    try:
        yield
    finally:
        _THROUGH.reset(token)


def record(gear: Session | Tx, /, *, actor: str, action: str, object_type: str = "", object_id: Any = "",
           event_id: int | None = None, before: dict | None = None, after: dict | None = None,
           **details: Any) -> AuditEntry | int:
    """Append one entry in the caller's transaction, so the entry and the change commit together: the one
    writer of the trail. `gear` is the unit of work's ORM session or its driver gear (the front desk's hot
    path, planners.store.fastsql); both write the same chain and the same stored values. Returns the entry
    (ORM session) or its id (driver gear)."""
    through = _THROUGH.get()
    if through and "through" not in details:
        details = {**details, "through": through}
    fields = dict(actor=actor, action=action, object_type=object_type, object_id=object_id, event_id=event_id,
                  before=before, after=after, details=details)
    if isinstance(gear, Tx):
        if not gear.sqlite:
            gear.run(_LOCK, k=_PG_AUDIT_LOCK)
        values = _values(gear.one(_LAST), **fields)
        gear.run(_INSERT, **values)
        engine = getattr(gear, "engine", None)
        if engine is not None and trail.due(values["id"]):  # a checkpoint, written once the scan has committed
            gear.after_commit.append(lambda: trail.write_quietly(engine, "auto"))
        return values["id"]
    if gear.get_bind().dialect.name != "sqlite":
        gear.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": _PG_AUDIT_LOCK})
    last = gear.execute(select(AuditEntry.id, AuditEntry.hash).order_by(AuditEntry.id.desc()).limit(1)).first()
    entry = AuditEntry(**_values(last, **fields))
    gear.add(entry)
    gear.flush()
    if trail.due(entry.id):  # a checkpoint, written once this transaction has committed (planners.store.uow)
        engine = gear.get_bind().engine
        gear.info.setdefault("after_commit", []).append(lambda: trail.write_quietly(engine, "auto"))
    return entry


# ---- the door log (`scans`) is chained the same way: `seq` is its place in the chain --------------------

_SCAN_FIELDS = ("event_id", "attendee_id", "desk", "actor", "at", "direction", "method", "raw", "raw_hash",
                "status", "reason", "duplicate_of")


def scan_hash(*, id: int, seq: int, at: datetime, prev_hash: str, **f: Any) -> str:
    """The hash of one scan: its id, place, every stored field and the previous scan's hash. Stable: migration
    0009 chained the scans that existed before it with this function."""
    parts = [str(id), str(seq), at.isoformat(timespec="microseconds")]
    parts += ["" if f[k] is None else str(f[k]) for k in _SCAN_FIELDS if k != "at"]
    parts.append(prev_hash)
    return hashlib.sha256("\x1f".join(parts).encode("utf-8")).hexdigest()


def _scan_chain(last, scan_id: int, fields: dict) -> dict:
    seq = (last[0] + 1) if last else 1
    prev = last[1] if last else GENESIS
    return dict(seq=seq, prev_hash=prev, hash=scan_hash(id=scan_id, seq=seq, prev_hash=prev, **fields))


_SCAN_T = Scan.__table__
_SCAN_LAST = Statement("SELECT seq, hash FROM scans WHERE seq IS NOT NULL ORDER BY seq DESC LIMIT 1", _SCAN_T)
_SCAN_INSERT = Statement(
    "INSERT INTO scans (id, event_id, attendee_id, desk, actor, at, direction, method, raw, raw_hash, status, "
    "reason, duplicate_of, seq, prev_hash, hash) VALUES (:id, :event_id, :attendee_id, :desk, :actor, :at, "
    ":direction, :method, :raw, :raw_hash, :status, :reason, :duplicate_of, :seq, :prev_hash, :hash)", _SCAN_T)


def append_scan(tx: Tx, *, id: int, **fields: Any) -> None:
    """Insert one scan, chained, inside the desk's transaction. The head is read under the chain's lock (SQLite:
    the BEGIN IMMEDIATE of the transaction; PostgreSQL: the audit trail's advisory lock, taken here, after the
    transaction's row locks, as every writer of the trail takes it), so two desks never chain to one head."""
    if not tx.sqlite:
        tx.run(_LOCK, k=_PG_AUDIT_LOCK)
    tx.run(_SCAN_INSERT, id=id, **fields, **_scan_chain(tx.one(_SCAN_LAST), id, fields))


def chain_scan(session: Session, row: Scan) -> None:
    """Give an ORM scan row (not yet added) its id and place in the chain, under the same lock."""
    if session.get_bind().dialect.name != "sqlite":
        session.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": _PG_AUDIT_LOCK})
        row.id = session.execute(text("SELECT nextval(pg_get_serial_sequence('scans', 'id'))")).scalar_one()
    else:
        row.id = (session.execute(select(func.max(Scan.id))).scalar() or 0) + 1
    last = session.execute(select(Scan.seq, Scan.hash).where(Scan.seq.is_not(None)).order_by(Scan.seq.desc()).limit(1)).first()
    fields = {k: getattr(row, k) for k in _SCAN_FIELDS}
    for k, v in _scan_chain(last, row.id, fields).items():
        setattr(row, k, v)


@dataclass(frozen=True, kw_only=True)
class VerifyResult:
    ok: bool
    checked: int
    head: str
    first_bad_id: int | None = None
    problem: str = ""


def verify_entries(entries: Iterable[AuditEntry], *, marks: dict | None = None, want=()) -> VerifyResult:
    """Walk the chain; `marks` gets the hash of each entry whose id is in `want` (for checkpoints)."""
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
        if marks is not None and e.id in want:
            marks[e.id] = e.hash
    return VerifyResult(ok=True, checked=n, head=prev)


def verify(session: Session, *, marks: dict | None = None, want=()) -> VerifyResult:
    rows = session.execute(select(AuditEntry).order_by(AuditEntry.id).execution_options(yield_per=2000)).scalars()
    return verify_entries(rows, marks=marks, want=want)


def verify_scans(session: Session, *, marks: dict | None = None, want=()) -> VerifyResult:
    """The door log's chain, like `verify`: names the first scan removed, moved or altered."""
    prev, n = GENESIS, 0
    rows = session.execute(select(Scan).order_by(Scan.seq, Scan.id).execution_options(yield_per=2000)).scalars()
    for sc in rows:
        expected = n + 1
        if sc.seq is None:
            return VerifyResult(ok=False, checked=n, head=prev, first_bad_id=expected,
                                problem=f"scan id {sc.id} was written around the chain (it has no place in it)")
        if sc.seq != expected:
            return VerifyResult(ok=False, checked=n, head=prev, first_bad_id=expected,
                                problem=f"scan {expected} of the chain is missing (removed); the chain continues "
                                        f"at {sc.seq} (scan id {sc.id})")
        if sc.prev_hash != prev:
            return VerifyResult(ok=False, checked=n, head=prev, first_bad_id=expected,
                                problem=f"scan {expected} (id {sc.id}) does not follow scan {expected - 1}")
        fields = {k: getattr(sc, k) for k in _SCAN_FIELDS}
        if scan_hash(id=sc.id, seq=sc.seq, prev_hash=sc.prev_hash, **fields) != sc.hash:
            return VerifyResult(ok=False, checked=n, head=prev, first_bad_id=expected,
                                problem=f"scan {expected} (id {sc.id}) was altered: its content no longer matches "
                                        "its hash")
        prev, n = sc.hash, expected
        if marks is not None and expected in want:
            marks[expected] = sc.hash
    return VerifyResult(ok=True, checked=n, head=prev)


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


def verify_trail(session: Session, *, against: Path | None = None, require_checkpoints: bool = True) -> trail.Report:
    """The whole proof: both chains, the triggers, every checkpoint since the last reset."""
    rep = trail.Report()
    loaded = None
    try:
        loaded = trail.load(against)
    except trail.TrailError as exc:
        if require_checkpoints:
            rep.problems.append(str(exc))
    cps = loaded.current() if loaded else []
    want = trail.wanted(cps)
    marks: dict[str, dict[int, str]] = {"audit": {}, "scans": {}}
    rep.audit = verify(session, marks=marks["audit"], want=want["audit"])
    rep.scans = verify_scans(session, marks=marks["scans"], want=want["scans"])
    for res, label in ((rep.audit, "audit trail"), (rep.scans, "door log")):
        if not res.ok:
            rep.problems.append(f"the {label} is BROKEN at row {res.first_bad_id}: {res.problem} "
                                f"({res.checked} rows verified before it)")
    missing = trail.missing_triggers(session.connection())
    if missing:
        rep.problems.append("the append-only triggers are missing or disabled: " + ", ".join(missing))
    # a broken chain is trusted only up to its break
    rep.problems.extend(trail.compare(cps, marks, {"audit": rep.audit.checked, "scans": rep.scans.checked}))
    rep.checkpoints = len([c for c in cps if not c.get("_problem")])
    rep.latest = next((c for c in reversed(cps) if not c.get("_problem")), None)
    return rep
