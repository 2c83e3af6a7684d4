"""The audit trail anchored outside the database: signed checkpoints, the way transparency logs publish signed
tree heads (issue 18, item 4).

A hash chain inside the database proves that no entry in the middle was altered, but not that the chain is
complete: whoever can write the file can cut its tail, or drop the triggers and recompute every hash. So:

- an **audit key** (Ed25519) lives with the badge signing keys in CONCLAVE_KEYS_DIR (`audit.ed25519`, 0600),
  never in the database;
- a **checkpoint** is (number of audit entries, hash of the last one, number of door scans, hash of the last
  one, time), signed with the audit key, appended as one JSON line to an append-only file outside the database:
  CONCLAVE_CHECKPOINTS, by default `checkpoints.jsonl` in CONCLAVE_KEYS_DIR;
- one is written every N entries or M minutes (data/rules/audit.yaml, rule A1), at every backup and every export,
  and on demand (`conclave audit checkpoint [--out FILE]`, for a USB stick or a printout);
- `verify_trail` fails, naming the checkpoint, when a chain is shorter than or diverges from a checkpoint, when a
  checkpoint's signature is bad, when the append-only triggers are missing, or when no checkpoint file is found.

A forced restore (`conclave restore --force --reason TEXT`) appends a signed *reset* line: the checkpoints
before it belong to the database that was replaced, and are no longer compared."""
from __future__ import annotations

import base64
import fcntl
import hashlib
import json
import logging
import os
import sqlite3
import threading
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from typing import Iterable

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from sqlalchemy import create_engine, event, text
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session
from sqlalchemy.pool import StaticPool

from planners.core.config import KEYS_DIR_DEFAULT, keys_dir
from planners.core.keyfiles import write_private
from planners.core.errors import ConclaveError, TrailError
from planners.core.rules import Field, load_catalogue
from planners.core.clock import utcnow

log = logging.getLogger(__name__)

GENESIS = "0" * 64
# Tables the database itself keeps append-only (planners.store.ddl.append_only); the chained ones are first.
APPEND_ONLY = ("audit_entries", "scans", "plan_marks", "custody_entries", "visit_info_requests",
               "approval_snapshots", "approval_snapshot_members",  # issue 11: the approved snapshots
               "person_history")  # issue 13: the people register's history




# ---- the rules --------------------------------------------------------------------------------------------

_FIELDS = {
    "every_entries": Field("int"),
    "every_minutes": Field("int"),
    "max_expand_mb": Field("int"),
    "max_ratio": Field("int"),
    "max_manifest_kb": Field("int"),
    "proposal": Field("bool"),
    "text": Field("bilingual", required=True),
}


def rule(rule_id: str) -> dict:
    for r in load_catalogue("audit", _FIELDS)["rules"]:
        if r["id"] == rule_id:
            return r
    raise TrailError(f"data/rules/audit.yaml has no rule {rule_id}: restore it from the release.",
                     key="trail.rule_missing", rule=rule_id)


def cadence() -> tuple[int, int]:
    """(N entries, M minutes) of rule A1. A broken rules file must not stop every write of the app (the trail is
    written on each change of state): it is logged, and the release's defaults apply until it is fixed."""
    try:
        r = rule("A1")
    except ConclaveError as exc:
        log.warning("data/rules/audit.yaml refused, checkpoints every 200 entries or 5 minutes: %s", exc)
        return 200, 5
    return max(1, int(r.get("every_entries") or 20)), max(1, int(r.get("every_minutes") or 5))


# ---- the audit key ----------------------------------------------------------------------------------------

def key_path() -> Path:
    return keys_dir() / "audit.ed25519"


def _load_key(create: bool) -> Ed25519PrivateKey | None:
    path = key_path()
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        if not create:
            return None
        key = Ed25519PrivateKey.generate()
        try:
            write_private(path, key)
        except FileExistsError:  # another process made it meanwhile
            return _load_key(create=False)
        return key
    except OSError as exc:
        raise TrailError(f"The audit key {path} cannot be read ({exc.strerror}): fix its owner and mode (0600).",
                         key="trail.key_unreadable", path=str(path)) from exc
    if len(raw) != 32:
        raise TrailError(f"The audit key {path} is not an Ed25519 key ({len(raw)} bytes, 32 expected): "
                         "put the right file back.", key="trail.key_bad", path=str(path))
    return Ed25519PrivateKey.from_private_bytes(raw)


def private_key() -> Ed25519PrivateKey:
    return _load_key(create=True)


def public_key() -> Ed25519PublicKey | None:
    k = _load_key(create=False)
    return k.public_key() if k is not None else None


def fingerprint(pub: Ed25519PublicKey) -> str:
    raw = pub.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    return hashlib.sha256(raw).hexdigest()[:16]


def _canonical(obj: dict) -> bytes:
    return json.dumps(obj, ensure_ascii=False, sort_keys=True, separators=(",", ":")).encode("utf-8")


def sign(obj: dict, key: Ed25519PrivateKey | None = None) -> dict:
    """`obj` with `key` (the audit key's fingerprint) and `sig` (Ed25519 over the canonical JSON of the rest)."""
    k = key or private_key()
    body = {k_: v for k_, v in obj.items() if k_ != "sig"}
    body["key"] = fingerprint(k.public_key())
    body["sig"] = base64.b64encode(k.sign(_canonical({k_: v for k_, v in body.items() if k_ != "sig"}))).decode()
    return body


def signature_problem(obj: dict, pub: Ed25519PublicKey | None) -> str:
    """'' if `obj` is signed by the audit key, else why not."""
    if pub is None:
        return f"the audit key is not in {keys_dir()}, so no signature can be checked"
    sig = obj.get("sig")
    if not sig:
        return "it is not signed"
    if obj.get("key") != fingerprint(pub):
        return f"it is signed by another key ({obj.get('key')!r}, this machine's audit key is {fingerprint(pub)})"
    try:
        pub.verify(base64.b64decode(sig), _canonical({k: v for k, v in obj.items() if k != "sig"}))
    except (InvalidSignature, ValueError, TypeError):
        return "its signature is bad: it was altered or forged"
    return ""


# ---- the checkpoint file ----------------------------------------------------------------------------------

def checkpoints_path() -> Path:
    env = os.environ.get("CONCLAVE_CHECKPOINTS", "").strip()
    return Path(env) if env else keys_dir() / "checkpoints.jsonl"


def append_line(path: Path, obj: dict) -> None:
    """Append one line, 0600, under an exclusive lock, flushed to disk."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(str(path), os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        os.write(fd, _canonical(obj) + b"\n")
        os.fsync(fd)
    finally:
        os.close(fd)
    _LAST.pop(str(path), None)


@dataclass
class Loaded:
    path: Path
    lines: list[dict]  # every line, in order, with `_n` (its line number) and `_problem` ('' when good)

    def current(self) -> list[dict]:
        """The checkpoints since the last (good) reset: those the database must still match."""
        start = 0
        for i, c in enumerate(self.lines):
            if c.get("kind") == "reset" and not c["_problem"]:
                start = i
        return self.lines[start:]


def load(path: Path | None = None, pub: Ed25519PublicKey | None = None) -> Loaded:
    wait()
    path = path or checkpoints_path()
    pub = pub if pub is not None else public_key()
    try:
        data = path.read_bytes()
    except FileNotFoundError as exc:
        raise TrailError(f"No checkpoint file at {path}: the audit trail cannot prove completeness.",
                         key="trail.no_checkpoints", path=str(path)) from exc
    except OSError as exc:
        raise TrailError(f"The checkpoint file {path} cannot be read ({exc.strerror}).",
                         key="trail.checkpoints_unreadable", path=str(path)) from exc
    lines = []
    for n, raw in enumerate(data.splitlines(), start=1):
        if not raw.strip():
            continue
        try:
            c = json.loads(raw)
            if not isinstance(c, dict):
                raise ValueError("not an object")
            problem = signature_problem(c, pub)
            for part in ("audit", "scans"):
                v = c.get(part)
                if not (isinstance(v, dict) and isinstance(v.get("count"), int) and isinstance(v.get("head"), str)):
                    problem = problem or f"it has no valid '{part}' count and head"
        except ValueError as exc:
            c, problem = {}, f"it is not valid JSON ({exc})"
        c["_n"], c["_problem"] = n, problem
        lines.append(c)
    if not lines:
        raise TrailError(f"The checkpoint file {path} is empty: the audit trail cannot prove completeness.",
                         key="trail.no_checkpoints", path=str(path))
    return Loaded(path, lines)


def describe(c: dict) -> str:
    return (f"checkpoint line {c.get('_n', '?')} ({c.get('time', '?')}, {c.get('audit', {}).get('count', '?')} "
            f"entries, {c.get('scans', {}).get('count', '?')} scans)")


_LAST: dict[str, tuple[tuple, int, datetime | None]] = {}  # path -> (stat key, last count, last time)


def _last_of(path: Path | str) -> tuple[int, datetime | None] | None:
    """(audit count, time) of the file's last line, cached on the file's size and mtime (a stat per call)."""
    try:
        st = os.stat(path)
    except OSError:
        return None
    key = (st.st_size, st.st_mtime_ns, st.st_ino)
    got = _LAST.get(str(path))
    if got is not None and got[0] == key:
        return got[1], got[2]
    count, at = -1, None
    try:
        with open(path, "rb") as f:
            f.seek(max(0, st.st_size - 8192))
            tail = f.read().splitlines()
        last = json.loads(tail[-1]) if tail else {}
        count = int(last.get("audit", {}).get("count", -1))
        at = datetime.fromisoformat(last["time"].rstrip("Z"))
    except (OSError, ValueError, KeyError, TypeError, AttributeError):
        pass
    _LAST[str(path)] = (key, count, at)
    return count, at


def _checkpoints_file() -> str:
    """checkpoints_path() as text, without building paths: asked on every scan (issue 17)."""
    env = os.environ.get("CONCLAVE_CHECKPOINTS", "").strip()
    if env:
        return env
    return os.path.join(os.environ.get("CONCLAVE_KEYS_DIR", str(KEYS_DIR_DEFAULT)), "checkpoints.jsonl")


def due(count: int, now: datetime | None = None) -> bool:
    """Is a checkpoint due now that the chain has `count` entries? (rule A1: every N entries or M minutes)"""
    last = _last_of(_checkpoints_file())
    if last is None or last[1] is None:
        return True
    n, minutes = cadence()
    return count - last[0] >= n or (now or utcnow()) - last[1] >= timedelta(minutes=minutes)


# ---- heads and checkpoints --------------------------------------------------------------------------------

def heads(conn) -> dict:
    """{'audit': {count, head}, 'scans': {count, head}} of the committed chains, on a SQLAlchemy connection."""
    a = conn.execute(text("SELECT id, hash FROM audit_entries ORDER BY id DESC LIMIT 1")).first()
    s = conn.execute(text("SELECT seq, hash FROM scans WHERE seq IS NOT NULL ORDER BY seq DESC LIMIT 1")).first()
    return {"audit": {"count": int(a[0]) if a else 0, "head": a[1] if a else GENESIS},
            "scans": {"count": int(s[0]) if s else 0, "head": s[1] if s else GENESIS}}


def make(h: dict, *, reason: str, kind: str = "checkpoint", note: str = "",
         key: Ed25519PrivateKey | None = None) -> dict:
    c = {"v": 1, "kind": kind, "reason": reason, "time": utcnow().isoformat(timespec="seconds") + "Z",
         "audit": h["audit"], "scans": h["scans"]}
    if note:
        c["note"] = note
    return sign(c, key)


def write(engine: Engine, *, reason: str, out: Path | None = None, path: Path | None = None,
          key: Ed25519PrivateKey | None = None) -> dict:
    """Sign the database's current heads and append them to the checkpoint file (and to `out`)."""
    if threading.current_thread().name != "conclave-checkpoint":
        wait()  # lines stay in the order of the heads they sign
    with engine.connect() as conn:
        h = heads(conn)
    c = make(h, reason=reason, key=key)
    append_line(path or checkpoints_path(), c)
    if out is not None:
        append_line(out, c)
    return c


def _write_logged(engine: Engine, reason: str, path: Path, key: Ed25519PrivateKey) -> dict | None:
    try:
        return write(engine, reason=reason, path=path, key=key)
    except Exception as exc:  # noqa: BLE001 - the change is committed; the next entry tries again
        log.warning("audit checkpoint not written: %s", exc)
        return None


_pending: dict[int, threading.Thread] = {}
_pending_lock = threading.Lock()


def write_quietly(engine: Engine, reason: str) -> None:
    """`write` after a commit (the change is committed already), on a thread of its own so that the desk that
    made the entry does not wait for the signature and the fsync (measured: p95 of a scan 9.8 ms inline, see
    tests/store/test_trail.py). One at a time per database; a failure is logged, never raised, and the next
    entry tries again. The thread is not a daemon: a CLI command waits for it before it exits."""
    try:  # the file and the key of this database, resolved now (not when the thread runs)
        path, key = checkpoints_path(), private_key()
    except Exception as exc:  # noqa: BLE001 - the change is committed; the next entry tries again
        log.warning("audit checkpoint not written: %s", exc)
        return
    with _pending_lock:
        t = _pending.get(id(engine))
        if t is not None and t.is_alive():
            return
        t = _pending[id(engine)] = threading.Thread(target=_write_logged, args=(engine, reason, path, key),
                                                    name="conclave-checkpoint")
        t.start()


def wait() -> None:
    """Let the checkpoints being written finish (before reading the file)."""
    with _pending_lock:
        threads = list(_pending.values())
    for t in threads:
        t.join(30)


def footer_text(c: dict | None) -> str:
    """One line for an export's footer: the checkpoint it was made at."""
    if not c:
        return ""
    return (f"audit {c['audit']['count']}·{c['audit']['head'][:12]} scans {c['scans']['count']}·"
            f"{c['scans']['head'][:8]} {c['time'][:16]}Z sig {c['sig'][:8]}")


def for_export(url: str | None = None) -> dict | None:
    """The checkpoint written for an export of the configured database (None if there is none to anchor)."""
    from planners.store.db import get_engine

    try:
        return write(get_engine(url), reason="export")
    except Exception as exc:  # noqa: BLE001 - an export of a document never fails for its footer
        log.warning("export checkpoint not written: %s", exc)
        return None


@event.listens_for(Session, "after_commit")
def _after_commit(session: Session) -> None:
    engine = session.info.pop("trail_due", None)
    if engine is not None:
        write_quietly(engine, "auto")


# ---- read-only access -------------------------------------------------------------------------------------

def sqlite_path(url: str) -> Path | None:
    if url.startswith("sqlite:///") and ":memory:" not in url:
        return Path(url[len("sqlite:///"):])
    return None


def readonly_sqlite(path: Path) -> sqlite3.Connection:
    """A read-only connection that works on a write-protected file or folder (an evidence copy)."""
    if not path.exists():
        raise TrailError(f"There is no database at {path}.", key="trail.no_database", path=str(path))
    uri = path.resolve().as_uri()
    try:
        con = sqlite3.connect(f"{uri}?mode=ro", uri=True, check_same_thread=False)
        con.execute("SELECT count(*) FROM sqlite_master").fetchone()
        return con
    except sqlite3.OperationalError:  # WAL without a writable -shm: read the file as it is
        return sqlite3.connect(f"{uri}?immutable=1", uri=True, check_same_thread=False)


def readonly_engine(url: str) -> Engine:
    """An engine that only reads: SQLite opened read-only; other databases as configured."""
    path = sqlite_path(url)
    if path is None:
        from planners.store.db import get_engine

        return get_engine(url)
    return create_engine("sqlite://", creator=lambda: readonly_sqlite(path), poolclass=StaticPool)


# ---- verification -----------------------------------------------------------------------------------------

def missing_triggers(conn) -> list[str]:
    """The append-only triggers that are missing or disabled, as 'table: trigger'."""
    dialect = conn.dialect.name
    missing = []
    if dialect == "sqlite":
        tables = {r[0] for r in conn.execute(text("SELECT name FROM sqlite_master WHERE type='table'"))}
        trig = {r[0]: (r[1] or "") for r in conn.execute(
            text("SELECT name, sql FROM sqlite_master WHERE type='trigger'"))}
        for t in APPEND_ONLY:
            if t not in tables:
                continue
            for verb in ("update", "delete"):
                name = f"{t}_no_{verb}"
                if "RAISE" not in trig.get(name, "").upper():
                    missing.append(f"{t}: {name}")
    else:
        tables = {r[0] for r in conn.execute(text(
            "SELECT tablename FROM pg_tables WHERE schemaname = current_schema()"))}
        trig = {r[0]: r[1] for r in conn.execute(text(
            "SELECT t.tgname, t.tgenabled FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid "
            "WHERE NOT t.tgisinternal"))}
        for t in APPEND_ONLY:
            if t not in tables:
                continue
            for name in (f"{t}_append_only", f"{t}_no_truncate"):
                if trig.get(name, "D") == "D":
                    missing.append(f"{t}: {name}")
    return missing


@dataclass
class Report:
    problems: list[str] = field(default_factory=list)
    audit: object = None
    scans: object = None
    checkpoints: int = 0
    latest: dict | None = None

    @property
    def ok(self) -> bool:
        return not self.problems


def compare(cps: Iterable[dict], marks: dict[str, dict[int, str]], counts: dict[str, int]) -> list[str]:
    """Problems of the chains (their hash at each count in `marks`, their length in `counts`) against `cps`."""
    problems = []
    for c in cps:
        if c.get("_problem"):
            problems.append(f"{describe(c)}: {c['_problem']}")
            continue
        for part, label in (("audit", "audit trail"), ("scans", "door log")):
            want = c[part]
            if counts[part] < want["count"]:
                problems.append(f"the {label} is shorter than {describe(c)}: {counts[part]} rows, the checkpoint "
                                f"counted {want['count']} (rows were removed from its end)")
            elif marks[part].get(want["count"], GENESIS if want["count"] == 0 else None) != want["head"]:
                problems.append(f"the {label} diverges from {describe(c)}: row {want['count']} no longer has the "
                                "hash that was signed (the trail was rewritten)")
    return problems


def wanted(cps: Iterable[dict]) -> dict[str, set[int]]:
    out: dict[str, set[int]] = {"audit": set(), "scans": set()}
    for c in cps:
        for part in out:
            if isinstance(c.get(part), dict) and isinstance(c[part].get("count"), int):
                out[part].add(c[part]["count"])
    return out
