"""Approvals: the leader's queue across every kind, oldest first; decide with a comment."""
from __future__ import annotations

import streamlit as st

from pages.parts import ui

me = ui.require_role("approvals")

from planners.base import approvals  # noqa: E402
from planners.core.findings import Finding, Severity  # noqa: E402
from planners.core.clock import local, utcnow  # noqa: E402
from planners.base.auth import list_users  # noqa: E402
from planners.plan import signoff  # noqa: E402  issue 11: the plan / list versions and their diff

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


def _who(username: str) -> str:
    """A person by name, not by account (issue 16); the account only where there is no name."""
    return _names.get(username) or username


def _decision_buttons(a, comment: str) -> None:
    """Approve / return / reject ask once more before they act (issue 16): the first click only arms a confirm
    button naming the decision and the item; the second one decides."""
    armed_key = f"armed_{a.id}"
    c1, c2, c3 = st.columns(3)
    if c1.button(ui.t("approvals.approve"), key=f"approve_{a.id}", type="primary"):
        st.session_state[armed_key] = "approved"
    if c2.button(ui.t("approvals.return"), key=f"return_{a.id}"):
        st.session_state[armed_key] = "returned"
    if c3.button(ui.t("approvals.reject"), key=f"reject_{a.id}"):
        st.session_state[armed_key] = "rejected"
    choice = st.session_state.get(armed_key)
    if choice not in approvals.DECISIONS:
        return
    title = ui.plain(ui.pick(a.title))
    st.warning(ui.t("approvals.confirm_ask", decision=ui.t(f"approvals.verb_{choice}"), title=title, n=a.id))
    k1, k2 = st.columns(2)
    if k2.button(ui.t("approvals.confirm_cancel"), key=f"cancel_{a.id}"):
        st.session_state.pop(armed_key, None)
        st.rerun()
    if k1.button(ui.t(f"approvals.confirm_{choice}", title=title), key=f"confirm_{a.id}", type="primary"):
        st.session_state.pop(armed_key, None)
        ui.change(lambda s: approvals.decide(s, a.id, choice, leader=me, comment=comment or ""),
                  ui.t("approvals.decided", title=title, decision=ui.t(f"approvals.action_{choice}")))


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
st.caption(ui.t("approvals.count", n=len(queue)))

for a in queue:
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
        with st.expander(ui.t("approvals.history")):
            for h in steps[a.id]:
                st.markdown(f"- {local(h.at, 'Asia/Shanghai'):%Y-%m-%d %H:%M} · {ui.plain(_who(h.actor))} · "
                            f"{ui.t(f'approvals.action_{h.action}')}"
                            + (f" — {ui.plain(h.comment)}" if h.comment else ""))
        if a.requested_by == me.username:
            st.info(ui.t("approvals.own_request"))
            continue
        comment = st.text_area(ui.t("approvals.comment"), key=f"comment_{a.id}",
                               help=ui.t("approvals.comment_help"))
        _decision_buttons(a, comment)


_my_decisions()
