"""A leader's sign-off of an event (issue 11): the security plan and the attendee list are submitted as frozen,
hashed snapshots, decided in the leader queue (planners.base.approvals), and sent back to the queue with the
difference when the event changes after approval.

- Two approval kinds: `security_plan` (the event's facts, the venue verdict, the state of every mandatory
  before-task) and `attendee_list` (every person's identity fields and eligibility verdict). Each submission is a
  new version with its own snapshot row (`approval_snapshots`, append-only in the database) and SHA-256.
- Nobody decides their own submission (approvals.decide); a leader of another unit than the organizer's is
  refused; a 绝密 event needs two different leaders (the project's proposal, from the designation rule B6:
  北京市保守国家秘密条例第二十五条第二项, 对参加绝密级会议的人员应当指定).
- A change after submission or approval (attendee added, removed or edited; level, venue or dates; a mandatory
  task's state) marks the item `superseded` and queues the next version with the diff against the approved one.
- Readiness (the `gate` hook "ready") requires the approved current plan and list; plan tasks B1.2 and B6.x are
  derived from these approvals and cannot be ticked by hand.
- `event_signoffs` caches which snapshots are approved, for the desk's one indexed query."""
from __future__ import annotations

import hashlib
import json

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from planners.attendees import eligibility
from planners.attendees.identity import IDENTITY_FIELDS, fingerprint, identity
from planners.base import approvals, audit
from planners.base.auth import Principal
from planners.base.events import get_event
from planners.core import permissions
from planners.core.clock import utcnow
from planners.core.errors import InvalidTransition, NotFound, PermissionDenied, ValidationFailed
from planners.core.findings import Finding, Severity
from planners.core.i18n import both
from planners.core.levels import Classification
from planners.store.models import Approval, ApprovalStep, Attendee, Event, User
from planners.store.models_plan import PlanMark, PlanTask
from planners.store.models_signoff import ApprovalSnapshot, EventSignoff, SnapshotMember

PLAN_KIND, LIST_KIND = "security_plan", "attendee_list"
KINDS = (PLAN_KIND, LIST_KIND)
SHORT = {"plan": PLAN_KIND, "list": LIST_KIND}  # the CLI's words
DERIVED = {PLAN_KIND: ("B1.2",), LIST_KIND: ("B6.1", "B6.2")}  # plan tasks that follow the approvals
DERIVED_RULES = frozenset(r for rs in DERIVED.values() for r in rs)
TWO_LEADERS_SOURCE = "北京市保守国家秘密条例 art. 25(2) (B6); two leaders: project proposal"
EVENT_FIELDS = ("title", "kind", "level", "start", "end", "venue", "device_policy", "foreign_participants")
LIST_EVENT_FIELDS = ("title", "level", "start", "end")


# ---------------------------------------------------------------- what is approved: the content of a snapshot

def _event_part(session: Session, ev: Event, fields) -> dict:
    from planners.store.models import Venue

    v = session.get(Venue, ev.venue_id) if ev.venue_id is not None else None  # not ev.venue: stale after an edit
    venue = v.name if v is not None else ""
    every = {"title": ev.title, "kind": ev.kind, "level": ev.level, "start": ev.starts_at.isoformat(),
             "end": ev.ends_at.isoformat(), "venue": venue, "device_policy": ev.device_policy,
             "foreign_participants": bool(ev.foreign_participants)}
    return {f: every[f] for f in fields}


def plan_content(session: Session, ev: Event) -> dict:
    """The security plan as it stands: the event's facts, the venue verdict, every mandatory before-task's state
    (B1.2 and B6.x are left out: they follow these approvals)."""
    from planners.venues import assess_event

    a = assess_event(session, ev)
    facts = _event_part(session, ev, EVENT_FIELDS)
    facts["venue_verdict"] = a.verdict if a is not None else "none"
    tasks = session.scalars(select(PlanTask).where(PlanTask.event_id == ev.id, PlanTask.applies.is_(True),
                                                   PlanTask.phase == "before", PlanTask.mandatory.is_(True))
                            .order_by(PlanTask.sort, PlanTask.id))
    items = {t.task_key: {"label": t.rule_id, "status": t.status} for t in tasks if t.rule_id not in DERIVED_RULES}
    return {"event": facts, "items": items}


def list_content(session: Session, ev: Event) -> dict:
    """The attendee list as it stands: every person's identity fields and eligibility verdict."""
    people = eligibility.attendee_rows(session, ev.id)  # rows, not ORM objects: read once, judged and hashed
    verdicts = eligibility.for_event(session, ev, rows=people)
    items = {str(a.id): {"label": f"{a.name} ({a.unit})" if a.unit else a.name, **identity(a),
                         "eligibility": verdicts[a.id].status if a.id in verdicts else ""} for a in people}
    return {"event": _event_part(session, ev, LIST_EVENT_FIELDS), "items": items}


def content_of(session: Session, ev: Event, kind: str) -> dict:
    return plan_content(session, ev) if kind == PLAN_KIND else list_content(session, ev)


def content_hash(content: dict) -> str:
    body = json.dumps(content, ensure_ascii=False, sort_keys=True, separators=(",", ":"), default=str)
    return hashlib.sha256(body.encode("utf-8")).hexdigest()


def diff(old: dict | None, new: dict) -> dict:
    """What changed from `old` to `new`: event fields changed, items added, removed and changed (field: [old, new])."""
    old = old or {"event": {}, "items": {}}
    ev_changed = {f: [old["event"].get(f), v] for f, v in new["event"].items() if old["event"].get(f) != v}
    o, n = old["items"], new["items"]
    added = [{"key": k, "label": n[k].get("label", k)} for k in n if k not in o]
    removed = [{"key": k, "label": o[k].get("label", k)} for k in o if k not in n]
    changed = []
    for k in n:
        if k in o and o[k] != n[k]:
            fields = {f: [o[k].get(f), v] for f, v in n[k].items() if f != "label" and o[k].get(f) != v}
            changed.append({"key": k, "label": n[k].get("label", k), "fields": fields})
    return {"event": ev_changed, "added": added, "removed": removed, "changed": changed}


def diff_is_empty(d: dict) -> bool:
    return not (d.get("event") or d.get("added") or d.get("removed") or d.get("changed"))


def diff_lines(d: dict, lang: str) -> list[str]:
    """The diff as lines a leader reads (both languages: pages and the CLI pick one)."""
    out = []
    for f, (a, b) in (d.get("event") or {}).items():
        out.append(both("signoff.diff_event", field=both(f"signoff.field_{f}")[lang] if f in _FIELD_KEYS else f,
                        old=_v(a), new=_v(b))[lang])
    for x in d.get("added") or []:
        out.append(both("signoff.diff_added", label=x["label"])[lang])
    for x in d.get("removed") or []:
        out.append(both("signoff.diff_removed", label=x["label"])[lang])
    for x in d.get("changed") or []:
        parts = "; ".join(f"{both(f'signoff.field_{f}')[lang] if f in _FIELD_KEYS else f}: {_v(a)} → {_v(b)}"
                          for f, (a, b) in x["fields"].items())
        out.append(both("signoff.diff_changed", label=x["label"], fields=parts)[lang])
    return out


_FIELD_KEYS = set(EVENT_FIELDS) | set(IDENTITY_FIELDS) | {"venue_verdict", "status", "eligibility"}


def _v(x) -> str:
    return "—" if x in (None, "") else str(x)


# ---------------------------------------------------------------- reading the state

def _snapshot(session: Session, approval_id: int) -> ApprovalSnapshot | None:
    return session.scalar(select(ApprovalSnapshot).where(ApprovalSnapshot.approval_id == approval_id)
                          .order_by(ApprovalSnapshot.id.desc()).limit(1))


def snapshot_for(session: Session, approval_id: int) -> ApprovalSnapshot | None:
    """The snapshot submitted with approval item `approval_id` (None for other kinds)."""
    return _snapshot(session, approval_id)


def items(session: Session, event_id: int, kind: str) -> list[Approval]:
    """Every version submitted of `kind` for the event, oldest first."""
    return list(session.scalars(select(Approval).where(Approval.event_id == event_id, Approval.kind == kind)
                                .order_by(Approval.id)))


def _latest(session: Session, event_id: int, kind: str) -> Approval | None:
    return session.scalar(select(Approval).where(Approval.event_id == event_id, Approval.kind == kind,
                                                 Approval.status != "superseded")
                          .order_by(Approval.id.desc()).limit(1))


def approved_snapshot(session: Session, event_id: int, kind: str) -> ApprovalSnapshot | None:
    """The snapshot a leader last approved (it may since have been superseded by changes)."""
    row = session.get(EventSignoff, event_id)
    sid = None if row is None else (row.plan_snapshot_id if kind == PLAN_KIND else row.list_snapshot_id)
    return session.get(ApprovalSnapshot, sid) if sid else None


def approvers(session: Session, approval_id: int) -> list[ApprovalStep]:
    """The leaders' approving steps of an item (one, or two for 绝密), in order."""
    return list(session.scalars(select(ApprovalStep).where(
        ApprovalStep.approval_id == approval_id, ApprovalStep.action.in_(("approved", "approved_first")))
        .order_by(ApprovalStep.id)))


def needs_two_leaders(ev) -> bool:
    return Classification.parse(ev.level) == Classification.TOP_SECRET


def required(ev) -> bool:
    """Approvals gate the event when it is a state secret (B1.2, B6.1 apply from 秘密 up)."""
    return Classification.parse(ev.level).is_state_secret


def state(session: Session, ev: Event, kind: str) -> dict:
    """The kind's state for `events show`, the plan exports and the gate: the latest item, whether the approved
    snapshot is the current content, and who approved which version when."""
    latest = _latest(session, ev.id, kind)
    snap = _snapshot(session, latest.id) if latest is not None else None
    ok_snap = approved_snapshot(session, ev.id, kind)
    current_hash = content_hash(content_of(session, ev, kind))
    current = ok_snap is not None and ok_snap.content_hash == current_hash and latest is not None \
        and latest.status == "approved"
    decided = []
    if ok_snap is not None:
        decided = [{"by": s.actor, "at": s.at.isoformat(timespec="seconds"), "comment": s.comment}
                   for s in approvers(session, ok_snap.approval_id)]
    return {"kind": kind, "item": latest.id if latest is not None else None,
            "status": latest.status if latest is not None else "not_submitted",
            "version": snap.version if snap is not None else None,
            "hash": snap.content_hash if snap is not None else None,
            "approved_version": ok_snap.version if ok_snap is not None else None,
            "approved_hash": ok_snap.content_hash if ok_snap is not None else None,
            "approved_by": decided, "current_hash": current_hash, "approved_current": current}


def states(session: Session, event_id: int) -> list[dict]:
    """Every kind's state of one event, as plain data (the approvals panel caches it on the data's version: the
    list's content hash reads and judges every attendee, 1.3 s at 10,000 — issue 17)."""
    ev = get_event(session, event_id)
    return [state(session, ev, k) for k in KINDS]


# ---------------------------------------------------------------- submitting and superseding

def _title(ev: Event, kind: str, version: int) -> dict:
    return both(f"signoff.title_{kind}", title=ev.title, version=version)


def _findings(ev: Event, kind: str, d: dict | None) -> list[Finding]:
    out = []
    if needs_two_leaders(ev):
        out.append(Finding(rule="B6", severity=Severity.BLOCKER, source=TWO_LEADERS_SOURCE,
                           reason=both("signoff.two_leaders_why")))
    return out  # the diff itself is shown from the snapshot (queue_diff), not repeated here


def _new_version(session: Session, ev: Event, kind: str, *, requested_by: str, comment: str = "") -> Approval:
    content = content_of(session, ev, kind)
    h = content_hash(content)
    version = (session.scalar(select(func.max(ApprovalSnapshot.version)).where(
        ApprovalSnapshot.event_id == ev.id, ApprovalSnapshot.kind == kind)) or 0) + 1
    base = approved_snapshot(session, ev.id, kind)
    d = diff(base.content, content) if base is not None else None
    item = approvals.request(session, kind=kind, object_type="event", object_id=f"{ev.id}:{kind}:v{version}",
                             event_id=ev.id, requested_by=requested_by, title=_title(ev, kind, version),
                             findings=_findings(ev, kind, d), payload={"version": version, "hash": h[:16]},
                             comment=comment)
    snap = ApprovalSnapshot(approval_id=item.id, event_id=ev.id, kind=kind, version=version, content=content,
                            content_hash=h, base_snapshot_id=base.id if base is not None else None, diff=d or {},
                            created_by=requested_by, created_at=utcnow())
    session.add(snap)
    session.flush()
    if kind == LIST_KIND:
        people = session.scalars(select(Attendee).where(Attendee.event_id == ev.id))
        session.add_all([SnapshotMember(snapshot_id=snap.id, attendee_id=a.id, fingerprint=fingerprint(a))
                         for a in people])
        session.flush()
    audit.record(session, actor=requested_by, action="signoff.submitted", object_type="approval",
                 object_id=item.id, event_id=ev.id, kind=kind, version=version, hash=h,
                 base_version=base.version if base is not None else None)
    return item


def submit(session: Session, event_id: int, kind: str, *, actor: Principal, comment: str = "") -> Approval:
    """The organizer submits the plan or the list as it stands (a new version with its snapshot)."""
    kind = SHORT.get(kind, kind)
    if kind not in KINDS:
        raise ValidationFailed("Submit `plan` or `list`.", key="signoff.bad_kind", field="kind")
    ev = get_event(session, event_id)
    permissions.require(actor, "signoff.submit", ev)
    if ev.status == "closed":
        raise InvalidTransition("The event is closed.", key="plan.event_closed")
    if kind == LIST_KIND and not session.scalar(select(func.count()).select_from(Attendee)
                                                .where(Attendee.event_id == ev.id)):
        raise ValidationFailed("The attendee list is empty: add the attendees first.", key="signoff.list_empty",
                               field="kind")
    h = content_hash(content_of(session, ev, kind))
    latest = _latest(session, ev.id, kind)
    if latest is not None and latest.status in ("pending", "approved"):
        snap = _snapshot(session, latest.id)
        if snap is not None and snap.content_hash == h:
            raise InvalidTransition(f"Version {snap.version} is already {latest.status}; nothing changed since.",
                                    key=f"signoff.already_{latest.status}", version=snap.version)
        _supersede(session, latest, actor=actor.username, why="resubmitted")
    return _new_version(session, ev, kind, requested_by=actor.username, comment=comment)


def _supersede(session: Session, item: Approval, *, actor: str, why: str) -> None:
    before = item.status
    item.status = "superseded"
    session.add(ApprovalStep(approval_id=item.id, actor=actor, action="superseded", comment=why))
    audit.record(session, actor=actor, action="approval.superseded", object_type="approval", object_id=item.id,
                 event_id=item.event_id, kind=item.kind, before={"status": before}, why=why)
    if before == "approved":
        _set_derived(session, item.event_id, item.kind, done=False, actor=actor)


def refresh(session: Session, ev: Event, actor, why: str = "changed") -> list[Approval]:
    """After a change: every submitted or approved version whose content changed is superseded and the next
    version queued, with the diff against the approved one. Returns the new items."""
    who = actor.username if isinstance(actor, Principal) else str(actor)
    out = []
    for kind in KINDS:
        latest = _latest(session, ev.id, kind)
        if latest is None or latest.status not in ("pending", "approved"):
            continue  # never submitted, or returned / rejected: the organizer resubmits
        snap = _snapshot(session, latest.id)
        content = content_of(session, ev, kind)
        if snap is None or snap.content_hash == content_hash(content):
            continue
        _supersede(session, latest, actor=who, why=why)
        requester = latest.requested_by
        out.append(_new_version(session, ev, kind, requested_by=requester,
                                comment=both("signoff.requeued_comment", who=who)["zh_CN"]))
    return out


# ---------------------------------------------------------------- the leader's decision (on_decision)

def _event_unit(session: Session, ev: Event) -> str:
    """The unit whose leader decides: the organizer's. A leader decides for their own unit and the units inside
    it (市商务局 for 市商务局办公室) — the project's proposal; an event of an organizer without a unit, any leader."""
    org = session.get(User, ev.organizer_id)
    return (org.unit or "").strip() if org is not None else ""


def apply_decision(session: Session, item: Approval, leader: Principal) -> None:
    """`on_decision` for security_plan and attendee_list. Raising here undoes the whole decision."""
    ev = session.get(Event, item.event_id)
    if ev is None:
        raise NotFound("No such event.", key="error.not_found")
    unit, lu = _event_unit(session, ev), (session.get(User, leader.id).unit or "").strip()
    if unit and not (lu and unit.startswith(lu)):
        raise PermissionDenied(f"{leader.username} is a leader of {lu or 'no unit'}, not of {unit}, whose event "
                               "this is: a leader of that unit decides it.", key="signoff.wrong_unit",
                               leader=leader.username, unit=unit, own=lu or "—")
    if item.status != "approved":
        return
    snap = _snapshot(session, item.id)
    if snap.content_hash != content_hash(content_of(session, ev, item.kind)):
        raise InvalidTransition("The event changed since this version was submitted: decide the newer version.",
                                key="signoff.stale", version=snap.version)
    steps = approvers(session, item.id)
    firsts = [s for s in steps if s.action == "approved_first"]
    if needs_two_leaders(ev) and not firsts:  # the first of two leaders: the item waits for the second
        mine = steps[-1]
        mine.action = "approved_first"
        item.status, item.decided_by, item.decided_at = "pending", None, None
        audit.record(session, actor=leader.username, action="signoff.first_approval", object_type="approval",
                     object_id=item.id, event_id=ev.id, kind=item.kind, version=snap.version)
        return
    if any(s.actor == leader.username for s in firsts):
        raise PermissionDenied("A 绝密 event needs two different leaders: another leader gives the second "
                               "approval.", key="signoff.second_leader_same", leader=leader.username)
    row = session.get(EventSignoff, ev.id)
    if row is None:
        row = EventSignoff(event_id=ev.id)
        session.add(row)
    if item.kind == PLAN_KIND:
        row.plan_snapshot_id = snap.id
    else:
        row.list_snapshot_id = snap.id
    row.updated_at = utcnow()
    session.flush()
    audit.record(session, actor=leader.username, action="signoff.approved", object_type="approval",
                 object_id=item.id, event_id=ev.id, kind=item.kind, version=snap.version, hash=snap.content_hash,
                 leaders=[s.actor for s in approvers(session, item.id)])
    _set_derived(session, ev.id, item.kind, done=True, actor=leader.username)


def _set_derived(session: Session, event_id: int, kind: str, *, done: bool, actor: str) -> None:
    """B1.2 / B6.x follow the approval: done when approved, open again when superseded."""
    target = "done" if done else "open"
    for t in session.scalars(select(PlanTask).where(PlanTask.event_id == event_id,
                                                    PlanTask.rule_id.in_(DERIVED[kind]))):
        if t.status == target:
            continue
        before = t.status
        t.status, t.reason = target, ""
        t.marked_by, t.marked_role, t.marked_at = (actor, "leader", utcnow()) if done else (None, None, None)
        session.add(PlanMark(task_id=t.id, event_id=event_id, action="derived", from_status=before,
                             to_status=target, reason="", actor=actor, actor_role="leader" if done else "system",
                             at=utcnow()))
        audit.record(session, actor=actor, action="plan.derived", object_type="plan_task", object_id=t.id,
                     event_id=event_id, rule=t.rule_id, before={"status": before}, after={"status": target})


# ---------------------------------------------------------------- readiness (gate "ready") and hooks

def ready_findings(session: Session, ev: Event) -> list[Finding]:
    """The event is ready only with an approved current security plan and attendee list."""
    if not required(ev):
        return []
    out = []
    for kind, rule, source in ((PLAN_KIND, "B1.2", "实施条例 art. 45(1)"),
                               (LIST_KIND, "B6.1", "北京市保守国家秘密条例 art. 25(2)")):
        st = state(session, ev, kind)
        if st["approved_current"]:
            continue
        why = "superseded" if st["approved_version"] and st["status"] == "pending" else st["status"]
        out.append(Finding(rule=rule, severity=Severity.BLOCKER, source=source,
                           reason=both(f"signoff.gate_{kind}_{why}" if why in _GATE_STATES else
                                       f"signoff.gate_{kind}_not_submitted", version=st["version"] or 0)))
    return out


_GATE_STATES = ("not_submitted", "pending", "returned", "rejected", "withdrawn", "superseded", "approved")


def on_event_changed(session: Session, ev: Event, actor) -> None:
    """`event_changed` updated: level, venue, dates … changed after a submission send it back."""
    refresh(session, ev, actor, why="event.update")


def on_attendees_changed(session: Session, ev: Event, actor) -> None:
    """`attendees_changed`: a person added, removed or edited after a submission sends the list back."""
    refresh(session, ev, actor, why="attendees.edit")


def queue_diff(session: Session, approval_id: int) -> dict | None:
    """For the leader's queue: the version, hash and diff against the approved version (None for other kinds)."""
    snap = _snapshot(session, approval_id)
    if snap is None:
        return None
    base = session.get(ApprovalSnapshot, snap.base_snapshot_id) if snap.base_snapshot_id else None
    return {"version": snap.version, "hash": snap.content_hash, "base_version": base.version if base else None,
            "diff": snap.diff or {}, "first_approvals": [s.actor for s in approvers(session, approval_id)
                                                          if s.action == "approved_first"]}


# ---------------------------------------------------------------- demo

def load_demo(session: Session, ctx) -> None:
    """Demo step: the meeting under way has an approved plan and list and is ready; the 机密 meeting a week ahead
    has its list approved and then one attendee added, so the leader's queue shows a real diff (idempotent)."""
    from planners.attendees import allowlist
    from planners.base import auth
    from planners.base.events import check_transition, transition

    leader = next((u for u in ctx.users.values() if u.role == "leader"), None)
    if leader is None:
        return
    boss = auth.principal(leader)
    running, ahead = ctx.events.get("desk-demo"), ctx.events.get("q4-trade-meeting")
    if running is not None and _latest(session, running.id, LIST_KIND) is None:
        organizer = auth.principal(running.organizer)
        for kind in KINDS:
            item = submit(session, running.id, kind, actor=organizer, comment="演示")
            approvals.decide(session, item.id, "approved", leader=boss, comment="同意。")
        if running.status == "planned" and not check_transition(session, running, "ready"):
            transition(session, running.id, "ready", actor=organizer)
        ctx.created.append(f"approvals {running.title}")
    if ahead is not None and _latest(session, ahead.id, LIST_KIND) is None:
        organizer = auth.principal(ahead.organizer)
        item = submit(session, ahead.id, LIST_KIND, actor=organizer, comment="演示")
        approvals.decide(session, item.id, "approved", leader=boss, comment="同意。")
        allowlist.save_table(session, ahead.id, [{
            "name": "孙立新", "unit": "市发展改革委", "post": "副处长", "id_type": "居民身份证", "id_last4": "5821",
            "nationality": "CN", "foreign_invested_staff": "否", "clearance": "机密", "secret_class": "重要",
            "pledge_signed": "是", "event_role": "参会人员", "designated_by": ""}], actor=organizer)
        from planners.attendees import badges

        badges.prepare_event(session, ahead.id, actor="demo")  # the added person's badge, as the badges step does
        ctx.created.append(f"approvals {ahead.title}")
