"""Photos on file (issue 15): set from the allow-list page (upload), the import (a ZIP of images named by ID digits
or row number) or the desk camera at first check-in with the person's consent recorded. Each is checked to be an
image and at most rule P1's size, resized (Pillow) to at most P1's pixels, stored once (attendees.photo; its
source, consent and hash in photo_records). Shown beside the verdict only: the roll call and exports never hold
them. They are deleted with the event's personal data by an admin (rule P1's retention), audited."""
from __future__ import annotations

import hashlib
import io
import re
import zipfile
from datetime import timedelta

from PIL import Image, UnidentifiedImageError
from sqlalchemy import select
from sqlalchemy.orm import Session

from planners.base import audit
from planners.base.auth import Principal
from planners.checkin.offline import rule
from planners.core import permissions
from planners.core.clock import utcnow
from planners.core.errors import NotFound, PhotoRefused, ValidationFailed
from planners.core.i18n import both
from planners.store.models import Attendee, Event
from planners.store.models_sessions import PhotoRecord

FORMATS = ("JPEG", "PNG", "WEBP")
SOURCES = ("upload", "import", "camera")
ZIP_MAX_MEMBERS = 2000
Image.MAX_IMAGE_PIXELS = 40_000_000  # a decompression bomb is refused by Pillow itself


def _refuse(problem: str, **params) -> PhotoRefused:
    return PhotoRefused(f"photo refused: {problem}", field="photo", code=problem,
                        problem=both(f"photos.problem.{problem}", **params))


def prepare(data: bytes) -> bytes:
    """The image, checked and resized to a JPEG of at most P1's pixels on its longer side; else PhotoRefused."""
    p1 = rule("P1")
    limit = int(p1["max_mb"]) * 1024 * 1024
    if not data:
        raise _refuse("empty")
    if len(data) > limit:
        raise _refuse("too_large", size_mb=f"{len(data) / 1024 / 1024:.1f}", limit_mb=p1["max_mb"])
    try:
        with Image.open(io.BytesIO(data)) as im:
            if im.format not in FORMATS:
                raise _refuse("not_image")
            im.load()
            im = im.convert("RGB")
            im.thumbnail((int(p1["max_px"]), int(p1["max_px"])))
            out = io.BytesIO()
            im.save(out, "JPEG", quality=85)  # re-encoded: no metadata (EXIF, GPS) kept
            return out.getvalue()
    except (UnidentifiedImageError, OSError, ValueError, Image.DecompressionBombError):
        raise _refuse("not_image") from None


def _event_and_person(session: Session, attendee_id: int):
    a = session.get(Attendee, attendee_id)
    if a is None:
        raise NotFound("No such attendee.", key="error.not_found")
    return session.get(Event, a.event_id), a


def _store(session: Session, a: Attendee, image: bytes, *, source: str, consent: bool, actor: str) -> None:
    digest = hashlib.sha256(image).hexdigest()
    a.photo = image
    rec = session.scalar(select(PhotoRecord).where(PhotoRecord.attendee_id == a.id))
    if rec is None:
        rec = PhotoRecord(event_id=a.event_id, attendee_id=a.id, source=source, recorded_by=actor)
        session.add(rec)
    rec.source, rec.consent, rec.sha256, rec.recorded_by, rec.recorded_at = source, consent, digest, actor, utcnow()
    session.flush()
    audit.record(session, actor=actor, action="photo.set", object_type="attendee", object_id=a.id,
                 event_id=a.event_id, source=source, consent=consent, sha256=digest[:16], bytes=len(image))


def set_photo(session: Session, attendee_id: int, data: bytes, *, actor: Principal, source: str = "upload",
              consent: bool = False) -> dict[str, str]:
    """Set a person's photo from the allow-list page (`upload`) or the desk camera (`camera`, consent required)."""
    if source not in ("upload", "camera"):
        raise ValidationFailed("Unknown source.", key="error.validation", field="source")
    ev, a = _event_and_person(session, attendee_id)
    permissions.require(actor, "photos.upload" if source == "upload" else "photos.camera", ev)
    if source == "camera" and not consent:
        raise _refuse("no_consent")
    _store(session, a, prepare(data), source=source, consent=consent, actor=actor.username)
    return both("photos.saved", name=a.name)


def import_zip(session: Session, event_id: int, data: bytes, *, actor: Principal) -> dict:
    """Photos from a ZIP: each image named by the person's ID digits (e.g. 1234.jpg) or row number of the list as
    ordered by id (e.g. row-7.png, 7.png when no ID ends so). Returns {"set": n, "skipped": [(member, reason)]}."""
    ev = session.get(Event, event_id)
    if ev is None:
        raise NotFound(f"No event with id {event_id}.", key="events.not_found", id=event_id)
    permissions.require(actor, "photos.upload", ev)
    if len(data) > int(rule("P1")["max_mb"]) * 1024 * 1024 * 10:
        raise _refuse("too_large", size_mb=f"{len(data) / 1024 / 1024:.1f}", limit_mb=int(rule("P1")["max_mb"]) * 10)
    try:
        zf = zipfile.ZipFile(io.BytesIO(data))
        members = [m for m in zf.infolist() if not m.is_dir()][:ZIP_MAX_MEMBERS]
    except zipfile.BadZipFile:
        raise _refuse("zip_bad") from None
    people = list(session.scalars(select(Attendee).where(Attendee.event_id == ev.id).order_by(Attendee.id)))
    by_digits: dict[str, list[Attendee]] = {}
    for a in people:
        by_digits.setdefault((a.id_last4 or "").upper(), []).append(a)
    done, skipped = 0, []
    for m in members:
        stem = re.sub(r"\.[A-Za-z0-9]+$", "", m.filename.rsplit("/", 1)[-1]).strip().upper()
        row = re.fullmatch(r"(?:ROW-?)?(\d{1,5})", stem)
        match = by_digits.get(stem, [])
        if len(match) != 1 and row and stem.startswith("ROW"):
            match = []
        if len(match) != 1 and row and 1 <= int(row.group(1)) <= len(people) and not by_digits.get(stem):
            match = [people[int(row.group(1)) - 1]]
        if len(match) != 1:
            skipped.append((m.filename, both("photos.problem.zip_name", member=m.filename[:60])))
            continue
        if m.file_size > int(rule("P1")["max_mb"]) * 1024 * 1024:
            skipped.append((m.filename, both("photos.problem.too_large", size_mb=f"{m.file_size / 1048576:.1f}",
                                             limit_mb=rule("P1")["max_mb"])))
            continue
        try:
            image = prepare(zf.read(m))
        except PhotoRefused as exc:
            skipped.append((m.filename, exc.params["problem"]))
            continue
        _store(session, match[0], image, source="import", consent=False, actor=actor.username)
        done += 1
    return {"set": done, "skipped": skipped}


def purge_event(session: Session, event_id: int, *, actor: Principal, reason: str = "") -> int:
    """Delete every photo of the event (its personal data on file), audited: allowed P1's days after the event's
    end, earlier only with a reason."""
    ev = session.get(Event, event_id)
    if ev is None:
        raise NotFound(f"No event with id {event_id}.", key="events.not_found", id=event_id)
    permissions.require(actor, "photos.purge", ev)
    days = int(rule("P1")["retention_days"])
    if utcnow() < ev.ends_at + timedelta(days=days) and not (reason or "").strip():
        raise ValidationFailed("Too early without a reason.", key="photos.purge_too_early", field="reason", days=days)
    people = list(session.scalars(select(Attendee).where(Attendee.event_id == ev.id, Attendee.photo.is_not(None))))
    for a in people:
        a.photo = None
    for rec in session.scalars(select(PhotoRecord).where(PhotoRecord.event_id == ev.id)):
        session.delete(rec)
    session.flush()
    audit.record(session, actor=actor.username, action="photo.purged", object_type="event", object_id=ev.id,
                 event_id=ev.id, photos=len(people), reason=(reason or "")[:200], rule="P1")
    return len(people)
