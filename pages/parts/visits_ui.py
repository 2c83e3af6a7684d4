"""The visits page's views by role and its shared parts (issue 17: the page was 745 lines): the front desk's
one-step log of an unannounced visit, the 外事部门's and the leader's reading views, the key locations register,
the during-the-visit tables and forms, the report's downloads. Each view ends the page's run (st.stop)."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import streamlit as st

from pages.parts import ui, visit_facts
from planners import visits
from planners.base.events import local
from planners.core import i18n, permissions
from planners.core.errors import ConclaveError, NoCJKFont
from planners.core.levels import ALL_LEVELS, Classification
from planners.visits import decision as visit_decision
from planners.visits import disclosure, during, locations, report


@dataclass(frozen=True)
class VisitPage:
    """What every view of the page reads once per run: the user, the language, the topics catalogue, the key
    locations register and the names the forms offer."""
    me: object
    lang: str
    catalogue: dict
    register: list
    organizers: dict
    staff: dict
    venues: dict


def word_and_pdf(s, export, visit_id: int, lang: str, me) -> dict:
    """{'docx': …, 'pdf': …} of a visit's document (`export`: the report's or the briefing's): the Word file, and
    the PDF when a CJK font is installed (else its error is shown and the Word file still offered)."""
    out = {"docx": export(s, visit_id, "docx", lang, actor=me)}
    try:
        out["pdf"] = export(s, visit_id, "pdf", lang, actor=me)
    except NoCJKFont as exc:
        ui.show_error(exc)
    return out


def offer_word_and_pdf(files: dict, stem: str, *, pdf: tuple[str, str], docx: tuple[str, str]) -> None:
    """The download buttons of word_and_pdf's files: (label, widget key) each; the PDF only when it was made."""
    if "pdf" in files:
        st.download_button(pdf[0], files["pdf"], file_name=f"{stem}.pdf", mime="application/pdf", key=pdf[1])
    st.download_button(docx[0], files["docx"], file_name=f"{stem}.docx", key=docx[1],
                       mime="application/vnd.openxmlformats-officedocument.wordprocessingml.document")


def requests_table(reqs, tz: str, key: str) -> None:
    """A visit's information requests (VD3): when (office time), who asked, what, the answer given."""
    ui.text_table({ui.t("visits.log_when"): [f"{local(r.at, tz):%Y-%m-%d %H:%M}" for r in reqs],
                  ui.t("visits.log_who"): [r.asked_by for r in reqs],
                  ui.t("visits.log_what"): [r.what for r in reqs],
                  ui.t("visits.log_answer"): [r.answer for r in reqs]}, hide_index=True, width="stretch", key=key)


def fmt_dt(v) -> str:
    return f"{local(v.starts_at, v.tz):%Y-%m-%d %H:%M} – {local(v.ends_at, v.tz):%Y-%m-%d %H:%M}"


def front_desk(p: VisitPage) -> None:
    """The front desk: an unannounced visit (突访) logged in one step, and the visits it logged."""
    me, LANG, catalogue, register = p.me, p.lang, p.catalogue, p.register
    st.subheader(ui.t("visits.unannounced_title"))
    with st.form("unannounced"):
        title = st.text_input(ui.t("visits.field_title"), help=ui.t("visits.field_title_help"))
        st.markdown(f"**{ui.t('visits16.members_title')}**")  # issue 16: a table, each cell checked
        st.caption(ui.t("visits16.members_help"))
        members = visit_facts.members_editor("desk_members", st.session_state.get("desk_members_rows") or [])
        purpose = st.text_input(ui.t("visits.field_purpose_desk"))
        a, b = st.columns(2)
        org = a.selectbox(ui.t("visits.field_organizer"), list(p.organizers), format_func=p.organizers.get)
        hours = b.number_input(ui.t("visits.field_hours"), min_value=0.5, max_value=24.0, value=2.0, step=0.5)
        sent = st.form_submit_button(ui.t("visits.log_unannounced"), type="primary")
    if sent:
        try:
            with ui.writing() as s:
                v = visits.log_unannounced(s, actor=me, title=title,
                                           members=visits.members_from_rows(members.to_dict("records")),
                                           purpose=purpose, organizer_id=org, hours=hours)
                vt = v.title
        except ConclaveError as exc:
            ui.verdict_banner("red", ui.t("visits.unannounced_refused"), [exc.localized(ui.lang())])
        else:
            ui.verdict_banner("orange", ui.t("visits.unannounced_sent"), [vt, ui.t("visits.unannounced_next")])
    with ui.reading() as s:
        mine = visits.visible(s, me)
    if mine:
        st.subheader(ui.t("visits.my_logged"))
        ui.text_table({ui.t("visits.field_title"): [v.title for v in mine],  # typed text: a table without Markdown
                      ui.t("visits.when"): [fmt_dt(v) for v in mine],
                      ui.t("visits.status"): [ui.t(f"visits.status_{v.status}") for v in mine],
                      ui.t("visits.leader_comment"): [v.last_comment for v in mine]}, hide_index=True, width="stretch")
    st.stop()


def keyloc_table(p: VisitPage) -> None:
    me, LANG, catalogue, register = p.me, p.lang, p.catalogue, p.register
    st.subheader(ui.t("vplan_ui.keyloc_h"))
    st.caption(ui.t("vplan_ui.keyloc_help"))
    if not register:
        st.info(ui.t("vplan_ui.keyloc_none"))
        return
    ui.text_table({ui.t("vplan_ui.keyloc_name"): [r["name"] for r in register],
                  ui.t("vplan_ui.keyloc_level"): [Classification(r["level"]).label(LANG) for r in register],
                  ui.t("vplan_ui.keyloc_responsible"): [r["responsible"] for r in register],
                  ui.t("vplan_ui.keyloc_no_foreign"): [ui.t("vplan_ui.yes") if r["no_foreign_visitors"]
                                                       else ui.t("vplan_ui.no") for r in register],
                  ui.t("vplan_ui.keyloc_status"): [ui.t(f"vplan_ui.keyloc_status_{r['status']}")
                                                   + (f" · {ui.t('vplan_ui.keyloc_pending')}" if r["pending"] else "")
                                                   for r in register]},
                 hide_index=True, width="stretch", key="keyloc_table")


def keyloc_editor(p: VisitPage) -> None:
    me, LANG, catalogue, register = p.me, p.lang, p.catalogue, p.register
    with st.form("keyloc_new", clear_on_submit=True):
        a, b = st.columns(2)
        name = a.text_input(ui.t("vplan_ui.keyloc_name"), key="kl_name")
        lvl = b.selectbox(ui.t("vplan_ui.keyloc_level"), [c.value for c in ALL_LEVELS],
                          format_func=lambda x: Classification(x).label(LANG), key="kl_level")
        resp = a.text_input(ui.t("vplan_ui.keyloc_responsible"), key="kl_resp")
        nofor = b.checkbox(ui.t("vplan_ui.keyloc_no_foreign"), value=True, key="kl_nofor")
        sent = st.form_submit_button(ui.t("vplan_ui.keyloc_propose"))
    if sent:
        ui.change(lambda s: locations.propose_location(s, locations.LocationInput(
            name=name, level=lvl, responsible=resp, no_foreign_visitors=nofor), actor=me),
            ui.t("vplan_ui.keyloc_proposed"))
    active = {r["id"]: r["name"] for r in register if r["status"] == "active" and not r["pending"]}
    if active:
        a, b = st.columns([3, 1])
        rid = a.selectbox(ui.t("vplan_ui.keyloc_retire"), list(active), format_func=active.get, key="kl_retire")
        if b.button(ui.t("vplan_ui.keyloc_retire"), key="kl_retire_btn"):
            ui.change(lambda s: locations.retire_location(s, rid, actor=me), ui.t("vplan_ui.keyloc_retire_sent"))


def report_downloads(p: VisitPage, v, key: str) -> None:
    me, LANG, catalogue, register = p.me, p.lang, p.catalogue, p.register
    rlang = st.radio(ui.t("vplan_ui.report_lang"), ["zh_CN", "en"], format_func=ui.LANG_LABELS.get,
                     horizontal=True, key=f"rlang{key}")
    if st.button(ui.t("vplan_ui.report_make"), key=f"rmake{key}"):
        try:
            with ui.writing() as s:
                out = word_and_pdf(s, report.export, v.id, rlang, me)
        except ConclaveError as exc:
            ui.show_error(exc)
        else:
            st.session_state[f"_report{key}"] = (rlang, out)
    made = st.session_state.get(f"_report{key}")
    if made:
        offer_word_and_pdf(made[1], f"visit-report-{v.event_id or v.id}-{made[0]}",
                           pdf=(ui.t("vplan_ui.report_download_pdf"), f"rpdf{key}"),
                           docx=(ui.t("vplan_ui.report_download_docx"), f"rdocx{key}"))


def during_tables(p: VisitPage, v) -> None:
    me, LANG, catalogue, register = p.me, p.lang, p.catalogue, p.register
    devs, mats = during.deviations(v), during.handed_over(v)
    st.markdown(f"**{ui.t('vduring.deviations_h')}**")
    if devs:
        ui.text_table({ui.t("vduring.col_n"): [d["n"] for d in devs],
                      ui.t("vduring.col_at"): [d["at"].replace("T", " ") + " UTC" for d in devs],
                      ui.t("vduring.col_where"): [d["where"] for d in devs],
                      ui.t("vduring.col_noticed_by"): [d["noticed_by"] for d in devs],
                      ui.t("vduring.col_action"): [d["action"] for d in devs],
                      ui.t("vduring.col_by"): [d["by"] for d in devs]}, hide_index=True, width="stretch",
                     key=f"devs{v.id}")
    else:
        st.caption(ui.t("vduring.none_deviations"))
    st.markdown(f"**{ui.t('vduring.materials_h')}**")
    if mats:
        ui.text_table({ui.t("vduring.col_n"): [m["n"] for m in mats],
                      ui.t("vduring.col_at"): [m["at"].replace("T", " ") + " UTC" for m in mats],
                      ui.t("vduring.what"): [m["what"] for m in mats],
                      ui.t("vduring.topic"): [catalogue[m["topic"]].label(LANG) if m["topic"] in catalogue
                                              else m["topic"] for m in mats],
                      ui.t("vduring.level"): [Classification(m["level"]).label(LANG) for m in mats],
                      ui.t("vduring.to_whom"): [m["to_whom"] for m in mats],
                      ui.t("vduring.col_by"): [m["by"] for m in mats]}, hide_index=True, width="stretch",
                     key=f"mats_t{v.id}")
    else:
        st.caption(ui.t("vduring.none_materials"))


def during_forms(p: VisitPage, v, scope, items) -> None:
    me, LANG, catalogue, register = p.me, p.lang, p.catalogue, p.register
    if not permissions.allowed(me, "visit.during", v) or v.status != "approved":
        return
    st.caption(ui.t("vduring.deviations_help"))
    from planners.core.clock import utcnow

    now_local = local(utcnow(), v.tz)
    with st.form(f"dev{v.id}", clear_on_submit=True):
        a, b = st.columns(2)
        dd = a.date_input(ui.t("vduring.date"), value=now_local.date(), key=f"dev_d{v.id}")
        dt = b.time_input(ui.t("vduring.time"), value=now_local.time().replace(second=0, microsecond=0),
                          key=f"dev_t{v.id}")
        where = a.text_input(ui.t("vduring.where"), key=f"dev_where{v.id}")
        noticed = b.text_input(ui.t("vduring.noticed_by"), key=f"dev_who{v.id}")
        action = st.text_area(ui.t("vduring.action"), key=f"dev_action{v.id}")
        log = st.form_submit_button(ui.t("vduring.log"))
    if log:
        data = during.DeviationInput(where=where, noticed_by=noticed, action=action, when=datetime.combine(dd, dt))
        ui.change(lambda s: during.log_deviation(s, v.id, data, actor=me),
                  ui.t("vduring.logged", n=len(during.deviations(v)) + 1))
    st.caption(ui.t("vduring.materials_help"))
    if not scope or scope.status != "approved":
        st.info(ui.t("vduring.no_scope"))
        return
    codes = list(items)
    with st.form(f"hand{v.id}", clear_on_submit=True):
        a, b = st.columns(2)
        what = a.text_input(ui.t("vduring.what"), key=f"hand_what{v.id}")
        to_whom = b.text_input(ui.t("vduring.to_whom"), key=f"hand_to{v.id}")
        topic = a.selectbox(ui.t("vduring.topic"), codes, key=f"hand_topic{v.id}",
                            format_func=lambda c: catalogue[c].label(LANG) if c in catalogue else c)
        lvls = [c.value for c in ALL_LEVELS]
        level = b.selectbox(ui.t("vduring.level"), lvls, format_func=lambda x: Classification(x).label(LANG),
                            key=f"hand_level{v.id}")
        rec = st.form_submit_button(ui.t("vduring.record"))
    if rec:
        data = during.HandoverInput(what=what, topic=topic, level=level, to_whom=to_whom)
        ui.change(lambda s: during.record_handover(s, v.id, data, actor=me),
                  ui.t("vduring.recorded", n=len(during.handed_over(v)) + 1))


def foreign_affairs(p: VisitPage) -> None:
    """The 外事部门 reads: visits, information requests, reports (issue 12)."""
    me, LANG, catalogue, register = p.me, p.lang, p.catalogue, p.register
    st.caption(ui.t("vplan_ui.fa_help"))
    keyloc_table(p)
    with ui.reading() as s:
        seen = [(x, disclosure.info_requests(s, x.id), report.get_report(s, x.id)) for x in visits.visible(s, me)
                if x.status == "approved"]
    for x, reqs, rep in seen:
        st.subheader(ui.plain(x.title))
        st.caption(fmt_dt(x) + " · " + ui.t("vplan_ui.report_status", status=ui.t(
            f"vplan_ui.report_status_{rep.status if rep else 'none'}")))
        if reqs:
            requests_table(reqs, x.tz, f"fa_req{x.id}")
        if rep is not None:
            report_downloads(p, x, f"fa{x.id}")
    st.stop()


def leader(p: VisitPage) -> None:
    """A leader reads the request, scope, route and report before deciding (issue 12)."""
    me, LANG, catalogue, register = p.me, p.lang, p.catalogue, p.register
    st.caption(ui.t("vduring.read_only"))
    with ui.reading() as s:
        seen = [x for x in visits.visible(s, me) if permissions.allowed(me, "visit.read", x)]
    if not seen:
        st.info(ui.t("visits.none"))
        st.stop()
    lids = [x.id for x in seen]
    lby = {x.id: x for x in seen}
    if st.session_state.get("visit_id") not in lids:
        st.session_state["visit_id"] = lids[0]
    lvid = st.selectbox(ui.t("visits.select"), lids, key="visit_id",
                        format_func=lambda i: f"#{i} {lby[i].title} · "
                        f"{i18n.t(f'visits.status_{lby[i].status}', LANG)}")
    with ui.reading() as s:
        x = visits.get(s, lvid)
        lfacts, ldeleg = visit_decision.request_facts(s, x, LANG), visit_decision.delegation_rows(x)
        lcard = visit_decision.card(s, x.id)
        lscope = disclosure.get_scope(s, x.id)
        litems = disclosure.scope_items(s, lscope) if lscope else []
        lrep = report.get_report(s, x.id)
        lreqs = disclosure.info_requests(s, x.id)
    st.subheader(ui.plain(x.title))
    st.markdown(f"**{ui.t('visits.status')}:** {ui.t(f'visits.status_{x.status}')} · {fmt_dt(x)}")
    t_req, t_scope, t_route, t_during, t_rep = st.tabs(
        [ui.t("visits.tab_request"), ui.t("visits.tab_scope"), ui.t("vplan_ui.tab_route"), ui.t("vduring.tab"),
         ui.t("vplan_ui.tab_report")])
    with t_req:  # issue 16: codes in words (visit type, yes / no), the delegation and the topics as tables
        visit_facts.show_facts(lfacts)
        visit_facts.show_delegation(ldeleg, key=f"ldeleg{x.id}")
        st.markdown(f"**{ui.t('visits16.topics_title')}**")
        visit_facts.show_topics(lcard.topics, key=f"ltopics{x.id}")
    with t_scope:
        st.markdown(ui.t("visits.scope_status", status=ui.t(f"disclosure.status_{lscope.status}") if lscope
                         else ui.t("disclosure.status_none")))
        if litems:
            ui.text_table({ui.t("visits.decision"): [i18n.t(f"disclosure.decision_{i.decision}", LANG) for i in litems],
                          ui.t("vduring.topic"): [catalogue[i.topic_code].label(LANG) if i.topic_code in catalogue
                                                  else i.topic_code for i in litems],
                          ui.t("visits.methods"): ["、".join(i18n.t(f"disclosure.method_{m}", LANG)
                                                            for m in i.methods or []) for i in litems]},
                         hide_index=True, width="stretch", key=f"lscope{x.id}")
    with t_route:
        lnames = {r["id"]: r["name"] for r in register}
        if x.route:
            ui.text_table({ui.t("vplan_ui.col_place"): [p.get("place", "") for p in x.route],
                          ui.t("vplan_ui.col_location"): [lnames.get(p.get("location_id"), "—") for p in x.route],
                          ui.t("vplan_ui.col_host"): [p.get("host", "") for p in x.route],
                          ui.t("vplan_ui.col_escort"): [p.get("escort", "") for p in x.route]},
                         hide_index=True, width="stretch", key=f"lroute{x.id}")
        else:
            st.info(ui.t("vplan_ui.no_route"))
    with t_during:
        during_tables(p, x)
        if lreqs:
            requests_table(lreqs, x.tz, f"lreq{x.id}")
    with t_rep:
        st.markdown(ui.t("vplan_ui.report_status", status=ui.t(
            f"vplan_ui.report_status_{lrep.status if lrep else 'none'}")))
        if lrep is not None and permissions.allowed(me, "visit.report_read", x):
            report_downloads(p, x, f"l{x.id}")
    st.stop()
