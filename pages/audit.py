"""Audit trail: filter, verify the chain, download CSV."""
from __future__ import annotations

import streamlit as st

from pages.parts import ui

me = ui.require_role("audit")

from planners.base import audit, audit_view, trail  # noqa: E402
from planners.base.auth import list_users  # noqa: E402
from planners.exports.tables import to_csv  # noqa: E402

st.title(ui.t("audit.title"))
lang = ui.lang()
with ui.reading() as s:
    events = audit.event_titles(s)
    users = {u.username: u.display_name for u in list_users(s)}
    codes = audit_view.actions_in_log(s)

# Filters in the reader's words (issue 16): event by title, person by name, actions by their names, office dates
a, b = st.columns(2)
ev = a.selectbox(ui.t("audit.filter_event"), [None] + list(events), key="audit_event",
                 format_func=lambda i: ui.t("events.all") if i is None else events[i])
who = b.selectbox(ui.t("audit.filter_user"), [""] + list(users), key="audit_user",
                  format_func=lambda x: (f"{users[x]}（{x}）" if lang == "zh_CN" else f"{users[x]} ({x})")
                  if x and users.get(x) and users[x] != x else (x or ui.t("events.all")))
c, d, e = st.columns([2, 1, 1])
picked = c.multiselect(ui.t("audit_view.filter_actions"), codes, key="audit_actions",
                       format_func=lambda code: audit_view.action_label(code, lang),
                       placeholder=ui.t("audit_view.all_actions"))
since = d.date_input(ui.t("audit_view.filter_since"), value=None, key="audit_since", format="YYYY-MM-DD")
until = e.date_input(ui.t("audit_view.filter_until"), value=None, key="audit_until", format="YYYY-MM-DD")

with ui.reading() as s:
    found = audit_view.search(s, audit_view.Filter(event_id=ev, actor=who or None, actions=tuple(picked),
                                                   since=since, until=until))
    rows = audit_view.readable_rows(s, found, lang)
st.caption(ui.t("audit.entries", n=len(rows)))
st.dataframe(ui.frame(rows, columns=[ui.t(f"audit_view.col.{k}") for k in audit_view.COLUMNS]), hide_index=True,
             width="stretch")
st.download_button(ui.t("audit.download"), to_csv(rows), file_name="conclave-audit.csv", mime="text/csv")

if st.button(ui.t("audit.verify"), type="primary"):
    with ui.reading() as s:  # both chains, the triggers, the signed checkpoints outside the database
        rep = audit.verify_trail(s)
    if rep.ok:
        st.success(ui.t("audit.intact", n=rep.audit.checked, head=rep.audit.head))
        st.caption(ui.t("audit.proven", scans=rep.scans.checked, checkpoints=rep.checkpoints,
                        latest=trail.describe(rep.latest)))
    else:
        st.error(ui.t("audit.not_proven", n=len(rep.problems)))
        st.text("\n".join(f"- {p}" for p in rep.problems))
