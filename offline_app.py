"""The offline desk's local page (issue 15): `conclave desk offline PACK` serves it on 127.0.0.1.

No server, no database, no network: the verdicts come from the signed pack, every scan is appended to the local
log (planners.checkin.offline). The same verdict screen as the front desk, marked OFFLINE in red. Merge the log
later with `conclave desk sync LOG`. Arguments (after `--`): PACK LOG DESK."""
from __future__ import annotations

import sys

import streamlit as st

from pages.parts import ui
from planners.checkin import offline
from planners.core.errors import ConclaveError

st.set_page_config(page_title="Conclave OFFLINE", layout="wide")
ui.init_lang()
ui.language_switch()
pack_file, log_file, desk_name = (sys.argv[1:4] + ["", "", "offline"])[:3]


@st.cache_resource(show_spinner=False)
def _desk(pack_path: str, log_path: str, name: str) -> offline.OfflineDesk:
    return offline.open_desk(pack_path, log_path, desk=name)


try:
    desk = _desk(pack_file, log_file, desk_name)
except ConclaveError as exc:
    st.error(ui.error_text(exc))
    st.stop()
lang = ui.lang()
st.markdown(f"<div data-testid='offline-banner' style='background:#b00020;color:white;padding:.8rem 1.2rem;"
            f"border-radius:.4rem;font-size:1.4rem;font-weight:800'>OFFLINE · 离线 — "
            f"{ui.plain_html(ui.t('offline.banner', made=desk.pack.body['made_at'] + 'Z'))}</div>",
            unsafe_allow_html=True)
st.title(ui.plain(desk.pack.body["event"]["title"]))
st.caption(ui.t("offline.fingerprint", fingerprint=desk.pack.fingerprint))
doors = [offline.MAIN] + [str(s["id"]) for s in desk.pack.body["sessions"]]
door = st.selectbox(ui.t("offline.door"), doors, key="offline_door", format_func=lambda d: desk.pack.door_title(d, lang))
modes = {ui.t("desk.mode_in"): "in", ui.t("desk.mode_out"): "out"}
direction = modes[st.radio(ui.t("desk.mode"), list(modes), horizontal=True, key="offline_mode")]


def _on_scan() -> None:
    raw = st.session_state.get("offline_scan", "")
    st.session_state["offline_scan"] = ""
    if raw.strip():
        try:
            st.session_state["offline_verdict"] = desk.decide(raw, door=door, direction=direction)
        except ConclaveError as exc:
            st.session_state["offline_error"] = ui.error_text(exc)


st.text_input(ui.t("offline.scan"), key="offline_scan", on_change=_on_scan)
if "offline_error" in st.session_state:
    st.error(st.session_state.pop("offline_error"))
v = st.session_state.get("offline_verdict")
if v is not None:
    lines = []
    if v.attendee:
        lines.append(" · ".join(x for x in (v.attendee["name"], v.attendee.get("unit", "")) if x))
    lines.append(v.todo[lang])
    lines += ["▶ " + a["text"][lang] for a in v.require_attention]
    ui.verdict_banner(v.color, v.message[lang], lines)
c1, c2, c3 = st.columns(3)
c1.metric(ui.t("desk.n_inside"), desk.inside_count(door))
c2.metric(ui.t("offline.log"), desk.entries())
c3.metric(ui.t("offline.lockers_in_use"), len(desk.lockers_in_use()))  # the pack's and this desk's (issue 15)
st.caption(ui.plain(str(log_file)))
