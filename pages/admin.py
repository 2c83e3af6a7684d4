"""Admin: accounts and roles."""
from __future__ import annotations

import streamlit as st

from pages.parts import ui

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

with st.form("add_user", clear_on_submit=True):
    st.markdown(f"**{ui.t('admin.add')}**")
    a, b, c = st.columns(3)
    username = a.text_input(ui.t("admin.username"))
    display = b.text_input(ui.t("admin.display_name"))
    role = c.selectbox(ui.t("admin.role"), auth.ROLES, format_func=lambda r: ui.t("role." + r))
    if st.form_submit_button(ui.t("admin.create"), type="primary"):
        try:
            with ui.writing() as s:
                u, pw = auth.create_user(s, username=username, role=role, actor=me.username, display_name=display)
        except ConclaveError as exc:
            ui.show_error(exc)
        else:
            st.success(ui.t("admin.created", username=ui.plain(u.username), password=ui.plain(pw), hours=auth.ONE_TIME_PASSWORD_HOURS))

st.divider()
by_id = {u.id: u for u in users}
uid = st.selectbox(ui.t("admin.username"), list(by_id), format_func=lambda i: by_id[i].username, key="admin_pick")
if uid is not None:
    u = by_id[uid]
    a, b = st.columns(2)
    new_role = a.selectbox(ui.t("admin.role"), auth.ROLES, index=auth.ROLES.index(u.role),
                           format_func=lambda r: ui.t("role." + r), key=f"role{uid}")
    active = b.checkbox(ui.t("admin.active"), value=u.active, key=f"active{uid}")
    c1, c2, c3 = st.columns(3)
    if c1.button(ui.t("admin.save"), key=f"apply{uid}"):
        try:
            with ui.writing() as s:
                auth.update_user(s, user_id=uid, actor=me, role=new_role, active=active)
        except ConclaveError as exc:
            ui.show_error(exc)
        else:
            st.success(ui.t("admin.updated"))
            st.rerun()
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
