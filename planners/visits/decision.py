"""The leader decides a visit's request and its disclosure scope together (issue 16).

One card per visit: the request's facts, every requested topic with the scope's decision beside it (and the scope's
other topics), and one decision — approve both, return both, reject — with one comment. The pair rule, enforced
whichever way a decision comes (page, CLI, a direct `approvals.decide`):

- while both the request and the scope wait for a leader, neither is decided without the other (DecideTogether);
- a scope is approved only when its request is approved, in the same decision or before (ScopeNeedsRequest);
- returning or rejecting the request returns or rejects its scope, an already approved one too (its approval is
  superseded): a returned request never carries an approved scope;
- nobody decides their own request, nor a scope they asked for.

Submitting the request again sends the scope returned with it (requests._send), so the two arrive together."""
from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy.orm import Session

from planners.base import approvals, audit
from planners.base.auth import Principal
from planners.core.errors import (DecideTogether, InvalidTransition, NotFound, ScopeNeedsRequest,
                                  SelfApprovalForbidden, ValidationFailed)
from planners.store.models import Approval
from planners.store.models_visits import DisclosureScope, VisitRequest
from planners.visits import disclosure, requests

KINDS = (requests.KIND, disclosure.KIND)


@dataclass(frozen=True, kw_only=True)
class TopicRow:
    code: str
    title: dict  # {"en": …, "zh_CN": …}
    asked: bool  # the delegation asked for it (the request's topics)
    decision: str | None  # may_discuss / agreed_line / must_not; None: not in the scope (not authorised)
    methods: tuple[str, ...] = ()


@dataclass(frozen=True, kw_only=True)
class VisitCard:
    visit_id: int
    title: str
    status: str  # the request's status
    request_item: Approval | None  # waiting for a leader, or None
    scope_item: Approval | None
    scope_status: str  # none / draft / submitted / approved / returned / rejected
    ceiling: str | None
    topics: tuple[TopicRow, ...]

    @property
    def item_ids(self) -> tuple[int, ...]:
        """The items this card decides, the request first (the scope's approval needs it approved)."""
        return tuple(i.id for i in (self.request_item, self.scope_item) if i is not None)

    @property
    def requesters(self) -> set[str]:
        return {i.requested_by for i in (self.request_item, self.scope_item) if i is not None}


def visit_of(session: Session, item: Approval) -> int | None:
    """The visit an approval item belongs to, when it is a visit's request or scope."""
    if item.kind == requests.KIND:
        return int(item.object_id)
    if item.kind == disclosure.KIND:
        scope = session.get(DisclosureScope, int(item.object_id))
        return scope.visit_id if scope is not None else None
    return None


def _pending_scope_item(session: Session, scope: DisclosureScope | None) -> Approval | None:
    if scope is None:
        return None
    item = approvals.latest_for(session, disclosure.KIND, "disclosure_scope", scope.id)
    return item if item is not None and item.status == "pending" else None


def card(session: Session, visit_id: int) -> VisitCard:
    v = session.get(VisitRequest, visit_id)
    if v is None:
        raise NotFound(f"No visit request {visit_id}.", key="visits.not_found", id=visit_id)
    scope = disclosure.get_scope(session, v.id)
    items = {i.topic_code: i for i in disclosure.scope_items(session, scope)} if scope else {}
    cat = disclosure.topics(session)
    asked = list(v.topics or [])
    rows = []
    for code in asked + [c for c in items if c not in asked]:
        it, topic = items.get(code), cat.get(code)
        rows.append(TopicRow(code=code, title=topic.title if topic else {"en": code, "zh_CN": code},
                             asked=code in asked, decision=it.decision if it else None,
                             methods=tuple(it.methods or ()) if it else ()))
    return VisitCard(visit_id=v.id, title=v.title, status=v.status, request_item=requests.pending_item(session, v),
                     scope_item=_pending_scope_item(session, scope), scope_status=scope.status if scope else "none",
                     ceiling=scope.ceiling if scope else None, topics=tuple(rows))


def cards(session: Session, queue: list[Approval]) -> dict[int, VisitCard]:
    """The queue's visit items as one card per visit, keyed by the approval id the card stands at (the first of
    its items in the queue); the other item of the pair is not shown again."""
    out: dict[int, VisitCard] = {}
    seen: set[int] = set()
    for a in queue:
        vid = visit_of(session, a) if a.kind in KINDS else None
        if vid is None or vid in seen:
            continue
        seen.add(vid)
        out[a.id] = card(session, vid)
    return out


def _decide_together(v: VisitRequest) -> DecideTogether:
    return DecideTogether("This visit's request and its disclosure scope both wait for a decision: decide them "
                          "together (the visit's card, or `conclave approvals decide` with either item).",
                          title=v.title)


def _needs_request(status: str) -> ScopeNeedsRequest:
    return ScopeNeedsRequest("The disclosure scope is approved only with its visit request, and the request is "
                             f"{status}: return the scope, or wait for the organizer to submit the request.",
                             status=status)


def decide_visit(session: Session, visit_id: int, decision: str, *, leader: Principal,
                 comment: str = "") -> VisitCard:
    """One decision on everything of the visit that waits for a leader: approve both, return both, reject."""
    if decision not in approvals.DECISIONS:
        raise ValidationFailed(f"Decision must be one of {approvals.DECISIONS}.", key="approvals.bad_decision",
                               field="decision")
    c = card(session, visit_id)
    if not c.item_ids:
        raise InvalidTransition("Nothing of this visit is waiting for a decision.", key="visits.nothing_waiting",
                                status=c.status, action=decision)
    if leader.username in c.requesters:
        raise SelfApprovalForbidden("Nobody may decide their own request; another leader must decide it.")
    if decision == "approved" and c.request_item is None and c.status != "approved":
        raise _needs_request(c.status)
    approvals.decide_together(session, c.item_ids, decision, leader=leader, comment=comment)
    return card(session, visit_id)


# ---------------------------------------------------------------- on_decision answers (planners/wiring.py)

def request_decided(session: Session, item: Approval, leader: Principal) -> None:
    """on_decision for a visit request: its waiting scope must be in the same decision; a returned or rejected
    request takes an approved scope back with it."""
    v = session.get(VisitRequest, int(item.object_id))
    if v is None:
        return
    scope = disclosure.get_scope(session, v.id)
    waiting = _pending_scope_item(session, scope)
    if waiting is not None and not approvals.in_same_decision(session, waiting.id):
        raise _decide_together(v)
    if item.status in ("returned", "rejected") and scope is not None and scope.status == "approved":
        approved = approvals.latest_for(session, disclosure.KIND, "disclosure_scope", scope.id)
        if approved is not None and approved.status == "approved":
            approvals.supersede(session, approved, actor=leader.username, why=f"visit request {item.status}")
        scope.status, scope.last_comment = item.status, item.comment
        scope.decided_by, scope.decided_at = leader.username, item.decided_at
        audit.record(session, actor=leader.username, action=f"disclosure.scope_{item.status}",
                     object_type="disclosure_scope", object_id=scope.id, event_id=item.event_id,
                     comment=item.comment, with_request=item.id)


def scope_decided(session: Session, item: Approval, leader: Principal) -> None:
    """on_decision for a disclosure scope: its waiting request must be in the same decision, and an approval
    needs the request approved."""
    scope = session.get(DisclosureScope, int(item.object_id))
    v = session.get(VisitRequest, scope.visit_id) if scope is not None else None
    if v is None:
        return
    waiting = requests.pending_item(session, v)
    if waiting is not None and not approvals.in_same_decision(session, waiting.id):
        raise _decide_together(v)
    if item.status == "approved" and v.status != "approved":
        raise _needs_request(v.status)


# ---------------------------------------------------------------- what the leader reads (the card, the visits view)

def request_facts(session: Session, v: VisitRequest, lang: str) -> list[tuple[str, str]]:
    """The request's facts as (label key, text in `lang`): codes said in words (the visit type, yes / no), typed text
    as typed. The delegation is a table of its own (`delegation_rows`); the topics stand in the card's topic table."""
    from planners.core.clock import local
    from planners.core.i18n import t

    s, e = local(v.starts_at, v.tz), local(v.ends_at, v.tz)
    sep = "、" if lang == "zh_CN" else "; "
    colon = "：" if lang == "zh_CN" else ": "
    rows = [("approvals.payload_visit_type", t(f"visits.type_{v.visit_type}", lang)),
            ("approvals.payload_dates", f"{s:%Y-%m-%d %H:%M} – {e:%Y-%m-%d %H:%M}"),
            ("approvals.payload_purpose", v.purpose or ""),
            ("approvals.payload_route", " → ".join(p.get("place", "") for p in v.route or [])),
            ("approvals.payload_meetings", sep.join(f"{m.get('with', '')}{colon}{m.get('topic', '')}"
                                                    if m.get("topic") else m.get("with", "")
                                                    for m in v.meetings or [])),
            ("approvals.payload_photography", t("approvals.value_yes" if v.photography_allowed
                                                else "approvals.value_no", lang)),
            ("approvals.payload_gifts", v.gifts or "")]
    return [(k, text) for k, text in rows if text]


def delegation_rows(v: VisitRequest) -> list[dict]:
    """The delegation, one member a row (name, nationality, organisation, post): shown as a table."""
    return [{"name": m.get("name", ""), "nationality": m.get("nationality", ""),
             "organisation": m.get("organisation", ""), "post": m.get("post", "")} for m in v.members or []]
