"""The 会议保密须知 signed at the door (issue 15): a versioned text per event; the desk ticks that the person signed
the version shown; a person admitted without a signature of the current version gets a `require_attention` item."""
from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from planners.base import audit
from planners.base.auth import Principal
from planners.core import permissions
from planners.core.errors import NotFound, ValidationFailed
from planners.core.i18n import both
from planners.store.models import Attendee, Event
from planners.store.models_sessions import NoticeSignature, SecrecyNotice

MAX_TEXT = 10_000


def current(session: Session, event_id: int) -> SecrecyNotice | None:
    return session.scalar(select(SecrecyNotice).where(SecrecyNotice.event_id == event_id)
                          .order_by(SecrecyNotice.version.desc()).limit(1))


def save(session: Session, event_id: int, text: str, *, required: bool = True, actor: Principal) -> SecrecyNotice:
    """A new version of the event's notice (the old ones stay: a signature names the version shown)."""
    ev = session.get(Event, event_id)
    if ev is None:
        raise NotFound(f"No event with id {event_id}.", key="events.not_found", id=event_id)
    permissions.require(actor, "notice.edit", ev)
    text = (text or "").strip()
    if not text:
        raise ValidationFailed("The notice is empty.", key="notice.empty", field="text")
    if len(text) > MAX_TEXT:
        raise ValidationFailed("The notice is too long.", key="notice.too_long", field="text")
    last = session.scalar(select(func.max(SecrecyNotice.version)).where(SecrecyNotice.event_id == ev.id)) or 0
    n = SecrecyNotice(event_id=ev.id, version=last + 1, text=text, required=bool(required), created_by=actor.username)
    session.add(n)
    session.flush()
    audit.record(session, actor=actor.username, action="notice.saved", object_type="event", object_id=ev.id,
                 event_id=ev.id, version=n.version, required=n.required, chars=len(text))
    return n


def has_signed(session: Session, attendee_id: int, version: int) -> bool:
    return session.scalar(select(NoticeSignature.id).where(NoticeSignature.attendee_id == attendee_id,
                                                           NoticeSignature.version == version)) is not None


def attention(session: Session, event_id: int, attendee_id: int) -> list[dict]:
    """The desk's item when the event requires its notice signed and this person has not signed the current one."""
    n = current(session, event_id)
    if n is None or not n.required or has_signed(session, attendee_id, n.version):
        return []
    return [{"code": "secrecy_notice", "version": n.version, "attendee_id": attendee_id,
             "text": both("notice.attention", version=n.version)}]


def sign(session: Session, event_id: int, attendee_id: int, *, version: int, desk: str, actor: Principal) -> dict:
    """The desk records that the person signed `version` (the one shown); signing twice changes nothing."""
    ev = session.get(Event, event_id)
    a = session.get(Attendee, attendee_id)
    if ev is None or a is None or a.event_id != event_id:
        raise NotFound("No such attendee.", key="error.not_found")
    permissions.require(actor, "notice.sign", ev)
    n = session.scalar(select(SecrecyNotice).where(SecrecyNotice.event_id == ev.id, SecrecyNotice.version == version))
    if n is None:
        raise NotFound("No such version of the notice.", key="notice.none")
    if has_signed(session, a.id, version):
        return both("notice.already", name=a.name, version=version)
    session.add(NoticeSignature(event_id=ev.id, attendee_id=a.id, version=version, desk=desk,
                                recorded_by=actor.username))
    session.flush()
    audit.record(session, actor=actor.username, action="notice.signed", object_type="attendee", object_id=a.id,
                 event_id=ev.id, version=version, desk=desk)
    return both("notice.signed", name=a.name, version=version)


def signatures(session: Session, event_id: int) -> dict[int, int]:
    """attendee id -> the highest version signed."""
    out: dict[int, int] = {}
    for s in session.scalars(select(NoticeSignature).where(NoticeSignature.event_id == event_id)):
        out[s.attendee_id] = max(out.get(s.attendee_id, 0), s.version)
    return out
