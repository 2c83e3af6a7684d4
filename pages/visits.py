"""Foreign visits: requests (create, edit, submit), the disclosure scope, the incident log, the host briefing;
at the front desk, the one-step log of an unannounced visit (突访)."""
from __future__ import annotations

from datetime import datetime, time, timedelta
from functools import partial

import pandas as pd
import streamlit as st

from pages.parts import ui, visits_ui  # visits_ui: the views by role and the shared parts

me = ui.require_role("visits")

from planners.visits import briefing, disclosure  # noqa: E402
from planners.core import i18n  # noqa: E402
from planners import visits  # noqa: E402
from planners.core.errors import ConclaveError  # noqa: E402
from planners.base.events import local  # noqa: E402
from planners.core.clock import office_now  # noqa: E402
from planners.core.levels import ALL_LEVELS, Classification  # noqa: E402
from planners.venues import list_venues  # noqa: E402
from planners.visits import locations, report  # noqa: E402  (issue 12)
from planners.core import permissions  # noqa: E402
from planners.visits import during  # noqa: E402  (issue 12: deviations, materials handed over)
from pages.parts import visit_facts  # noqa: E402  (issue 16: the request's facts, the forms' tables)

st.title(ui.t("visits.title"))
LANG = ui.lang()  # format functions are called later; they use the language of this run


def tr(prefix: str):
    """A format function for codes shown through locale keys `prefix + code`."""
    return lambda code: i18n.t(f"{prefix}{code}", LANG)

st.caption(ui.t("visits.help"))

with ui.reading() as s:
    organizers = {u.id: (u.display_name or u.username) for u in visits.organizers(s)}
    venues = {v.id: v.name for v in list_venues(s)}
    catalogue = disclosure.topics(s)
    register = locations.location_rows(s)  # issue 12: the key locations register
    staff = {x.username: x.name for x in locations.unit_staff(s)}


P = visits_ui.VisitPage(me=me, lang=LANG, catalogue=catalogue, register=register, organizers=organizers,
                        staff=staff, venues=venues)
fmt_dt = visits_ui.fmt_dt
keyloc_table, keyloc_editor = partial(visits_ui.keyloc_table, P), partial(visits_ui.keyloc_editor, P)
report_downloads, during_forms = partial(visits_ui.report_downloads, P), partial(visits_ui.during_forms, P)
during_tables = partial(visits_ui.during_tables, P)


# ================================================================ front desk: 突访 in one step
if me.role == "front_desk":  # the one-step log of an unannounced visit (突访)
    visits_ui.front_desk(P)
if me.role == "foreign_affairs":  # the 外事部门 reads (issue 12)
    visits_ui.foreign_affairs(P)
if me.role == "leader":  # issue 12: reads before deciding
    visits_ui.leader(P)

# ================================================================ organizer
def visit_form(prefix: str, current=None) -> visits.VisitInput | None:
    tzname = current.tz if current else "Asia/Shanghai"
    if current:
        s_local, e_local = local(current.starts_at, tzname), local(current.ends_at, tzname)
    else:
        base = office_now() + timedelta(days=14)
        s_local, e_local = datetime.combine(base.date(), time(9, 0)), datetime.combine(base.date(), time(12, 0))
    types = [x for x in visits.VISIT_TYPES if x != "unannounced"] if not current or \
        current.visit_type != "unannounced" else list(visits.VISIT_TYPES)
    levels = visits.LEVELS
    with st.form(f"{prefix}_form"):
        title = st.text_input(ui.t("visits.field_title"), value=current.title if current else "",
                              help=ui.t("visits.field_title_help"), key=f"{prefix}_title")
        purpose = st.text_area(ui.t("visits.field_purpose"), value=current.purpose if current else "",
                               key=f"{prefix}_purpose", help=ui.t("visits.field_free_text_help"))
        a, b = st.columns(2)
        vtype = a.selectbox(ui.t("visits.field_type"), types, format_func=tr("visits.type_"),
                            index=types.index(current.visit_type) if current else 0, key=f"{prefix}_type",
                            help=ui.t("visits.field_type_help"))
        level = b.selectbox(ui.t("visits.field_level"), levels, format_func=lambda x: Classification(x).label(LANG),
                            index=levels.index(current.level) if current and current.level in levels else 1,
                            key=f"{prefix}_level")
        a, b, c, d = st.columns(4)
        sd = a.date_input(ui.t("visits.field_start_date"), value=s_local.date(), key=f"{prefix}_sd")
        stt = b.time_input(ui.t("visits.field_start_time"), value=s_local.time(), key=f"{prefix}_st")
        ed = c.date_input(ui.t("visits.field_end_date"), value=e_local.date(), key=f"{prefix}_ed")
        ett = d.time_input(ui.t("visits.field_end_time"), value=e_local.time(), key=f"{prefix}_et")
        a, b, c = st.columns(3)
        tz = a.text_input(ui.t("visits.field_tz"), value=tzname, key=f"{prefix}_tz")
        vids = [None] + list(venues)
        venue = b.selectbox(ui.t("visits.field_venue"), vids, format_func=lambda i: "—" if i is None else venues[i],
                            index=vids.index(current.venue_id) if current and current.venue_id in vids else 0,
                            key=f"{prefix}_venue")
        host = c.text_input(ui.t("visits.field_host_unit"), value=current.host_unit if current else "",
                            key=f"{prefix}_host")
        # issue 12: tables checked cell by cell (planners.visits.requests.members_from_rows / route_from_rows);
        # `{prefix}_members_rows` / `{prefix}_route_rows` in the session give the starting rows (tests, a retry)
        st.markdown(f"**{ui.t('vduring.members_table')}**")
        members = visit_facts.members_editor(f"{prefix}_members", st.session_state.get(f"{prefix}_members_rows")
                                             or visits.member_rows(current))
        st.markdown(f"**{ui.t('vduring.route_table')}**")
        active_locs = {r["id"]: r["name"] for r in register if r["status"] == "active"}
        r_start = st.session_state.get(f"{prefix}_route_rows") or visits.route_rows(current) or \
            [dict.fromkeys(visits.ROUTE_COLUMNS, None)]
        r_start = [{**r, "location_id": active_locs.get(r.get("location_id"), r.get("location_id")),
                    "escort": staff.get(r.get("escort"), r.get("escort"))} for r in r_start]
        route = st.data_editor(
            pd.DataFrame([{c: r.get(c) or None if c in ("location_id", "escort") else str(r.get(c) or "")
                           for c in visits.ROUTE_COLUMNS} for r in r_start],
                         columns=list(visits.ROUTE_COLUMNS), dtype=object), num_rows="dynamic", hide_index=True,
            width="stretch", key=f"{prefix}_route",
            column_config={
                "place": st.column_config.TextColumn(ui.t("vduring.col_route_place"), required=True, max_chars=200),
                "location_id": st.column_config.SelectboxColumn(ui.t("vduring.col_route_location_id"),
                                                                options=list(active_locs.values())),
                "host": st.column_config.TextColumn(ui.t("vduring.col_route_host"), max_chars=120),
                "escort": st.column_config.SelectboxColumn(ui.t("vduring.col_route_escort"),
                                                           options=list(dict.fromkeys(staff.values())),
                                                           required=True)})
        st.markdown(f"**{ui.t('visits16.meetings_title')}**")  # issue 16: a table, each cell checked
        meetings = visit_facts.text_table_editor(f"{prefix}_meetings", visits.MEETING_COLUMNS, "visits16", "meetings",
                                                 st.session_state.get(f"{prefix}_meetings_rows")
                                                 or visits.meeting_rows(current))
        topic_codes = list(catalogue)
        topics = st.multiselect(ui.t("visits.field_topics"), topic_codes,
                                default=[x for x in (current.topics if current else []) if x in topic_codes],
                                format_func=lambda c: catalogue[c].label(LANG), key=f"{prefix}_topics")
        photo = st.checkbox(ui.t("visits.field_photo"), value=current.photography_allowed if current else False,
                            key=f"{prefix}_photo")
        gifts = st.text_input(ui.t("visits.field_gifts"), value=current.gifts if current else "",
                              key=f"{prefix}_gifts")
        contacts = st.text_area(ui.t("visits.field_contacts"), value=current.contacts if current else "",
                                help=ui.t("visits.field_contacts_help"), key=f"{prefix}_contacts")
        ok = st.form_submit_button(ui.t("visits.save") if current else ui.t("visits.create"), type="primary")
    if not ok:
        return None
    loc_ids = {name: i for i, name in active_locs.items()}
    return visits.VisitInput(
        title=title, purpose=purpose, visit_type=vtype, level=level, start=datetime.combine(sd, stt),
        end=datetime.combine(ed, ett), tz=tz.strip(), venue_id=venue, host_unit=host,
        members=visits.members_from_rows(members.to_dict("records")),
        route=visits.route_from_rows([{**r, "location_id": loc_ids.get(r.get("location_id"))}
                                      for r in route.to_dict("records")]),
        meetings=visits.meetings_from_rows(meetings.to_dict("records")), topics=topics, photography_allowed=photo, gifts=gifts,
        contacts=contacts)


with ui.reading() as s:
    listed = visits.visible(s, me)

with st.expander(ui.t("visits.new"), expanded=not listed):
    try:
        data = visit_form("new")
    except ConclaveError as exc:
        data = None
        ui.show_error(exc)
    if data is not None:
        try:
            with ui.writing() as s:
                created = visits.create(s, data, actor=me)
                st.session_state["visit_id"] = created.id
        except ConclaveError as exc:
            ui.show_error(exc)
        else:
            ui.flash(ui.t("visits.created", title=ui.plain(data.title)))
            st.rerun()

if not listed:
    st.info(ui.t("visits.none"))
    st.stop()

ids = [v.id for v in listed]
by_id = {v.id: v for v in listed}
if st.session_state.get("visit_id") not in ids:
    st.session_state["visit_id"] = ids[0]
vid = st.selectbox(ui.t("visits.select"), ids, key="visit_id",
                   format_func=lambda i: f"#{i} {by_id[i].title} · {i18n.t(f'visits.status_{by_id[i].status}', LANG)}")
with ui.reading() as s:
    v = visits.get(s, vid)
    steps = visits.history(s, v)
    scope = disclosure.get_scope(s, v.id)
    items = {i.topic_code: i for i in disclosure.scope_items(s, scope)} if scope else {}
    logs = disclosure.info_requests(s, v.id)

st.subheader(ui.plain(v.title))
st.markdown(f"**{ui.t('visits.status')}:** {ui.t(f'visits.status_{v.status}')} · {fmt_dt(v)} · "
            f"{ui.t(f'visits.type_{v.visit_type}')}" + (f" · {ui.t('visits.event_id', id=v.event_id)}"
                                                       if v.event_id else ""))
if v.last_comment and v.status in ("returned", "rejected", "approved"):
    (st.warning if v.status == "returned" else st.error if v.status == "rejected" else st.info)(
        ui.t("visits.leader_said", comment=ui.plain(v.last_comment)))
if steps:
    with st.expander(ui.t("visits.history")):
        for h in steps:
            st.markdown(f"- {h.at:%Y-%m-%d %H:%M} UTC · {ui.plain(h.actor)} · {ui.t(f'approvals.action_{h.action}')}"
                        + (f" — {ui.plain(h.comment)}" if h.comment else ""))

# issue 17: only the open tab is drawn (Streamlit's lazy tabs): the seven tabs held ~160 widgets, which the browser
# took 0.9 s to mount at every rerun; choosing a tab reruns the page with that tab open
tab_req, tab_scope, tab_route, tab_log, tab_during, tab_brief, tab_report = st.tabs(
    [ui.t("visits.tab_request"), ui.t("visits.tab_scope"), ui.t("vplan_ui.tab_route"), ui.t("visits.tab_log"),
     ui.t("vduring.tab"), ui.t("visits.tab_briefing"), ui.t("vplan_ui.tab_report")],
    key="visit_tab", on_change="rerun")

with tab_during:  # issue 12: VD2 deviations, VD5 materials handed over (both go into the report)
    if tab_during.open:
        during_tables(v)
        during_forms(v, scope, items)

with tab_req:
    if tab_req.open:
        if v.status in visits.TRANSITIONS["edit"]:
            if v.status == "approved":
                st.caption(ui.t("visits.edit_approved_note"))
            try:
                data = visit_form(f"edit{v.id}", v)
            except ConclaveError as exc:
                data = None
                ui.show_error(exc)
            if data is not None:
                ui.change(lambda s: visits.update(s, v.id, data, actor=me, expected_version=v.version),
                          ui.t("visits.saved", title=ui.plain(data.title)))
        else:
            st.info(ui.t(f"visits.locked_{v.status}"))
        if v.status in visits.TRANSITIONS["submit"]:
            note = st.text_input(ui.t("visits.submit_note"), key=f"note{v.id}")
            if st.button(ui.t("visits.submit"), key=f"submit{v.id}", type="primary"):
                ui.change(lambda s: visits.submit(s, v.id, actor=me, comment=note), ui.t("visits.submitted"))

with tab_scope:
    if tab_scope.open:
        st.markdown(ui.t("visits.scope_status", status=ui.t(f"disclosure.status_{scope.status}") if scope
                         else ui.t("disclosure.status_none")))
        if scope and scope.decided_by:
            st.caption(ui.t("visits.scope_decided", who=ui.plain(scope.decided_by), comment=ui.plain(scope.last_comment or "—")))
        st.caption(ui.t("visits.scope_help"))
        if scope and scope.status == "approved":
            st.caption(ui.t("visits.scope_edit_approved_note"))
        levels = [c.value for c in ALL_LEVELS]
        choices = ["", *disclosure.DECISIONS]
        with st.form(f"scope{v.id}"):
            ceiling = st.selectbox(ui.t("visits.ceiling"), levels, format_func=lambda x: Classification(x).label(LANG),
                                   index=levels.index(scope.ceiling) if scope else 0, key=f"ceil{v.id}")
            rows = []
            for code, topic in catalogue.items():
                cur = items.get(code)
                asked = code in (v.topics or [])
                c1, c2, c3 = st.columns([3, 2, 2])
                c1.markdown(f"**{ui.plain(topic.label(ui.lang()))}**" + (" ★" if asked else "") + "  \n"
                            + f"{topic.level.label(ui.lang())} · {ui.t(f'disclosure.tier_{topic.tier}')}")
                dec = c2.selectbox(ui.t("visits.decision"), choices,
                                   index=choices.index(cur.decision if cur else
                                                       disclosure.default_decision(topic, asked) or ""),
                                   format_func=lambda d: i18n.t(f"disclosure.decision_{d}", LANG) if d
                                   else i18n.t("disclosure.not_in_scope", LANG), key=f"dec{v.id}_{code}")
                meth = c3.multiselect(ui.t("visits.methods"), list(disclosure.METHODS),
                                      default=list(cur.methods) if cur else [],
                                      format_func=tr("disclosure.method_"), key=f"meth{v.id}_{code}")
                basis = ""
                if topic.level.is_state_secret and topic.tier != "core":
                    basis = st.text_input(ui.t("visits.exception_basis"), value=cur.exception_basis if cur else "",
                                          key=f"basis{v.id}_{code}")
                if dec:
                    rows.append(disclosure.ItemInput(topic=code, decision=dec, methods=tuple(meth), exception_basis=basis))
            save = st.form_submit_button(ui.t("visits.save_scope"))
        if save:
            try:
                with ui.writing() as s:
                    _, found = disclosure.set_scope(s, v.id, ceiling=ceiling, items=rows, actor=me)
            except ConclaveError as exc:
                ui.show_error(exc)
            else:
                ui.flash(ui.t("visits.scope_saved", n=len(rows)))
                st.rerun()
        if scope and scope.status in ("draft", "returned"):
            if st.button(ui.t("visits.submit_scope"), key=f"subscope{v.id}", type="primary"):
                ui.change(lambda s: disclosure.submit_scope(s, v.id, actor=me), ui.t("visits.scope_submitted"))
        with st.expander(ui.t("visits.add_topic")):
            with st.form("add_topic"):
                a, b = st.columns(2)
                code = a.text_input(ui.t("visits.topic_code"))
                tier = b.selectbox(ui.t("visits.topic_tier"), list(disclosure.TIERS),
                                   format_func=tr("disclosure.tier_"))
                t_en, t_zh = st.text_input(ui.t("visits.topic_title_en")), st.text_input(ui.t("visits.topic_title_zh"))
                lvl = st.selectbox(ui.t("visits.field_level"), levels, format_func=lambda x: Classification(x).label(LANG))
                p_en = st.text_area(ui.t("visits.talking_en"))
                p_zh = st.text_area(ui.t("visits.talking_zh"))
                src = st.text_input(ui.t("visits.topic_source"))
                add = st.form_submit_button(ui.t("visits.add_topic_button"))
            if add:
                try:
                    with ui.writing() as s:
                        disclosure.add_topic(s, code=code, title_en=t_en, title_zh=t_zh, level=lvl, tier=tier,
                                             talking_en=p_en, talking_zh=p_zh, source=src, actor=me)
                except ConclaveError as exc:
                    ui.show_error(exc)
                else:
                    ui.flash(ui.t("visits.topic_added", code=ui.plain(code)))
                    st.rerun()

with tab_log:
    if tab_log.open:
        st.caption(ui.t("visits.log_help"))
        with st.form(f"log{v.id}", clear_on_submit=True):
            who = st.text_input(ui.t("visits.log_who"))
            what = st.text_area(ui.t("visits.log_what"))
            answer = st.text_area(ui.t("visits.log_answer"))
            logged = st.form_submit_button(ui.t("visits.log_button"))
        if logged:
            ui.change(lambda s: disclosure.log_info_request(s, v.id, asked_by=who, what=what, answer=answer, actor=me),
                      ui.t("visits.logged"))
        if logs:
            ui.text_table({ui.t("visits.log_when"): [f"{local(x.at, v.tz):%Y-%m-%d %H:%M}" for x in logs],
                          ui.t("visits.log_who"): [x.asked_by for x in logs], ui.t("visits.log_what"): [x.what for x in logs],
                          ui.t("visits.log_answer"): [x.answer for x in logs],
                          ui.t("visits.log_by"): [x.logged_by for x in logs]}, hide_index=True, width="stretch")

with tab_brief:
    if tab_brief.open:
        blang = st.radio(ui.t("visits.briefing_lang"), ["zh_CN", "en"], format_func=ui.LANG_LABELS.get,
                         horizontal=True, key=f"blang{v.id}")
        stamp = (v.id, v.version, scope.version if scope else 0, scope.status if scope else "", blang)
        made = st.session_state.get("_briefing")
        if not made or made[0] != stamp:
            made = None
            if st.button(ui.t("visits.make_briefing"), key=f"make{v.id}", type="primary"):
                try:
                    with ui.writing() as s:
                        out = visits_ui.word_and_pdf(s, briefing.export, v.id, blang, me)
                except (disclosure.ScopeNotApproved, briefing.VisitNotApproved) as exc:
                    st.info(ui.error_text(exc))
                except ConclaveError as exc:
                    ui.show_error(exc)
                else:
                    made = st.session_state["_briefing"] = (stamp, out)
            elif not scope or scope.status != "approved":
                st.info(ui.error_text(disclosure.ScopeNotApproved(status=scope.status if scope else "none")))
        if made:
            visits_ui.offer_word_and_pdf(made[1], f"briefing-{v.event_id or v.id}-{blang}",
                                         pdf=(ui.t("visits.download_pdf"), f"pdf{v.id}"),
                                         docx=(ui.t("visits.download_docx"), f"docx{v.id}"))

# ================================================================ issue 12: route and escorts, host briefings, report
with tab_route:
    if tab_route.open:
        st.caption(ui.t("vplan_ui.route_help"))
        loc_names = {r["id"]: r["name"] for r in register if r["status"] == "active"}
        route = list(v.route or [])
        if route:
            ui.text_table({ui.t("vplan_ui.col_place"): [p.get("place", "") for p in route],
                          ui.t("vplan_ui.col_location"): [loc_names.get(p.get("location_id"), "—") for p in route],
                          ui.t("vplan_ui.col_host"): [p.get("host", "") for p in route],
                          ui.t("vplan_ui.col_escort"): [p.get("escort", "") for p in route]},
                         hide_index=True, width="stretch", key=f"route_table{v.id}")
        else:
            st.info(ui.t("vplan_ui.no_route"))
        refusals = locations.route_refusals(v)
        if refusals:
            st.markdown(f"**{ui.t('vplan_ui.refusals')}**")
            for r in refusals:
                st.markdown("- " + ui.plain(ui.t("vplan_ui.refusal_line", at=(r.get("at") or "").replace("T", " "),
                                                   place=r.get("place"), location=r.get("location"), rule=r.get("rule"),
                                                   source=ui.source_text(r.get("source")))))
        granted = [loc_names.get(int(k), k) for k in ((v.facts or {}).get("location_exceptions") or {})]
        if granted:
            st.caption(ui.t("vplan_ui.exceptions_granted", names=ui.plain("、".join(map(str, granted)))))
        if permissions.allowed(me, "visit.route", v) and v.status != "rejected":
            with st.form(f"stop{v.id}", clear_on_submit=True):
                a, b = st.columns(2)
                place = a.text_input(ui.t("vplan_ui.stop_place"), key=f"stop_place{v.id}")
                lids = [None, *loc_names]
                lid = b.selectbox(ui.t("vplan_ui.stop_location"), lids,
                                  format_func=lambda i: "—" if i is None else loc_names[i], key=f"stop_loc{v.id}")
                host = a.text_input(ui.t("vplan_ui.stop_host"), key=f"stop_host{v.id}")
                escort = b.selectbox(ui.t("vplan_ui.stop_escort"), list(staff), format_func=staff.get,
                                     key=f"stop_escort{v.id}")
                add = st.form_submit_button(ui.t("vplan_ui.add_stop"), type="primary")
            if add:
                new = locations.stops_of(v) + [locations.RouteStop(place=place, location_id=lid, host=host,
                                                                    escort=escort or "")]
                refused = None
                try:
                    with ui.writing() as s:
                        refused = locations.set_route_or_record(s, v.id, new, actor=me)
                except ConclaveError as exc:
                    ui.show_error(exc)
                else:
                    if refused is not None:
                        ui.flash(ui.t("vplan_ui.stop_refused") + ": " + refused.localized(ui.lang()), "error")
                    else:
                        ui.flash(ui.t("vplan_ui.stop_added"))
                    st.rerun()
            if len(route) > 1:
                a, b = st.columns([3, 1])
                idx = a.selectbox(ui.t("vplan_ui.remove_stop"), list(range(len(route))),
                                  format_func=lambda i: f"{i + 1}. {route[i].get('place', '')}", key=f"rm_idx{v.id}")
                if b.button(ui.t("vplan_ui.remove_button"), key=f"rm{v.id}"):
                    keep = [x for i, x in enumerate(locations.stops_of(v)) if i != idx]
                    ui.change(lambda s: locations.set_route(s, v.id, keep, actor=me), ui.t("vplan_ui.stop_added"))
            barred = {r["id"]: r["name"] for r in register if r["status"] == "active" and r["no_foreign_visitors"]}
            if barred:
                with st.expander(ui.t("vplan_ui.exception_h")):
                    with st.form(f"exc{v.id}", clear_on_submit=True):
                        loc = st.selectbox(ui.t("vplan_ui.exception_location"), list(barred), format_func=barred.get)
                        why = st.text_area(ui.t("vplan_ui.exception_reason"))
                        ask = st.form_submit_button(ui.t("vplan_ui.exception_button"))
                    if ask:
                        ui.change(lambda s: locations.request_exception(s, v.id, loc, reason=why, actor=me),
                                  ui.t("vplan_ui.exception_sent"))
        if me.role in ("organizer", "admin"):
            with st.expander(ui.t("vplan_ui.keyloc_h")):
                keyloc_table()
                keyloc_editor()

with tab_brief:
    if tab_brief.open:
        named = locations.hosts(v)
        if named and scope and scope.status == "approved":
            st.markdown(f"**{ui.t('vplan_ui.briefed_h')}**")
            done = locations.briefed(v)
            for i, h in enumerate(named):
                rec = done.get(h)
                if rec and rec.get("scope_version") == scope.version:
                    st.markdown(f"- {ui.plain(h)} · {ui.plain(rec.get('at', '').replace('T', ' '))} · {ui.plain(rec.get('by'))}")
                elif st.button(ui.t("vplan_ui.brief_button", host=ui.plain(h)), key=f"brief{v.id}_{i}"):
                    ui.change(lambda s, h=h: locations.record_briefed(s, v.id, h, actor=me),
                              ui.t("vplan_ui.briefed_done", host=ui.plain(h)))

with tab_report:
    if tab_report.open:
        with ui.reading() as s:
            rep = report.get_report(s, v.id)
        st.markdown(ui.t("vplan_ui.report_status", status=ui.t(f"vplan_ui.report_status_{rep.status if rep else 'none'}")))
        if rep is not None and rep.last_comment:
            st.caption(ui.t("visits.leader_said", comment=ui.plain(rep.last_comment)))
        if rep is not None:
            report_downloads(v, f"o{v.id}")
        can_file = permissions.allowed(me, "visit.report_file", v) and v.status == "approved" and \
            (rep is None or rep.status == "returned")
        if can_file:
            from planners.core.clock import utcnow

            if utcnow() < v.ends_at:
                st.info(ui.t("vplan_ui.report_not_yet", end=f"{local(v.ends_at, v.tz):%Y-%m-%d %H:%M}"))
            elif not scope or scope.status != "approved":
                st.info(ui.t("vplan_ui.report_needs_scope"))
            else:
                outcomes_all = list(report.OUTCOMES)
                st.caption(ui.t("vduring.report_auto", deviations=len(during.deviations(v)),
                                materials=len(during.handed_over(v))))
                with st.form(f"report{v.id}"):
                    outcomes, notes = {}, {}
                    for code, item in items.items():
                        topic = catalogue.get(code)
                        label = topic.label(ui.lang()) if topic else code
                        allowed = [o for o in outcomes_all if not (item.decision == "must_not" and o == "within")]
                        c1, c2 = st.columns([3, 2])
                        c1.markdown(f"**{ui.plain(label)}** · {ui.t(f'disclosure.decision_{item.decision}')}")
                        outcomes[code] = c2.selectbox(ui.t("vplan_ui.report_outcome"), allowed,
                                                      index=allowed.index("not_discussed"),
                                                      format_func=tr("vplan.outcome_"), key=f"out{v.id}_{code}")
                    extra = st.multiselect(ui.t("vplan_ui.report_extra"), [c for c in catalogue if c not in items],
                                           format_func=lambda c: catalogue[c].label(LANG), key=f"extra{v.id}")
                    # issue 16: tables, each cell checked (planners.visits.report.materials_from_rows / gifts_from_rows);
                    # `mats{id}_rows` / `gifts{id}_rows` in the session give the starting rows (tests, a retry)
                    topic_names = {catalogue[c].label(LANG): c for c in catalogue}
                    st.markdown(f"**{ui.t('visits16.materials_title')}**")
                    mats = visit_facts.text_table_editor(f"mats{v.id}", report.MATERIAL_COLUMNS, "visits16", "materials",
                                                         st.session_state.get(f"mats{v.id}_rows"),
                                                         choices={"topic": list(topic_names)})
                    st.markdown(f"**{ui.t('visits16.gifts_title')}**")
                    gifts = visit_facts.text_table_editor(f"gifts{v.id}", report.GIFT_COLUMNS, "visits16", "gifts",
                                                          st.session_state.get(f"gifts{v.id}_rows"))
                    incidents = st.text_area(ui.t("vplan_ui.report_incidents"), key=f"inc{v.id}")
                    summary = st.text_area(ui.t("vplan_ui.report_summary"), key=f"sum{v.id}")
                    filed = st.form_submit_button(ui.t("vplan_ui.report_file"), type="primary")
                if filed:
                    try:
                        data = report.ReportInput(
                            outcomes=outcomes, notes=notes, extra_topics=extra,
                            materials=report.materials_from_rows(
                                [{**r, "topic": topic_names.get(r.get("topic"), r.get("topic"))}
                                 for r in mats.to_dict("records")], catalogue),
                            gifts=report.gifts_from_rows(gifts.to_dict("records")),
                            incidents=incidents.splitlines(), summary=summary)
                    except ConclaveError as exc:
                        ui.show_error(exc)
                    else:
                        ui.change(lambda s: report.file_report(s, v.id, data, actor=me), ui.t("vplan_ui.report_filed"))
