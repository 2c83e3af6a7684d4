"""Audit trail: filter, verify the chain, download CSV."""
from __future__ import annotations

import streamlit as st

from pages.parts import ui

me = ui.require_role("audit")

from planners.base import audit, trail  # noqa: E402
from planners.base.auth import list_users  # noqa: E402
from planners.exports.tables import to_csv  # noqa: E402

st.title(ui.t("audit.title"))
with ui.reading() as s:
    events = audit.event_titles(s)
    users = [u.username for u in list_users(s)]

a, b, c = st.columns(3)
ev = a.selectbox(ui.t("audit.filter_event"), [None] + list(events),
                 format_func=lambda i: ui.t("events.all") if i is None else f"#{i} {events[i]}")
who = b.selectbox(ui.t("audit.filter_user"), [""] + users, format_func=lambda x: x or ui.t("events.all"))
action = c.text_input(ui.t("audit.filter_action"))

with ui.reading() as s:
    rows = audit.to_rows(audit.query(s, event_id=ev, actor=who or None, action=action.strip() or None))
st.caption(ui.t("audit.entries", n=len(rows)))
st.dataframe(ui.frame(rows), hide_index=True, width="stretch")
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
