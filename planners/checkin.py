"""The front desk: a scanned code -> a verdict, recorded atomically.

`scan()` reads the code, checks signature, event, validity window, list, badge generation and eligibility,
then records the entry (or exit) in one transaction: BEGIN IMMEDIATE on SQLite, a row lock on the badge on
PostgreSQL, and a unique (event, attendee) key on `attendance` as the last line. So one badge at two desks
at the same moment gives one `ok` and one `already_checked_in`, never two `ok` and never an error. A second
delivery of the same scan from the same desk within DEDUP_SECONDS returns the first verdict again.

Every scan, refused ones too, is written to the append-only `scans` log (desk, time, raw code truncated,
verdict) and to the audit trail. Nothing a desk sends can raise: bad input is a refusal with a reason."""
from __future__ import annotations

import hashlib
import importlib
import io
import re
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Callable

from sqlalchemy import func, select, text
from sqlalchemy.exc import IntegrityError, OperationalError
from sqlalchemy.orm import Session

from planners import audit, eligibility, tokens
from planners.auth import Principal
from planners.events import local
from planners.errors import InvalidTransition, NotFound, PermissionDenied, ValidationFailed
from planners.i18n import both
from planners.levels import Classification
from planners.store.db import is_sqlite, utcnow, write_session
from planners.store.models import Attendee, Event
from planners.store.models_checkin import Attendance, Badge, EventKey, Scan

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
    """Register fn(session, event, attendee) -> [{"code": ..., "text": {"en":…, "zh_CN":…}}] run at check-out."""
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
    """What a scanner typed: whitespace and control characters dropped; a code delivered twice in one burst
    (a scanner without Enter) counts once."""
    if not isinstance(raw, str):
        raw = "" if raw is None else str(raw)
    text = re.sub(r"[\s\x00-\x1f\x7f]+", "", raw[:MAX_INPUT + 1])
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


def _attendee_info(a: Attendee) -> dict:
    return {"id": a.id, "name": a.name, "unit": a.unit, "post": a.post, "role": a.event_role,
            "id_type": a.id_type, "id_last4": a.id_last4, "has_photo": a.photo is not None}


def _actor(actor) -> str:
    if isinstance(actor, Principal):
        if actor.role not in DESK_ROLES:
            raise PermissionDenied("Only a front desk records check-ins.", key="checkin.desk_only")
        return actor.username
    return str(actor)


# ---- the scan ------------------------------------------------------------------------------------------

def scan(event_id: int, raw, *, desk: str, actor, direction: str = "in", method: str = "scan",
         now: datetime | None = None, url: str | None = None) -> Verdict:
    """One scan at a desk -> its verdict, recorded. Retries a transaction that lost a race."""
    who = _actor(actor)
    desk = (desk or "").strip()[:64] or "desk"
    if direction not in ("in", "out"):
        raise ValidationFailed("direction must be in or out", key="checkin.bad_direction", field="direction")
    code = normalize(raw)
    for attempt in range(5):
        try:
            with write_session(url) as s:
                return _scan_in_tx(s, event_id, code, desk=desk, who=who, direction=direction, method=method,
                                   now=now or utcnow())
        except (IntegrityError, OperationalError):
            if attempt == 4:
                raise
    raise AssertionError("unreachable")


def _lock_badge(s: Session, event_id: int, attendee_id: int) -> Badge | None:
    q = select(Badge).where(Badge.event_id == event_id, Badge.attendee_id == attendee_id)
    if not is_sqlite(s.get_bind()):
        q = q.with_for_update()
    return s.scalar(q)


def _scan_in_tx(s: Session, event_id: int, code: str, *, desk: str, who: str, direction: str, method: str,
                now: datetime) -> Verdict:
    ev = s.get(Event, event_id)
    if ev is None:
        raise NotFound(f"No event with id {event_id}.", key="events.not_found", id=event_id)
    rh = _raw_hash(code)
    v = _judge_code(s, ev, code, now)
    if v.reason == "checked":  # a good badge of this event: now the list, the generation, the person
        a, badge_gen = v.details.pop("_attendee"), v.details.pop("_generation")
        badge = _lock_badge(s, ev.id, a.id)
        if badge is None or (badge.generation & 0xFFFF) != badge_gen:
            v = Verdict(reason="revoked", direction=direction, attendee=_attendee_info(a))
        else:
            dup = _recent_duplicate(s, ev.id, desk, rh, direction, now)
            if dup is not None:
                v = _replay(s, ev, a, dup, direction)
            else:
                v = _admit(s, ev, a, desk=desk, direction=direction, now=now)
    v.direction = direction
    return _record(s, ev, v, desk=desk, who=who, method=method, raw=code, raw_hash=rh, now=now)


def _judge_code(s: Session, ev: Event, code: str, now: datetime) -> Verdict:
    if len(code) > MAX_INPUT:
        return Verdict(reason="invalid", details={"why": "too long"})
    try:
        tok = tokens.parse(code)
    except tokens.TokenError:
        return Verdict(reason="invalid")
    if tok.event_id != ev.id:
        other = s.get(EventKey, tok.event_id)
        if other is not None and tokens.verify(tok, other.public_key):
            other_ev = s.get(Event, tok.event_id)
            return Verdict(reason="wrong_event", details={"other": other_ev.title if other_ev else str(tok.event_id)})
        return Verdict(reason="invalid")
    pub = _public_key(s, ev.id)
    if pub is None or not tokens.verify(tok, pub):
        return Verdict(reason="invalid")
    a = s.get(Attendee, tok.attendee_id)
    if a is None or a.event_id != ev.id:
        return Verdict(reason="not_on_list")
    if not (tok.valid_from <= now <= tok.valid_until):
        return Verdict(reason="outside_window", attendee=_attendee_info(a),
                       details={"start": tokens.as_utc_text(tok.valid_from),
                                "end": tokens.as_utc_text(tok.valid_until)})
    return Verdict(reason="checked", details={"_attendee": a, "_generation": tok.generation})


_PUBLIC_KEYS: dict[tuple[str, int], bytes] = {}


def _public_key(s: Session, event_id: int) -> bytes | None:
    """An event's public key (it never changes once made, so it is cached per database and event)."""
    k = (str(s.get_bind().url), event_id)
    pub = _PUBLIC_KEYS.get(k)
    if pub is None:
        row = s.get(EventKey, event_id)
        if row is None:
            return None
        pub = _PUBLIC_KEYS[k] = row.public_key
    return pub


def _recent_duplicate(s: Session, event_id: int, desk: str, rh: str, direction: str, now: datetime) -> Scan | None:
    return s.scalar(select(Scan).where(
        Scan.desk == desk, Scan.raw_hash == rh, Scan.at >= now - timedelta(seconds=DEDUP_SECONDS),
        Scan.event_id == event_id, Scan.direction == direction, Scan.reason.in_(("ok", "exit_ok")))
        .order_by(Scan.id.desc()).limit(1))


def _replay(s: Session, ev: Event, a: Attendee, first: Scan, direction: str) -> Verdict:
    att = s.scalar(select(Attendance).where(Attendance.event_id == ev.id, Attendance.attendee_id == a.id))
    v = Verdict(reason=first.reason, direction=direction, attendee=_attendee_info(a), duplicate=True,
                details={"duplicate_of": first.id})
    v.require_attention = _entry_attention(s, ev, a, att) if direction == "in" else []
    return v


def _next_locker(s: Session, event_id: int) -> int:
    """The next locker number: one above the highest handed out at this event (indexed, O(log n))."""
    if not is_sqlite(s.get_bind()):  # SQLite's BEGIN IMMEDIATE already serialises; PostgreSQL: per-event lock
        s.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": _PG_LOCKER_LOCK + int(event_id)})
    top = s.scalar(select(func.max(Attendance.locker_no)).where(Attendance.event_id == event_id))
    return (top or 0) + 1


def _entry_attention(s: Session, ev: Event, a: Attendee, att: Attendance | None, el=None) -> list[dict]:
    el = el or eligibility.for_attendee(s, a, ev)
    out = [{"code": "photo_id", "rule": f.rule, "text": both("checkin.attention.photo_id", last=a.id_last4,
                                                             id_type=a.id_type)} for f in el.attention]
    if att is not None and att.locker and att.device_returned_at is None:
        out.append({"code": "locker", "locker": att.locker, "text": both("checkin.attention.locker",
                                                                         locker=att.locker)})
    elif ev.device_policy == "approved_only":
        out.append({"code": "devices_approved_only", "text": both("checkin.attention.devices_approved_only")})
    foreign = (a.nationality or "CN").upper() not in ("CN", "CHN")
    if a.event_role == "visitor" or (foreign and Classification(ev.level).is_state_secret):
        out.append({"code": "escort", "text": both("checkin.attention.escort")})
    return out


def _admit(s: Session, ev: Event, a: Attendee, *, desk: str, direction: str, now: datetime) -> Verdict:
    info = _attendee_info(a)
    att = s.scalar(select(Attendance).where(Attendance.event_id == ev.id, Attendance.attendee_id == a.id))
    if direction == "out":
        if att is None or not att.inside:
            return Verdict(reason="not_inside", attendee=info)
        att.inside, att.last_out_at = False, now
        attention = []
        if att.locker and att.device_returned_at is None:
            att.device_returned_at = now
            attention.append({"code": "return_device", "locker": att.locker,
                              "text": both("checkin.attention.return_device", locker=att.locker)})
        for name in EXIT_ATTENTION_MODULES:
            importlib.import_module(name)
        for fn in _EXIT_ATTENTION:
            attention.extend(fn(s, ev, a))
        return Verdict(reason="exit_ok", attendee=info, require_attention=attention)
    el = eligibility.for_attendee(s, a, ev)
    if el.status != eligibility.ELIGIBLE:
        rules = [f for f in el.findings if not f.met]
        return Verdict(reason=el.status, attendee=info, details={"rules": ", ".join(f.rule for f in rules)},
                       require_attention=[{"code": "rule", "rule": f.rule, "text": f.reason} for f in rules])
    if att is not None and att.inside:
        return Verdict(reason="already_checked_in", attendee=info,
                       details={"desk": att.last_in_desk, "since": local(att.last_in_at, ev.tz).strftime("%H:%M:%S")})
    if att is None:
        att = Attendance(event_id=ev.id, attendee_id=a.id, inside=True, entries=1, first_in_at=now, last_in_at=now,
                         last_in_desk=desk)
        s.add(att)
    else:
        att.inside, att.entries, att.last_in_at, att.last_in_desk = True, att.entries + 1, now, desk
    if ev.device_policy == "lockers" and (att.locker is None or att.device_returned_at is not None):
        n = _next_locker(s, ev.id)
        att.locker, att.locker_no, att.device_deposited_at, att.device_returned_at = str(n), n, now, None
    s.flush()
    v = Verdict(reason="ok", attendee=info, details={"entry": att.entries})
    v.require_attention = _entry_attention(s, ev, a, att, el)
    v.details["_attendance"] = att
    return v


def _record(s: Session, ev: Event, v: Verdict, *, desk: str, who: str, method: str, raw: str, raw_hash: str,
            now: datetime) -> Verdict:
    att = v.details.pop("_attendance", None)
    row = Scan(event_id=ev.id, attendee_id=(v.attendee or {}).get("id"), desk=desk, actor=who, at=now,
               direction=v.direction, method=method, raw=safe_raw(raw), raw_hash=raw_hash,
               status="ok" if v.ok else "refused", reason=v.reason,
               duplicate_of=v.details.get("duplicate_of") if v.duplicate else None)
    s.add(row)
    s.flush()
    if att is not None and v.reason == "ok":
        att.last_in_scan_id = row.id
    v.scan_id = row.id
    audit.record(s, actor=who, action=f"checkin.{'exit' if v.direction == 'out' else 'scan'}",
                 object_type="attendee" if v.attendee else "scan",
                 object_id=(v.attendee or {}).get("id", row.id), event_id=ev.id, desk=desk, method=method,
                 reason=v.reason, scan_id=row.id, duplicate=v.duplicate)
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
    now = now or utcnow()
    for attempt in range(5):
        try:
            with write_session(url) as s:
                ev = s.get(Event, event_id)
                if ev is None:
                    raise NotFound(f"No event with id {event_id}.", key="events.not_found", id=event_id)
                a = s.get(Attendee, attendee_id)
                raw = f"manual:{attendee_id}"
                if a is None or a.event_id != ev.id:
                    v = Verdict(reason="not_on_list")
                else:
                    _lock_badge(s, ev.id, a.id)
                    v = _admit(s, ev, a, desk=desk, direction=direction, now=now)
                    if v.reason == "ok":
                        v.require_attention.insert(0, {"code": "manual", "text": both("checkin.attention.manual")})
                v.direction = direction
                return _record(s, ev, v, desk=desk, who=who, method="manual", raw=raw, raw_hash=_raw_hash(raw),
                               now=now)
        except (IntegrityError, OperationalError):
            if attempt == 4:
                raise
    raise AssertionError("unreachable")


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
        _lock_badge(s, event_id, sc.attendee_id)
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
