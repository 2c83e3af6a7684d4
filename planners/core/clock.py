"""The clock: times are stored as naive UTC and shown in the event's (the office's) time zone."""
from __future__ import annotations

from datetime import date, datetime, timezone
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from planners.core.errors import ValidationFailed


def utcnow() -> datetime:
    """Naive UTC, as stored in the database."""
    return datetime.now(timezone.utc).replace(tzinfo=None)


def zone(tz: str) -> ZoneInfo:
    try:
        return ZoneInfo(tz)
    except (ZoneInfoNotFoundError, ValueError) as exc:
        raise ValidationFailed(f"Unknown time zone {tz!r}: use a name such as Asia/Shanghai.",
                               key="events.bad_tz", field="tz", tz=tz) from exc


def to_utc(dt: datetime, tz: str) -> datetime:
    if dt.tzinfo is None:
        dt = dt.replace(tzinfo=zone(tz))
    return dt.astimezone(timezone.utc).replace(tzinfo=None)


def local(dt_utc: datetime, tz: str) -> datetime:
    """A stored (naive UTC) time in the event's time zone."""
    return dt_utc.replace(tzinfo=timezone.utc).astimezone(zone(tz))


OFFICE_TZ = "Asia/Shanghai"  # the office's zone: what "today" is for a register date, a debrief, a form's default


def office_now() -> datetime:
    """Now in the office's time zone, naive (as a form's date and time inputs hold it): not the server's clock,
    which runs on UTC on most servers — eight hours behind, the previous day from 00:00 to 08:00 office time."""
    return local(utcnow(), OFFICE_TZ).replace(tzinfo=None)


def office_today() -> date:
    """The office's date."""
    return office_now().date()
