"""A desk's verdict (reason code, colour, what the desk must do) and the desk's input: normalised,
made safe to log, and who is scanning."""
from __future__ import annotations

import hashlib
import re
import unicodedata
from dataclasses import dataclass, field
from datetime import datetime
from typing import Callable


from planners.attendees import badges as tokens
from planners.base.auth import Principal
from planners.core.i18n import both
from planners.core import permissions

REASONS = ("ok", "already_checked_in", "not_on_list", "revoked", "wrong_event", "outside_window", "invalid",
           "ineligible", "needs_approval", "exit_ok", "not_inside", "same_badge_again",
           "event_not_ready", "not_on_approved_list",  # issue 11
           "barred", "clearance_suspended", "in_decommission_period", "pledge_expired",  # issue 13: the register
           "not_on_session_list",  # issue 15: a session's door
           "exit_held", "already_left")  # issue 16: a copy still held stops the exit; out already says when
COLORS = {"ok": "green", "exit_ok": "green", "already_checked_in": "orange", "needs_approval": "orange",
          "not_inside": "orange", "same_badge_again": "orange",
          "exit_held": "orange", "already_left": "orange"}  # issue 16
DEDUP_SECONDS = 2.0  # a second `in` of a badge admitted this recently, at any desk: same_badge_again (never ok)
UNDO_MINUTES = 5
MAX_INPUT = 4096
DESK_ROLES = permissions.DESK_ROLES
PG_LOCKER_LOCK = 0x4C4B_0000_0000  # + event id: serialises locker numbers of one event on PostgreSQL


@dataclass
class Verdict:
    reason: str
    direction: str = "in"
    attendee: dict | None = None  # {"id", "name", "unit", "post", "role", "has_photo"}
    require_attention: list[dict] = field(default_factory=list)  # {"code", "text": {en, zh_CN}, ...}
    details: dict = field(default_factory=dict)
    scan_id: int | None = None
    duplicate: bool = False
    at: datetime | None = None  # when it was recorded (UTC), shown in office time `tz` (issue 16)
    tz: str = ""
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

    def local_time(self) -> str:
        """The verdict's time in office time, HH:MM:SS ("" before it is recorded)."""
        if self.at is None:
            return ""
        from planners.core.clock import local
        return local(self.at, self.tz or "Asia/Shanghai").strftime("%H:%M:%S")

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
    head = raw[:60]
    if head.isascii() and head.isprintable():  # a badge code: nothing to replace (issue 17)
        return head if len(raw) <= 60 else f"{head}…(+{len(raw) - 60})"
    printable = "".join(c if 32 <= ord(c) < 127 else "?" for c in raw[:60])
    return printable if len(raw) <= 60 else f"{printable}…(+{len(raw) - 60})"


def hash_raw(code: str) -> str:
    return hashlib.sha256(code.encode("utf-8", "replace")).hexdigest()[:32]


def attendee_info(a) -> dict:
    """What the verdict shows of a person (`a`: an Attendee or a row of Q_PERSON)."""
    has_photo = a.has_photo if hasattr(a, "has_photo") else a.photo is not None
    return {"id": a.id, "name": a.name, "unit": a.unit, "post": a.post, "role": a.event_role,
            "id_type": a.id_type, "id_last4": a.id_last4, "has_photo": bool(has_photo)}


def actor_name(actor) -> str:
    if isinstance(actor, Principal):
        permissions.require(actor, "desk.record")
        return actor.username
    return str(actor)
