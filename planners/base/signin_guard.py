"""What stands between a sign-in flood and the rest of the server (in-process, no database).

Three parts, each with a module-level instance that `auth.sign_in` uses:

- `LIMITER`: failed sign-ins per browser session and per client address in a sliding window. Past the limit an
  attempt is refused before any password work, after a short pause (`REFUSAL_PAUSE_S`) that costs the server a
  sleeping thread only. A success does not count; an attempt in progress counts (so parallel attempts cannot all
  pass the check before the first failure is recorded). No address (a local browser, or every browser behind a
  reverse proxy on this machine) means no per-address limit: rate-limit at the proxy then (README).
- `run_verify`: every argon2 check runs in one worker thread (`VERIFY_CONCURRENCY`), niced (`VERIFY_NICENESS`):
  argon2id with 4 lanes fills both cores of a small server; queued and at a lower priority, the checks leave the
  front desk its CPU.
- `FAILURES`: which failed sign-ins reach the audit trail. The trail stays append-only and complete in its
  counts, but a flood does not write one entry per attempt: per (database, account, client address) — all
  unknown user names from one address share one key — the first failure of a window is written as it happens
  (`signin.failed`, with the reason); the later ones of that window are counted and written as one
  `signin.failed.repeated` entry (count, reasons, first and last time, some of the names typed) once the window
  (`AUDIT_WINDOW_S`) has passed: at the next sign-in attempt on that database, or at process exit. At most
  `INDIVIDUAL_PER_WINDOW` failures per database and window are written one by one: beyond (an attacker rotating
  addresses) they are counted per account under the client address "*". A lockout (`user.locked`) and every
  success are always written at once.

The counts live in this process: a second server process has its own (acceptable for the single-server
deployment Conclave targets)."""
from __future__ import annotations

import atexit
import os
import threading
import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import UTC, datetime
from planners.core.errors import Throttled


def _env_int(name: str, default: int) -> int:
    try:
        return int(os.environ.get(name, default))
    except ValueError:
        return default


SESSION_LIMIT = _env_int("CONCLAVE_SIGNIN_SESSION_LIMIT", 5)  # failures per session per window
ADDRESS_LIMIT = _env_int("CONCLAVE_SIGNIN_ADDRESS_LIMIT", 20)  # failures per client address per window
LIMIT_WINDOW_S = _env_int("CONCLAVE_SIGNIN_WINDOW_S", 60)
REFUSAL_PAUSE_S = 0.5
VERIFY_CONCURRENCY = max(1, _env_int("CONCLAVE_SIGNIN_CONCURRENCY", 1))
VERIFY_NICENESS = 10
AUDIT_WINDOW_S = _env_int("CONCLAVE_SIGNIN_AUDIT_WINDOW_S", 60)
MAX_KEYS = 10_000  # tracked sessions/addresses/accounts; beyond, stale ones are dropped first
NAMES_KEPT = 10  # user names typed, kept in a summary
INDIVIDUAL_PER_WINDOW = 50  # failures written one by one per database per window; beyond, only counted


class Ticket:
    """One admitted attempt; `settle(ok)` once it is decided."""

    def __init__(self, limiter: RateLimiter, keys: list[tuple], at: float):
        self._limiter, self._keys, self._at, self._done = limiter, keys, at, False

    def settle(self, ok: bool) -> None:
        if not self._done:
            self._done = True
            self._limiter._settle(self._keys, self._at, ok)


class RateLimiter:
    def __init__(self, *, session_limit: int, address_limit: int, window_s: float, pause_s: float):
        self.session_limit, self.address_limit = session_limit, address_limit
        self.window_s, self.pause_s = window_s, pause_s
        self._hits: dict[tuple, list[float]] = {}
        self._lock = threading.Lock()

    def _limit(self, key: tuple) -> int:
        return self.session_limit if key[0] == "session" else self.address_limit

    def admit(self, *, session: str | None, client: str | None, now: float | None = None) -> Ticket:
        keys = ([("session", session)] if session else []) + ([("address", client)] if client else [])
        now = time.monotonic() if now is None else now
        wait = 0.0
        with self._lock:
            if len(self._hits) > MAX_KEYS:
                self._prune(now)
            for key in keys:
                hits = [t for t in self._hits.get(key, ()) if t > now - self.window_s]
                self._hits[key] = hits
                if len(hits) >= self._limit(key):
                    wait = max(wait, hits[-self._limit(key)] + self.window_s - now)
            if wait <= 0:
                for key in keys:
                    self._hits[key].append(now)
        if wait > 0:
            if self.pause_s:
                time.sleep(self.pause_s)
            raise Throttled(max(1, int(wait + 0.999)))
        return Ticket(self, keys, now)

    def _settle(self, keys: list[tuple], at: float, ok: bool) -> None:
        if not ok:
            return
        with self._lock:
            for key in keys:
                hits = self._hits.get(key)
                if hits and at in hits:
                    hits.remove(at)

    def _prune(self, now: float) -> None:
        for key in [k for k, v in self._hits.items() if not v or v[-1] <= now - self.window_s]:
            del self._hits[key]

    def reset(self) -> None:
        with self._lock:
            self._hits.clear()


@dataclass
class _Window:
    start: float
    first_at: datetime
    actor: str
    object_id: str
    client: str
    count: int = 0  # failures of the window not written one by one
    last_at: datetime | None = None
    reasons: Counter = field(default_factory=Counter)
    names: list[str] = field(default_factory=list)
    names_total: set[str] = field(default_factory=set)


def _utc() -> datetime:
    return datetime.now(UTC).replace(tzinfo=None)


class FailureLog:
    """Decides which failed sign-ins are written to the audit trail (see the module's docstring)."""

    def __init__(self, window_s: float):
        self.window_s = window_s
        self._windows: dict[tuple, _Window] = {}
        self._written: dict[str, tuple[float, int]] = {}
        self._lock = threading.Lock()

    @staticmethod
    def _summary(w: _Window) -> dict:
        return dict(actor=w.actor, action="signin.failed.repeated", object_type="user", object_id=w.object_id,
                    count=w.count, first=w.first_at.isoformat(timespec="seconds"),
                    last=(w.last_at or w.first_at).isoformat(timespec="seconds"), reasons=dict(w.reasons),
                    client=w.client, names=w.names, names_total=len(w.names_total))

    def failure(self, url: str, *, user_id: int | None, account: str | None, typed: str, client: str | None,
                reason: str, now: float | None = None) -> list[dict]:
        """Note one failure; returns the audit entries (audit.record keyword arguments) to write now."""
        now = time.monotonic() if now is None else now
        key = (url, user_id, client or "")
        typed = typed.strip()[:64] or "?"
        out: list[dict] = []
        with self._lock:
            w = self._windows.get(key)
            if w is not None and now - w.start >= self.window_s:
                if w.count:
                    out.append(self._summary(w))
                w = None
            if w is None and not self._budget(url, now):
                # more first failures on this database this window than any office makes: an attacker rotating
                # addresses. Count them per account, under one "many addresses" key.
                key = (url, user_id, "*")
                w = self._windows.get(key)
                if w is None or now - w.start >= self.window_s:
                    if w is not None and w.count:
                        out.append(self._summary(w))
                    w = self._windows[key] = _Window(start=now, first_at=_utc(), actor=account or "?",
                                                     object_id="" if user_id is None else str(user_id),
                                                     client="*")
            if w is None:
                if len(self._windows) > MAX_KEYS:
                    out.extend(self._take_due(url, now))
                self._windows[key] = _Window(start=now, first_at=_utc(), actor=account or "?",
                                             object_id="" if user_id is None else str(user_id),
                                             client=client or "")
                out.append(dict(actor=typed, action="signin.failed", object_type="user",
                                object_id="" if user_id is None else user_id, reason=reason,
                                client=client or ""))
                return out
            w.count += 1
            w.last_at = _utc()
            w.reasons[reason] += 1
            if user_id is None:
                w.names_total.add(typed)
                if typed not in w.names and len(w.names) < NAMES_KEPT:
                    w.names.append(typed)
        return out

    def _budget(self, url: str, now: float) -> bool:
        """Whether one more failure may be written one by one on `url` in this window (and take it)."""
        start, n = self._written.get(url, (now, 0))
        if now - start >= self.window_s:
            start, n = now, 0
        if n >= INDIVIDUAL_PER_WINDOW:
            return False
        self._written[url] = (start, n + 1)
        return True

    def _take_due(self, url: str | None, now: float, *, everything: bool = False) -> list[dict]:
        out = []
        for key in list(self._windows):
            if (url is None or key[0] == url) and (everything or now - self._windows[key].start >= self.window_s):
                w = self._windows.pop(key)
                if w.count:
                    out.append(self._summary(w))
        return out

    def due(self, url: str, now: float | None = None) -> list[dict]:
        """Summaries of the windows on `url` that have ended (taken: the caller writes them)."""
        now = time.monotonic() if now is None else now
        with self._lock:
            return self._take_due(url, now)

    def pending(self) -> dict[str, list[dict]]:
        """Every summary not yet written, by database (taken), for the exit flush."""
        with self._lock:
            out: dict[str, list[dict]] = {}
            for key in list(self._windows):
                w = self._windows.pop(key)
                if w.count:
                    out.setdefault(key[0], []).append(self._summary(w))
            return out

    def reset(self) -> None:
        with self._lock:
            self._windows.clear()
            self._written.clear()


LIMITER = RateLimiter(session_limit=SESSION_LIMIT, address_limit=ADDRESS_LIMIT, window_s=LIMIT_WINDOW_S,
                      pause_s=REFUSAL_PAUSE_S)
FAILURES = FailureLog(AUDIT_WINDOW_S)


def _lower_priority() -> None:
    """Run this worker (and the threads argon2 starts from it, which inherit it) at a lower CPU priority, so a
    desk's scan is scheduled first when both want a core. Linux: niceness is per thread."""
    try:
        os.setpriority(os.PRIO_PROCESS, threading.get_native_id(), VERIFY_NICENESS)
    except (AttributeError, OSError):  # not Linux, or not allowed: the queue alone still bounds the work
        pass


_verifier = ThreadPoolExecutor(max_workers=VERIFY_CONCURRENCY, thread_name_prefix="conclave-argon2",
                               initializer=_lower_priority)


def run_verify(fn, *args):
    """Run a password check (or hash) in the argon2 worker: at most VERIFY_CONCURRENCY at once, at a lower
    priority than the rest of the server. Blocks the caller until done."""
    return _verifier.submit(fn, *args).result()


def reset() -> None:
    """Forget every count (tests)."""
    LIMITER.reset()
    FAILURES.reset()


def _flush_at_exit() -> None:
    """Write the summaries still counted when the process ends (best effort: never fails the exit)."""
    try:
        pending = FAILURES.pending()
        if not pending:
            return
        from planners.base import audit
        from planners.store.uow import write_session

        for url, entries in pending.items():
            with write_session(url) as s:
                for e in entries:
                    audit.record(s, **e)
    except Exception:  # noqa: BLE001 - an exit flush must not turn a clean exit into a traceback
        pass


atexit.register(_flush_at_exit)
