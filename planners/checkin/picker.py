"""Which events the desk may open (issue 11): only those ready or under way, and why an event expected about
now is missing from the list (its status and the findings that keep it from being ready)."""
from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from planners.base.events import not_ready_findings, visible_events
from planners.checkin.desk import DESK_STATUSES
from planners.core.clock import utcnow
from planners.core.i18n import both, t
from planners.store.models import Event

EXPECTED_WITHIN = timedelta(days=2)  # an event starting within two days (or running) is one a desk expects


def desk_events(session: Session, actor) -> tuple[list[Event], list[dict]]:
    """(the events the desk may open, [{"id", "title", "status", "text": {en, zh_CN}}] for each event expected
    about now that it may not open, with why)."""
    offered = [e for e in visible_events(session, actor) if e.status in DESK_STATUSES]
    now = utcnow()
    expected = session.scalars(select(Event).where(
        Event.status.in_(("draft", "planned")), Event.ends_at >= now, Event.starts_at <= now + EXPECTED_WITHIN)
        .order_by(Event.starts_at))
    missing = []
    for e in expected:
        found = not_ready_findings(session, e)
        # the status, the venue and the approvals first; the open checklist tasks as a count
        head = [f for f in found if f.rule in ("status", "venue") or f.source == "" or "批准" in f.reason["zh_CN"]
                or "审批" in f.reason["zh_CN"]]
        head = [f for f in found if f in head][:4]
        rest = len(found) - len(head)
        text = {}
        for lang in ("en", "zh_CN"):
            sep = "；" if lang == "zh_CN" else "; "
            why = sep.join(f.reason[lang].rstrip("。.") for f in head)
            if rest:
                why += sep + both("signoff_desk.more", n=rest)[lang]
            text[lang] = both("signoff.desk_missing", title=e.title, status=t(f"status.{e.status}", lang),
                              why=why)[lang]
        missing.append({"id": e.id, "title": e.title, "status": e.status, "text": text})
    return offered, missing
