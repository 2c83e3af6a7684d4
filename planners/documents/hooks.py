"""What the documents area answers for others (planners/wiring.py): the gate before closing, the home
page's loss incidents, the copies to take back at check-out, and the demo documents."""
from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from planners.base.auth import Principal
from planners.base.events import local
from planners.core.findings import Finding, Severity
from planners.base.home import Attention
from planners.core.i18n import both
from planners.core.clock import utcnow
from planners.store.models import Attendee, Event
from planners.store.models_documents import Document, LossIncident
from planners.documents.custody import recover_copy
from planners.documents.reconcile import copies_held_by, reconcile
from planners.documents.register import DocumentInput, register_document
from planners.documents.rules import rules

# ---------------------------------------------------------------- gate, home, approvals

def no_copy_outstanding(session: Session, ev: Event) -> list[Finding]:
    rec = reconcile(session, ev.id)
    n = len(rec.outstanding)
    if not n:
        return []
    r = rules()["close_outstanding"]
    holders = "、".join(sorted(rec.outstanding_by_holder()))
    return [Finding(rule=r["id"], severity=Severity.BLOCKER, source=r["source"],
                    reason=both("documents.gate_outstanding", n=n, holders=holders),
                    data={"codes": [x.code for x in rec.outstanding]})]


def loss_incidents(session: Session, me: Principal) -> list[Attention]:
    if me.role not in ("organizer", "leader"):
        return []
    now = utcnow()
    out = []
    for inc in session.scalars(select(LossIncident).where(LossIncident.reported_at.is_(None))
                               .order_by(LossIncident.deadline_at)):
        ev = session.get(Event, inc.event_id)
        if ev is None or (me.role == "organizer" and ev.organizer_id != me.id):
            continue
        deadline = local(inc.deadline_at, ev.tz).strftime("%Y-%m-%d %H:%M")
        if now > inc.deadline_at:
            out.append(Attention(color="red", event_id=ev.id, page="documents", data={"incident": inc.id},
                                 text=both("documents.home_overdue", title=ev.title, deadline=deadline)))
        else:
            out.append(Attention(color="orange", event_id=ev.id, page="documents", data={"incident": inc.id},
                                 text=both("documents.home_open", title=ev.title, deadline=deadline)))
    return out



# ---------------------------------------------------------------- demo

def load_demo(session: Session, ctx) -> None:
    """Register the demo documents (data/demo/documents.yaml); running twice changes nothing."""
    import yaml

    from planners.base import auth
    from planners.core.config import DEMO_DIR
    from planners.store.models import User

    spec = yaml.safe_load((DEMO_DIR / "documents.yaml").read_text(encoding="utf-8"))
    for item in spec.get("documents", []):
        ev = ctx.events.get(item["event"])
        if ev is None:
            continue
        if session.scalar(select(Document.id).where(Document.event_id == ev.id,
                                                    Document.control_no == item["control_no"])):
            continue
        organizer = auth.principal(session.get(User, ev.organizer_id))
        start_day = local(ev.starts_at, ev.tz).date() - timedelta(days=2)
        retention = str(item.get("retention", ""))
        if "retention_in_days" in item:  # a date relative to the demo's day
            retention = (start_day + timedelta(days=int(item["retention_in_days"]))).isoformat()
        d = register_document(session, ev.id, DocumentInput(
            control_no=item["control_no"], short_title=item["short_title"], carrier=item["carrier"],
            level=item["level"], retention_kind=item.get("retention_kind", ""), retention=retention,
            proposed_by=item.get("proposed_by", ""), approved_by=item.get("approved_by", ""),
            basis=item.get("basis", ""), scope=list(item.get("scope", [])), classified_on=start_day,
            copies=int(item["copies"])), actor=organizer)
        ctx.created.append(f"document {d.control_no}")


# The desk link (presence at issue, copies to take back at check-out) lives in planners.custody_desk.


def copies_to_take_back(session: Session, event: Event, attendee: Attendee) -> list[dict]:
    """`exit_attention`: the numbered copies the person still holds, to take back before they leave (D6 / A1:
    recover against the issue list)."""
    held = copies_held_by(session, event.id, attendee.id)
    if not held:
        return []
    codes = "、".join(r.code for r in held)
    return [{"code": "documents_to_return", "copies": [r.code for r in held], "blocks_exit": True,
             "text": both("custody_desk.take_back", codes=codes)}]


def take_back_at_exit(session: Session, event: Event, attendee: Attendee, actor: Principal, desk: str) -> list[str]:
    """`exit_take_back` (issue 16): the desk's 收回 button recovers every copy the person holds, each entry in
    the custody ledger and the audit trail as a recovery at that desk."""
    held = copies_held_by(session, event.id, attendee.id)
    for r in held:
        recover_copy(session, event.id, r.code, attendee.id, actor=actor, desk=desk)
    return [r.code for r in held]
