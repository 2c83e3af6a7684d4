"""The home page's content: my events, and what needs my attention (with why).

Areas answer the `attention` hook (planners/wiring.py)."""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import timedelta

from sqlalchemy.orm import Session

from planners.base.auth import Principal
from planners.core import hooks
from planners.base.events import local, visible_events
from planners.core.i18n import both
from planners.core.clock import utcnow
from planners.store.models import Event

COLOR_ORDER = {"red": 0, "orange": 1, "blue": 2}


@dataclass(frozen=True, kw_only=True)
class Attention:
    color: str  # red / orange / blue
    text: dict[str, str]
    event_id: int | None = None
    page: str = ""
    data: dict = field(default_factory=dict)


def my_events(session: Session, me: Principal) -> list[Event]:
    return visible_events(session, me)


def events_starting_soon(session: Session, me: Principal) -> list[Attention]:
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
    items: list[Attention] = []
    for p in hooks.answers("attention"):
        items.extend(p(session, me))
    return sorted(items, key=lambda a: COLOR_ORDER.get(a.color, 9))


def leader_queue(session: Session, me: Principal) -> list[Attention]:
    if me.role != "leader":
        return []
    from planners.base import approvals

    items = [a for a in approvals.pending(session) if a.requested_by != me.username]
    if not items:
        return []
    return [Attention(color="orange", page="approvals", data={"count": len(items)},
                      text=both("home.approvals_waiting", n=len(items)))]
