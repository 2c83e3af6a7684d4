"""The front desk: a scanned code -> a verdict, recorded atomically.

`scan()` reads the code, checks signature, event, validity window, list, badge generation and eligibility,
then records the entry (or exit) in one transaction: BEGIN IMMEDIATE on SQLite, a row lock on the badge on
PostgreSQL, and a unique (event, attendee) key on `attendance` as the last line. So one badge at two desks
at the same moment gives one `ok` and one `already_checked_in`, never two `ok` and never an error. A second
delivery of the same scan from the same desk within DEDUP_SECONDS returns the first verdict again.

Every scan, refused ones too, is written to the append-only `scans` log (desk, time, raw code truncated,
verdict) and to the audit trail. Nothing a desk sends can raise: bad input is a refusal with a reason.

Speed: a desk has a queue, so scan() and manual() run as a handful of statements on the database driver in
one transaction (planners.store.fastsql), not through the ORM's unit of work: p95 ~1.2 ms with 10,000
attendees on SQLite (`make bench`), where the ORM took 10 ms. Undo, lockers and the reading side use the ORM."""
from __future__ import annotations

import hashlib
import importlib
import io
import re
import unicodedata
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Callable

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from planners import audit, eligibility, tokens
from planners.auth import Principal
from planners.events import local
from planners.errors import ConclaveError, InvalidTransition, NotFound, PermissionDenied, ValidationFailed
from planners.i18n import both
from planners.levels import Classification
from planners.store import fastsql
from planners.store.db import is_sqlite, read_session, utcnow, write_session
from planners.store.fastsql import Statement, Tx
from planners.store.models import Attendee, Event
from planners.store.models_checkin import Attendance, AttendeeException, Badge, EventKey, Scan

REASONS = ("ok", "already_checked_in", "not_on_list", "revoked", "wrong_event", "outside_window", "invalid",
           "ineligible", "needs_approval", "exit_ok", "not_inside")
COLORS = {"ok": "green", "exit_ok": "green", "already_checked_in": "orange", "needs_approval": "orange",
          "not_inside": "orange"}
DEDUP_SECONDS = 2.0
UNDO_MINUTES = 5
MAX_INPUT = 4096
DESK_ROLES = ("front_desk", "admin")
_PG_LOCKER_LOCK = 0x4C4B_0000_0000  # + event id: serialises locker numbers of one event on PostgreSQL

# Modules that add things to take back at check-out (e.g. numbered documents) with @exit_attention.
EXIT_ATTENTION_MODULES: tuple[str, ...] = ("planners.custody_desk",)
_EXIT_ATTENTION: list[Callable[[Session, Event, Attendee], list[dict]]] = []


def exit_attention(fn):
    """Register fn(session, event, attendee) -> [{"code": ..., "text": {"en":…, "zh_CN":…}}] run at check-out,
    once the exit is recorded, with a read session and the ORM objects."""
    _EXIT_ATTENTION.append(fn)
    return fn


@dataclass
class Verdict:
    reason: str
    direction: str = "in"
    attendee: dict | None = None  # {"id", "name", "unit", "post", "role", "has_photo"}
    require_attention: list[dict] = field(default_factory=list)  # {"code", "text": {en, zh_CN}, ...}
    details: dict = field(default_factory=dict)
    scan_id: int | None = None
    duplicate: bool = False
    write: Callable[[int], None] | None = field(default=None, repr=False, compare=False)  # pending change

    @property
    def ok(self) -> bool:
        return self.reason in ("ok", "exit_ok")

    @property
    def status(self) -> str:
        return "ok" if self.ok else "refused"

    @property
    def color(self) -> str:
        return COLORS.get(self.reason, "red")

    @property
    def message(self) -> dict[str, str]:
        return both(f"checkin.reason.{self.reason}", **self._params())

    @property
    def todo(self) -> dict[str, str]:
        return both(f"checkin.todo.{self.reason}", **self._params())

    def _params(self) -> dict:
        return {"name": (self.attendee or {}).get("name", ""), **{k: v for k, v in self.details.items()
                                                                   if isinstance(v, (str, int))}}

    def as_json(self, lang: str = "en") -> dict:
        return {"status": self.status, "reason": self.reason, "message": self.message[lang],
                "todo": self.todo[lang], "color": self.color, "direction": self.direction,
                "attendee": ({"id": self.attendee["id"], "name": self.attendee["name"],
                              "unit": self.attendee.get("unit", "")} if self.attendee else None),
                "require_attention": [{"code": a["code"], "text": a["text"][lang],
                                       **{k: v for k, v in a.items() if k not in ("code", "text")}}
                                      for a in self.require_attention],
                "scan_id": self.scan_id, "duplicate": self.duplicate}


# ---- input ---------------------------------------------------------------------------------------------

def normalize(raw) -> str:
    """What a scanner typed: whitespace and control characters dropped; full-width characters (a scanner typing
    through a Chinese input method) read as their ASCII form and lower case (Caps Lock on) as upper case — the
    badge alphabet is upper-case base32, so neither can turn one valid code into another; a code delivered
    twice in one burst (a scanner without Enter) counts once."""
    if not isinstance(raw, str):
        raw = "" if raw is None else str(raw)
    text = re.sub(r"[\s\x00-\x1f\x7f]+", "", unicodedata.normalize("NFKC", raw[:MAX_INPUT + 1])).upper()
    n = tokens.TEXT_LEN
    if len(text) > n and len(text) % n == 0 and text.startswith(tokens.PREFIX):
        parts = {text[i:i + n] for i in range(0, len(text), n)}
        if len(parts) == 1:
            return parts.pop()
    return text


def safe_raw(raw: str) -> str:
    """The code as stored in the scan log: printable ASCII only, at most 60 characters, and its length."""
    printable = "".join(c if 32 <= ord(c) < 127 else "?" for c in raw[:60])
    return printable if len(raw) <= 60 else f"{printable}…(+{len(raw) - 60})"


def _raw_hash(code: str) -> str:
    return hashlib.sha256(code.encode("utf-8", "replace")).hexdigest()[:32]


def _attendee_info(a) -> dict:
    """What the verdict shows of a person (`a`: an Attendee or a row of _Q_PERSON)."""
    has_photo = a.has_photo if hasattr(a, "has_photo") else a.photo is not None
    return {"id": a.id, "name": a.name, "unit": a.unit, "post": a.post, "role": a.event_role,
            "id_type": a.id_type, "id_last4": a.id_last4, "has_photo": bool(has_photo)}


def _actor(actor) -> str:
    if isinstance(actor, Principal):
        if actor.role not in DESK_ROLES:
            raise PermissionDenied("Only a front desk records check-ins.", key="checkin.desk_only")
        return actor.username
    return str(actor)


# ---- the statements of the hot path ---------------------------------------------------------------------
# A scan is a queue at a door: a handful of statements on the driver in one write transaction
# (planners.store.fastsql: SQLAlchemy-compiled, SQLAlchemy-typed, no ORM unit of work). `make bench` holds it
# to p95 < 2 ms with 10,000 attendees, within 10x of a bare sqlite3 floor.

_TABLES = (Event.__table__, Attendee.__table__, Badge.__table__, Attendance.__table__, Scan.__table__,
           EventKey.__table__, AttendeeException.__table__)
_EVENT_T, _PERSON_T, _BADGE_T, _ATT_T, _SCAN_T, _KEY_T, _EXC_T = _TABLES
_Q_EVENT = Statement("SELECT id, title, level, tz, device_policy FROM events WHERE id = :id", _EVENT_T)
_Q_PERSON = Statement("SELECT id, event_id, name, unit, post, event_role, id_type, id_last4, nationality, "
                      "foreign_invested_staff, clearance, pledge_signed, designated_by, "
                      "CASE WHEN photo IS NULL THEN 0 ELSE 1 END AS has_photo FROM attendees WHERE id = :id",
                      _PERSON_T)
_Q_BADGE = Statement("SELECT generation FROM badges WHERE event_id = :event_id AND attendee_id = :attendee_id",
                     _BADGE_T)
_Q_BADGE_LOCKED = Statement(_Q_BADGE.sql + " FOR UPDATE", _BADGE_T)  # PostgreSQL: one desk at a time per badge
_Q_ATTENDANCE = Statement("SELECT * FROM attendance WHERE event_id = :event_id AND attendee_id = :attendee_id",
                          _ATT_T)
_Q_TOP_LOCKER = Statement("SELECT MAX(locker_no) FROM attendance WHERE event_id = :event_id", _ATT_T)
_LOCKER_LOCK = Statement("SELECT pg_advisory_xact_lock(:k)")
_Q_KEY = Statement("SELECT public_key FROM event_keys WHERE event_id = :event_id", _KEY_T)
_Q_GRANTED = Statement("SELECT rules FROM attendee_exceptions WHERE attendee_id = :attendee_id", _EXC_T)
_Q_DUPLICATE = Statement("SELECT id, reason FROM scans WHERE desk = :desk AND raw_hash = :raw_hash AND at >= :at "
                         "AND event_id = :event_id AND direction = :direction AND reason IN ('ok', 'exit_ok') "
                         "ORDER BY id DESC LIMIT 1", _SCAN_T)
# the scan's id comes first (the attendance row points at it); the row itself is chained last (audit.append_scan)
_NEXT_SCAN_ID = {True: Statement("SELECT COALESCE(MAX(id), 0) + 1 FROM scans", _SCAN_T),
                 False: Statement("SELECT nextval(pg_get_serial_sequence('scans', 'id'))")}
_INSERT_ATTENDANCE = Statement(
    "INSERT INTO attendance (event_id, attendee_id, inside, entries, first_in_at, last_in_at, last_in_desk, "
    "last_in_scan_id, locker, locker_no, device_deposited_at, device_returned_at) VALUES (:event_id, :attendee_id, "
    ":inside, :entries, :first_in_at, :last_in_at, :last_in_desk, :last_in_scan_id, :locker, :locker_no, "
    ":device_deposited_at, :device_returned_at)", _ATT_T)
_UPDATE_ENTRY = Statement(
    "UPDATE attendance SET inside = :inside, entries = :entries, last_in_at = :last_in_at, "
    "last_in_desk = :last_in_desk, last_in_scan_id = :last_in_scan_id, locker = :locker, locker_no = :locker_no, "
    "device_deposited_at = :device_deposited_at, device_returned_at = :device_returned_at WHERE id = :id", _ATT_T)
_UPDATE_EXIT = Statement("UPDATE attendance SET inside = :inside, last_out_at = :last_out_at, "
                         "device_returned_at = :device_returned_at WHERE id = :id", _ATT_T)


# ---- the scan ------------------------------------------------------------------------------------------

def scan(event_id: int, raw, *, desk: str, actor, direction: str = "in", method: str = "scan",
         now: datetime | None = None, url: str | None = None) -> Verdict:
    """One scan at a desk -> its verdict, recorded. Retries a transaction that lost a race."""
    who = _actor(actor)
    desk = (desk or "").strip()[:64] or "desk"
    if direction not in ("in", "out"):
        raise ValidationFailed("direction must be in or out", key="checkin.bad_direction", field="direction")
    code = normalize(raw)
    try:
        tok = tokens.parse(code) if len(code) <= MAX_INPUT else None
    except tokens.TokenError:
        tok = None
    rh = _raw_hash(code)
    now = now or utcnow()

    def judge(tx: Tx) -> Verdict:
        ev = _event(tx, event_id)
        v, person = _judge_code(tx, ev, tok, now)
        if person is not None:  # a good badge of this event, on the list, in its window: generation, then person
            gen = _badge_generation(tx, ev.id, person.id)
            if gen is None or (gen & 0xFFFF) != tok.generation:
                v = Verdict(reason="revoked", attendee=_attendee_info(person))
            else:
                v = _admit(tx, ev, person, desk=desk, direction=direction, now=now, raw_hash=rh)
        v.direction = direction
        return _record(tx, ev, v, desk=desk, who=who, method=method, raw=code, raw_hash=rh, now=now)

    return _with_retries(url, judge, event_id)


class NotRecorded(ConclaveError):
    """The database did not take the scan (locked past its timeout, unreachable, failing): nothing was recorded,
    the desk scans again."""

    key = "checkin.not_recorded"


def _with_retries(url: str | None, judge: Callable[[Tx], Verdict], event_id: int) -> Verdict:
    """Run `judge` in a write transaction, again if it lost a race (at most 5 times); then the exit hooks.
    A database failure becomes NotRecorded: a message for the desk, never a stack trace."""
    lost_race, failed = fastsql.retryable(url), fastsql.driver_error(url)
    for attempt in range(5):
        try:
            with fastsql.write_tx(url) as tx:
                v = judge(tx)
            break
        except failed as exc:
            if attempt == 4 or not isinstance(exc, lost_race):
                detail = (str(exc).splitlines() or [type(exc).__name__])[0][:120]
                raise NotRecorded(f"The scan was not recorded: {detail}", detail=detail) from exc
    if v.reason == "exit_ok" and not v.duplicate:
        v.require_attention.extend(_exit_attention(url, event_id, v.attendee["id"]))
    return v


def _exit_attention(url: str | None, event_id: int, attendee_id: int) -> list[dict]:
    """What other areas ask the desk to take back at check-out (e.g. numbered copies), read once the exit is
    recorded: their rules stay theirs and run on the ORM, outside the desk's write transaction."""
    for name in EXIT_ATTENTION_MODULES:
        importlib.import_module(name)
    if not _EXIT_ATTENTION:
        return []
    out: list[dict] = []
    with read_session(url) as s:
        ev, a = s.get(Event, event_id), s.get(Attendee, attendee_id)
        for fn in _EXIT_ATTENTION:
            out.extend(fn(s, ev, a))
    return out


def _event(tx: Tx, event_id: int):
    ev = tx.one(_Q_EVENT, id=event_id)
    if ev is None:
        raise NotFound(f"No event with id {event_id}.", key="events.not_found", id=event_id)
    return ev


def _badge_generation(tx: Tx, event_id: int, attendee_id: int) -> int | None:
    """The badge's current generation, locking the badge row on PostgreSQL (SQLite: BEGIN IMMEDIATE)."""
    return tx.scalar(_Q_BADGE if tx.sqlite else _Q_BADGE_LOCKED, event_id=event_id, attendee_id=attendee_id)


def _judge_code(tx: Tx, ev, tok, now: datetime):
    """(refusal, None) or (None, the person's row) for a badge of this event, on its list, within its window."""
    if tok is None:
        return Verdict(reason="invalid"), None
    if tok.event_id != ev.id:
        other = tx.scalar(_Q_KEY, event_id=tok.event_id)
        if other is not None and tokens.verify(tok, bytes(other)):
            other_ev = tx.one(_Q_EVENT, id=tok.event_id)
            title = other_ev.title if other_ev else str(tok.event_id)
            return Verdict(reason="wrong_event", details={"other": title}), None
        return Verdict(reason="invalid"), None
    if not _verifies(tx, ev.id, tok):
        return Verdict(reason="invalid"), None
    a = tx.one(_Q_PERSON, id=tok.attendee_id)
    if a is None or a.event_id != ev.id:
        return Verdict(reason="not_on_list"), None
    if not (tok.valid_from <= now <= tok.valid_until):
        return Verdict(reason="outside_window", attendee=_attendee_info(a),
                       details={"start": tokens.as_utc_text(tok.valid_from),
                                "end": tokens.as_utc_text(tok.valid_until)}), None
    return None, a


_PUBLIC_KEYS: dict[tuple[str, int], bytes] = {}


def _verifies(tx: Tx, event_id: int, tok) -> bool:
    """Verify with the event's public key, cached per database and event; a failure re-reads the key once, so a
    database restored under the same address is never judged with a stale key."""
    k = (tx.url, event_id)
    cached = _PUBLIC_KEYS.get(k)
    if cached is not None and tokens.verify(tok, cached):
        return True
    pub = tx.scalar(_Q_KEY, event_id=event_id)
    if pub is None:
        _PUBLIC_KEYS.pop(k, None)
        return False
    pub = _PUBLIC_KEYS[k] = bytes(pub)
    return pub != cached and tokens.verify(tok, pub)


def _eligibility(tx: Tx, ev, a) -> eligibility.Eligibility:
    def granted_of(attendee_id: int) -> set[str]:
        return {r for row in tx.all(_Q_GRANTED, attendee_id=attendee_id) for r in (row.rules or [])}

    return eligibility.judge(a, ev, granted_of)


def _maybe_duplicate(att, desk: str, direction: str, now: datetime) -> bool:
    """Could this scan be a second delivery of one this desk just recorded? Only then is the scan log asked."""
    if att is None:
        return False
    since = now - timedelta(seconds=DEDUP_SECONDS)
    if direction == "in":
        return bool(att.inside) and att.last_in_desk == desk and att.last_in_at >= since
    return not att.inside and att.last_out_at is not None and att.last_out_at >= since


def _held_locker(att) -> str | None:
    return att.locker if att is not None and att.locker and att.device_returned_at is None else None


def _entry_attention(ev, a, el: eligibility.Eligibility, locker: str | None) -> list[dict]:
    out = [{"code": "photo_id", "rule": f.rule, "text": both("checkin.attention.photo_id", last=a.id_last4,
                                                             id_type=both(f"id_type.{a.id_type}"))}
           for f in el.attention]
    if locker:
        out.append({"code": "locker", "locker": locker, "text": both("checkin.attention.locker", locker=locker)})
    elif ev.device_policy == "approved_only":
        out.append({"code": "devices_approved_only", "text": both("checkin.attention.devices_approved_only")})
    foreign = (a.nationality or "CN").upper() not in ("CN", "CHN")
    if a.event_role == "visitor" or (foreign and Classification(ev.level).is_state_secret):
        out.append({"code": "escort", "text": both("checkin.attention.escort")})
    return out


def _next_locker(tx: Tx, event_id: int) -> int:
    """The next locker number: one above the highest handed out at this event (indexed, O(log n))."""
    if not tx.sqlite:  # SQLite's BEGIN IMMEDIATE already serialises; PostgreSQL: per-event lock
        tx.run(_LOCKER_LOCK, k=_PG_LOCKER_LOCK + int(event_id))
    return (tx.scalar(_Q_TOP_LOCKER, event_id=event_id) or 0) + 1


def _admit(tx: Tx, ev, a, *, desk: str, direction: str, now: datetime, raw_hash: str | None = None) -> Verdict:
    """The verdict for a person at the door; the change to `attendance` is left in `v.write`, done by _record
    once the scan has its id. `raw_hash` given: a second delivery of a scan just recorded replays it."""
    info = _attendee_info(a)
    att = tx.one(_Q_ATTENDANCE, event_id=ev.id, attendee_id=a.id)
    if raw_hash is not None and _maybe_duplicate(att, desk, direction, now):
        first = tx.one(_Q_DUPLICATE, desk=desk, raw_hash=raw_hash, event_id=ev.id, direction=direction,
                       at=now - timedelta(seconds=DEDUP_SECONDS))
        if first is not None:
            v = Verdict(reason=first.reason, attendee=info, duplicate=True, details={"duplicate_of": first.id})
            if direction == "in":
                v.require_attention = _entry_attention(ev, a, _eligibility(tx, ev, a), _held_locker(att))
            return v
    if direction == "out":
        return _let_out(tx, info, att, now)
    el = _eligibility(tx, ev, a)
    if el.status != eligibility.ELIGIBLE:
        rules = [f for f in el.findings if not f.met]
        return Verdict(reason=el.status, attendee=info, details={"rules": ", ".join(f.rule for f in rules)},
                       require_attention=[{"code": "rule", "rule": f.rule, "text": f.reason} for f in rules])
    if att is not None and att.inside:
        return Verdict(reason="already_checked_in", attendee=info,
                       details={"desk": att.last_in_desk, "since": local(att.last_in_at, ev.tz).strftime("%H:%M:%S")})
    row = {"inside": True, "last_in_at": now, "last_in_desk": desk}
    for k in ("locker", "locker_no", "device_deposited_at", "device_returned_at"):  # kept unless a new locker
        row[k] = getattr(att, k) if att is not None else None
    locker = _held_locker(att)
    if ev.device_policy == "lockers" and locker is None:
        n = _next_locker(tx, ev.id)
        locker = str(n)
        row.update(locker=locker, locker_no=n, device_deposited_at=now, device_returned_at=None)
    entries = 1 if att is None else att.entries + 1

    def write(scan_id: int) -> None:
        if att is None:
            tx.run(_INSERT_ATTENDANCE, event_id=ev.id, attendee_id=a.id, entries=1, first_in_at=now,
                   last_in_scan_id=scan_id, **row)
        else:
            tx.run(_UPDATE_ENTRY, id=att.id, entries=entries, last_in_scan_id=scan_id, **row)

    v = Verdict(reason="ok", attendee=info, details={"entry": entries}, write=write)
    v.require_attention = _entry_attention(ev, a, el, locker)
    return v


def _let_out(tx: Tx, info: dict, att, now: datetime) -> Verdict:
    if att is None or not att.inside:
        return Verdict(reason="not_inside", attendee=info)
    attention = []
    returned = att.device_returned_at
    if _held_locker(att):
        returned = now
        attention.append({"code": "return_device", "locker": att.locker,
                          "text": both("checkin.attention.return_device", locker=att.locker)})
    return Verdict(reason="exit_ok", attendee=info, require_attention=attention,
                   write=lambda _scan_id: tx.run(_UPDATE_EXIT, id=att.id, inside=False, last_out_at=now,
                                                 device_returned_at=returned))


def _record(tx: Tx, ev, v: Verdict, *, desk: str, who: str, method: str, raw: str, raw_hash: str,
            now: datetime) -> Verdict:
    """Apply the verdict's change to `attendance`, append the scan to the (chained) log, add the audit entry."""
    v.scan_id = int(tx.scalar(_NEXT_SCAN_ID[tx.sqlite]))
    if v.write is not None:
        v.write(v.scan_id)
        v.write = None
    audit.append_scan(tx, id=v.scan_id, event_id=ev.id, attendee_id=(v.attendee or {}).get("id"), desk=desk,
                      actor=who, at=now, direction=v.direction, method=method, raw=safe_raw(raw), raw_hash=raw_hash,
                      status="ok" if v.ok else "refused", reason=v.reason,
                      duplicate_of=v.details.get("duplicate_of") if v.duplicate else None)
    audit.append(tx, actor=who, action=f"checkin.{'exit' if v.direction == 'out' else 'scan'}",
                 object_type="attendee" if v.attendee else "scan",
                 object_id=(v.attendee or {}).get("id", v.scan_id), event_id=ev.id, desk=desk, method=method,
                 reason=v.reason, scan_id=v.scan_id, duplicate=v.duplicate)
    return v


# ---- manual look-up for a lost badge --------------------------------------------------------------------

def find_attendees(session: Session, event_id: int, name: str, last_digits: str) -> list[Attendee]:
    """Attendees whose name contains `name` and whose ID ends with `last_digits` (both required)."""
    name, last = (name or "").strip(), (last_digits or "").strip().upper()
    if not name or len(last) < 2:
        raise ValidationFailed("Give the name and at least the last 2 ID digits.", key="checkin.lookup_needs_both",
                               field="name")
    q = select(Attendee).where(Attendee.event_id == event_id, Attendee.name.contains(name))
    return [a for a in session.scalars(q.order_by(Attendee.name)) if (a.id_last4 or "").upper().endswith(last)]


def manual(event_id: int, attendee_id: int, *, desk: str, actor, direction: str = "in",
           now: datetime | None = None, url: str | None = None) -> Verdict:
    """Admit (or let out) a person found by name + ID digits (a lost badge): logged with method 'manual'."""
    who = _actor(actor)
    desk = (desk or "").strip()[:64] or "desk"
    if direction not in ("in", "out"):
        raise ValidationFailed("direction must be in or out", key="checkin.bad_direction", field="direction")
    now = now or utcnow()
    raw = f"manual:{attendee_id}"

    def judge(tx: Tx) -> Verdict:
        ev = _event(tx, event_id)
        a = tx.one(_Q_PERSON, id=attendee_id)
        if a is None or a.event_id != ev.id:
            v = Verdict(reason="not_on_list")
        else:
            _badge_generation(tx, ev.id, a.id)  # the same per-badge lock as a scan
            v = _admit(tx, ev, a, desk=desk, direction=direction, now=now)
            if v.reason == "ok":
                v.require_attention.insert(0, {"code": "manual", "text": both("checkin.attention.manual")})
        v.direction = direction
        return _record(tx, ev, v, desk=desk, who=who, method="manual", raw=raw, raw_hash=_raw_hash(raw), now=now)

    return _with_retries(url, judge, event_id)


# ---- undo, lockers --------------------------------------------------------------------------------------

def undo(event_id: int, scan_id: int, *, desk: str, actor, now: datetime | None = None,
         url: str | None = None) -> None:
    """Take back a mistaken check-in: same desk, within UNDO_MINUTES, and nothing happened to that entry since."""
    who = _actor(actor)
    now = now or utcnow()
    with write_session(url) as s:
        sc = s.get(Scan, scan_id)
        if sc is None or sc.event_id != event_id or sc.reason != "ok" or sc.direction != "in":
            raise InvalidTransition("Only a check-in can be undone.", key="checkin.undo_not_checkin")
        if sc.desk != desk:
            raise PermissionDenied("Only the desk that checked the person in may undo it.",
                                   key="checkin.undo_other_desk", desk=sc.desk)
        if now - sc.at > timedelta(minutes=UNDO_MINUTES):
            raise InvalidTransition("Too late to undo: check the person out instead.", key="checkin.undo_too_late",
                                    minutes=UNDO_MINUTES)
        if not is_sqlite(s.get_bind()):  # the same per-badge lock as a scan
            s.execute(_Q_BADGE_LOCKED, {"e": event_id, "a": sc.attendee_id})
        att = s.scalar(select(Attendance).where(Attendance.event_id == event_id,
                                                Attendance.attendee_id == sc.attendee_id))
        target = sc.duplicate_of or sc.id
        if att is None or not att.inside or att.last_in_scan_id not in (target, sc.id):
            raise InvalidTransition("This check-in was already undone or followed by an exit.",
                                    key="checkin.undo_stale")
        if att.entries <= 1:
            s.delete(att)
        else:
            att.entries, att.inside = att.entries - 1, False
            if att.device_deposited_at is not None and att.device_deposited_at >= sc.at:
                att.locker = att.device_deposited_at = None
        row = Scan(event_id=event_id, attendee_id=sc.attendee_id, desk=desk, actor=who, at=now, direction="undo",
                   method="undo", raw=f"undo:{sc.id}", raw_hash="", status="ok", reason="undone",
                   duplicate_of=sc.id)
        audit.chain_scan(s, row)
        s.add(row)
        s.flush()
        audit.record(s, actor=who, action="checkin.undo", object_type="attendee", object_id=sc.attendee_id,
                     event_id=event_id, desk=desk, scan_id=sc.id)


def set_locker(event_id: int, attendee_id: int, locker: str, *, actor, url: str | None = None) -> None:
    """Record (or change) the locker where a person's phone and devices are kept."""
    who = _actor(actor)
    locker = (locker or "").strip()
    if not locker or len(locker) > 20:
        raise ValidationFailed("Give a locker number (at most 20 characters).", key="checkin.bad_locker",
                               field="locker")
    with write_session(url) as s:
        att = s.scalar(select(Attendance).where(Attendance.event_id == event_id,
                                                Attendance.attendee_id == attendee_id))
        if att is None or not att.inside:
            raise InvalidTransition("The person is not inside.", key="checkin.not_inside_for_locker")
        clash = s.scalar(select(Attendance).where(Attendance.event_id == event_id, Attendance.locker == locker,
                                                  Attendance.device_returned_at.is_(None),
                                                  Attendance.attendee_id != attendee_id))
        if clash is not None:
            raise ValidationFailed(f"Locker {locker} is in use.", key="checkin.locker_in_use", field="locker",
                                   locker=locker)
        before = att.locker
        att.locker, att.device_deposited_at, att.device_returned_at = locker, utcnow(), None
        att.locker_no = int(locker) if locker.isdigit() and len(locker) < 9 else att.locker_no
        audit.record(s, actor=who, action="checkin.locker", object_type="attendee", object_id=attendee_id,
                     event_id=event_id, before={"locker": before}, after={"locker": locker})


# ---- who is inside, live numbers ------------------------------------------------------------------------

def is_inside(session: Session, event_id: int, attendee_id: int) -> bool:
    return bool(session.scalar(select(Attendance.inside).where(Attendance.event_id == event_id,
                                                               Attendance.attendee_id == attendee_id)))


def inside_now(session: Session, event_id: int, *, limit: int | None = None) -> list[dict]:
    """Who is inside (the roll call for an evacuation), by unit and name; `limit` for a screen."""
    q = (select(Attendee, Attendance).join(Attendance, Attendance.attendee_id == Attendee.id)
         .where(Attendance.event_id == event_id, Attendance.inside.is_(True)).order_by(Attendee.unit, Attendee.name))
    rows = session.execute(q.limit(limit) if limit else q).all()
    return [{"id": a.id, "name": a.name, "unit": a.unit, "role": a.event_role, "since": t.last_in_at,
             "desk": t.last_in_desk, "locker": t.locker or ""} for a, t in rows]


def not_arrived(session: Session, event_id: int, *, limit: int | None = None) -> list[Attendee]:
    arrived = select(Attendance.attendee_id).where(Attendance.event_id == event_id)
    q = select(Attendee).where(Attendee.event_id == event_id, Attendee.id.not_in(arrived)).order_by(
        Attendee.unit, Attendee.name)
    return list(session.scalars(q.limit(limit) if limit else q))


def roll_call_csv(session: Session, event_id: int) -> bytes:
    """Everyone inside now, for an evacuation roll call (CSV, neutralised cells)."""
    from planners.events import get_event
    from planners.exports.tables import to_csv

    ev = get_event(session, event_id)
    return to_csv([{"name": p["name"], "unit": p["unit"], "role": p["role"], "locker": p["locker"],
                    "since": local(p["since"], ev.tz).strftime("%Y-%m-%d %H:%M"), "desk": p["desk"]}
                   for p in inside_now(session, event_id)], ["name", "unit", "role", "locker", "since", "desk"])


def live_numbers(session: Session, event_id: int) -> dict[str, int]:
    expected = session.scalar(select(func.count()).select_from(Attendee).where(Attendee.event_id == event_id))
    arrived = session.scalar(select(func.count()).select_from(Attendance).where(Attendance.event_id == event_id))
    inside = session.scalar(select(func.count()).select_from(Attendance).where(
        Attendance.event_id == event_id, Attendance.inside.is_(True)))
    refused = session.scalar(select(func.count()).select_from(Scan).where(
        Scan.event_id == event_id, Scan.status == "refused"))
    return {"expected": expected or 0, "arrived": arrived or 0, "inside": inside or 0, "refused": refused or 0}


def arrivals_over_time(session: Session, event_id: int, *, bucket_minutes: int = 5) -> list[dict]:
    """Check-ins per time bucket (UTC bucket start), from the scan log (undone check-ins removed)."""
    undone = {d for (d,) in session.execute(select(Scan.duplicate_of).where(
        Scan.event_id == event_id, Scan.direction == "undo"))}
    counts: dict[datetime, int] = {}
    for sid, at in session.execute(select(Scan.id, Scan.at).where(
            Scan.event_id == event_id, Scan.direction == "in", Scan.reason == "ok", Scan.duplicate_of.is_(None))):
        if sid in undone:
            continue
        b = at.replace(second=0, microsecond=0)
        b -= timedelta(minutes=b.minute % bucket_minutes)
        counts[b] = counts.get(b, 0) + 1
    return [{"at": k, "arrivals": v} for k, v in sorted(counts.items())]


def recent_scans(session: Session, event_id: int, *, desk: str | None = None, limit: int = 20) -> list[Scan]:
    q = select(Scan).where(Scan.event_id == event_id).order_by(Scan.id.desc()).limit(limit)
    if desk:
        q = q.where(Scan.desk == desk)
    return list(session.scalars(q))


def last_undoable(session: Session, event_id: int, desk: str, now: datetime | None = None) -> Scan | None:
    """The desk's most recent check-in that can still be undone."""
    now = now or utcnow()
    sc = session.scalar(select(Scan).where(Scan.event_id == event_id, Scan.desk == desk, Scan.direction == "in",
                                           Scan.reason == "ok", Scan.at >= now - timedelta(minutes=UNDO_MINUTES))
                        .order_by(Scan.id.desc()).limit(1))
    if sc is None:
        return None
    att = session.scalar(select(Attendance).where(Attendance.event_id == event_id,
                                                  Attendance.attendee_id == sc.attendee_id))
    if att is None or not att.inside or att.last_in_scan_id not in (sc.id, sc.duplicate_of):
        return None
    return sc


# ---- camera ---------------------------------------------------------------------------------------------

def decode_image(data: bytes) -> list[str]:
    """The QR/barcode texts in a photo (zxing-cpp). An unreadable image gives an empty list, never an error."""
    try:
        import zxingcpp
        from PIL import Image

        img = Image.open(io.BytesIO(data))
        img.load()
        if img.mode not in ("L", "RGB"):
            img = img.convert("RGB")
        results = zxingcpp.read_barcodes(img)
        return [r.text for r in results if r.text]
    except Exception:  # any bad image: nothing decoded
        return []


def load_demo(session: Session, ctx) -> None:
    """Demo step: the demo events' signing keys and badges, so badges print out of the box (idempotent)."""
    for key, ev in ctx.events.items():
        if tokens.prepare_event(session, ev.id, actor="demo"):
            ctx.created.append(f"badges {ev.title}")
