"""Sessions of an event (issue 15): each session's room, times, level, device policy, knowledge scope and list;
the event's secrecy notice (versioned); the paper fallback's sheets; photos on file; end-of-day room checks."""
from __future__ import annotations

from datetime import datetime, time

import pandas as pd
import streamlit as st

from pages.parts import cache, photos_ui, ui

me = ui.require_role("sessions")

from planners.attendees import allowlist
from planners.base.events import local, may_edit, visible_events
from planners.checkin import notice, paper
from planners.checkin import sessions as ss
from planners.core.clock import utcnow, zone
from planners.core.errors import ConclaveError
from planners.core.levels import Classification
from planners.venues.records import list_venues

st.title(ui.t("sessions.title"))
st.caption(ui.t("sessions.help"))
with ui.reading() as s:
    events = visible_events(s, me)
ev = ui.event_picker(events)
if ev is None:
    st.stop()
lang = ui.lang()
can_edit = may_edit(me, ev)
tz = zone(ev.tz)

with ui.reading() as s:
    rows = ss.session_rows(s, ev.id, lang)
    venues = {v.id: v.name for v in list_venues(s)}
    current_notice = notice.current(s, ev.id)
    checks = ss.room_checks(s, ev.id)
    places = ss.places_to_check(s, ev)
    days = ss.event_days(ev)
people = cache.shared(allowlist.list_attendees, ev.id)  # issue 17: 10,000 rows read once per change of the data
names = {a.id: f"{a.name} · {a.unit}" for a in people}

tab_s, tab_n, tab_p, tab_ph, tab_c = st.tabs([ui.t("sessions.title"), ui.t("notice.title"),
                                               ui.t("paper.signin_title") + " / " + ui.t("paper.receipt_title"),
                                               ui.t("photos.upload"), ui.t("sessions.checks.title")])

with tab_s:
    if rows:
        st.dataframe(pd.DataFrame([{ui.t(f"sessions.col.{k}"): r[k] for k in
                                    ("id", "title", "level", "room", "start", "end", "devices", "admitted", "inside")}
                                   for r in rows]), hide_index=True, width="stretch")
        for r in rows:
            with ui.reading() as s:
                csv = ss.roll_call_session(s, r["id"], lang)
            st.download_button(f"{ui.t('sessions.roll.download')} · {r['title']}", csv, file_name=f"session-{r['id']}.csv",
                               mime="text/csv", key=f"roll_{r['id']}")
    levels = [c.value for c in Classification if not c.above(ev.level)]
    if can_edit:
        st.subheader(ui.t("sessions.form.add"))
        # the people are picked outside the form, so a search (beyond ui.PICK_MAX people) narrows them at once and
        # keeps the choices made (issue 17: 10,000 options in one list weighed on every rerun of the page)
        pick = ui.narrowed_multi(names, key="session_admit_q", chosen_key="session_admitted")
        picked = st.multiselect(ui.t("sessions.form.admitted"), list(pick), format_func=lambda i: names[i],
                                key="session_admitted")
        if len(names) > ui.PICK_MAX and picked:
            st.caption(ui.t("sessions.form.chosen", n=len(picked)))
        with st.form("session_add"):
            title = st.text_input(ui.t("sessions.form.title"), max_chars=200)
            c1, c2, c3 = st.columns(3)
            day = c1.date_input(ui.t("sessions.form.start_day"), value=days[0], min_value=days[0], max_value=days[-1])
            t_from = c2.time_input(ui.t("sessions.form.start_time"), value=time(9, 0))
            t_to = c3.time_input(ui.t("sessions.form.end_time"), value=time(12, 0))
            c4, c5, c6 = st.columns(3)
            venue = c4.selectbox(ui.t("sessions.form.venue"), [None, *venues],
                                 format_func=lambda i: ui.t("sessions.form.no_venue") if i is None else venues[i])
            room = c5.text_input(ui.t("sessions.form.room"), max_chars=120)
            level = c6.selectbox(ui.t("sessions.form.level"), levels, index=len(levels) - 1,
                                 format_func=lambda v: Classification(v).label(lang))
            devices = st.selectbox(ui.t("sessions.form.devices"), list(ss.DEVICE_POLICIES),
                                   format_func=lambda v: ui.t(f"sessions.devices.{v}"))
            scope = st.text_area(ui.t("sessions.form.scope"), max_chars=2000)
            everyone = st.checkbox(ui.t("sessions.form.admit_all", n=len(names)), key="session_admit_all",
                                   help=ui.t("sessions.form.admit_all_help"))
            if st.form_submit_button(ui.t("sessions.form.save")):
                admitted = list(names) if everyone else picked
                start = datetime.combine(day, t_from, tzinfo=tz)
                end = datetime.combine(day, t_to, tzinfo=tz)
                data = ss.SessionInput(title=title, start=start, end=end, level=level, venue_id=venue, room=room,
                                       device_policy=devices, knowledge_scope=scope, admitted=tuple(admitted))
                ui.change(lambda s: ss.create_session(s, ev.id, data, actor=me).title,
                          lambda t_: ui.t("sessions.form.saved", title=ui.plain(t_)))
        if rows:
            with st.expander(ui.t("sessions.form.delete")):
                gone = st.selectbox(ui.t("sessions.col.title"), [r["id"] for r in rows],
                                    format_func=lambda i: next(r["title"] for r in rows if r["id"] == i))
                if st.checkbox(ui.t("sessions.form.confirm_delete"), key="session_del_ok") and st.button(
                        ui.t("sessions.form.delete"), key="session_del"):
                    ui.change(lambda s: ss.delete_session(s, gone, actor=me), ui.t("sessions.form.deleted"))

with tab_n:
    st.caption(ui.t("notice.help"))
    if current_notice is None:
        st.info(ui.t("notice.none"))
    else:
        st.markdown(f"**{ui.t('notice.version', version=current_notice.version)}**")
        st.text(current_notice.text)
    if can_edit:
        with st.form("notice_form"):
            text = st.text_area(ui.t("notice.text"), value=current_notice.text if current_notice else "", height=200,
                                max_chars=notice.MAX_TEXT)
            required = st.checkbox(ui.t("notice.required"), value=current_notice.required if current_notice else True)
            if st.form_submit_button(ui.t("notice.save")):
                ui.change(lambda s: notice.save(s, ev.id, text, required=required, actor=me).version,
                          lambda v: ui.t("notice.saved", version=v))

with tab_p:
    choices = [None] + [r["id"] for r in rows]
    which = st.selectbox(ui.t("sessions.door.pick"), choices, key="paper_scope",
                         format_func=lambda i: ui.t("paper.whole_event") if i is None
                         else next(r["title"] for r in rows if r["id"] == i))
    plang = st.radio("PDF", ["zh_CN", "en"], horizontal=True, key="paper_lang",
                     format_func=lambda x: ui.LANG_LABELS[x])
    c1, c2 = st.columns(2)
    for col, kind, fn in ((c1, "signin", paper.signin_sheet), (c2, "receipt", paper.receipt_sheet)):
        if col.button(ui.t(f"paper.download_{kind}"), key=f"paper_make_{kind}"):
            try:
                with ui.writing() as s:
                    st.session_state[f"paper_{kind}"] = fn(s, ev.id, session_id=which, lang=plang, actor=me)
            except ConclaveError as exc:
                ui.show_error(exc)
        if f"paper_{kind}" in st.session_state:
            col.download_button("PDF", st.session_state[f"paper_{kind}"], file_name=f"{kind}-{ev.id}.pdf",
                                mime="application/pdf", key=f"paper_dl_{kind}")

with tab_ph:
    photos_ui.photo_section(ev, people, me, can_edit=can_edit, key="ses_photo")

with tab_c:
    st.caption(ui.t("sessions.checks.help"))
    if checks:
        st.dataframe(pd.DataFrame([{ui.t("sessions.checks.day"): c.day, ui.t("sessions.checks.place"): c.place,
                                    ui.t("sessions.checks.kind"): ui.t(f"sessions.checks.kinds.{c.kind}"),
                                    ui.t("sessions.checks.result"): ui.t(f"sessions.checks.results.{c.result}"),
                                    ui.t("sessions.checks.by"): c.checked_by,
                                    ui.t("sessions.checks.at"): local(c.checked_at, ev.tz).strftime("%Y-%m-%d %H:%M"),
                                    ui.t("sessions.checks.note"): c.note} for c in checks]),
                     hide_index=True, width="stretch")
    with st.form("room_check"):
        c1, c2, c3 = st.columns(3)
        day = c1.selectbox(ui.t("sessions.checks.day"), days, index=min(len(days) - 1, max(0, (
            local(utcnow(), ev.tz).date() - days[0]).days)))
        place = c2.text_input(ui.t("sessions.checks.place"), value=places[0] if places else "")
        kind = c3.selectbox(ui.t("sessions.checks.kind"), list(ss.CHECK_KINDS),
                            format_func=lambda k: ui.t(f"sessions.checks.kinds.{k}"))
        result = st.radio(ui.t("sessions.checks.result"), list(ss.CHECK_RESULTS), horizontal=True,
                          format_func=lambda k: ui.t(f"sessions.checks.results.{k}"))
        note = st.text_input(ui.t("sessions.checks.note"), max_chars=300)
        if st.form_submit_button(ui.t("sessions.checks.record")):
            ui.change(lambda s: ss.record_room_check(s, ev.id, day=day, place=place, result=result, kind=kind,
                                                     note=note, actor=me),
                      lambda r: ui.t("sessions.checks.recorded", place=ui.plain(r.place), day=r.day))

