"""Signed badge tokens: what the QR code on a badge says.

Format: ``CV1:`` + base32 (RFC 4648, upper case, no padding) of 85 bytes:

    version (1) | key id (2) | event id (4) | attendee id (4) | generation (2) |
    valid from (4, minutes since 1970 UTC) | valid until (4, minutes) | Ed25519 signature (64)

85 bytes encode to exactly 136 base32 characters, so there are no padding bits: together with the
canonical re-encoding check, changing any single character of a valid code makes it refused. Upper-case
base32 and ':' fit the QR alphanumeric mode (a dense, easy-to-scan code).

Each event has its own key pair. The private key is a file in `planners.core.config.keys_dir()` (mode 0600,
git-ignored), created lazily on first issue; the public key is also stored in the database (`event_keys`),
so desks verify with the public key only. Neither the private key nor its path is ever written to the
audit trail, an export or a log."""
from __future__ import annotations

import re

import base64
import binascii
import hashlib
import logging
import stat
import struct
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from pathlib import Path

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from sqlalchemy.orm import Session

from planners.base import audit
from planners.core.config import keys_dir
from planners.core.errors import (  # noqa: F401  (the area's key errors, as badges.SigningKeyRefused)
    SigningKeyExposed, SigningKeyMismatch, SigningKeyMissing, SigningKeyRefused, SigningKeyUnreadable, TokenError)
from planners.core.clock import utcnow
from planners.core.keyfiles import ensure_keys_dir, write_private as _write_private  # noqa: F401
from planners.store.models_checkin import Badge, EventKey
from planners.core import permissions

log = logging.getLogger("conclave.keys")

PREFIX = "CV1:"
VERSION = 1
_BODY = struct.Struct(">BHIIHII")  # 21 bytes
SIG_LEN = 64
RAW_LEN = _BODY.size + SIG_LEN  # 85
TEXT_LEN = len(PREFIX) + RAW_LEN * 8 // 5  # 140
_EPOCH = datetime(1970, 1, 1)


@dataclass(frozen=True)
class Token:
    key_id: int
    event_id: int
    attendee_id: int
    generation: int
    valid_from: datetime  # naive UTC, minute precision
    valid_until: datetime
    body: bytes
    signature: bytes


def _minutes(dt: datetime) -> int:
    return max(0, int((dt - _EPOCH).total_seconds() // 60))


def _from_minutes(m: int) -> datetime:
    try:
        return _EPOCH + timedelta(minutes=m)
    except OverflowError as exc:  # a made-up code past the year 9999: unreadable, not a crash at the desk
        raise TokenError("validity out of range") from exc


# ---- keys ------------------------------------------------------------------------------------------------

def _key_path(event_id: int) -> Path:
    return keys_dir() / f"event-{int(event_id)}.ed25519"


def key_id_of(public_raw: bytes) -> int:
    return int.from_bytes(hashlib.sha256(public_raw).digest()[:2], "big")


def raw_public(key: Ed25519PrivateKey) -> bytes:
    return key.public_key().public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)


def check_pair(key: Ed25519PrivateKey, event_key: EventKey) -> None:
    """Refuse a private key whose public half is not the one stored for the event (its badges would all read
    `invalid` at the door)."""
    pub = raw_public(key)
    if pub != bytes(event_key.public_key):
        raise SigningKeyMismatch(
            f"The signing key file of event {event_key.event_id} is not the key this event's badges are checked "
            f"with (key id {key_id_of(pub)}, expected {event_key.key_id}). No badge was printed.",
            event=event_key.event_id, found=key_id_of(pub), expected=event_key.key_id)


def ensure_event_key(session: Session, event_id: int, *, actor: str = "system") -> EventKey:
    """The event's key pair: made on first use (idempotent). Returns the stored public half."""
    row = session.get(EventKey, event_id)
    if row is None and session.get_bind().dialect.name != "sqlite":  # SQLite: BEGIN IMMEDIATE serialises
        from sqlalchemy import select

        from planners.store.models import Event

        session.execute(select(Event.id).where(Event.id == event_id).with_for_update())  # one key maker at a time
        row = session.get(EventKey, event_id, populate_existing=True)
    path = _key_path(event_id)
    if row is not None:
        return row
    if path.exists():  # a key file from an earlier database of the same id is never reused
        path.rename(path.with_suffix(f".old-{int(utcnow().timestamp())}"))
    key = Ed25519PrivateKey.generate()
    _write_private(path, key)
    pub = raw_public(key)
    row = EventKey(event_id=event_id, public_key=pub, key_id=key_id_of(pub))
    session.add(row)
    session.flush()
    audit.record(session, actor=actor, action="badge.key_created", object_type="event", object_id=event_id,
                 event_id=event_id, key_id=row.key_id)
    return row


def _unreadable(event_id: int, problem: str, text: str, **params) -> SigningKeyUnreadable:
    return SigningKeyUnreadable(
        f"The signing key of event {event_id} cannot be used: {text}. No badge was printed. Put the right key file "
        f"back, or make a new key with `conclave keys rotate {event_id} --as NAME`.", problem=problem, event=event_id,
        **params)


def _private_key(event_id: int, event_key: EventKey | None = None) -> Ed25519PrivateKey:
    """The event's private key, refused (SigningKeyRefused, never a traceback) when it is missing, a folder,
    unreadable, cut short, not a key, readable by others, or not the key of `event_key` (the stored public half)."""
    path = _key_path(event_id)
    try:
        st = path.stat()
    except FileNotFoundError as exc:
        raise SigningKeyMissing(
            f"The signing key of event {event_id} is not on this machine. No badge was printed. Issue badges where "
            f"the key was made, or make a new key with `conclave keys rotate {event_id} --as NAME` (it revokes every badge "
            "already printed).", event=event_id) from exc
    except OSError as exc:
        raise _unreadable(event_id, "unreadable", exc.strerror or type(exc).__name__,
                          detail=exc.strerror or type(exc).__name__) from exc
    if stat.S_ISDIR(st.st_mode):
        raise _unreadable(event_id, "folder", "a folder is where the key file should be")
    mode = stat.S_IMODE(st.st_mode)
    if mode & 0o077:
        raise SigningKeyExposed(
            f"The signing key file of event {event_id} can be read by other users (mode {mode:04o}). No badge was "
            f"printed. Run `chmod 600 event-{event_id}.ed25519` in the keys folder, or rotate the key.",
            event=event_id, mode=f"{mode:04o}")
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise _unreadable(event_id, "unreadable", exc.strerror or type(exc).__name__,
                          detail=exc.strerror or type(exc).__name__) from exc
    if len(raw) != 32:
        raise _unreadable(event_id, "truncated", f"the key file has {len(raw)} bytes, an Ed25519 key has 32",
                          size=len(raw))
    try:
        key = Ed25519PrivateKey.from_private_bytes(raw)
    except (ValueError, TypeError) as exc:
        raise _unreadable(event_id, "not_a_key", "the key file does not hold an Ed25519 private key") from exc
    if event_key is not None:
        check_pair(key, event_key)
    return key


_pub_cache: dict[bytes, Ed25519PublicKey] = {}


def public_key(raw: bytes) -> Ed25519PublicKey:
    k = _pub_cache.get(raw)
    if k is None:
        k = _pub_cache[raw] = Ed25519PublicKey.from_public_bytes(raw)
    return k


# ---- sign / read / verify --------------------------------------------------------------------------------

def sign(event_key: EventKey, *, event_id: int, attendee_id: int, generation: int, valid_from: datetime,
         valid_until: datetime, private: Ed25519PrivateKey | None = None) -> str:
    priv = private or _private_key(event_id, event_key)
    if private is not None:
        check_pair(private, event_key)  # 2 µs: the public half derived from the key must be the stored one
    body = _BODY.pack(VERSION, event_key.key_id, event_id, attendee_id, generation & 0xFFFF,
                      _minutes(valid_from), _minutes(valid_until))
    sig = priv.sign(body)
    return PREFIX + base64.b32encode(body + sig).decode("ascii")


def scanner_pattern() -> str:
    """A regular expression (JavaScript and Python alike) for a whole badge code: the desk's scanner field submits
    by itself when its text matches, for scanners that send no Enter."""
    return f"^{re.escape(PREFIX)}[A-Z2-7]{{{TEXT_LEN - len(PREFIX)}}}$"


_B32_TEXT = re.compile(f"[A-Z2-7]{{{TEXT_LEN - len(PREFIX)}}}")
_B32_AS_DIGITS = str.maketrans("ABCDEFGHIJKLMNOPQRSTUVWXYZ234567", "0123456789abcdefghijklmnopqrstuv")
assert (TEXT_LEN - len(PREFIX)) * 5 == RAW_LEN * 8, "a badge's text must hold its bytes exactly"


def parse(code: str) -> Token:
    """Read a code's fields without trusting them. Raises TokenError for anything that is not well formed."""
    if not isinstance(code, str):
        raise TokenError("not text")
    if len(code) != TEXT_LEN or not code.startswith(PREFIX):
        raise TokenError("not a Conclave badge code (wrong length or prefix)")
    text = code[len(PREFIX):]
    if not _B32_TEXT.fullmatch(text):
        raise TokenError("not base32")
    # 136 letters of 5 bits are the 85 bytes exactly (no padding, no spare bits), so every such text is the one
    # canonical form of its bytes; read as one base-32 number in C (base64.b32decode and the re-encoding that
    # checked the form cost ~0.1 ms of a scan's CPU in pure Python; issue 17)
    raw = int(text.translate(_B32_AS_DIGITS), 32).to_bytes(RAW_LEN, "big")
    body, sig = raw[:_BODY.size], raw[_BODY.size:]
    version, key_id, event_id, attendee_id, gen, vf, vu = _BODY.unpack(body)
    if version != VERSION:
        raise TokenError(f"unknown version {version}")
    return Token(key_id=key_id, event_id=event_id, attendee_id=attendee_id, generation=gen,
                 valid_from=_from_minutes(vf), valid_until=_from_minutes(vu), body=body, signature=sig)


def verify(token: Token, public_raw: bytes) -> bool:
    if token.key_id != key_id_of(public_raw):
        return False
    try:
        public_key(public_raw).verify(token.signature, token.body)
    except InvalidSignature:
        return False
    return True


def as_utc_text(dt: datetime) -> str:
    return dt.replace(tzinfo=timezone.utc).isoformat(timespec="minutes")


# ---- badges: issue, reissue ------------------------------------------------------------------------------

EARLY = timedelta(hours=12)  # a badge opens the door from 12 hours before the start …
LATE = timedelta(hours=6)  # … to 6 hours after the end


def _may_issue(actor, ev) -> None:
    if hasattr(actor, "role"):  # a Principal; a plain string is the CLI or the demo
        permissions.require(actor, "badges.issue", ev)


def _actor_name(actor) -> str:
    return getattr(actor, "username", None) or str(actor)


def current_badge(session: Session, attendee, ev, *, actor) -> Badge:
    from sqlalchemy import select

    b = session.scalar(select(Badge).where(Badge.event_id == ev.id, Badge.attendee_id == attendee.id))
    if b is None:
        b = Badge(event_id=ev.id, attendee_id=attendee.id, generation=1, valid_from=ev.starts_at - EARLY,
                  valid_until=ev.ends_at + LATE, issued_by=_actor_name(actor))
        session.add(b)
        session.flush()
    return b


def codes_for_event(session: Session, event_id: int, *, actor, attendee_ids: list[int] | None = None) -> list:
    """[(attendee, code)] for the event's attendees (all, or those listed); badges and key made on first use."""
    from sqlalchemy import select

    from planners.store.models import Attendee, Event

    ev = session.get(Event, event_id)
    if ev is None:
        from planners.core.errors import NotFound

        raise NotFound(f"No event with id {event_id}.", key="events.not_found", id=event_id)
    _may_issue(actor, ev)
    key = ensure_event_key(session, ev.id, actor=_actor_name(actor))
    priv = _private_key(ev.id, key)  # refused before anything is signed: wrong, unreadable or exposed key
    q = select(Attendee).where(Attendee.event_id == ev.id).order_by(Attendee.id)
    if attendee_ids is not None:
        q = q.where(Attendee.id.in_(attendee_ids))

    people = list(session.scalars(q))
    badges = {b.attendee_id: b for b in session.scalars(select(Badge).where(Badge.event_id == ev.id))}
    for a in people:  # badges made on first issue, in one flush
        if a.id not in badges:
            badges[a.id] = Badge(event_id=ev.id, attendee_id=a.id, generation=1, valid_from=ev.starts_at - EARLY,
                                 valid_until=ev.ends_at + LATE, issued_by=_actor_name(actor))
            session.add(badges[a.id])
    session.flush()
    out = []
    for a in people:
        b = badges[a.id]
        out.append((a, sign(key, event_id=ev.id, attendee_id=a.id, generation=b.generation,
                            valid_from=b.valid_from, valid_until=b.valid_until, private=priv)))
    audit.record(session, actor=_actor_name(actor), action="badge.issue", object_type="event", object_id=ev.id,
                 event_id=ev.id, count=len(out))
    return out


def reissue(session: Session, attendee_id: int, *, actor) -> str:
    """A new badge for one attendee: the generation goes up, so the old badge reads `revoked`."""
    from planners.store.models import Attendee, Event

    a = session.get(Attendee, attendee_id)
    if a is None:
        from planners.core.errors import NotFound

        raise NotFound("No such attendee.", key="error.not_found")
    ev = session.get(Event, a.event_id)
    _may_issue(actor, ev)
    b = current_badge(session, a, ev, actor=actor)
    before = b.generation
    b.generation = before + 1
    b.issued_at, b.issued_by = utcnow(), _actor_name(actor)
    b.valid_from, b.valid_until = ev.starts_at - EARLY, ev.ends_at + LATE
    session.flush()
    key = ensure_event_key(session, ev.id, actor=_actor_name(actor))
    audit.record(session, actor=_actor_name(actor), action="badge.reissue", object_type="attendee",
                 object_id=a.id, event_id=ev.id, before={"generation": before}, after={"generation": b.generation})
    return sign(key, event_id=ev.id, attendee_id=a.id, generation=b.generation, valid_from=b.valid_from,
                valid_until=b.valid_until)


def prepare_event(session: Session, event_id: int, *, actor: str = "system") -> int:
    """Make the event's key and a badge row for each attendee that has none (idempotent). Returns how many
    badges were created."""
    from sqlalchemy import select

    from planners.store.models import Attendee, Event

    ev = session.get(Event, event_id)
    ensure_event_key(session, ev.id, actor=actor)
    have = set(session.scalars(select(Badge.attendee_id).where(Badge.event_id == ev.id)))
    made = 0
    for a in session.scalars(select(Attendee).where(Attendee.event_id == ev.id)):
        if a.id not in have:
            current_badge(session, a, ev, actor=actor)
            made += 1
    if made:
        audit.record(session, actor=actor, action="badge.prepare", object_type="event", object_id=ev.id,
                     event_id=ev.id, count=made)
    return made


# ---- issue 16: moving an event's dates ----------------------------------------------------------------------

def broken_by_move(session: Session, event_id: int, starts_at: datetime, ends_at: datetime) -> int:
    """How many badges already issued for the event would stop opening the door if the event ran from
    `starts_at` to `ends_at` (naive UTC): a printed badge carries its own window, so a badge whose window does not
    cover the new dates is refused at the desk as `outside_window` until it is reissued."""
    from sqlalchemy import func, or_, select

    return session.scalar(select(func.count()).select_from(Badge).where(
        Badge.event_id == event_id, or_(Badge.valid_from > starts_at, Badge.valid_until < ends_at))) or 0


def reissue_all(session: Session, event_id: int, *, actor) -> int:
    """Reissue every badge of the event for its current dates, in one step: each generation goes up (the old
    printed badges read `revoked`), each window becomes the event's; audited once with the count. Returns how
    many badges were reissued (print the sheet again to hand out the new ones)."""
    from sqlalchemy import select

    from planners.store.models import Event

    ev = session.get(Event, event_id)
    if ev is None:
        from planners.core.errors import NotFound

        raise NotFound(f"No event with id {event_id}.", key="events.not_found", id=event_id)
    _may_issue(actor, ev)
    ensure_event_key(session, ev.id, actor=_actor_name(actor))
    n = 0
    for b in session.scalars(select(Badge).where(Badge.event_id == ev.id).order_by(Badge.id)):
        b.generation += 1
        b.issued_at, b.issued_by = utcnow(), _actor_name(actor)
        b.valid_from, b.valid_until = ev.starts_at - EARLY, ev.ends_at + LATE
        n += 1
    session.flush()
    audit.record(session, actor=_actor_name(actor), action="badge.reissue_all", object_type="event",
                 object_id=ev.id, event_id=ev.id, count=n, valid_from=as_utc_text(ev.starts_at - EARLY),
                 valid_until=as_utc_text(ev.ends_at + LATE))
    return n
