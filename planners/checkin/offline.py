"""The offline desk (issue 15): a signed pack of what a desk needs to decide without the server, and a local desk
that decides scans from it and keeps every scan in an append-only, hash-chained local log.

The pack (`conclave desk pack EVENT --out FILE`): the event's public key, every attendee's id, name, unit, ID
digits, badge generation and verdict at each door (the main entrance and each session's), who is inside and the
lockers in use, when it was made and how long it is valid (rule O1, data/rules/checkin.yaml). It is JSON holding
the body's exact text and an Ed25519 signature by the event's key over it; a changed byte is refused.

The local log is a SQLite file (WAL, synchronous=FULL: a scan answered is on disk, so killing the desk mid-scan
loses no recorded scan). Row 0 is the header (the pack itself); each further row is one scan, numbered from 1,
holding its predecessor's hash and its own (SHA-256 over the row's canonical text): a missing, inserted,
reordered or altered row breaks the chain and `conclave desk sync` refuses the log (planners.checkin.sync)."""
from __future__ import annotations

import base64
import hashlib
import json
import sqlite3
import threading
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from types import SimpleNamespace

from cryptography.exceptions import InvalidSignature
from sqlalchemy import select
from sqlalchemy.orm import Session

from planners.attendees import badges as tokens
from planners.attendees import eligibility
from planners.base import audit
from planners.checkin.sessions import admitted_ids, list_sessions
from planners.checkin.verdict import MAX_INPUT, Verdict, normalize
from planners.core.clock import local, utcnow
from planners.core.errors import NotFound, OfflineLogRefused, OfflinePackRefused
from planners.core.i18n import both
from planners.core.rules import Field, load_catalogue
from planners.store.models import Attendee, Event
from planners.store.models_checkin import Attendance, AttendeeException, Badge
from planners.store.models_sessions import SessionAttendance

FORMAT = "conclave-desk-pack/1"
MAIN = "main"  # the door of the whole event; a session's door is its id as text
_RULE_FIELDS = {"valid_hours": Field("int"), "retention_days": Field("int"), "max_mb": Field("int"),
                "max_px": Field("int"), "proposal": Field("bool"), "text": Field("bilingual", required=True)}


def rule(rule_id: str) -> dict:
    for r in load_catalogue("checkin", _RULE_FIELDS)["rules"]:
        if r["id"] == rule_id:
            return r
    raise NotFound(f"data/rules/checkin.yaml has no rule {rule_id}.", key="error.not_found")


def canonical(obj) -> str:
    return json.dumps(obj, ensure_ascii=False, sort_keys=True, separators=(",", ":"))


def _iso(dt: datetime | None) -> str | None:
    return dt.isoformat(timespec="seconds") if dt else None


# ---- the pack (server side) --------------------------------------------------------------------------------

def _door_verdict(a, ev_like, granted: set[str], listed: bool | None) -> dict:
    if listed is False:
        return {"reason": "not_on_session_list", "rules": []}
    el = eligibility.evaluate(a, ev_like, granted)
    if el.status != eligibility.ELIGIBLE:
        return {"reason": el.status, "rules": [f.rule for f in el.findings if not f.met],
                "source": "; ".join(f.source for f in el.findings if not f.met)}
    return {"reason": "ok", "rules": [], "attention": [f.rule for f in el.attention]}


def make_pack(session: Session, event_id: int, *, actor: str, now: datetime | None = None) -> bytes:
    """The signed pack of `event_id`, audited. Raises the badge key's errors when the key is not here."""
    ev = session.get(Event, event_id)
    if ev is None:
        raise NotFound(f"No event with id {event_id}.", key="events.not_found", id=event_id)
    ek = tokens.ensure_event_key(session, ev.id, actor=actor)
    priv = tokens._private_key(ev.id, ek)
    now = now or utcnow()
    people = list(session.scalars(select(Attendee).where(Attendee.event_id == ev.id).order_by(Attendee.id)))
    gens = {b.attendee_id: b.generation for b in session.scalars(select(Badge).where(Badge.event_id == ev.id))}
    granted: dict[int, set[str]] = {}
    by_id = {a.id: a for a in people}
    for ex in session.scalars(select(AttendeeException).where(AttendeeException.event_id == ev.id)):
        a = by_id.get(ex.attendee_id)
        if a is not None and eligibility.holds(a, ex.rules, ex.fingerprint, ex.voided_at):
            granted.setdefault(a.id, set()).update(ex.rules or [])
    sessions = list_sessions(session, ev.id)
    lists = {s.id: set(admitted_ids(session, s.id)) for s in sessions}
    att = {t.attendee_id: t for t in session.scalars(select(Attendance).where(Attendance.event_id == ev.id))}
    s_inside: dict[int, list[str]] = {}
    if sessions:
        for t in session.scalars(select(SessionAttendance).where(
                SessionAttendance.session_id.in_([s.id for s in sessions]), SessionAttendance.inside.is_(True))):
            s_inside.setdefault(t.attendee_id, []).append(str(t.session_id))
    rows = []
    for a in people:
        doors = {MAIN: _door_verdict(a, ev, granted.get(a.id, set()), None)}
        for s in sessions:
            like = SimpleNamespace(level=s.level, device_policy=s.device_policy)
            doors[str(s.id)] = _door_verdict(a, like, granted.get(a.id, set()), a.id in lists[s.id])
        t = att.get(a.id)
        inside = ([MAIN] if t is not None and t.inside else []) + s_inside.get(a.id, [])
        rows.append({"id": a.id, "name": a.name, "unit": a.unit, "post": a.post, "role": a.event_role,
                     "id_type": a.id_type, "id_last4": a.id_last4, "foreign": eligibility.is_foreign(a),
                     "generation": gens.get(a.id), "doors": doors, "inside": inside,
                     "locker": t.locker if t is not None and t.locker and t.device_returned_at is None else None})
    hours = int(rule("O1")["valid_hours"])
    body = {"format": FORMAT, "event": {"id": ev.id, "title": ev.title, "level": ev.level, "tz": ev.tz,
                                        "device_policy": ev.device_policy},
            "sessions": [{"id": s.id, "title": s.title, "level": s.level, "device_policy": s.device_policy}
                         for s in sessions],
            "made_at": _iso(now), "valid_hours": hours, "made_by": actor,
            "public_key": base64.b64encode(bytes(ek.public_key)).decode(), "key_id": ek.key_id,
            "people": rows}
    text = canonical(body)
    sig = priv.sign(text.encode("utf-8"))
    audit.record(session, actor=actor, action="desk.pack_made", object_type="event", object_id=ev.id,
                 event_id=ev.id, people=len(rows), sessions=len(sessions), valid_hours=hours,
                 pack=hashlib.sha256(text.encode()).hexdigest()[:16])
    return (canonical({"format": FORMAT, "body": text, "signature": base64.b64encode(sig).decode()}) + "\n").encode()


# ---- reading a pack (desk side and server side) ----------------------------------------------------------

@dataclass
class Pack:
    text: str  # the whole file
    body: dict
    digest: str  # sha256 of the body's text: names the pack in the log

    @property
    def event_id(self) -> int:
        return int(self.body["event"]["id"])

    @property
    def made_at(self) -> datetime:
        return datetime.fromisoformat(self.body["made_at"])

    @property
    def valid_until(self) -> datetime:
        return self.made_at + timedelta(hours=int(self.body["valid_hours"]))

    @property
    def public_key(self) -> bytes:
        return base64.b64decode(self.body["public_key"])

    @property
    def fingerprint(self) -> str:
        """The event key's fingerprint: `conclave desk pack` prints it; the offline page shows it to compare, so a
        pack re-signed with another key is noticed at the desk (the server refuses its log anyway)."""
        h = hashlib.sha256(self.public_key).hexdigest()[:16].upper()
        return " ".join(h[i:i + 4] for i in range(0, 16, 4))

    def person(self, attendee_id: int) -> dict | None:
        if not hasattr(self, "_people"):
            self._people = {p["id"]: p for p in self.body["people"]}
        return self._people.get(attendee_id)

    def door_title(self, door: str, lang: str) -> str:
        if door == MAIN:
            return both("sessions.door.main")[lang]
        for s in self.body["sessions"]:
            if str(s["id"]) == door:
                return s["title"]
        return door


def _refuse(problem: str, **params) -> OfflinePackRefused:
    return OfflinePackRefused(f"desk pack refused: {problem}", problem=both(f"offline.problem.{problem}", **params),
                              code=problem)


def read_pack(text: str | bytes, *, now: datetime | None = None, event_id: int | None = None,
              public_key: bytes | None = None, check_validity: bool = True) -> Pack:
    """The pack, verified: well formed, signed by the key it names (or by `public_key`, the server's), for
    `event_id` if given, and within its validity (rule O1). Anything else is OfflinePackRefused."""
    if isinstance(text, bytes):
        try:
            text = text.decode("utf-8")
        except UnicodeDecodeError:
            raise _refuse("unreadable") from None
    try:
        outer = json.loads(text)
        body_text, sig = outer["body"], base64.b64decode(outer["signature"], validate=True)
        body = json.loads(body_text)
        if outer.get("format") != FORMAT or body.get("format") != FORMAT:
            raise ValueError("format")
        pub = base64.b64decode(body["public_key"])
        int(body["event"]["id"]), datetime.fromisoformat(body["made_at"]), int(body["valid_hours"])
    except (ValueError, KeyError, TypeError, AttributeError):
        raise _refuse("unreadable") from None
    if public_key is not None and bytes(public_key) != pub:
        raise _refuse("unknown_key")
    try:
        tokens.public_key(pub).verify(sig, body_text.encode("utf-8"))
    except (InvalidSignature, ValueError):
        raise _refuse("tampered") from None
    pack = Pack(text=text, body=body, digest=hashlib.sha256(body_text.encode("utf-8")).hexdigest())
    if event_id is not None and pack.event_id != int(event_id):
        raise _refuse("other_event", other=pack.event_id, event=event_id)
    now = now or utcnow()
    if check_validity:
        if pack.made_at > now + timedelta(minutes=10):
            raise _refuse("not_yet", made=body["made_at"])
        if now > pack.valid_until:
            raise _refuse("expired", made=body["made_at"], hours=body["valid_hours"],
                          until=_iso(pack.valid_until))
    return pack


# ---- the local log -----------------------------------------------------------------------------------------

def entry_hash(prev: str, fields: dict) -> str:
    return hashlib.sha256((prev + "|" + canonical(fields)).encode("utf-8")).hexdigest()


def _connect(path: str | Path) -> sqlite3.Connection:
    conn = sqlite3.connect(str(path), timeout=10, isolation_level=None, check_same_thread=False)
    conn.execute("PRAGMA journal_mode=WAL")
    conn.execute("PRAGMA synchronous=FULL")  # a scan answered is on disk: kill -9 loses nothing recorded
    conn.execute("CREATE TABLE IF NOT EXISTS log (n INTEGER PRIMARY KEY, body TEXT NOT NULL, hash TEXT NOT NULL)")
    conn.execute("CREATE TABLE IF NOT EXISTS state (attendee_id INTEGER, door TEXT, inside INTEGER, "
                 "last_at TEXT, locker TEXT, PRIMARY KEY (attendee_id, door))")
    # each person's locker as this desk knows it (taken here, or the pack's returned here); derived, like `state`,
    # from the log in the same transaction as the entry that changed it
    conn.execute("CREATE TABLE IF NOT EXISTS lockers (attendee_id INTEGER PRIMARY KEY, locker TEXT NOT NULL, "
                 "taken_at TEXT, returned_at TEXT)")
    conn.execute("CREATE TRIGGER IF NOT EXISTS log_append_only_u BEFORE UPDATE ON log "
                 "BEGIN SELECT RAISE(ABORT, 'the offline log is append-only'); END")
    conn.execute("CREATE TRIGGER IF NOT EXISTS log_append_only_d BEFORE DELETE ON log "
                 "BEGIN SELECT RAISE(ABORT, 'the offline log is append-only'); END")
    return conn


def read_log(path: str | Path) -> tuple[dict, list[dict]]:
    """(header, entries) of a log, each entry checked against the chain: a gap, an inserted, reordered or altered
    entry is OfflineLogRefused naming the entry."""
    if not Path(path).exists():
        raise OfflineLogRefused("no such log", problem=both("offline.problem.bad_line", n=0), code="bad_line")
    conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    try:
        rows = conn.execute("SELECT n, body, hash FROM log ORDER BY n").fetchall()
    except sqlite3.DatabaseError:
        raise OfflineLogRefused("not a log", problem=both("offline.problem.bad_line", n=0), code="bad_line") from None
    finally:
        conn.close()

    def bad(code: str, n: int, **p):
        return OfflineLogRefused(f"log refused at entry {n}: {code}", problem=both(f"offline.problem.{code}", n=n, **p),
                                 code=code, n=n)

    if not rows or rows[0][0] != 0:
        raise bad("bad_line", 0)
    header = json.loads(rows[0][1])
    prev, last_at, out = rows[0][2], None, []
    if entry_hash("", header) != prev:
        raise bad("altered", 0)
    for i, (n, body, h) in enumerate(rows[1:], start=1):
        try:
            e = json.loads(body)
        except ValueError:
            raise bad("bad_line", i) from None
        if n != i:
            raise bad("gap", i)
        if e.get("n") != i:
            raise bad("reordered", i)
        if e.get("prev") != prev:
            raise bad("reordered", i)
        if entry_hash(prev, e) != h:
            raise bad("altered", i)
        if e.get("pack") != header.get("pack"):
            raise bad("other_pack", i, pack=str(e.get("pack"))[:12])
        if last_at is not None and e["at"] < last_at:
            raise bad("reordered", i)
        prev, last_at = h, e["at"]
        out.append({**e, "hash": h})
    return header, out


class OfflineDesk:
    """A desk deciding from a pack, recording into a local log. Thread-safe (one lock): a page and a script may
    share one."""

    def __init__(self, pack: Pack, log_path: str | Path, *, desk: str = "offline"):
        self.pack, self.desk, self.path = pack, desk, Path(log_path)
        self._lock = threading.Lock()
        self.conn = _connect(self.path)
        head = self.conn.execute("SELECT body FROM log WHERE n = 0").fetchone()
        if head is None:
            header = {"kind": "header", "pack": pack.digest, "pack_text": pack.text, "desk": desk}
            self.conn.execute("INSERT INTO log (n, body, hash) VALUES (0, ?, ?)",
                              (canonical(header), entry_hash("", header)))
        elif json.loads(head[0]).get("pack") != pack.digest:
            raise OfflineLogRefused("log of another pack", code="other_pack", n=0,
                                    problem=both("offline.problem.other_pack", n=0, pack=json.loads(head[0])["pack"][:12]))

    def close(self) -> None:
        self.conn.close()

    # -- state --
    def _inside(self, attendee_id: int, door: str, p: dict) -> bool:
        row = self.conn.execute("SELECT inside FROM state WHERE attendee_id = ? AND door = ?",
                                (attendee_id, door)).fetchone()
        return bool(row[0]) if row is not None else door in (p.get("inside") or [])

    def _next_locker(self) -> str:
        """One above every locker in use: those of the pack and those handed out here (numbers only)."""
        if not hasattr(self, "_pack_top"):
            self._pack_top = max((int(p["locker"]) for p in self.pack.body["people"]
                                  if str(p.get("locker") or "").isdigit()), default=0)
        here = self.conn.execute("SELECT MAX(CAST(locker AS INTEGER)) FROM state WHERE locker GLOB '[0-9]*'").fetchone()[0]
        return str(max(self._pack_top, here or 0) + 1)

    def held_locker(self, p: dict) -> str | None:
        """The locker holding this person's phone now: the one taken or returned at this desk, else the pack's."""
        row = self.conn.execute("SELECT locker, returned_at FROM lockers WHERE attendee_id = ?", (p["id"],)).fetchone()
        if row is not None:
            return row[0] if row[1] is None else None
        return p.get("locker") or None

    def lockers_in_use(self) -> dict[str, int]:
        """locker -> attendee id, for every phone in a locker now (the pack's and this desk's)."""
        return {lk: p["id"] for p in self.pack.body["people"] if (lk := self.held_locker(p))}

    def inside_count(self, door: str = MAIN) -> int:
        n = 0
        for p in self.pack.body["people"]:
            if self._inside(p["id"], door, p):
                n += 1
        return n

    def entries(self) -> int:
        return int(self.conn.execute("SELECT COUNT(*) FROM log").fetchone()[0]) - 1

    # -- the decision --
    def decide(self, raw, *, door: str = MAIN, direction: str = "in", now: datetime | None = None) -> Verdict:
        now = now or utcnow()
        code = normalize(raw)
        door = str(door) if door not in (None, "") else MAIN
        if door != MAIN and door not in {str(s["id"]) for s in self.pack.body["sessions"]}:
            raise OfflinePackRefused("no such session", problem=both("offline.problem.no_session", session=door),
                                     code="no_session")
        with self._lock:
            v, locker = self._judge(code, door, direction, now)
            self._append(v, code=code, door=door, direction=direction, now=now, locker=locker)
        v.details.setdefault("offline", True)
        return v

    def _office(self, at: datetime) -> str:
        return local(at, self.pack.body["event"].get("tz") or "Asia/Shanghai").strftime("%Y-%m-%d %H:%M")

    def _judge(self, code: str, door: str, direction: str, now: datetime):
        try:
            tok = tokens.parse(code) if len(code) <= MAX_INPUT else None
        except tokens.TokenError:
            tok = None
        if tok is None or tok.event_id != self.pack.event_id or not tokens.verify(tok, self.pack.public_key):
            return Verdict(reason="invalid"), None
        p = self.pack.person(tok.attendee_id)
        if p is None:
            return Verdict(reason="not_on_list"), None
        info = {k: p[k] for k in ("id", "name", "unit", "post", "role", "id_type", "id_last4")}
        info["has_photo"] = False
        if not (tok.valid_from <= now <= tok.valid_until):
            return Verdict(reason="outside_window", attendee=info,
                           details={"start": self._office(tok.valid_from),  # office time (issue 16)
                                    "end": self._office(tok.valid_until)}), None
        if p["generation"] is None or (p["generation"] & 0xFFFF) != tok.generation:
            return Verdict(reason="revoked", attendee=info), None
        title = self.pack.door_title(door, "zh_CN")
        if door != MAIN:
            info["session"] = title
        verdict = p["doors"].get(door, {"reason": "not_on_session_list", "rules": []})
        details = {"session": title} if door != MAIN else {}
        if direction == "out":
            if not self._inside(p["id"], door, p):
                return Verdict(reason="not_inside", attendee=info, details=details), None
            held = self.held_locker(p) if door == MAIN else None  # leaving the event: the phone goes back
            attention = [{"code": "return_device", "locker": held,
                          "text": both("checkin.attention.return_device", locker=held)}] if held else []
            return Verdict(reason="exit_ok", attendee=info, details=details, require_attention=attention), held
        if verdict["reason"] != "ok":
            return Verdict(reason=verdict["reason"], attendee=info,
                           details={**details, "rules": ", ".join(verdict["rules"]), "source": verdict.get("source", "")}), None
        if self._inside(p["id"], door, p):
            return Verdict(reason="already_checked_in", attendee=info,
                           details={**details, "desk": self.desk, "since": "-"}), None
        attention = []
        locker = self.held_locker(p)
        policy = self.pack.body["event"]["device_policy"] if door == MAIN else next(
            s["device_policy"] for s in self.pack.body["sessions"] if str(s["id"]) == door)
        if policy == "lockers" and not locker and not self._inside(p["id"], MAIN, p):
            locker = self._next_locker()
        if locker:
            attention.append({"code": "locker", "locker": locker, "text": both("checkin.attention.locker", locker=locker)})
        if "E6" in verdict.get("attention", []):
            attention.append({"code": "photo_id", "text": both("checkin.attention.photo_id", last=p["id_last4"],
                                                               id_type=both(f"id_type.{p['id_type']}"))})
        if p["role"] == "visitor" or p.get("foreign"):
            attention.append({"code": "escort", "text": both("checkin.attention.escort")})
        return Verdict(reason="ok", attendee=info, details=details, require_attention=attention), locker

    def _append(self, v: Verdict, *, code: str, door: str, direction: str, now: datetime, locker) -> None:
        c = self.conn
        c.execute("BEGIN IMMEDIATE")
        try:
            n, prev = c.execute("SELECT n, hash FROM log ORDER BY n DESC LIMIT 1").fetchone()
            aid = (v.attendee or {}).get("id")
            e = {"n": n + 1, "prev": prev, "pack": self.pack.digest, "at": now.isoformat(timespec="microseconds"),
                 "desk": self.desk, "door": door, "direction": direction, "code": code[:200],
                 "attendee_id": aid, "reason": v.reason}
            if locker and v.reason == "ok":  # the locker the phone went into (sync gives the server this number)
                e["locker"] = locker
            elif locker and v.reason == "exit_ok":  # the phone handed back from it
                e["locker_returned"] = locker
            c.execute("INSERT INTO log (n, body, hash) VALUES (?, ?, ?)", (n + 1, canonical(e), entry_hash(prev, e)))
            if "locker" in e:
                c.execute("INSERT INTO lockers (attendee_id, locker, taken_at, returned_at) VALUES (?, ?, ?, NULL) "
                          "ON CONFLICT (attendee_id) DO UPDATE SET locker = excluded.locker, "
                          "taken_at = COALESCE(CASE WHEN lockers.returned_at IS NULL AND lockers.locker = "
                          "excluded.locker THEN lockers.taken_at END, excluded.taken_at), returned_at = NULL",
                          (aid, locker, e["at"]))
            elif "locker_returned" in e:
                c.execute("INSERT INTO lockers (attendee_id, locker, taken_at, returned_at) VALUES (?, ?, NULL, ?) "
                          "ON CONFLICT (attendee_id) DO UPDATE SET returned_at = excluded.returned_at",
                          (aid, locker, e["at"]))
            if v.reason in ("ok", "exit_ok"):
                inside = 1 if v.reason == "ok" else 0
                doors = [door] if door == MAIN or inside == 0 else [door, MAIN]
                if v.reason == "exit_ok" and door == MAIN:  # leaving the event leaves every session
                    doors = [MAIN] + [str(s["id"]) for s in self.pack.body["sessions"]]
                for d in doors:
                    c.execute("INSERT INTO state (attendee_id, door, inside, last_at, locker) VALUES (?, ?, ?, ?, ?) "
                              "ON CONFLICT (attendee_id, door) DO UPDATE SET inside = excluded.inside, "
                              "last_at = excluded.last_at, locker = COALESCE(excluded.locker, state.locker)",
                              (aid, d, inside, e["at"], locker if d == MAIN else None))
            c.execute("COMMIT")
        except BaseException:
            c.execute("ROLLBACK")
            raise
        v.scan_id = n + 1


def open_desk(pack_file: str | Path, log_path: str | Path, *, desk: str = "offline",
              now: datetime | None = None) -> OfflineDesk:
    try:
        text = Path(pack_file).read_bytes()
    except OSError:
        raise _refuse("unreadable") from None
    return OfflineDesk(read_pack(text, now=now), log_path, desk=desk)


