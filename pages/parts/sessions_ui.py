"""The front desk's issue-15 parts: the door picker (main entrance or a session's door), and what follows a
verdict (the secrecy notice ticked as signed; a photo taken with the person's consent at first check-in)."""
from __future__ import annotations

import streamlit as st

from pages.parts import ui
from planners.checkin import notice, photos
from planners.checkin import sessions as ss
from planners.core.errors import ConclaveError


def door_picker(ev) -> int | None:
    """The session whose door this desk stands at (None: the main entrance). Shown only when the event has
    sessions; the choice is kept per event in this browser session."""
    with ui.reading() as s:
        rows = [(x.id, x.title) for x in ss.list_sessions(s, ev.id)]
    if not rows:
        return None
    titles = dict(rows)
    options = [None] + [i for i, _ in rows]
    key = f"desk_door_{ev.id}"
    picked = st.selectbox(ui.t("sessions.door.pick"), options, key=key,
                          format_func=lambda i: ui.t("sessions.door.main") if i is None
                          else ui.t("sessions.door.at", session=titles[i]))
    if picked is not None:
        with ui.reading() as s:
            n = len(ss.inside_session(s, picked))
        st.caption(ui.plain(ui.t("sessions.door.inside", session=titles[picked], n=n)))
    return picked


def after_verdict(ev, v, *, desk: str, me) -> None:
    """The secrecy notice's tick, and the camera photo at first check-in (with consent), below the verdict."""
    if v is None or not v.attendee:
        return
    for a in v.require_attention:
        if a.get("code") == "secrecy_notice":
            with ui.reading() as s:
                n = notice.current(s, ev.id)
            if n is not None:
                with st.expander(ui.t("notice.title") + " · " + ui.t("notice.version", version=n.version),
                                 expanded=True):
                    st.text(n.text)
                    if st.button(ui.t("notice.sign", version=n.version), key=f"notice_sign_{v.attendee['id']}"):
                        ui.change(lambda s, n=n: notice.sign(s, ev.id, v.attendee["id"], version=n.version, desk=desk,
                                                        actor=me), lambda msg: msg[ui.lang()])
    if v.reason == "ok" and not v.attendee.get("has_photo") and v.details.get("entry") == 1:
        with st.expander(ui.t("photos.upload")):
            consent = st.checkbox(ui.t("photos.consent"), key=f"photo_consent_{v.attendee['id']}")
            if consent:
                shot = st.camera_input(ui.t("photos.upload"), key=f"photo_cam_{v.attendee['id']}")
                if shot is not None:
                    try:
                        with ui.writing() as s:
                            msg = photos.set_photo(s, v.attendee["id"], shot.getvalue(), actor=me, source="camera",
                                                   consent=True)
                        st.success(msg[ui.lang()])
                    except ConclaveError as exc:
                        ui.show_error(exc)
