"""People register (涉密人员, issue 13): the list, one person (record, pledges, training, deny list, history),
import and export. The security officer keeps it; a leader reads it all and bars or lifts a bar; an organizer
reads the people linked to the attendees of their own events."""
from __future__ import annotations

import pandas as pd
import streamlit as st

from pages.parts import ui

me = ui.require_role("people")

from planners import people  # noqa: E402
from planners.core import permissions  # noqa: E402
from planners.core.errors import ConclaveError  # noqa: E402
from planners.core.levels import Classification  # noqa: E402
from planners.people import export as people_export, importer  # noqa: E402

lang = ui.lang()
keeper = permissions.allowed(me, "people.keep")
leader = permissions.allowed(me, "people.bar")
sees_all = permissions.allowed(me, "people.see_all")

st.title(ui.t("people.title"))
st.caption(ui.t("people.help"))
if not sees_all:
    st.info(ui.t("people.organizer_scope"))


def _date(v) -> str:
    if v is None:
        return ""
    return ui.t("people.no_end") if v.year == 9999 else v.isoformat()


def _word(group: str, v) -> str:
    return ui.t(f"people.{group}.{v}") if v else ""


query = st.text_input(ui.t("people.search"), key="ppl_search")
with ui.reading() as s:
    rows = people.visible(s, me, query)

tabs = [ui.t("people.tab_list", n=len(rows)), ui.t("people.tab_person")]
if keeper:
    tabs += [ui.t("people.tab_new"), ui.t("people.tab_import")]
if sees_all:
    tabs.append(ui.t("people.tab_export"))
tab = dict(zip(range(len(tabs)), st.tabs(tabs)))

# ---- the list
with tab[0]:
    today = people.today()
    table = [{
        "#": p.id, ui.t("people.col.name"): p.name, ui.t("people.col.unit"): p.unit, ui.t("people.col.post"): p.post,
        ui.t("people.col.id_last4"): p.id_last4, ui.t("people.col.level"): Classification(p.level).label(lang),
        ui.t("people.col.person_class"): _word("person_class", p.person_class),
        ui.t("people.col.status"): _word("status", p.status) + (
            f" → {p.decommission_until.isoformat()}" if p.decommission_until else ""),
        ui.t("people.col.pledge_until"): _date(p.pledge_until), ui.t("people.col.training_until"): _date(p.training_until),
        ui.t("people.col.barred_until"): _date(p.barred_until) if p.barred else "",
    } for p in rows]
    if table:
        st.dataframe(pd.DataFrame(table), hide_index=True, width="stretch", key="ppl_table")
    else:
        st.info(ui.t("people.none"))

# ---- one person
with tab[1]:
    if not rows:
        st.info(ui.t("people.none"))
    else:
        by_id = {p.id: p for p in rows}
        pid = st.selectbox(ui.t("people.pick"), list(by_id), key="ppl_pick",
                           format_func=lambda i: f"#{i} {by_id[i].name} · {by_id[i].unit}")
        with ui.reading() as s:
            p = people.get_visible(s, pid, me)
            pls, trs, brs, hist = people.pledges(s, pid), people.trainings(s, pid), people.bars(s, pid), \
                people.history(s, pid)
            waiting = people.pending_change(s, pid)
        # the version this browser opened: a save against it is refused if someone changed the person since
        vkey = f"ppl_version_{pid}"
        if vkey not in st.session_state:
            st.session_state[vkey] = p.version
        if p.barred:
            st.error(ui.t("people.is_barred", until=p.barred_until.isoformat()))
        st.markdown(" · ".join([
            f"**{ui.plain(p.name)}**", ui.plain(p.unit), ui.plain(p.post),
            f"{_word('id_type', p.id_type)} …{ui.plain(p.id_last4)}", ui.plain(p.nationality),
            _word("employer_type", p.employer_type)]))
        st.markdown(ui.t("people.summary", level=Classification(p.level).label(lang),
                         vetted=Classification(p.vetted_level).label(lang),
                         cls=_word("person_class", p.person_class), status=_word("status", p.status),
                         by=ui.plain(p.vetted_by) or "-", at=_date(p.vetted_at) or "-"))
        if waiting is not None:
            st.info(ui.t("people.change_waiting", n=waiting.id))

        if keeper:
            with st.form(f"ppl_edit_{pid}"):
                st.markdown(f"**{ui.t('people.edit')}**")
                c1, c2, c3 = st.columns(3)
                name = c1.text_input(ui.t("people.col.name"), p.name)
                unit = c2.text_input(ui.t("people.col.unit"), p.unit)
                post = c3.text_input(ui.t("people.col.post"), p.post)
                c1, c2, c3 = st.columns(3)
                id_type = c1.selectbox(ui.t("people.col.id_type"), people.ID_TYPES,
                                       index=people.ID_TYPES.index(p.id_type), format_func=lambda v: _word("id_type", v))
                last4 = c2.text_input(ui.t("people.col.id_last4"), p.id_last4)
                nat = c3.text_input(ui.t("people.col.nationality"), p.nationality)
                c1, c2, c3 = st.columns(3)
                emp = c1.selectbox(ui.t("people.col.employer_type"), people.EMPLOYER_TYPES,
                                   index=people.EMPLOYER_TYPES.index(p.employer_type),
                                   format_func=lambda v: _word("employer_type", v))
                vby = c2.text_input(ui.t("people.col.vetted_by"), p.vetted_by)
                vat = c3.date_input(ui.t("people.col.vetted_at"), p.vetted_at, max_value=people.today())
                st.markdown(f"*{ui.t('people.controlled_help')}*")
                c1, c2, c3, c4 = st.columns(4)
                level = c1.selectbox(ui.t("people.col.level"), people.PERSON_LEVELS,
                                     index=people.PERSON_LEVELS.index(p.level),
                                     format_func=lambda v: Classification(v).label(lang))
                vlevel = c2.selectbox(ui.t("people.col.vetted_level"), people.PERSON_LEVELS,
                                      index=people.PERSON_LEVELS.index(p.vetted_level),
                                      format_func=lambda v: Classification(v).label(lang))
                cls = c3.selectbox(ui.t("people.col.person_class"), people.CLASSES,
                                   index=people.CLASSES.index(p.person_class),
                                   format_func=lambda v: _word("person_class", v))
                status = c4.selectbox(ui.t("people.col.status"), people.STATUSES,
                                      index=people.STATUSES.index(p.status), format_func=lambda v: _word("status", v))
                decom = st.date_input(ui.t("people.col.decommission_until"), p.decommission_until)
                reason = st.text_input(ui.t("people.reason"), key=f"ppl_reason_{pid}")
                saved = st.form_submit_button(ui.t("people.save"), type="primary")
            if saved:
                changes = {"name": name, "unit": unit, "post": post, "id_type": id_type, "id_last4": last4,
                           "nationality": nat, "employer_type": emp, "vetted_by": vby, "vetted_at": vat,
                           "vetted_level": vlevel, "level": level, "person_class": cls, "status": status,
                           "decommission_until": decom}

                def _save(s, pid=pid, changes=changes, reason=reason):
                    ch = people.update(s, pid, changes, expected_version=st.session_state[vkey], actor=me,
                                       reason=reason)
                    return ch

                def _done(ch):
                    st.session_state.pop(vkey, None)
                    if ch.approval_id:
                        return ui.t("people.saved_queued", n=ch.approval_id)
                    return ui.t("people.saved", n=len(ch.applied))

                ui.change(_save, _done)

            c1, c2 = st.columns(2)
            with c1.form(f"ppl_pledge_{pid}"):
                st.markdown(f"**{ui.t('people.add_pledge')}**")
                kind = st.selectbox(ui.t("people.pledge_kind_label"), people.PLEDGE_KINDS,
                                    format_func=lambda v: _word("pledge_kind", v))
                signed = st.date_input(ui.t("people.signed_on"), people.today(), max_value=people.today())
                version = st.text_input(ui.t("people.text_version"), "2024版")
                if st.form_submit_button(ui.t("people.record")):
                    ui.change(lambda s: people.record_pledge(s, pid, kind=kind, signed_on=signed, version=version,
                                                             actor=me),
                              ui.t("people.pledge_recorded"))
            with c2.form(f"ppl_training_{pid}"):
                st.markdown(f"**{ui.t('people.add_training')}**")
                stage = st.selectbox(ui.t("people.stage_label"), people.TRAINING_STAGES,
                                     format_func=lambda v: _word("stage", v))
                taken = st.date_input(ui.t("people.taken_on"), people.today(), max_value=people.today())
                course = st.text_input(ui.t("people.course"))
                hours = st.number_input(ui.t("people.hours"), min_value=0, max_value=1000, value=8)
                if st.form_submit_button(ui.t("people.record")):
                    ui.change(lambda s: people.record_training(s, pid, stage=stage, taken_on=taken, course=course,
                                                               hours=int(hours), actor=me),
                              ui.t("people.training_recorded"))

        if leader:
            with st.form(f"ppl_bar_{pid}"):
                st.markdown(f"**{ui.t('people.bar_title')}**")
                bar_reason = st.text_input(ui.t("people.reason"))
                bar_end = st.date_input(ui.t("people.bar_until"), min_value=people.today())
                if st.form_submit_button(ui.t("people.bar_do")):
                    ui.change(lambda s: people.bar(s, pid, reason=bar_reason, ends_on=bar_end, actor=me),
                              ui.t("people.barred_done", name=ui.plain(p.name)))
            live = [b for b in brs if b.lifted_at is None and b.ends_on >= people.today()]
            if live:
                lift_reason = st.text_input(ui.t("people.lift_reason"), key=f"ppl_lift_reason_{pid}")
                if st.button(ui.t("people.lift"), key=f"ppl_lift_{pid}"):
                    ui.change(lambda s: people.lift_bar(s, live[0].id, reason=lift_reason, actor=me),
                              ui.t("people.lifted", name=ui.plain(p.name)))

        st.subheader(ui.t("people.pledges"))
        st.dataframe(pd.DataFrame([{ui.t("people.pledge_kind_label"): _word("pledge_kind", x.kind),
                                    ui.t("people.text_version"): x.version, ui.t("people.signed_on"): _date(x.signed_on),
                                    ui.t("people.expires_on"): _date(x.expires_on) or ui.t("people.no_end")}
                                   for x in pls]), hide_index=True, width="stretch")
        st.subheader(ui.t("people.trainings"))
        st.dataframe(pd.DataFrame([{ui.t("people.stage_label"): _word("stage", x.stage), ui.t("people.course"): x.course,
                                    ui.t("people.taken_on"): _date(x.taken_on), ui.t("people.hours"): x.hours,
                                    ui.t("people.expires_on"): _date(x.expires_on) or ui.t("people.no_end")}
                                   for x in trs]), hide_index=True, width="stretch")
        if brs:
            st.subheader(ui.t("people.bars"))
            st.dataframe(pd.DataFrame([{ui.t("people.reason"): b.reason, ui.t("people.bar_until"): _date(b.ends_on),
                                        ui.t("people.by"): b.barred_by,
                                        ui.t("people.lifted_col"): (b.lifted_by or "") + (
                                            f" ({b.lift_reason})" if b.lift_reason else "")} for b in brs]),
                         hide_index=True, width="stretch")
        with st.expander(ui.t("people.history")):
            st.dataframe(pd.DataFrame([{ui.t("people.at"): f"{h.at:%Y-%m-%d %H:%M} UTC", ui.t("people.by"): h.actor,
                                        ui.t("people.what"): h.action, ui.t("people.field_col"): h.field,
                                        ui.t("people.before"): h.before, ui.t("people.after"): h.after,
                                        ui.t("people.reason"): h.reason} for h in hist]),
                         hide_index=True, width="stretch")

# ---- a new person (the security officer)
if keeper:
    with tab[2], st.form("ppl_new"):
        c1, c2, c3 = st.columns(3)
        n_name = c1.text_input(ui.t("people.col.name"), key="ppl_new_name")
        n_unit = c2.text_input(ui.t("people.col.unit"), key="ppl_new_unit")
        n_post = c3.text_input(ui.t("people.col.post"), key="ppl_new_post")
        c1, c2, c3 = st.columns(3)
        n_type = c1.selectbox(ui.t("people.col.id_type"), people.ID_TYPES, format_func=lambda v: _word("id_type", v))
        n_last = c2.text_input(ui.t("people.col.id_last4"), key="ppl_new_last4")
        n_nat = c3.text_input(ui.t("people.col.nationality"), "CN", key="ppl_new_nat")
        c1, c2, c3, c4 = st.columns(4)
        n_emp = c1.selectbox(ui.t("people.col.employer_type"), people.EMPLOYER_TYPES,
                             format_func=lambda v: _word("employer_type", v))
        n_level = c2.selectbox(ui.t("people.col.level"), people.PERSON_LEVELS,
                               format_func=lambda v: Classification(v).label(lang))
        n_vlevel = c3.selectbox(ui.t("people.col.vetted_level"), people.PERSON_LEVELS,
                                format_func=lambda v: Classification(v).label(lang))
        n_cls = c4.selectbox(ui.t("people.col.person_class"), people.CLASSES, index=2,
                             format_func=lambda v: _word("person_class", v))
        c1, c2 = st.columns(2)
        n_vby = c1.text_input(ui.t("people.col.vetted_by"), key="ppl_new_vby")
        n_vat = c2.date_input(ui.t("people.col.vetted_at"), people.today(), max_value=people.today())
        if st.form_submit_button(ui.t("people.create"), type="primary"):
            values = {"name": n_name, "unit": n_unit, "post": n_post, "id_type": n_type, "id_last4": n_last,
                      "nationality": n_nat, "employer_type": n_emp, "level": n_level, "vetted_level": n_vlevel,
                      "person_class": n_cls, "vetted_by": n_vby, "vetted_at": n_vat}
            ui.change(lambda s: people.create(s, values, actor=me), ui.t("people.created", name=ui.plain(n_name)))

    with tab[3]:
        st.caption(ui.t("people.import_help"))
        c1, c2 = st.columns(2)
        c1.download_button(ui.t("people.template_csv"), importer.template_bytes("csv", lang),
                           file_name="people-template.csv", mime="text/csv", key="ppl_tpl_csv")
        c2.download_button(ui.t("people.template_xlsx"), importer.template_bytes("xlsx", lang),
                           file_name="people-template.xlsx", key="ppl_tpl_xlsx",
                           mime="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
        up = st.file_uploader(ui.t("people.upload"), type=["csv", "txt", "xlsx"], key="ppl_upload")
        dry = st.checkbox(ui.t("people.dry_run"), key="ppl_dry")
        if up is not None and st.button(ui.t("people.import"), type="primary", key="ppl_import"):
            try:
                with ui.writing() as s:
                    st.session_state["ppl_report"] = importer.import_file(s, up.name, up.getvalue(), actor=me,
                                                                          dry_run=dry)
            except ConclaveError as exc:
                ui.show_error(exc)
        rep = st.session_state.get("ppl_report")
        if rep is not None:
            (st.success if rep.written or (rep.dry_run and not rep.problems) else st.error)(ui.plain(rep.lines(lang)[0]))
            if rep.problems:
                st.warning(ui.t("people.nothing_written"))
                st.dataframe(pd.DataFrame([p.as_row(lang) for p in rep.problems]).rename(columns={
                    "row": ui.t("att.rep_row"), "field": ui.t("att.rep_field"), "problem": ui.t("att.rep_problem")}),
                    hide_index=True, width="stretch")

if sees_all:
    with tab[len(tabs) - 1]:
        st.caption(ui.t("people.export_help"))
        c1, c2 = st.columns(2)
        if c1.button(ui.t("people.make_csv"), key="ppl_make_csv"):
            with ui.writing() as s:
                st.session_state["ppl_csv"] = people_export.export(s, "csv", actor=me, lang=lang)[0]
        if c2.button(ui.t("people.make_pdf"), key="ppl_make_pdf"):
            try:
                with ui.writing() as s:
                    st.session_state["ppl_pdf"] = people_export.export(s, "pdf", actor=me, lang=lang)[0]
            except ConclaveError as exc:
                ui.show_error(exc)
        if "ppl_csv" in st.session_state:
            c1.download_button(ui.t("people.download_csv"), st.session_state["ppl_csv"],
                               file_name="people-register.csv", mime="text/csv", key="ppl_dl_csv")
        if "ppl_pdf" in st.session_state:
            c2.download_button(ui.t("people.download_pdf"), st.session_state["ppl_pdf"],
                               file_name="people-register.pdf", mime="application/pdf", key="ppl_dl_pdf")
