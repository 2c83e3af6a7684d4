"""A copy declared lost and the incident report due within the rule's hours (24 h by default)."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from planners.base import audit
from planners.base.auth import Principal
from planners.core.errors import InvalidTransition, NotFound, RecoveryRefused, ValidationFailed
from planners.base.events import get_event
from planners.core.clock import utcnow
from planners.store.models_documents import LossIncident
from planners.documents.custody import _append, _audit_move, _resolve, _state_refusal, copy_state
from planners.documents.rules import _may_manage, rule_param

# ---------------------------------------------------------------- loss and the 24-hour report

def loss_deadline_hours() -> int:
    return int(rule_param("loss_report", "hours", 24))


def declare_lost(session: Session, event_id: int, code: str, *, actor: Principal, what: str = "",
                 when_text: str = "", where: str = "", measures: str = "") -> LossIncident:
    """Declare a copy lost: the ledger records it and an incident opens with its report deadline
    (24 h: 实施条例 art. 61; 北京条例 art. 36)."""
    ev = get_event(session, event_id)
    _may_manage(ev, actor)
    copy, doc = _resolve(session, ev.id, code, RecoveryRefused)
    st = copy_state(session, copy.id)
    bad = _state_refusal(st, "lost", code.strip())
    if bad:
        raise RecoveryRefused([bad])
    now = utcnow()
    inc = LossIncident(event_id=ev.id, copy_id=copy.id, declared_by=actor.username, declared_at=now,
                       deadline_at=now + timedelta(hours=loss_deadline_hours()), holder_name=st.holder_name,
                       what=(what or "").strip(), when_text=(when_text or "").strip()[:120],
                       where=(where or "").strip()[:200], measures=(measures or "").strip())
    session.add(inc)
    session.flush()
    e = _append(session, copy, st, "lost", actor=actor, holder_name=st.holder_name, ref=f"incident:{inc.id}")
    _audit_move(session, actor, e, code.strip(), incident=inc.id)
    return inc


@dataclass(kw_only=True)
class IncidentReport:
    what: str = ""
    when_text: str = ""
    where: str = ""
    measures: str = ""
    reported_to: str = ""
    mark_reported: bool = False


def update_incident(session: Session, incident_id: int, data: IncidentReport, *, actor: Principal) -> LossIncident:
    """Fill in the loss report; `mark_reported` records that it went to the 保密行政管理部门 and the superior."""
    inc = session.get(LossIncident, incident_id)
    if inc is None:
        raise NotFound("No such incident.", key="documents.incident_not_found")
    _may_manage(get_event(session, inc.event_id), actor)
    if inc.reported_at is not None:
        raise InvalidTransition("This report was already sent; it can no longer be changed.",
                                key="documents.incident_reported")
    before = _incident_snapshot(inc)
    inc.what, inc.when_text = (data.what or "").strip(), (data.when_text or "").strip()[:120]
    inc.where, inc.measures = (data.where or "").strip()[:200], (data.measures or "").strip()
    inc.reported_to = (data.reported_to or "").strip()[:200]
    if data.mark_reported:
        missing = [k for k in ("what", "when_text", "where", "measures", "reported_to") if not getattr(inc, k)]
        if missing:
            raise ValidationFailed("Fill in what, when, where, the measures taken and to whom it is reported "
                                   "before marking the report as sent.", key="documents.report_incomplete",
                                   field=missing[0])
        inc.reported_at, inc.reported_by = utcnow(), actor.username
    session.flush()
    audit.record(session, actor=actor.username, action="document.incident_report", object_type="loss_incident",
                 object_id=inc.id, event_id=inc.event_id, before=before, after=_incident_snapshot(inc))
    return inc


def _incident_snapshot(inc: LossIncident) -> dict:
    return {"what": inc.what, "when": inc.when_text, "where": inc.where, "measures": inc.measures,
            "reported_to": inc.reported_to, "reported_at": inc.reported_at}


def incidents(session: Session, event_id: int | None = None) -> list[LossIncident]:
    q = select(LossIncident).order_by(LossIncident.deadline_at)
    if event_id is not None:
        q = q.where(LossIncident.event_id == event_id)
    return list(session.scalars(q))


def is_overdue(inc: LossIncident, now: datetime | None = None) -> bool:
    return inc.reported_at is None and (now or utcnow()) > inc.deadline_at
