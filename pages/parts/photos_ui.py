"""Photos on file, drawn on the allow-list page and the Sessions page (issue 15): one person's upload, a ZIP of
images named by ID digits or row number, and (admins) the deletion of the event's photos under rule P1."""
from __future__ import annotations

import streamlit as st

from pages.parts import ui
from planners.checkin import photos


def photo_section(ev, people, me, *, can_edit: bool, key: str) -> None:
    lang = ui.lang()
    st.caption(ui.t("photos.purge_rule", days=photos.rule("P1")["retention_days"]))
    names = ui.narrowed({a.id: f"{a.name} · {a.unit} · {a.id_last4}" for a in people}, key=f"{key}_find")
    if can_edit and names:
        who = st.selectbox(ui.t("sessions.roll.name"), list(names), format_func=lambda i: names[i],
                           key=f"{key}_who")
        up = st.file_uploader(ui.t("photos.upload"), key=f"{key}_up")
        if up is not None and st.button(ui.t("photos.upload"), key=f"{key}_save"):
            ui.change(lambda s: photos.set_photo(s, who, up.getvalue(), actor=me), lambda m: m[lang])
        zf = st.file_uploader(ui.t("photos.zip"), key=f"{key}_zip")
        if zf is not None and st.button(ui.t("photos.zip"), key=f"{key}_zip_go"):
            ui.change(lambda s: photos.import_zip(s, ev.id, zf.getvalue(), actor=me),
                      lambda r: ui.t("photos.zip_done", n=r["set"], skipped=len(r["skipped"]),
                                     why="; ".join(f"{ui.plain(m)}: {w[lang]}" for m, w in r["skipped"][:5]) or "-"))
    if me.role == "admin":
        reason = st.text_input(ui.t("photos.purge"), key=f"{key}_purge_reason")
        if st.button(ui.t("photos.purge"), key=f"{key}_purge"):
            ui.change(lambda s: photos.purge_event(s, ev.id, actor=me, reason=reason),
                      lambda n: ui.t("photos.purged", n=n, event=ui.plain(ev.title)))
