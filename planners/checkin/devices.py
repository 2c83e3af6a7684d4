"""Registered desks (issue 18, item 1): a desk is a device an admin registered (name, location, kind), not a
name typed at the desk. The desk rules trust it — one badge admitted gives one green, a second `in` scan of a
badge already inside is never green at any desk — so a scan, a look-up or an undo that names an unregistered
desk is refused before anything is judged or recorded.

Kinds: `desk` (a screen on the desk page: a browser session is bound to one, chosen once) and `script` (the
command line, `conclave scan --desk NAME`: a scripted desk, registered once with `conclave desk register NAME
--kind script`). Several sessions may share one registered desk (two laptops at the north door): the rules are
keyed on the badge, never on the desk, so sharing cannot give a second green."""
from __future__ import annotations

import re
import unicodedata

from sqlalchemy import select
from sqlalchemy.orm import Session

from planners.base import audit
from planners.base.auth import Principal
from planners.core import permissions
from planners.core.errors import DeskNotRegistered, ValidationFailed
from planners.store.fastsql import Tx
from planners.store.models_checkin import Desk
from planners.checkin.desk_sql import Q_DESK, Q_DESK_EVENT

KINDS = ("desk", "script")
NAME_MAX = 64
LOCATION_MAX = 120
_BAD_NAME = re.compile(r"[\x00-\x1f\x7f]")


def clean_name(name) -> str:
    """A desk's name as stored and compared: NFKC (a full-width name typed through an input method is the same
    desk), surrounding spaces dropped."""
    return unicodedata.normalize("NFKC", str(name or "")).strip()


def register_desk(session: Session, name: str, *, location: str = "", kind: str = "desk", actor) -> Desk:
    """Register a desk (admin only; the command line's operator acts as admin). Audited."""
    if isinstance(actor, Principal):
        permissions.require(actor, "desk.register")
        who = actor.username
    else:
        who = str(actor)
    name, location = clean_name(name), (location or "").strip()
    if not name or len(name) > NAME_MAX or _BAD_NAME.search(name):
        raise ValidationFailed(f"A desk needs a name of 1 to {NAME_MAX} printable characters.",
                               key="checkin.desk_bad_name", field="name", max=NAME_MAX)
    if len(location) > LOCATION_MAX or _BAD_NAME.search(location):
        raise ValidationFailed(f"A desk's location has at most {LOCATION_MAX} printable characters.",
                               key="checkin.desk_bad_location", field="location", max=LOCATION_MAX)
    if kind not in KINDS:
        raise ValidationFailed(f"A desk's kind is one of {', '.join(KINDS)}.", key="checkin.desk_bad_kind",
                               field="kind", kinds=", ".join(KINDS))
    if session.scalar(select(Desk.id).where(Desk.name == name)) is not None:
        raise ValidationFailed(f"A desk named {name!r} is registered already.", key="checkin.desk_exists",
                               field="name", name=name)
    d = Desk(name=name, location=location, kind=kind, registered_by=who)
    session.add(d)
    session.flush()
    audit.record(session, actor=who, action="desk.register", object_type="desk", object_id=d.id,
                 after={"name": name, "location": location, "kind": kind})
    return d


def list_desks(session: Session, kind: str | None = None) -> list[Desk]:
    q = select(Desk).order_by(Desk.name)
    if kind is not None:
        q = q.where(Desk.kind == kind)
    return list(session.scalars(q))


def get_desk(session: Session, name: str) -> Desk | None:
    return session.scalar(select(Desk).where(Desk.name == clean_name(name)))


def refuse_unregistered(name: str) -> None:
    raise DeskNotRegistered(f"The desk {name!r} is not registered, so nothing was recorded. An admin registers it "
                            f'on the Admin page or with `conclave desk register "{name}"`; then choose it.',
                            field="desk", desk=name)


def require_registered(tx: Tx, name: str) -> str:
    """The registered desk's name (the desk's hot path: one indexed read), or DeskNotRegistered."""
    name = clean_name(name)
    if not name or tx.scalar(Q_DESK, name=name) is None:
        refuse_unregistered(name)
    return name


def registered_and_event(tx: Tx, name: str, event_id: int):
    """require_registered and the event's row (Q_EVENT's columns, None for no such event) in one statement: the
    desk's first read of a scan (issue 17). DeskNotRegistered comes first, as with require_registered."""
    name = clean_name(name)
    row = tx.one(Q_DESK_EVENT, name=name, id=event_id) if name else None
    if row is None or row.desk_id is None:
        refuse_unregistered(name)
    return name, (row if row.id is not None else None)


def require_registered_orm(session: Session, name: str) -> str:
    """The same check in an ORM session (undo)."""
    d = get_desk(session, name)
    if d is None:
        refuse_unregistered(clean_name(name))
    return d.name
