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
    return ui.t(lk) if ui.t(lk) != lk else key


def _value(key: str, v):
    """A card's value in the reader's language (issue 16): yes/no as 是/否, a "中文 / English" pair as one of them."""
    if v in ("yes", "no"):
        return ui.t(f"values.{v}")
    if key == "visit_type" and isinstance(v, str) and " / " in v:  # written as "zh / en" by visits.requests
        zh, _, en = v.partition(" / ")
        return zh if ui.lang() == "zh_CN" else en
    return v


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
            st.markdown("\n".join(f"- **{_md(_label(k))}**: {_md(_value(k, v))}" for k, v in a.payload.items()
                                   if v not in ("", None, [], {})))
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
        c1, c2, c3 = st.columns(3)
        choice = None
        if c1.button(ui.t("approvals.approve"), key=f"approve_{a.id}", type="primary"):
            choice = "approved"
        if c2.button(ui.t("approvals.return"), key=f"return_{a.id}"):
            choice = "returned"
        if c3.button(ui.t("approvals.reject"), key=f"reject_{a.id}"):
            choice = "rejected"
        if choice:
            ui.change(lambda s: approvals.decide(s, a.id, choice, leader=me, comment=comment or ""),
                      ui.t("approvals.decided", title=ui.plain(ui.pick(a.title)), decision=ui.t(f"approvals.action_{choice}")))
