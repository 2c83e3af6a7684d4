"""Trips abroad (出国（境）): the request (travellers from the people register, destinations, itinerary table,
scope of talks), vetting, the pre-departure briefing and the departure gate, the carry check, the return debrief,
exports. Organizers make and run trips; leaders read them (they decide in Approvals); the security officer
records briefings and the signed outbound pledges."""
from __future__ import annotations

from datetime import date, timedelta

import pandas as pd
import streamlit as st

from pages.parts import ui

me = ui.require_role("trips")

from planners import trips
from planners.core import i18n, permissions
from planners.core.clock import office_today  # the office's date, not the server's (UTC) one
from planners.core.errors import ConclaveError, ValidationFailed
from planners.core.levels import ALL_LEVELS, Classification
from planners.visits import disclosure

LANG = ui.lang()
st.title(ui.t("trips.title"))
st.caption(ui.t("trips.help"))
ui.show_flash()

with ui.reading() as s:
    listed = trips.visible(s, me)
    countries = trips.countries()
    catalogue = disclosure.topics(s)
    people_rows = {p.id: p for p in trips.candidates(s, me)} if permissions.allowed(me, "trip.create") else {}
    organizers = {u.id: (u.display_name or u.username) for u in trips.organizers(s)}

CODES = sorted(c for c in countries if c != "CN")
ITIN_COLS = ["day", "place", "host", "meeting"]
SCOPE_COLS = ["topic", "decision", "methods"]


def country_label(c: str) -> str:
    return f"{c} · {trips.country_name(c, LANG)}"


def person_label(pid: int) -> str:
    p = people_rows.get(pid)
    return f"{p.name} · {p.unit} · {Classification.parse(p.level).label(LANG)}" if p else str(pid)


def itinerary_frame(current) -> pd.DataFrame:
    rows = [{"day": date.fromisoformat(x["day"]), "place": x["place"], "host": x.get("host", ""),
             "meeting": x.get("meeting", "")} for x in (current.itinerary if current else [])]
    df = pd.DataFrame(rows, columns=ITIN_COLS)
    df["day"] = pd.to_datetime(df["day"]).dt.date if len(df) else pd.Series([], dtype="object")
    return df


def scope_frame(current) -> pd.DataFrame:
    rows = [{"topic": i["topic"], "decision": i["decision"], "methods": ",".join(i.get("methods") or [])}
            for i in ((current.scope or {}).get("items", []) if current else [])]
    return pd.DataFrame(rows, columns=SCOPE_COLS)


def _text(v) -> str:
    return "" if v is None or (isinstance(v, float) and pd.isna(v)) else str(v).strip()


def trip_form(prefix: str, current=None) -> trips.TripInput | None:
    start = current.starts_on if current else office_today() + timedelta(days=30)
    end = current.ends_on if current else start + timedelta(days=5)
    with st.form(f"{prefix}_form"):
        title = st.text_input(ui.t("trips.field_title"), value=current.title if current else "", key=f"{prefix}_t")
        purpose = st.text_area(ui.t("trips.field_purpose"), value=current.purpose if current else "",
                               key=f"{prefix}_p")
        a, b = st.columns(2)
        inviting = a.text_input(ui.t("trips.field_inviting"), value=current.inviting_party if current else "",
                                key=f"{prefix}_i")
        unit = b.text_input(ui.t("trips.field_unit"), value=current.unit if current else "", key=f"{prefix}_u")
        dests = st.multiselect(ui.t("trips.field_destinations"), CODES, format_func=country_label,
                               default=[c for c in (current.destinations if current else []) if c in CODES],
                               key=f"{prefix}_d")
        a, b, c = st.columns(3)
        sd = a.date_input(ui.t("trips.field_start"), value=start, key=f"{prefix}_sd")
        ed = b.date_input(ui.t("trips.field_end"), value=end, key=f"{prefix}_ed")
        orgs = list(organizers)
        org = c.selectbox(ui.t("trips.field_organizer"), orgs, format_func=organizers.get,
                          index=orgs.index(current.organizer_id) if current and current.organizer_id in orgs
                          else (orgs.index(me.id) if me.id in orgs else 0), key=f"{prefix}_o") if orgs else None
        with ui.reading() as s:
            chosen = [x.person_id for x in trips.travellers_of(s, current.id)] if current else []
        travellers = st.multiselect(ui.t("trips.field_travellers"), list(people_rows), format_func=person_label,
                                    default=[p for p in chosen if p in people_rows], key=f"{prefix}_tr")
        st.markdown(f"**{ui.t('trips.field_itinerary')}**")
        itin = st.data_editor(itinerary_frame(current), num_rows="dynamic", hide_index=False, key=f"{prefix}_it",
                              column_config={
                                  "day": st.column_config.DateColumn(ui.t("trips.col_day"), required=True),
                                  "place": st.column_config.TextColumn(ui.t("trips.col_place"), required=True,
                                                                       max_chars=200),
                                  "host": st.column_config.TextColumn(ui.t("trips.col_host"), max_chars=200),
                                  "meeting": st.column_config.TextColumn(ui.t("trips.col_meeting"), max_chars=200)})
        levels = [lv.value for lv in ALL_LEVELS]
        ceiling = st.selectbox(ui.t("trips.field_ceiling"), levels,
                               index=levels.index((current.scope or {}).get("ceiling", "internal")) if current
                               else levels.index("internal"),
                               format_func=lambda x: Classification(x).label(LANG), key=f"{prefix}_c")
        st.markdown(f"**{ui.t('trips.field_scope')}**")
        scope = st.data_editor(scope_frame(current), num_rows="dynamic", key=f"{prefix}_sc", column_config={
            "topic": st.column_config.SelectboxColumn(ui.t("trips.col_topic"), options=list(catalogue),
                                                      required=True),
            "decision": st.column_config.SelectboxColumn(ui.t("trips.field_decision"), options=list(
                disclosure.DECISIONS), required=True),
            "methods": st.column_config.TextColumn(ui.t("trips.field_methods"), help="oral, visual, documents")})
        ok = st.form_submit_button(ui.t("trips.save") if current else ui.t("trips.create"), type="primary")
    if not ok:
        return None
    stops = []
    for i, row in enumerate(itin.to_dict("records"), 1):
        day = row.get("day")
        day = None if day is None or (isinstance(day, float) and pd.isna(day)) or pd.isna(day) else \
            pd.Timestamp(day).date()
        stops.append(trips.Stop(day=day, place=_text(row.get("place")), host=_text(row.get("host")),
                                meeting=_text(row.get("meeting"))))
    items = []
    for i, row in enumerate(scope.to_dict("records"), 1):
        if not _text(row.get("topic")):
            continue
        methods = tuple(m.strip() for m in _text(row.get("methods")).replace("，", ",").split(",") if m.strip())
        items.append(disclosure.ItemInput(topic=_text(row.get("topic")), decision=_text(row.get("decision")) or
                                          "must_not", methods=methods))
    return trips.TripInput(title=title, purpose=purpose, inviting_party=inviting, unit=unit, destinations=dests,
                           starts_on=sd, ends_on=ed, itinerary=stops,
                           travellers=[trips.TravellerInput(person_id=p) for p in travellers], ceiling=ceiling,
                           scope=items, organizer_id=org)


def show_cell_error(exc: ConclaveError) -> None:
    ui.show_error(exc)
    if isinstance(exc, ValidationFailed) and exc.params.get("row"):
        st.caption(f"{ui.t('trips.field_itinerary')}: #{exc.params['row'] - 1} · {exc.params.get('column')}")


if permissions.allowed(me, "trip.create"):
    with st.expander(ui.t("trips.new"), expanded=not listed):
        data = trip_form("new")
        if data is not None:
            try:
                with ui.writing() as s:
                    created = trips.create(s, data, actor=me)
                    st.session_state["trip_id"] = created.id
            except ConclaveError as exc:
                show_cell_error(exc)
            else:
                ui.flash(ui.t("trips.created", title=ui.plain(data.title)))
                st.rerun()

if not listed:
    st.info(ui.t("trips.none"))
    st.stop()

ids = [x.id for x in listed]
by_id = {x.id: x for x in listed}
if st.session_state.get("trip_id") not in ids:
    st.session_state["trip_id"] = ids[0]
st.dataframe(pd.DataFrame([{ui.t("trips.col_id"): x.id, ui.t("trips.col_title"): x.title,
                            ui.t("trips.col_destinations"): ", ".join(x.destinations or []),
                            ui.t("trips.col_dates"): f"{x.starts_on} – {x.ends_on}",
                            ui.t("trips.col_status"): ui.t(f"trips.status_{x.status}")} for x in listed]),
             hide_index=True, width="stretch")
# the label holds no status: a label that changes with the status would make a new widget and lose the choice
tid = st.selectbox(ui.t("trips.select"), ids, key="trip_id", format_func=lambda i: f"#{i} {by_id[i].title}")
with ui.reading() as s:
    trip = trips.get(s, tid)
    info = trips.summary(s, tid)
    steps = trips.history(s, trip)

st.subheader(ui.plain(trip.title))
st.markdown(f"**{ui.t('trips.col_status')}:** {ui.t(f'trips.status_{trip.status}')} · {trip.starts_on} – "
            f"{trip.ends_on} · " + ui.plain(", ".join(country_label(c) for c in trip.destinations)))
if trip.last_comment:
    st.info(ui.t("trips.leader_comment", comment=ui.plain(trip.last_comment)))
if info["debrief"]["overdue"]:
    st.error(ui.t("trips.home_overdue", title=ui.plain(trip.title), due=info["debrief"]["due"]))

owner = permissions.allowed(me, "trip.run", trip)
tabs = st.tabs([ui.t("trips.tab_request"), ui.t("trips.tab_vetting"), ui.t("trips.tab_briefing"),
                ui.t("trips.tab_carry"), ui.t("trips.tab_debrief"), ui.t("trips.tab_exports")])

with tabs[0]:
    if permissions.allowed(me, "trip.edit", trip) and trip.status in trips.TRANSITIONS["edit"]:
        if trip.status == "approved":
            st.caption(ui.t("trips.edit_approved_note"))
        data = trip_form(f"edit{trip.id}", trip)
        if data is not None:
            try:
                with ui.writing() as s:
                    trips.update(s, trip.id, data, actor=me, expected_version=trip.version)
            except ConclaveError as exc:
                show_cell_error(exc)
            else:
                ui.flash(ui.t("trips.saved", title=ui.plain(data.title)))
                st.rerun()
    else:
        st.caption(ui.t("trips.locked", status=ui.t(f"trips.status_{trip.status}")))
        st.dataframe(pd.DataFrame([{ui.t("trips.col_day"): x["day"], ui.t("trips.col_place"): x["place"],
                                    ui.t("trips.col_host"): x.get("host", ""),
                                    ui.t("trips.col_meeting"): x.get("meeting", "")} for x in trip.itinerary or []]),
                     hide_index=True, width="stretch")
    if permissions.allowed(me, "trip.edit", trip) and trip.status in trips.TRANSITIONS["submit"]:
        note = st.text_input(ui.t("trips.submit_note"), key=f"note{trip.id}")
        if st.button(ui.t("trips.submit"), type="primary", key=f"submit{trip.id}"):
            ui.change(lambda s: trips.submit(s, trip.id, actor=me, comment=note), ui.t("trips.submitted"))
    if steps:
        for h in steps:
            st.markdown(f"- {h.at:%Y-%m-%d %H:%M} UTC · {ui.plain(h.actor)} · {ui.t(f'approvals.action_{h.action}')}"
                        + (f" — {ui.plain(h.comment)}" if h.comment else ""))

with tabs[1]:
    st.markdown(f"**{ui.t('trips.findings')}**")
    rows = []
    for x in info["travellers"]:
        for f in x["findings"]:
            rows.append({ui.t("trips.col_traveller"): x["name"], ui.t("trips.col_rule"): f["rule"],
                         ui.t("trips.findings"): ui.pick(f["reason"]), ui.t("trips.col_todo"): ui.pick(f["todo"]) if f["todo"] else "",
                         ui.t("trips.col_source"): ui.source_text(f["source"])})
    for f in info["destination_findings"]:
        rows.append({ui.t("trips.col_traveller"): "—", ui.t("trips.col_rule"): f["rule"],
                     ui.t("trips.findings"): ui.pick(f["reason"]), ui.t("trips.col_todo"): ui.pick(f["todo"]),
                     ui.t("trips.col_source"): ui.source_text(f["source"])})
    if rows:
        st.dataframe(pd.DataFrame(rows), hide_index=True, width="stretch")
        ui.source_details([(f["rule"], f["source"]) for x in info["travellers"] for f in x["findings"]]
                          + [(f["rule"], f["source"]) for f in info["destination_findings"]])
    else:
        st.success(ui.t("trips.no_findings"))

with tabs[2]:
    st.dataframe(pd.DataFrame([{ui.t("trips.col_traveller"): x["name"],
                                ui.t("trips.col_class"): ui.t(f"trips.class_{x['class']}"),
                                ui.t("trips.col_briefed"): x["briefed_on"] or "—",
                                ui.t("trips.col_pledge"): (f"{x['pledge_version']} · {x['pledge_signed_on']}"
                                                           if x["pledge"] else ui.t("trips.answer_no"))}
                               for x in info["travellers"]]), hide_index=True, width="stretch")
    names = {x["person_id"]: x["name"] for x in info["travellers"]}
    may_brief = permissions.allowed(me, "trip.brief", trip) and trip.status in ("draft", "submitted", "approved",
                                                                                 "returned")
    if may_brief:
        a, b = st.columns(2)
        with a.form(f"att{trip.id}"):
            pid = st.selectbox(ui.t("trips.col_traveller"), list(names), format_func=names.get, key=f"attp{trip.id}")
            on = st.date_input(ui.t("trips.briefed_on"), value=office_today(), key=f"atton{trip.id}")
            by = st.text_input(ui.t("trips.briefed_by"), key=f"attby{trip.id}")
            if st.form_submit_button(ui.t("trips.record_attendance")):
                ui.change(lambda s: trips.record_attendance(s, trip.id, pid, briefed_on=on, briefed_by=by, actor=me),
                          ui.t("trips.attendance_saved", name=ui.plain(names[pid])))
        if me.role == "security_officer":
            with b.form(f"pl{trip.id}"):
                pid2 = st.selectbox(ui.t("trips.col_traveller"), list(names), format_func=names.get,
                                    key=f"plp{trip.id}")
                on2 = st.date_input(ui.t("trips.pledge_signed_on"), value=office_today(), key=f"plon{trip.id}")
                if st.form_submit_button(ui.t("trips.record_pledge")):
                    ui.change(lambda s: trips.record_pledge(s, trip.id, pid2, signed_on=on2, actor=me),
                              ui.t("trips.pledge_saved", name=ui.plain(names[pid2])))
        else:
            b.caption(ui.t("trips.pledge_officer"))
    st.markdown(f"**{ui.t('trips.gate_h')}**")
    if trip.status == "approved":
        if info["gate"]:
            for f in info["gate"]:
                st.error(f"{f['rule']}: {ui.plain(ui.pick(f['reason']))}")
        else:
            st.success(ui.t("trips.gate_ok"))
        if owner and st.button(ui.t("trips.depart"), key=f"dep{trip.id}", disabled=bool(info["gate"])):
            ui.change(lambda s: trips.depart(s, trip.id, actor=me), ui.t("trips.departed"))

with tabs[3]:
    if info["carry"]:
        st.dataframe(pd.DataFrame([{ui.t("trips.col_traveller"): c["traveller"], ui.t("trips.col_item"): c["item"],
                                    ui.t("trips.col_code"): c["code"] or "—",
                                    ui.t("trips.col_verdict"): ui.t(f"trips.verdict_{c['verdict']}"),
                                    ui.t("trips.col_rule"): c["rule"]} for c in info["carry"]]),
                     hide_index=True, width="stretch")
    if owner and trip.status in ("draft", "submitted", "approved", "returned"):
        with st.form(f"carry{trip.id}", clear_on_submit=True):
            a, b = st.columns(2)
            pid = a.selectbox(ui.t("trips.col_traveller"), list(names), format_func=names.get, key=f"cp{trip.id}")
            kind = b.selectbox(ui.t("trips.col_item"), trips.ITEM_KINDS, format_func=lambda k: i18n.t(
                f"trips.kind_{k}", LANG), key=f"ck{trip.id}")
            code = a.text_input(ui.t("trips.item_code"), key=f"cc{trip.id}")
            label = b.text_input(ui.t("trips.item_label"), key=f"cl{trip.id}")
            classified = st.checkbox(ui.t("trips.item_classified"), key=f"cx{trip.id}")
            if st.form_submit_button(ui.t("trips.add_item")):
                ui.change(lambda s: trips.add_item(s, trip.id, person_id=pid, kind=kind, label=label, copy_code=code,
                                                   classified_device=classified, actor=me),
                          lambda item: ui.t("trips.item_added", verdict=i18n.t(f"trips.verdict_{item.verdict}",
                                                                               LANG)))
    if owner and trip.status in ("departed", "back"):
        out = [c for c in info["carry"] if c["out"] and not c["back"]]
        if out:
            with st.form(f"back{trip.id}"):
                iid = st.selectbox(ui.t("trips.col_item"), [c["id"] for c in out],
                                   format_func=lambda i: next(f"{c['traveller']} · {c['item']} {c['code']}"
                                                              for c in out if c["id"] == i))
                custodian = st.text_input(ui.t("trips.custodian"))
                if st.form_submit_button(ui.t("trips.item_back")):
                    ui.change(lambda s: trips.bring_back(s, iid, custodian=custodian, actor=me),
                              ui.t("trips.item_is_back"))

with tabs[4]:
    st.caption(f"{ui.t('trips.debrief_due')}: {info['debrief']['due']}")
    if info["debrief"]["done"]:
        st.success(ui.t("trips.debrief_done", date=info["debrief"]["held_on"]))
    if owner and trip.status == "departed":
        if st.button(ui.t("trips.come_back"), key=f"cb{trip.id}"):
            ui.change(lambda s: trips.come_back(s, trip.id, actor=me),
                      lambda t_: ui.t("trips.came_back", due=trips.debrief_due(t_).isoformat()))
    if owner and trip.status == "back":
        with st.form(f"deb{trip.id}"):
            held = st.date_input(ui.t("trips.debrief_held_on"), value=office_today(), key=f"dh{trip.id}")
            contacts = st.text_area(ui.t("trips.debrief_contacts"), key=f"dc{trip.id}")
            approaches = st.text_area(ui.t("trips.debrief_approaches"), key=f"da{trip.id}")
            gifts = st.text_area(ui.t("trips.debrief_gifts"), key=f"dg{trip.id}")
            incidents = st.text_area(ui.t("trips.debrief_incidents"), key=f"di{trip.id}")
            deviations = st.text_area(ui.t("trips.debrief_deviations"), key=f"dv{trip.id}")
            if st.form_submit_button(ui.t("trips.debrief_save"), type="primary"):
                lines = [[c.strip() for c in ln.split("|")] for ln in approaches.splitlines() if ln.strip()]
                data = trips.DebriefInput(held_on=held, contacts=contacts, gifts=gifts, incidents=incidents,
                                          deviations=deviations,
                                          approaches=[trips.Approach(asked_by=(c + ["", "", ""])[0],
                                                                     what=(c + ["", "", ""])[1],
                                                                     answer=(c + ["", "", ""])[2]) for c in lines])
                ui.change(lambda s: trips.record_debrief(s, trip.id, data, actor=me), ui.t("trips.debrief_saved"))
    if trip.status == "debriefed" and permissions.allowed(me, "trip.close", trip):
        if st.button(ui.t("trips.close"), key=f"close{trip.id}"):
            ui.change(lambda s: trips.close(s, trip.id, actor=me), ui.t("trips.closed"))

with tabs[5]:
    lang_out = st.radio(ui.t("trips.export_lang"), ["zh_CN", "en"], horizontal=True, key=f"xl{trip.id}",
                        format_func=lambda x: "中文" if x == "zh_CN" else "English")
    kinds = [("form", "trips.export_form")]
    if trip.status not in ("draft", "submitted", "returned", "rejected"):
        kinds.append(("briefing", "trips.export_briefing"))
    if info["debrief"]["done"]:
        kinds.append(("debrief", "trips.export_debrief"))
    for kind, label in kinds:
        cols = st.columns(2)
        for col, fmt in zip(cols, ("pdf", "docx")):
            if col.button(f"{ui.t(label)} · {fmt.upper()}", key=f"x{kind}{fmt}{trip.id}"):
                try:
                    with ui.writing() as s:
                        st.session_state[f"xdata{trip.id}"] = (trips.export.export(s, trip.id, kind, fmt, lang_out,
                                                                                   actor=me), f"trip-{trip.id}-{kind}.{fmt}")
                except ConclaveError as exc:
                    ui.show_error(exc)
    if st.button(ui.t("trips.export_ics"), key=f"xics{trip.id}"):
        with ui.writing() as s:
            st.session_state[f"xdata{trip.id}"] = (trips.export.ics(s, trip.id, lang_out, actor=me),
                                                   f"trip-{trip.id}.ics")
    ready = st.session_state.get(f"xdata{trip.id}")
    if ready:
        st.download_button(ready[1], ready[0], file_name=ready[1], key=f"xdl{trip.id}")
