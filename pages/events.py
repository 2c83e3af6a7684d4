"""Events: list and filter, create, edit (with undo), change status."""
from __future__ import annotations

from datetime import datetime, time, timedelta

import pandas as pd
import streamlit as st

from pages import ui

me = ui.require_role("events")

from planners import events as ev_mod  # noqa: E402
from planners.errors import ConclaveError, ValidationFailed  # noqa: E402
from planners.levels import ALL_LEVELS, Classification  # noqa: E402
from planners.store.db import read_session, write_session  # noqa: E402
from planners.venue import list_venues  # noqa: E402

st.title(ui.t("events.title"))

FIELD_LABELS = {"title": "events.field_title", "kind": "events.field_kind", "level": "events.field_level",
                "retention": "events.field_retention", "start": "events.field_start_date",
                "end": "events.field_end_date", "tz": "events.field_tz", "venue_id": "events.field_venue",
                "device_policy": "events.field_device_policy"}


def report(exc: ConclaveError) -> None:
    if isinstance(exc, ValidationFailed) and exc.field in FIELD_LABELS:
        st.error(ui.t("events.field_error", field=ui.t(FIELD_LABELS[exc.field]), message=exc.localized(ui.lang())))
    else:
        ui.show_error(exc)


with read_session() as s:
    venues = {v.id: v.name for v in list_venues(s)}

# ---- list and filter
c1, c2, c3 = st.columns(3)
status_f = c1.selectbox(ui.t("events.filter_status"), [""] + list(ev_mod.STATUSES),
                        format_func=lambda x: ui.t("events.all") if not x else ui.t("status." + x))
kind_f = c2.selectbox(ui.t("events.filter_kind"), [""] + list(ev_mod.KINDS),
                      format_func=lambda x: ui.t("events.all") if not x else ui.t("kind." + x))
text_f = c3.text_input(ui.t("events.filter_text"))
with read_session() as s:
    listed = ev_mod.visible_events(s, me, status=status_f or None, kind=kind_f or None, text=text_f or None)
    table = pd.DataFrame([{
        "#": e.id, ui.t("events.field_title"): e.title, ui.t("events.field_kind"): ui.t("kind." + e.kind),
        ui.t("events.field_level"): Classification(e.level).marking(e.retention, ui.lang()),
        ui.t("events.field_start_date"): ev_mod.local(e.starts_at, e.tz).strftime("%Y-%m-%d %H:%M"),
        ui.t("events.field_venue"): e.venue.name if e.venue else "",
        ui.t("events.status"): ui.t("status." + e.status)} for e in listed])
st.subheader(ui.t("events.list"))
if len(table):
    st.dataframe(table, hide_index=True, width="stretch")
else:
    st.info(ui.t("home.no_events"))


def event_form(prefix: str, current=None) -> ev_mod.EventInput | None:
    """Draw the event form; returns the input when submitted."""
    tzname = current.tz if current else "Asia/Shanghai"
    if current:
        s_local, e_local = ev_mod.local(current.starts_at, tzname), ev_mod.local(current.ends_at, tzname)
    else:
        base = datetime.now() + timedelta(days=7)
        s_local = datetime.combine(base.date(), time(9, 0))
        e_local = datetime.combine(base.date(), time(12, 0))
    with st.form(f"{prefix}_form"):
        title = st.text_input(ui.t("events.field_title"), value=current.title if current else "",
                              help=ui.t("events.field_title_help"), key=f"{prefix}_title")
        a, b = st.columns(2)
        kind = a.selectbox(ui.t("events.field_kind"), ev_mod.KINDS, format_func=lambda x: ui.t("kind." + x),
                           index=ev_mod.KINDS.index(current.kind) if current else 0, key=f"{prefix}_kind")
        levels = [c.value for c in reversed(ALL_LEVELS)]
        level = b.selectbox(ui.t("events.field_level"), levels,
                            format_func=lambda v: Classification(v).label(ui.lang()),
                            index=levels.index(current.level) if current else None, key=f"{prefix}_level")
        retention = st.text_input(ui.t("events.field_retention"), value=current.retention if current else "",
                                  help=ui.t("events.field_retention_help"), key=f"{prefix}_retention")
        a, b, c, d = st.columns(4)
        sd = a.date_input(ui.t("events.field_start_date"), value=s_local.date(), key=f"{prefix}_sd")
        stime = b.time_input(ui.t("events.field_start_time"), value=s_local.time(), key=f"{prefix}_st")
        ed = c.date_input(ui.t("events.field_end_date"), value=e_local.date(), key=f"{prefix}_ed")
        etime = d.time_input(ui.t("events.field_end_time"), value=e_local.time(), key=f"{prefix}_et")
        a, b = st.columns(2)
        tz = a.text_input(ui.t("events.field_tz"), value=tzname, key=f"{prefix}_tz")
        venue_ids = [None] + list(venues)
        venue = b.selectbox(ui.t("events.field_venue"), venue_ids,
                            format_func=lambda i: ui.t("events.no_venue") if i is None else venues[i],
                            index=venue_ids.index(current.venue_id) if current and current.venue_id in venue_ids else 0,
                            key=f"{prefix}_venue")
        host = st.text_input(ui.t("events.field_host_unit"), value=current.host_unit if current else "",
                             key=f"{prefix}_host")
        relay = st.text_area(ui.t("events.field_relay_scope"), value=current.relay_scope if current else "",
                             help=ui.t("events.field_relay_scope_help"), key=f"{prefix}_relay")
        a, b = st.columns(2)
        dp = a.selectbox(ui.t("events.field_device_policy"), ev_mod.DEVICE_POLICIES,
                         format_func=lambda x: ui.t("device_policy." + x),
                         index=ev_mod.DEVICE_POLICIES.index(current.device_policy) if current else 0,
                         key=f"{prefix}_dp")
        foreign = b.checkbox(ui.t("events.field_foreign"), value=current.foreign_participants if current else False,
                             key=f"{prefix}_foreign")
        submitted = st.form_submit_button(ui.t("events.save") if current else ui.t("events.create"), type="primary")
    if not submitted:
        return None
    return ev_mod.EventInput(title=title, kind=kind, level=level or "", retention=retention,
                             start=datetime.combine(sd, stime), end=datetime.combine(ed, etime), tz=tz.strip(),
                             venue_id=venue, host_unit=host, relay_scope=relay, device_policy=dp,
                             foreign_participants=foreign)


if me.role in ("organizer", "admin"):
    with st.expander(ui.t("events.new"), expanded=not listed):
        data = event_form("new")
        if data is not None:
            try:
                with write_session() as s:
                    created = ev_mod.create_event(s, data, actor=me)
                    st.session_state["event_id"] = created.id
            except ConclaveError as exc:
                report(exc)
            else:
                ui.flash(ui.t("events.created", title=data.title))
                st.rerun()

# ---- one event: edit, undo, status
if listed:
    st.divider()
    with read_session() as s:
        chosen = ui.event_picker(ev_mod.visible_events(s, me))
    if chosen is not None:
        st.subheader(f"#{chosen.id} {chosen.title}")
        st.caption(f"{ui.t('events.status')}: {ui.t('status.' + chosen.status)} · "
                   f"{Classification(chosen.level).marking(chosen.retention, ui.lang())}")
        editable = me.role == "admin" or (me.role == "organizer" and chosen.organizer_id == me.id)
        if editable and chosen.status != "closed":
            with st.expander(ui.t("events.edit")):
                data = event_form(f"edit{chosen.id}", chosen)
                if data is not None:
                    try:
                        with write_session() as s:
                            ev_mod.update_event(s, chosen.id, data, actor=me, expected_version=chosen.version)
                    except ConclaveError as exc:
                        report(exc)
                    else:
                        ui.flash(ui.t("events.saved", title=data.title))
                        st.rerun()
                if st.button(ui.t("events.undo"), key=f"undo{chosen.id}"):
                    try:
                        with write_session() as s:
                            ev_mod.undo_last_edit(s, chosen.id, actor=me)
                    except ConclaveError as exc:
                        ui.show_error(exc)
                    else:
                        st.success(ui.t("events.undone"))
        targets = ev_mod.TRANSITIONS.get(chosen.status, ())
        if targets and (editable or me.role == "leader"):
            a, b = st.columns([3, 1])
            target = a.selectbox(ui.t("events.move_to"), targets, format_func=lambda x: ui.t("status." + x),
                                 key=f"target{chosen.id}")
            if b.button(ui.t("events.move"), key=f"move{chosen.id}"):
                try:
                    with write_session() as s:
                        ev_mod.transition(s, chosen.id, target, actor=me)
                except ev_mod.EventNotReady as exc:
                    st.error(ui.t("events.not_ready", n=len(exc.findings)))
                    ui.show_findings(exc.findings)
                except ConclaveError as exc:
                    ui.show_error(exc)
                else:
                    ui.flash(ui.t("events.moved", status=ui.t("status." + target)))
                    st.rerun()
