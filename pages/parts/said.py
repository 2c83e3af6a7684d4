"""A confirmation shown where the user acted (issue 16): `ui.change` flashes at the top of the page, thousands
of pixels above a control low on a long page; these keep the message under the control that was used."""
from __future__ import annotations

import streamlit as st

from pages.parts import ui
from planners.core.errors import ConclaveError

PREFIX = "_said_"


def say(key: str, text: str, kind: str = "success") -> None:
    st.session_state[PREFIX + key] = (kind, text)


def here(key: str) -> None:
    """Show (once) what the last action of control `key` said."""
    said = st.session_state.pop(PREFIX + key, None)
    if said:
        {"success": st.success, "warning": st.warning, "error": st.error}.get(said[0], st.info)(said[1])


def change(key: str, run, done) -> None:
    """Like ui.change (run in a write session, refusal shown, page rerun), but the message is kept for `here(key)`."""
    try:
        with ui.writing() as s:
            result = run(s)
            message = done(result) if callable(done) else done
    except ConclaveError as exc:
        ui.show_error(exc)
        return
    say(key, message)
    st.rerun()
