"""Home: my events and what needs my attention."""
from __future__ import annotations

import streamlit as st

from pages.parts import ui

me = ui.require_role("home")

from planners.base import home  # noqa: E402
from planners.base.events import local  # noqa: E402
from planners.core.levels import Classification  # noqa: E402

st.title(ui.t("home.title"))
with ui.reading() as s:
    items = home.attention(s, me)
    events = home.my_events(s, me)
    rows = [
        {
            "#": e.id,
            ui.t("events.field_title"): e.title,
            ui.t("events.field_kind"): ui.t("kind." + e.kind),
            ui.t("events.field_level"): Classification(e.level).label(ui.lang()),
            ui.t("events.field_start_date"): local(e.starts_at, e.tz).strftime("%Y-%m-%d %H:%M"),
            ui.t("events.status"): ui.t("status." + e.status),
        }
        for e in events
    ]

st.subheader(ui.t("home.attention"))
if not items:
    st.success(ui.t("home.nothing"))
for it in items:
    text = ui.plain(ui.pick(it.text))  # built from titles and names: shown as text
    {"red": st.error, "orange": st.warning}.get(it.color, st.info)(text)
    if it.data.get("link") and it.page:  # issue 16: the item opens the page it is about (the desk)
        ui.page_link(it.page, ui.t(it.data["link"]), icon=it.data.get("icon", ":material/qr_code_scanner:"))

st.subheader(ui.t("home.my_events"))
if rows:
    st.dataframe(ui.frame(rows), hide_index=True, width="stretch")
else:
    st.info(ui.t("home.no_events"))
