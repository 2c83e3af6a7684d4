"""Approvals: the leader's queue across every kind, oldest first; decide with a comment."""
from __future__ import annotations

import streamlit as st

from pages.parts import ui

me = ui.require_role("approvals")

from planners.base import approvals  # noqa: E402
from planners.core.findings import Finding, Severity  # noqa: E402
from planners.core.clock import local, utcnow  # noqa: E402
from planners.base.auth import list_users  # noqa: E402
from planners.visits.requests import get as visits_get  # noqa: E402
from planners.plan import signoff  # noqa: E402  issue 11: the plan / list versions and their diff
from planners.visits import decision as visit_decision  # noqa: E402  issue 16: a visit's request + scope, one card
from pages.parts import visit_facts  # noqa: E402
from planners.core.levels import Classification  # noqa: E402

st.title(ui.t("approvals.page_title"))
st.caption(ui.t("approvals.page_help"))


def _findings(rows: list[dict]) -> list[Finding]:
    return [Finding(rule=f.get("rule", ""), severity=Severity(f.get("severity", "info")), reason=f.get("reason", {}),
                    source=f.get("source", ""), met=f.get("met", False)) for f in rows or []]


_md = ui.plain  # text shown as typed (pages/parts/ui.py)


def _label(key: str) -> str:
    lk = f"approvals.payload_{key}"
    return ui.t(lk) if ui.t(lk) != lk else ui.t("approvals.payload_other")


def _code(prefix: str, code: str) -> str:
    """A stored code in the reader's words through the catalogue (`prefix` + code), or the code itself."""
    key = f"{prefix}{code}"
    return ui.t(key) if ui.t(key) != key else code


_DECISION_CODES = ("may_discuss", "agreed_line", "must_not")


def _value(key: str, v) -> str:
    """A payload value as the leader reads it (issue 16): yes/no in words, lists joined, codes (a disclosure
    decision, a destruction method, a change type) through the catalogues, never a Python repr."""
    sep = ui.t("approvals.list_sep")
    if isinstance(v, bool) or v in ("yes", "no"):
        return ui.t("approvals.value_yes" if v in (True, "yes") else "approvals.value_no")
    if isinstance(v, (list, tuple)):
        return sep.join(_value(key, x) for x in v)
    if isinstance(v, dict):
        return sep.join(f"{_code('approvals.field_', str(k))}：{_value(str(k), x)}" if ui.lang() == "zh_CN"
                        else f"{_code('approvals.field_', str(k))}: {_value(str(k), x)}" for k, x in v.items())
    text = str(v)
    if key == "visit_type" and " / " in text:  # written as "zh / en" by visits.requests: one of them
        zh, _, en = text.partition(" / ")
        return zh if ui.lang() == "zh_CN" else en
    if key == "method":
        return _code("documents.method_", text)
    if key == "op":
        return _code("approvals.op_", text)
    if key == "topics":  # "topic: must_not; topic: may_discuss" (planners/visits/disclosure.py)
        parts = []
        for part in text.split("; "):
            name, colon, code = part.rpartition(": ")
            parts.append(f"{name}{'：' if ui.lang() == 'zh_CN' else ': '}{_code('disclosure.decision_', code)}"
                         if colon and code in _DECISION_CODES else part)
        return sep.join(parts)
    return text


def _payload_lines(payload: dict) -> str:
    """The card's payload as labelled lines; internal ids (…_id) are the system's, not the leader's."""
    return "\n".join(f"- **{_md(_label(k))}**: {_md(_value(k, v))}" for k, v in payload.items()
                     if v not in ("", None, [], {}) and not k.endswith("_id"))


def _age(then) -> str:
    mins = int((utcnow() - then).total_seconds() // 60)
    if mins < 60:
        return ui.t("approvals.age_minutes", n=max(mins, 0))
    if mins < 48 * 60:
        return ui.t("approvals.age_hours", n=mins // 60)
    return ui.t("approvals.age_days", n=mins // (24 * 60))


with ui.reading() as s:
    queue = approvals.pending(s)
    steps = {a.id: approvals.history(s, a.id) for a in queue}
    _names = {u.username: u.display_name for u in list_users(s)}
    diffs = {a.id: signoff.queue_diff(s, a.id) for a in queue if a.kind in signoff.KINDS}
    visit_cards = visit_decision.cards(s, queue)  # issue 16: approval id the card stands at -> the visit's card
    for _c in visit_cards.values():
        steps.update({i: approvals.history(s, i) for i in _c.item_ids if i not in steps})
    visit_reads = {c.visit_id: (visit_decision.request_facts(s, visits_get(s, c.visit_id), ui.lang()),
                                visit_decision.delegation_rows(visits_get(s, c.visit_id)))
                   for c in visit_cards.values()}
in_a_card = {i for c in visit_cards.values() for i in c.item_ids}


def _who(username: str) -> str:
    """A person by name, not by account (issue 16); the account only where there is no name."""
    return _names.get(username) or username


def _decision_buttons(a, comment: str, *, title: str | None = None, act=None, labels: dict | None = None) -> None:
    """Approve / return / reject ask once more before they act (issue 16): the first click only arms a confirm
    button naming the decision and the item; the second one decides. `act(session, decision)` decides (default: this
    item); `title` and `labels` (decision -> button label key) say what a visit's card decides."""
    armed_key = f"armed_{a.id}"
    labels = labels or {}
    c1, c2, c3 = st.columns(3)
    if c1.button(ui.t(labels.get("approved", "approvals.approve")), key=f"approve_{a.id}", type="primary"):
        st.session_state[armed_key] = "approved"
    if c2.button(ui.t(labels.get("returned", "approvals.return")), key=f"return_{a.id}"):
        st.session_state[armed_key] = "returned"
    if c3.button(ui.t(labels.get("rejected", "approvals.reject")), key=f"reject_{a.id}"):
        st.session_state[armed_key] = "rejected"
    choice = st.session_state.get(armed_key)
    if choice not in approvals.DECISIONS:
        return
    title = title or ui.plain(ui.pick(a.title))
    st.warning(ui.t("approvals.confirm_ask", decision=ui.t(f"approvals.verb_{choice}"), title=title, n=a.id))
    k1, k2 = st.columns(2)
    if k2.button(ui.t("approvals.confirm_cancel"), key=f"cancel_{a.id}"):
        st.session_state.pop(armed_key, None)
        st.rerun()
    if k1.button(ui.t(f"approvals.confirm_{choice}", title=title), key=f"confirm_{a.id}", type="primary"):
        st.session_state.pop(armed_key, None)
        run = act or (lambda s, d: approvals.decide(s, a.id, d, leader=me, comment=comment or ""))
        ui.change(lambda s: run(s, choice),
                  ui.t("approvals.decided", title=title, decision=ui.t(f"approvals.action_{choice}")))


def _history(ids) -> None:
    with st.expander(ui.t("approvals.history")):
        for h in sorted((h for i in ids for h in steps.get(i, [])), key=lambda h: (h.at, h.id)):
            st.markdown(f"- {local(h.at, 'Asia/Shanghai'):%Y-%m-%d %H:%M} · {ui.plain(_who(h.actor))} · "
                        f"{ui.t(f'approvals.action_{h.action}')}"
                        + (f" — {ui.plain(h.comment)}" if h.comment else ""))


def _visit_card(a, c) -> None:
    """Issue 16: one card per visit: the request's facts, the requested topics with the scope's decision beside
    each, and one decision (approve both / return both / reject), confirmed, with one comment."""
    both_waiting = c.request_item is not None and c.scope_item is not None
    title = ui.plain(ui.t("visits16.card_title", title=c.title) if both_waiting else ui.pick(a.title))
    facts, delegation = visit_reads[c.visit_id]
    with st.container(border=True, key=f"approval_{a.id}"):
        st.markdown(f"**{title}**")
        st.caption(ui.t("approvals.meta", kind=ui.plain(ui.t("visits16.kind_visit")),
                        who=ui.plain("、".join(_who(w) for w in sorted(c.requesters))), age=_age(a.requested_at),
                        n=a.id))
        st.markdown(ui.t("visits16.request_waits") if c.request_item is not None
                    else ui.t("visits16.request_state", status=ui.t(f"visits.status_{c.status}")))
        visit_facts.show_facts(facts)
        visit_facts.show_delegation(delegation, key=f"vdel_{a.id}")
        st.markdown(f"**{ui.t('visits16.topics_title')}**")
        if c.scope_item is not None:
            st.caption(ui.t("visits16.scope_waits", ceiling=Classification.parse(c.ceiling).label(ui.lang())))
        else:
            st.caption(ui.t("visits16.scope_state", status=ui.t(f"disclosure.status_{c.scope_status}")))
        visit_facts.show_topics(c.topics, key=f"vtopics_{a.id}")
        findings = [f for item in (c.request_item, c.scope_item) if item is not None for f in item.findings or []]
        if findings:
            st.markdown(f"*{ui.t('approvals.why')}*")
            ui.show_findings(_findings(findings))
        _history(c.item_ids)
        if me.username in c.requesters:
            st.info(ui.t("approvals.own_request"))
            return
        comment = st.text_area(ui.t("approvals.comment"), key=f"comment_{a.id}", help=ui.t("approvals.comment_help"))
        labels = {"approved": "visits16.approve_both", "returned": "visits16.return_both",
                  "rejected": "visits16.reject_both"} if both_waiting else None
        _decision_buttons(a, comment, title=title, labels=labels,
                          act=lambda s, d: visit_decision.decide_visit(s, c.visit_id, d, leader=me,
                                                                       comment=comment or ""))


def _my_decisions() -> None:
    """What this leader decided lately: the item, the decision, when (office time) and the comment (issue 16)."""
    with ui.reading() as s:
        mine = [(ui.pick(item.title) if item else "", step) for item, step in approvals.decided_by(s, me.username)]
    with st.expander(ui.t("approvals.mine_title"), expanded=True):
        if not mine:
            st.caption(ui.t("approvals.mine_empty"))
        for title, step in mine:
            action = f"approvals.action_{step.action}"
            line = ui.t("approvals.mine_line", when=f"{local(step.at, 'Asia/Shanghai'):%Y-%m-%d %H:%M}",
                        decision=ui.t(action) if ui.t(action) != action else step.action, title=ui.plain(title))
            if step.comment:
                line += "  \n" + ui.t("approvals.mine_comment", comment=ui.plain(step.comment))
            st.markdown("- " + line)


if not queue:
    st.success(ui.t("approvals.empty"))
# a visit's request and scope are one card, one decision: counted once (issue 16)
st.caption(ui.t("approvals.count", n=sum(1 for a in queue if a.id in visit_cards or a.id not in in_a_card)))

for a in queue:
    if a.id in visit_cards:  # issue 16: a visit's request and scope, one card, one decision
        _visit_card(a, visit_cards[a.id])
        continue
    if a.id in in_a_card:
        continue
    kind_key = f"approvals.kind_{a.kind}"
    kind_label = ui.t(kind_key) if ui.t(kind_key) != kind_key else a.kind
    with st.container(border=True, key=f"approval_{a.id}"):
        st.markdown(f"**{ui.plain(ui.pick(a.title))}**")
        st.caption(ui.t("approvals.meta", kind=ui.plain(kind_label), who=ui.plain(_who(a.requested_by)), age=_age(a.requested_at),
                        n=a.id))
        if a.findings:
            st.markdown(f"*{ui.t('approvals.why')}*")
            ui.show_findings(_findings(a.findings))
        q = diffs.get(a.id)
        if q is not None:  # issue 11: which version, its hash, and exactly what changed since the approved one
            st.caption(ui.t("signoff.queue_version", version=q["version"], hash=q["hash"]))
            if q["base_version"] is None:
                st.markdown(ui.t("signoff.queue_first"))
            else:
                lines = signoff.diff_lines(q["diff"], ui.lang())
                st.markdown(f"**{ui.t('signoff.queue_diff', base=q['base_version'])}**")
                st.markdown("\n".join(f"- {_md(x)}" for x in lines) if lines else ui.t("signoff.queue_no_change"))
            if q["first_approvals"]:
                st.warning(ui.t("signoff.queue_first_approvals", names=ui.plain("、".join(q["first_approvals"]))))
        elif a.payload:
            st.markdown(_payload_lines(a.payload))
        _history([a.id])
        if a.requested_by == me.username:
            st.info(ui.t("approvals.own_request"))
            continue
        comment = st.text_area(ui.t("approvals.comment"), key=f"comment_{a.id}",
                               help=ui.t("approvals.comment_help"))
        _decision_buttons(a, comment)


_my_decisions()
