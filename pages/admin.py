"""Admin: accounts and roles."""
from __future__ import annotations

import streamlit as st

from pages.parts import said, ui

me = ui.require_role("admin")

from planners.base import auth  # noqa: E402
from planners.core.errors import ConclaveError  # noqa: E402
from planners.core.clock import utcnow  # noqa: E402

st.title(ui.t("admin.title"))

with ui.reading() as s:
    users = auth.list_users(s)
now = utcnow()
st.subheader(ui.t("admin.users"))
st.dataframe(ui.frame([{
    "#": u.id, ui.t("admin.username"): u.username, ui.t("admin.display_name"): u.display_name,
    ui.t("admin.role"): ui.t("role." + u.role), ui.t("admin.active"): u.active,
    ui.t("admin.locked"): u.locked_until.strftime("%Y-%m-%d %H:%M") if u.locked_until and u.locked_until > now else "",
} for u in users]), hide_index=True, width="stretch")

# Issue 16: the changes run in the buttons' callbacks, before the page is drawn, so the table above already
# shows a created account or a new role, and the confirmation appears under the control that was used.
def _create() -> None:
    try:
        with ui.writing() as s:
            u, pw = auth.create_user(s, username=st.session_state.get("admin_new_username", ""),
                                     role=st.session_state.get("admin_new_role", auth.ROLES[0]), actor=me.username,
                                     display_name=st.session_state.get("admin_new_display", ""))
    except ConclaveError as exc:
        said.say("admin_create", ui.error_text(exc), "error")
    else:
        said.say("admin_create", ui.t("admin.created", username=ui.plain(u.username), password=ui.plain(pw),
                                      hours=auth.ONE_TIME_PASSWORD_HOURS))


def _save_role(uid: int) -> None:
    role, active = st.session_state.get(f"role{uid}"), st.session_state.get(f"active{uid}")
    try:
        with ui.writing() as s:
            auth.update_user(s, user_id=uid, actor=me, role=role, active=active)
    except ConclaveError as exc:
        said.say("admin_save", ui.error_text(exc), "error")
    else:
        name = next((x.display_name or x.username for x in users if x.id == uid), str(uid))
        said.say("admin_save", ui.t("admin.role_saved", name=ui.plain(name), role=ui.t("role." + role),
                                    active=ui.t("admin.active_yes" if active else "admin.active_no")))


with st.form("add_user", clear_on_submit=True):
    st.markdown(f"**{ui.t('admin.add')}**")
    a, b, c = st.columns(3)
    a.text_input(ui.t("admin.username"), key="admin_new_username")
    b.text_input(ui.t("admin.display_name"), key="admin_new_display")
    c.selectbox(ui.t("admin.role"), auth.ROLES, format_func=lambda r: ui.t("role." + r), key="admin_new_role")
    st.form_submit_button(ui.t("admin.create"), type="primary", on_click=_create)
said.here("admin_create")

st.divider()
by_id = {u.id: u for u in users}
uid = st.selectbox(ui.t("admin.username"), list(by_id), format_func=lambda i: by_id[i].username, key="admin_pick")
if uid is not None:
    u = by_id[uid]
    a, b = st.columns(2)
    a.selectbox(ui.t("admin.role"), auth.ROLES, index=auth.ROLES.index(u.role),
                format_func=lambda r: ui.t("role." + r), key=f"role{uid}")
    b.checkbox(ui.t("admin.active"), value=u.active, key=f"active{uid}")
    c1, c2, c3 = st.columns(3)
    c1.button(ui.t("admin.save"), key=f"apply{uid}", on_click=_save_role, args=(uid,))
    said.here("admin_save")
    if c2.button(ui.t("admin.unlock"), key=f"unlock{uid}"):
        try:
            with ui.writing() as s:
                auth.update_user(s, user_id=uid, actor=me, unlock=True)
        except ConclaveError as exc:
            ui.show_error(exc)
        else:
            st.success(ui.t("admin.updated"))
    if c3.button(ui.t("admin.reset"), key=f"reset{uid}"):
        try:
            with ui.writing() as s:
                pw = auth.reset_password(s, username=u.username, actor=me.username)
        except ConclaveError as exc:
            ui.show_error(exc)
        else:
            st.success(ui.t("admin.reset_done", username=ui.plain(u.username), password=ui.plain(pw), hours=auth.ONE_TIME_PASSWORD_HOURS))

# ---- desks: registered devices (issue 18, item 1); the front desk page is bound to one of them
from planners import checkin  # noqa: E402

st.divider()
st.subheader(ui.t("admin.desks"))
st.caption(ui.t("admin.desks_help"))
with ui.reading() as s:
    desks = [{ui.t("admin.desk_name"): d.name, ui.t("admin.desk_location"): d.location,
              ui.t("admin.desk_kind"): ui.t(f"admin.desk_kind_{d.kind}"),
              ui.t("admin.desk_registered_by"): d.registered_by} for d in checkin.list_desks(s)]
if desks:
    st.dataframe(ui.frame(desks), hide_index=True, width="stretch")
else:
    st.info(ui.t("admin.no_desks"))
with st.form("register_desk", clear_on_submit=True):
    a, b, c = st.columns(3)
    desk_name = a.text_input(ui.t("admin.desk_name"), key="desk_new_name")
    desk_location = b.text_input(ui.t("admin.desk_location"), key="desk_new_location")
    desk_kind = c.selectbox(ui.t("admin.desk_kind"), checkin.DESK_KINDS, key="desk_new_kind",
                            format_func=lambda k: ui.t(f"admin.desk_kind_{k}"))
    if st.form_submit_button(ui.t("admin.desk_register")):
        ui.change(lambda s: checkin.register_desk(s, desk_name, location=desk_location, kind=desk_kind,
                                                  actor=me).name,
                  lambda name: ui.t("admin.desk_registered", name=name))
