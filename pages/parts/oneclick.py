"""One click for an export (issue 16): the button builds the file under a progress box (st.status) and the
download starts by itself; a "download again" button stays for the same file. Before, a first button prepared
the file and a second one downloaded it, with no sign of progress for 5-9 seconds."""
from __future__ import annotations

import json
from collections.abc import Callable

import streamlit as st

from pages.parts import ui
from planners.core.errors import ConclaveError


def download(key: str, label: str, build: Callable[[], bytes], *, file_name: str, mime: str, where=None,
             help: str | None = None, done: Callable[[bytes], str] | None = None) -> bytes | None:
    """A button `key` labelled `label`; a click runs `build()` inside st.status, stores the bytes and starts the
    download. Returns the bytes of the last build (or None)."""
    where = where if where is not None else st
    store = f"{key}_file"
    clicked = where.button(label, key=key, icon=":material/download:", help=help)
    if clicked:
        with where.status(ui.t("oneclick.working"), expanded=False) as box:
            try:
                data = build()
            except ConclaveError as exc:
                box.update(label=ui.t("oneclick.failed"), state="error", expanded=True)
                ui.show_error(exc)
                return None
            st.session_state[store] = data
            box.update(label=done(data) if done else ui.t("oneclick.done"), state="complete")
    data = st.session_state.get(store)
    if data is None:
        return None
    where.download_button(ui.t("oneclick.again"), data, file_name=file_name, mime=mime, key=f"{key}_dl",
                          on_click="ignore", icon=":material/file_download:")
    if clicked:  # only in the run of the click: a later rerun does not download it again
        st.html("<script>(function(){const sel = %s;"
                "function go(n){const b = window.document.querySelector(sel);"
                "if (b) { b.click(); } else if (n > 0) { setTimeout(() => go(n - 1), 100); }}"
                "go(30);})();</script>" % json.dumps(f".st-key-{key}_dl button"),
                unsafe_allow_javascript=True)
    return data


def forget(*keys: str) -> None:
    """Drop the stored files of these buttons (after a change that makes them stale, e.g. a reissued badge)."""
    for k in keys:
        st.session_state.pop(f"{k}_file", None)
