"""Disclosure to foreign parties: the topic catalogue and the per-visit disclosure scope.

The catalogue: data/rules/visits.yaml (defaults) plus topics added in the app (table disclosure_topics).
Each topic has a level and a tier (public / pre_cleared 口径 / non_core with approval / core never disclosed).

A scope lists, for one visit, every topic the delegation asked for or the hosts may meet, with the decision
(may_discuss / agreed_line / must_not), a ceiling level (nothing above it may be discussed), how it may be shown
(oral, visual, documents) and who approved it: the structure of a disclosure authority letter (F5). Anything not
in the scope is not authorised. A state-secret topic is "must not discuss" unless the scope carries an exception
with its legal basis, which the approving leader sees as a finding. The scope is approved through
planners.base.approvals (kind `disclosure_scope`); any change after approval sends it back to draft."""
from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from planners.base import approvals, audit
from planners.base.auth import Principal
from planners.core.errors import AboveCeiling, CoreNeverDisclosed, InvalidTransition, NotFound, PermissionDenied, ScopeNotApproved, StateSecretNeedsException, ValidationFailed, RuleFileError
from planners.core.findings import Finding, Severity
from planners.core.i18n import both
from planners.core.levels import Classification
from planners.core.rules import Field, load_catalogue
from planners.core.clock import utcnow
from planners.store.models_visits import DisclosureScope, DisclosureTopic, InfoRequestLog, ScopeItem, VisitRequest
from planners.core import permissions

TIERS = ("public", "pre_cleared", "non_core", "core")
DECISIONS = ("may_discuss", "agreed_line", "must_not")
METHODS = ("oral", "visual", "documents")
SCOPE_STATUSES = ("draft", "submitted", "approved", "returned", "rejected")
KIND = "disclosure_scope"
INCIDENT_KIND = "visit_info_request"

TOPIC_FIELDS = {
    "title": Field("bilingual", required=True),
    "level": Field("level", required=True),
    "tier": Field("enum", required=True, choices=TIERS),
    "talking_points": Field("bilingual"),
}
TOP_FIELDS = {"when_asked": Field("bilingual", required=True), "when_asked_source": Field("str", required=True),
              "checks": Field("dict", required=True)}
CHECKS = ("state_secret_exception", "non_core_needs_leader", "documents_handed_over", "info_request_reported",
          # issue 12: the visit's plan, route, key locations and report
          "scope_gate", "key_location_on_route", "escort_staff", "material_above_scope", "topic_above_scope",
          "report_gate")


@dataclass(frozen=True, kw_only=True)
class Topic:
    code: str
    title: dict
    level: Classification
    tier: str
    talking_points: dict
    source: str
    in_app: bool = False

    def label(self, lang: str) -> str:
        return self.title.get(lang) or self.title.get("en") or self.code


def catalogue_file() -> dict:
    return load_catalogue("visits", TOPIC_FIELDS, list_key="topics", top_fields=TOP_FIELDS)


def check(code: str) -> dict:
    """A check of data/rules/visits.yaml (`checks:`): its id and source, for the findings it gives."""
    c = (catalogue_file().get("checks") or {}).get(code)
    if not isinstance(c, dict) or not c.get("id") or not c.get("source"):
        raise RuleFileError("visits.yaml", code, f"the check '{code}' needs an id and a source under 'checks:'")
    return c


def _finding(code: str, reason: dict) -> Finding:
    c = check(code)
    return Finding(rule=c["id"], severity=Severity.WARNING, source=c["source"], reason=reason, data={"check": code})


def when_asked() -> dict:
    return dict(catalogue_file()["when_asked"])


def topics(session: Session) -> dict[str, Topic]:
    """Every topic: the defaults, then the ones added in the app (same order each time)."""
    out: dict[str, Topic] = {}
    for r in catalogue_file()["topics"]:
        out[r["id"]] = Topic(code=r["id"], title=dict(r["title"]), level=Classification.parse(r["level"]),
                             tier=r["tier"], talking_points=dict(r.get("talking_points") or {}), source=r["source"])
    for t in session.scalars(select(DisclosureTopic).order_by(DisclosureTopic.id)):
        out[t.code] = Topic(code=t.code, title=dict(t.title), level=Classification.parse(t.level), tier=t.tier,
                            talking_points=dict(t.talking_points or {}), source=t.source, in_app=True)
    return out


def add_topic(session: Session, *, code: str, title_en: str, title_zh: str, level: str, tier: str,
              talking_en: str = "", talking_zh: str = "", source: str = "", actor: Principal) -> DisclosureTopic:
    permissions.require(actor, "topic.add")
    code = (code or "").strip().lower()
    if not code or not code.replace("_", "").isalnum() or not code.isascii():
        raise ValidationFailed("Give the topic a short code of letters, digits and _ (e.g. port_projects).",
                               key="disclosure.bad_code", field="code")
    if code in topics(session):
        raise ValidationFailed(f"A topic {code!r} exists already; choose another code.",
                               key="disclosure.code_taken", field="code", code=code)
    if not title_en.strip() or not title_zh.strip():
        raise ValidationFailed("Give the topic's title in English and in Chinese.", key="disclosure.title_both",
                               field="title")
    if tier not in TIERS:
        raise ValidationFailed(f"Tier must be one of {TIERS}.", key="disclosure.bad_tier", field="tier")
    try:
        lvl = Classification.parse(level)
    except ValueError as exc:
        raise ValidationFailed(str(exc), key="disclosure.bad_level", field="level") from exc
    if tier == "pre_cleared" and not (talking_en.strip() and talking_zh.strip()):
        raise ValidationFailed("A pre-cleared topic needs its agreed talking points (口径) in both languages.",
                               key="disclosure.talking_points_required", field="talking_points")
    if lvl.is_state_secret and tier in ("public", "pre_cleared"):
        raise ValidationFailed("A state-secret topic cannot be public or pre-cleared: choose non-core or core.",
                               key="disclosure.secret_tier", field="tier")
    t = DisclosureTopic(code=code, title={"en": title_en.strip(), "zh_CN": title_zh.strip()}, level=lvl.value,
                        tier=tier, talking_points={"en": talking_en.strip(), "zh_CN": talking_zh.strip()}
                        if talking_en.strip() else {}, source=source.strip() or "added in the app",
                        created_by=actor.username)
    session.add(t)
    session.flush()
    audit.record(session, actor=actor.username, action="disclosure.topic_add", object_type="disclosure_topic",
                 object_id=t.id, code=code, level=lvl.value, tier=tier)
    return t


# ---------------------------------------------------------------- scope

@dataclass(kw_only=True)
class ItemInput:
    topic: str
    decision: str
    methods: tuple[str, ...] = ()
    exception_basis: str = ""
    note: str = ""


def check_item(topic: Topic, item: ItemInput, ceiling: Classification) -> list[Finding]:
    """Refuse what may never be (raise); return findings a leader must see to approve the rest."""
    if item.decision not in DECISIONS:
        raise ValidationFailed(f"Decision must be one of {DECISIONS}.", key="disclosure.bad_decision",
                               field="decision", topic=topic.code)
    bad = [m for m in item.methods if m not in METHODS]
    if bad:
        raise ValidationFailed(f"Unknown method(s) {bad}: use oral, visual, documents.", key="disclosure.bad_method",
                               field="methods", topic=topic.code)
    if item.decision == "must_not":
        return []
    name = topic.label("en")
    if topic.tier == "core":
        raise CoreNeverDisclosed(f"“{name}” is a core topic and is never disclosed; set it to must not discuss.",
                                 topic=topic.label("zh_CN"))
    if topic.level.above(ceiling):
        raise AboveCeiling(f"“{name}” is {topic.level.label('en')}, above the scope's ceiling "
                           f"{ceiling.label('en')}: set it to must not discuss or raise the ceiling.",
                           topic=name, level=topic.level.label("en"), ceiling=ceiling.label("en"))
    if not item.methods:
        raise ValidationFailed(f"Say how “{name}” may be shown (oral, visual, documents).",
                               key="disclosure.methods_required", field="methods", topic=name)
    findings: list[Finding] = []
    if topic.level.is_state_secret:
        if not item.exception_basis.strip():
            raise StateSecretNeedsException(
                f"“{name}” is a state secret ({topic.level.label('en')}): it can only be must not discuss, "
                "unless you state the legal basis of an exception for the leader to approve.", topic=name)
        findings.append(_finding("state_secret_exception", both(
            "disclosure.finding_exception", topic=name, level=topic.level.label("zh_CN"),
            basis=item.exception_basis.strip())))
    if topic.tier == "pre_cleared" and item.decision == "may_discuss":
        raise ValidationFailed(f"“{name}” is pre-cleared: discuss only the agreed line, or must not discuss.",
                               key="disclosure.pre_cleared_line_only", field="decision", topic=name)
    if topic.tier == "non_core":
        findings.append(_finding("non_core_needs_leader", both("disclosure.finding_non_core", topic=name)))
    if "documents" in item.methods and topic.level.rank >= Classification.WORK_SECRET.rank:
        findings.append(_finding("documents_handed_over", both("disclosure.finding_documents", topic=name)))
    return findings


def get_scope(session: Session, visit_id: int) -> DisclosureScope | None:
    return session.scalar(select(DisclosureScope).where(DisclosureScope.visit_id == visit_id))


def scope_items(session: Session, scope: DisclosureScope) -> list[ScopeItem]:
    return list(session.scalars(select(ScopeItem).where(ScopeItem.scope_id == scope.id).order_by(ScopeItem.id)))


def _visit(session: Session, visit_id: int) -> VisitRequest:
    v = session.get(VisitRequest, visit_id)
    if v is None:
        raise NotFound(f"No visit request {visit_id}.", key="visits.not_found", id=visit_id)
    return v


def _may_edit(session: Session, v: VisitRequest, actor: Principal) -> None:
    permissions.require(actor, "scope.edit", v)


def set_scope(session: Session, visit_id: int, *, ceiling: str, items: list[ItemInput],
              actor: Principal) -> tuple[DisclosureScope, list[Finding]]:
    """Replace the scope's content. Every topic asked for in the visit must be in it. An approved scope that
    changes goes back to draft (the briefing is refused until it is approved again)."""
    v = _visit(session, visit_id)
    _may_edit(session, v, actor)
    try:
        ceil = Classification.parse(ceiling)
    except ValueError as exc:
        raise ValidationFailed(str(exc), key="disclosure.bad_level", field="ceiling") from exc
    cat = topics(session)
    seen: set[str] = set()
    findings: list[Finding] = []
    for it in items:
        if it.topic not in cat:
            raise ValidationFailed(f"Unknown topic {it.topic!r}: add it to the catalogue first.",
                                   key="disclosure.unknown_topic", field="topic", topic=it.topic)
        if it.topic in seen:
            raise ValidationFailed(f"Topic {it.topic!r} is listed twice.", key="disclosure.topic_twice",
                                   field="topic", topic=it.topic)
        seen.add(it.topic)
        findings += check_item(cat[it.topic], it, ceil)
    missing = [c for c in (v.topics or []) if c not in seen]
    if missing:
        raise ValidationFailed("Every topic the delegation asked for needs a decision: "
                               + ", ".join(cat[c].label("en") if c in cat else c for c in missing),
                               key="disclosure.asked_topic_missing", field="topic",
                               topics="、".join(cat[c].label("zh_CN") if c in cat else c for c in missing))
    scope = get_scope(session, visit_id)
    before = None
    if scope is None:
        scope = DisclosureScope(visit_id=visit_id, ceiling=ceil.value, status="draft", requested_by=actor.username)
        session.add(scope)
        session.flush()
    else:
        if scope.status == "submitted":
            raise InvalidTransition("The scope is waiting for the leader; wait for the decision before changing it.",
                                    key="disclosure.waiting")
        if scope.status == "rejected":
            raise InvalidTransition("The scope was rejected; it cannot be changed.", key="disclosure.rejected")
        before = _snapshot(session, scope)
        for old in scope_items(session, scope):
            session.delete(old)
        session.flush()
        if scope.status == "approved":
            scope.status = "draft"
            scope.decided_by = scope.decided_at = None
        scope.ceiling = ceil.value
        scope.version += 1
    for it in items:
        session.add(ScopeItem(scope_id=scope.id, topic_code=it.topic, decision=it.decision,
                              methods=list(it.methods) if it.decision != "must_not" else [],
                              exception_basis=it.exception_basis.strip(), note=it.note.strip()))
    session.flush()
    audit.record(session, actor=actor.username, action="disclosure.scope_set", object_type="disclosure_scope",
                 object_id=scope.id, event_id=v.event_id, before=before, after=_snapshot(session, scope))
    return scope, findings


def _snapshot(session: Session, scope: DisclosureScope) -> dict:
    return {"ceiling": scope.ceiling, "status": scope.status,
            "items": [[i.topic_code, i.decision, list(i.methods or []), bool(i.exception_basis)]
                      for i in scope_items(session, scope)]}


def scope_findings(session: Session, scope: DisclosureScope) -> list[Finding]:
    cat, ceil = topics(session), Classification.parse(scope.ceiling)
    out: list[Finding] = []
    for i in scope_items(session, scope):
        out += check_item(cat[i.topic_code], ItemInput(topic=i.topic_code, decision=i.decision,
                                                       methods=tuple(i.methods or ()),
                                                       exception_basis=i.exception_basis), ceil)
    return out


def submit_scope(session: Session, visit_id: int, *, actor: Principal, comment: str = "") -> DisclosureScope:
    v = _visit(session, visit_id)
    _may_edit(session, v, actor)
    scope = get_scope(session, visit_id)
    if scope is None or not scope_items(session, scope):
        raise ValidationFailed("The scope is empty: add the topics and decisions first.", key="disclosure.empty",
                               field="topic")
    if scope.status not in ("draft", "returned"):
        raise InvalidTransition(f"The scope is {scope.status}; only a draft or returned scope is submitted.",
                                key="disclosure.cannot_submit", status=scope.status)
    findings = scope_findings(session, scope)
    scope.status, scope.requested_by = "submitted", actor.username
    approvals.request(session, kind=KIND, object_type="disclosure_scope", object_id=scope.id, event_id=v.event_id,
                      title=both("disclosure.approval_title", title=v.title), requested_by=actor,
                      findings=findings, payload=_payload(session, v, scope), comment=comment)
    audit.record(session, actor=actor.username, action="disclosure.scope_submit", object_type="disclosure_scope",
                 object_id=scope.id, event_id=v.event_id)
    return scope


def submit_with_request(session: Session, v: VisitRequest, actor: Principal, comment: str = "") -> None:
    """Issue 16: a request sent to the leader again takes the scope that was returned with it, so the leader decides
    the two together (planners.visits.decision). A draft scope is the organizer's to submit (then, while the request
    waits, the two are decided together too); an approved one stays as it is."""
    scope = get_scope(session, v.id)
    if scope is None or scope.status != "returned" or not scope_items(session, scope):
        return
    if not permissions.allowed(actor, "scope.edit", v):
        return
    submit_scope(session, v.id, actor=actor, comment=comment)


def _payload(session: Session, v: VisitRequest, scope: DisclosureScope) -> dict:
    cat = topics(session)
    return {"visit": v.title, "ceiling": Classification.parse(scope.ceiling).label("zh_CN"),
            "topics": "; ".join(f"{cat[i.topic_code].label('zh_CN')}: {i.decision}"
                                for i in scope_items(session, scope))}


def apply_decision(session: Session, item, leader: Principal) -> None:
    scope = session.get(DisclosureScope, int(item.object_id))
    if scope is None:
        return
    scope.status, scope.last_comment = item.status, item.comment
    scope.decided_by, scope.decided_at = leader.username, utcnow()
    audit.record(session, actor=leader.username, action=f"disclosure.scope_{item.status}",
                 object_type="disclosure_scope", object_id=scope.id, event_id=item.event_id, comment=item.comment)


def incident_seen(session: Session, item, leader: Principal) -> None:
    """A logged information request needs no change of state: the leader's decision and comment are the record."""
    return None


def approved_scope(session: Session, visit_id: int) -> DisclosureScope:
    scope = get_scope(session, visit_id)
    if scope is None or scope.status != "approved":
        status = scope.status if scope else "none"
        raise ScopeNotApproved(f"The disclosure scope is not approved (it is {status}); the briefing is made only "
                               "from an approved scope. Submit the scope to the leader.", status=status)
    return scope


def authorised(session: Session, visit_id: int, topic_code: str) -> str:
    """What hosts may do with a topic in this visit: may_discuss / agreed_line / must_not.
    Anything not in an approved scope is not authorised (must_not)."""
    scope = get_scope(session, visit_id)
    if scope is None or scope.status != "approved":
        return "must_not"
    for i in scope_items(session, scope):
        if i.topic_code == topic_code:
            return i.decision
    return "must_not"


# ---------------------------------------------------------------- during the visit

def log_info_request(session: Session, visit_id: int, *, asked_by: str, what: str, answer: str,
                     topic_code: str = "", actor: Principal) -> InfoRequestLog:
    """A host logs a foreign party's request for information outside the scope; it goes to the leader at once."""
    permissions.require(actor, "visit.log_request")
    v = _visit(session, visit_id)
    if actor.role == "organizer" and v.organizer_id != actor.id:
        raise PermissionDenied("Only the visit's organizer logs requests for it.", key="disclosure.owner_only")
    for field, value in (("asked_by", asked_by), ("what", what), ("answer", answer)):
        if not (value or "").strip():
            raise ValidationFailed("Say who asked, what they asked for and how it was answered.",
                                   key="disclosure.log_incomplete", field=field)
    entry = InfoRequestLog(visit_id=v.id, asked_by=asked_by.strip()[:200], what=what.strip(), answer=answer.strip(),
                           topic_code=topic_code or "", logged_by=actor.username)
    session.add(entry)
    session.flush()
    finding = _finding("info_request_reported", both("disclosure.finding_info_request", who=entry.asked_by,
                                                     what=entry.what, answer=entry.answer))
    approvals.request(session, kind=INCIDENT_KIND, object_type="visit_info_request", object_id=entry.id,
                      event_id=v.event_id, title=both("disclosure.incident_title", title=v.title),
                      requested_by=actor, findings=[finding],
                      payload={"visit": v.title, "asked_by": entry.asked_by, "what": entry.what,
                               "answer": entry.answer})
    audit.record(session, actor=actor.username, action="visit.info_request_logged", object_type="visit",
                 object_id=v.id, event_id=v.event_id, entry=entry.id)
    return entry


def info_requests(session: Session, visit_id: int) -> list[InfoRequestLog]:
    return list(session.scalars(select(InfoRequestLog).where(InfoRequestLog.visit_id == visit_id)
                                .order_by(InfoRequestLog.id)))


def default_decision(topic: Topic, asked: bool) -> str | None:
    """What the scope form proposes for a topic before anyone decides: a core topic the visitors asked about is
    "must not" (never disclosed, F4); anything else starts undecided (not in the scope)."""
    return "must_not" if topic.tier == "core" and asked else None
