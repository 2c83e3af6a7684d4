"""Venues: the catalogue (with edit), and the suitability of a venue for an event or a level."""
from __future__ import annotations

from datetime import datetime, time, timedelta

import streamlit as st

from pages.parts import ui

me = ui.require_role("venues")
LANG = ui.lang()  # captured: format functions must not read the session (AppTest calls them outside a run)


def tr(key: str, **params) -> str:
    from planners.core import i18n

    return i18n.t(key, LANG, **params)


from planners.base import events as ev_mod  # noqa: E402
from planners.core.clock import office_now  # noqa: E402
from planners import venues as venue_mod  # noqa: E402
from planners.core.errors import RuleFileError  # noqa: E402
from planners.core.levels import STATE_SECRET_LEVELS, Classification  # noqa: E402

st.title(ui.t("venues.title"))
may_edit = me.role in ("organizer", "admin")


def kind_label(k: str) -> str:
    return tr(f"venues.kind.{k}")


def feature_label(f: str) -> str:
    return tr(f"venues.feature.{f}")


with ui.reading() as s:
    venues = venue_mod.list_venues(s)

# ---- the catalogue
st.subheader(ui.t("venues.catalogue"))
if venues:
    st.dataframe(ui.frame([{
        "#": v.id, ui.t("venues.field_name"): v.name, ui.t("venues.field_kind"): kind_label(v.kind),
        ui.t("venues.field_address"): v.address,
        ui.t("venues.field_features"): ", ".join(feature_label(f) for f in venue_mod.FEATURES
                                                 if (v.features or {}).get(f)),
        ui.t("venues.field_sweep"): v.last_sweep_at.strftime("%Y-%m-%d %H:%M") if v.last_sweep_at else "—",
    } for v in venues]), hide_index=True, width="stretch")
if not may_edit:
    st.caption(ui.t("venues.view_only"))


def venue_form(prefix: str, current=None) -> venue_mod.VenueInput | None:
    with st.form(f"{prefix}_venue_form"):
        name = st.text_input(ui.t("venues.field_name"), value=current.name if current else "", key=f"{prefix}_name")
        kinds = list(venue_mod.VENUE_KINDS)
        kind = st.selectbox(ui.t("venues.field_kind"), kinds, format_func=kind_label,
                            index=kinds.index(current.kind) if current else 0, key=f"{prefix}_kind")
        address = st.text_input(ui.t("venues.field_address"), value=current.address if current else "",
                                key=f"{prefix}_address")
        st.markdown(f"**{ui.t('venues.field_features')}**")
        feats = {}
        cols = st.columns(2)
        for i, f in enumerate(venue_mod.FEATURES):
            feats[f] = cols[i % 2].checkbox(feature_label(f), value=bool((current.features or {}).get(f))
                                            if current else False, key=f"{prefix}_f_{f}")
        a, b, c = st.columns(3)
        no_sweep = a.checkbox(ui.t("venues.field_no_sweep"), value=not (current and current.last_sweep_at),
                              key=f"{prefix}_nosweep")
        sweep_local = current.last_sweep_at if current and current.last_sweep_at else office_now()
        sd = b.date_input(ui.t("venues.field_sweep"), value=sweep_local.date(), key=f"{prefix}_sd")
        stime = c.time_input(" ", value=sweep_local.time().replace(second=0, microsecond=0), key=f"{prefix}_st")
        notes = st.text_area(ui.t("venues.field_notes"), value=current.notes if current else "",
                             key=f"{prefix}_notes")
        ok = st.form_submit_button(ui.t("venues.save") if current else ui.t("venues.create"), type="primary")
    if not ok:
        return None
    # the sweep date is entered in UTC+8 office time and stored as naive UTC
    sweep = None if no_sweep else ev_mod.to_utc(datetime.combine(sd, stime), "Asia/Shanghai")
    return venue_mod.VenueInput(name=name, kind=kind, address=address, features=feats, last_sweep_at=sweep,
                                notes=notes)


if may_edit:
    with st.expander(ui.t("venues.new"), expanded=not venues):
        data = venue_form("new")
        if data is not None:
            ui.change(lambda s: venue_mod.create_venue(s, data, actor=me), ui.t("venues.created", name=ui.plain(data.name)))
    if venues:
        with st.expander(ui.t("venues.edit")):
            by_id = {v.id: v for v in venues}
            vid = st.selectbox(ui.t("venues.choose"), list(by_id), format_func=lambda i: by_id[i].name,
                               key="edit_venue_id")
            data = venue_form(f"edit{vid}", by_id[vid])
            if data is not None:
                ui.change(lambda s: venue_mod.update_venue(s, vid, data, actor=me),
                          ui.t("venues.saved", name=ui.plain(data.name)))

# ---- assessment
st.divider()
st.subheader(ui.t("venues.assess"))
mode = st.radio(ui.t("venues.assess_for"), ("event", "level"), horizontal=True, key="assess_mode",
                format_func=lambda m: tr("venues.assess_event") if m == "event" else tr("venues.assess_level"))
assessment = None
try:
    if mode == "event":
        with ui.reading() as s:
            chosen = ui.event_picker(ev_mod.visible_events(s, me))
            if chosen is not None:
                assessment = venue_mod.assess_event(s, chosen)
                level = Classification(chosen.level)
                if assessment is None:
                    st.info(ui.t("venues.no_venue_event"))
    elif venues:
        by_id = {v.id: v for v in venues}
        a, b = st.columns(2)
        vid = a.selectbox(ui.t("venues.choose"), list(by_id), format_func=lambda i: by_id[i].name,
                          key="assess_venue_id")
        levels = [c.value for c in reversed(STATE_SECRET_LEVELS)]
        level = Classification(b.selectbox(ui.t("venues.level"), levels,
                                           format_func=lambda v: Classification(v).label(LANG),
                                           key="assess_level"))
        a, b, c, d = st.columns(4)
        day = a.date_input(ui.t("venues.start"), value=(office_now() + timedelta(days=7)).date(), key="assess_day")
        at = b.time_input(" ", value=time(9, 0), key="assess_time")
        foreign = c.checkbox(ui.t("venues.foreign"), key="assess_foreign")
        docs = d.checkbox(ui.t("venues.documents"), key="assess_docs")
        assessment = venue_mod.assess(by_id[vid], level, ev_mod.to_utc(datetime.combine(day, at), "Asia/Shanghai"),
                                      foreign_participants=foreign, documents_issued=docs)
except RuleFileError as exc:
    ui.show_error(exc)
    st.stop()

if assessment is not None:
    if not level.is_state_secret:
        st.info(ui.t("venues.not_secret"))
    ui.verdict_banner(assessment.color, ui.t(f"venues.verdict_{assessment.verdict}"),
                      [ui.t("venues.verdict_line", venue=assessment.venue_name, level=level.label(ui.lang()))])
    if assessment.findings:
        st.markdown(f"#### {ui.t('venues.findings')}")
        ui.show_findings(assessment.findings)
    st.markdown(f"#### {ui.t('venues.remedies')}")
    if assessment.tasks:
        st.table(ui.frame([{
            ui.t("venues.col_rule"): r.rule, ui.t("venues.col_task"): ui.pick(r.text),
            ui.t("venues.col_owner"): ui.t("role." + r.owner), ui.t("venues.col_due"): ui.due_text(r.due),
            ui.t("venues.col_requirement"): ui.t("venues.req_mandatory") if r.mandatory
            else ui.t("venues.req_recommended"),
            ui.t("venues.col_source"): ui.source_text(r.source)} for r in assessment.tasks]))
        ui.source_details([(r.rule, r.source) for r in assessment.tasks])
    else:
        st.success(ui.t("venues.no_remedies"))
