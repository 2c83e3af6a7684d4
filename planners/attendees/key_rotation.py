"""A new signing key for an event (`conclave keys rotate EVENT`, issue 18 item 6).

Used when the key file is lost, damaged, exposed or not the event's own: a new Ed25519 key pair replaces the
old one, the stored public half changes with it and every badge's generation goes up, so each badge already
printed reads `invalid` (other key) and `revoked` (older generation) at the door until printed again. The
rotation is audited (old and new key ids, number of badges); neither key nor its path is written anywhere.

Order: the new key is written beside the old as `event-N.ed25519.new` (0600), the database changes are made
and flushed, then the new file replaces the old one; if anything fails before that, the transaction rolls
back and the `.new` file is removed. A crash between the file swap and the commit leaves a key the database
does not know: `conclave badges` then refuses it as the wrong key, and rotating again repairs it."""
from __future__ import annotations

import os
from dataclasses import dataclass

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from sqlalchemy import select, update
from sqlalchemy.orm import Session

from planners.base import audit
from planners.attendees import badges as tokens
from planners.core.errors import NotFound
from planners.core.clock import utcnow
from planners.store.models import Event
from planners.store.models_checkin import Badge, EventKey


@dataclass(frozen=True)
class Rotation:
    event_id: int
    old_key_id: int | None
    new_key_id: int
    badges_revoked: int


def rotate(session: Session, event_id: int, *, actor) -> Rotation:
    """Replace the event's signing key and revoke every badge printed with the old one (one transaction)."""
    ev = session.get(Event, event_id)
    if ev is None:
        raise NotFound(f"No event with id {event_id}.", key="events.not_found", id=event_id)
    tokens._may_issue(actor, ev)
    who = tokens._actor_name(actor)
    if session.get_bind().dialect.name != "sqlite":  # one key maker at a time (as ensure_event_key)
        session.execute(select(Event.id).where(Event.id == ev.id).with_for_update())
    path = tokens._key_path(ev.id)
    if path.is_dir():
        raise tokens._unreadable(ev.id, "folder", "a folder is where the key file should be")
    tokens.ensure_keys_dir(path.parent)
    new_path = path.with_name(path.name + ".new")
    if new_path.exists() and not new_path.is_dir():
        new_path.unlink()  # left by a rotation that did not finish
    key = Ed25519PrivateKey.generate()
    try:
        tokens._write_private(new_path, key)
    except OSError as exc:
        raise tokens._unreadable(ev.id, "unreadable", exc.strerror or type(exc).__name__,
                                 detail=exc.strerror or type(exc).__name__) from exc
    try:
        pub = tokens.raw_public(key)
        row = session.get(EventKey, ev.id)
        old_key_id = row.key_id if row is not None else None
        if row is None:
            row = EventKey(event_id=ev.id, public_key=pub, key_id=tokens.key_id_of(pub))
            session.add(row)
        else:
            row.public_key, row.key_id, row.created_at = pub, tokens.key_id_of(pub), utcnow()
        revoked = session.execute(update(Badge).where(Badge.event_id == ev.id)
                                  .values(generation=Badge.generation + 1, issued_at=utcnow(), issued_by=who)
                                  ).rowcount or 0
        session.flush()
        audit.record(session, actor=who, action="badge.key_rotated", object_type="event", object_id=ev.id,
                     event_id=ev.id, before={"key_id": old_key_id}, after={"key_id": row.key_id},
                     badges_revoked=revoked)
        os.replace(new_path, path)
    except BaseException:
        try:
            new_path.unlink()
        except OSError:
            pass
        raise
    return Rotation(event_id=ev.id, old_key_id=old_key_id, new_key_id=row.key_id, badges_revoked=revoked)
