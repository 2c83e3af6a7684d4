"""The home page's content: my events, and what needs my attention (with why).

Areas add attention providers with @provider in their own module and list it in PROVIDER_MODULES."""
from __future__ import annotations

import importlib
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Callable

from sqlalchemy.orm import Session

from planners.auth import Principal
from planners.events import local, visible_events
from planners.i18n import both
from planners.store.db import utcnow
from planners.store.models import Event

PROVIDER_MODULES: tuple[str, ...] = ("planners.timeline", "planners.visits", "planners.documents")
_PROVIDERS: list[Callable[[Session, Principal], list["Attention"]]] = []
COLOR_ORDER = {"red": 0, "orange": 1, "blue": 2}


@dataclass(frozen=True, kw_only=True)
class Attention:
    color: str  # red / orange / blue
    text: dict[str, str]
    event_id: int | None = None
    page: str = ""
    data: dict = field(default_factory=dict)


def provider(fn):
    _PROVIDERS.append(fn)
    return fn


def my_events(session: Session, me: Principal) -> list[Event]:
    return visible_events(session, me)


@provider
def _events_starting_soon(session: Session, me: Principal) -> list[Attention]:
    if me.role not in ("organizer", "leader"):
        return []
    now = utcnow()
    out = []
    for e in visible_events(session, me):
        if e.status == "draft" and now <= e.starts_at <= now + timedelta(days=7):
            out.append(Attention(color="orange", event_id=e.id, page="events",
                                 text=both("home.starts_soon_draft", title=e.title,
                                           date=local(e.starts_at, e.tz).strftime("%Y-%m-%d %H:%M"))))
        elif e.status == "in_progress":
            out.append(Attention(color="blue", event_id=e.id, page="events",
                                 text=both("home.in_progress", title=e.title)))
    return out


def attention(session: Session, me: Principal) -> list[Attention]:
    for name in PROVIDER_MODULES:
        importlib.import_module(name)
    items: list[Attention] = []
    for p in _PROVIDERS:
        items.extend(p(session, me))
    return sorted(items, key=lambda a: COLOR_ORDER.get(a.color, 9))


@provider
def _leader_queue(session: Session, me: Principal) -> list[Attention]:
    if me.role != "leader":
        return []
    from planners import approvals

    items = [a for a in approvals.pending(session) if a.requested_by != me.username]
    if not items:
        return []
    return [Attention(color="orange", page="approvals", data={"count": len(items)},
                      text=both("home.approvals_waiting", n=len(items)))]
