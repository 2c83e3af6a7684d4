"""Attendees: the allow-list of an event (table editing, import with a report), each person's eligibility
with reasons, exception requests to a leader, and badges."""
from __future__ import annotations

import pandas as pd
import streamlit as st

from pages.parts import cache, oneclick, said, ui

me = ui.require_role("attendees")

from planners.attendees import allowlist, eligibility, badges as tokens  # noqa: E402
from planners.base import approvals  # noqa: E402
from planners.core.errors import ConclaveError  # noqa: E402
from planners.core.levels import Classification  # noqa: E402
from planners.base.events import may_edit, visible_events  # noqa: E402
from planners.attendees import badge_sheet as badge_export  # noqa: E402
from planners.attendees import people_link  # noqa: E402  (issue 13)

st.title(ui.t("att.title"))
events = cache.read(visible_events, me)  # issue 17: until the data changes
ev = ui.event_picker(events)
if ev is None:
    st.stop()
can_edit = may_edit(me, ev)
lang = ui.lang()

# issue 17: the list and its eligibility are kept until the data (or the office day) changes: a 10,000-person
# meeting cost 1.8 s of server CPU a rerun reading and judging everyone again
people = cache.shared(allowlist.list_attendees, ev.id)
elig = cache.shared(eligibility.for_event_id, ev.id, eligibility.office_today().isoformat())
with ui.reading() as s:
    pending = {a.object_id: a for a in approvals.pending(s, kind=eligibility.EXCEPTION_KIND)}
    reg_links = people_link.links(s, [a.id for a in people])  # issue 13: the match with the people register

def _status_badge(status: str) -> str:  # text, not emoji: no emoji font on an office machine (issue 16)
    return ui.badge(ui.t(f"eligibility.status.{status}"))
COLS = list(allowlist.COLUMNS)


def _label(f: str) -> str:
    return ui.t(f"att.col_{f}")


tab_list, tab_import, tab_badges = st.tabs([ui.t("att.tab_list", n=len(people)), ui.t("att.tab_import"),
                                            ui.t("att.tab_badges")])

PAGE_SIZE = 100  # rows in the table at once: a 10,000-person list is filtered and paged, never drawn whole


def _shown(people: list) -> list:
    """The rows the organizer asked to see: by eligibility and by a search in name, unit and ID digits, then one
    page of them (issue 17: the table of a 10,000-person meeting stays quick; issue 16: filter by eligibility)."""
    c1, c2, c3 = st.columns([2, 3, 1])
    which = c1.selectbox(ui.t("att.filter_status"), ["all", "not_eligible", "needs_approval", "ineligible",
                                                     "eligible"],
                         format_func=lambda k: ui.t(f"att.filter.{k}"), key="att_filter")
    needle = c2.text_input(ui.t("att.filter_search"), key="att_search",
                           placeholder=ui.t("att.filter_search_hint")).strip().lower()
    picked = [a for a in people
              if (which == "all" or elig[a.id].status == which
                  or (which == "not_eligible" and elig[a.id].status != "eligible"))
              and (not needle or needle in f"{a.name} {a.unit} {a.id_last4 or ''}".lower())]
    pages = max(1, -(-len(picked) // PAGE_SIZE))
    page = int(c3.number_input(ui.t("att.page", pages=pages), min_value=1, max_value=pages, value=1, step=1,
                               key="att_page")) if pages > 1 else 1
    first = (page - 1) * PAGE_SIZE
    if len(picked) != len(people) or pages > 1:
        st.caption(ui.t("att.showing", first=first + 1 if picked else 0, last=min(first + PAGE_SIZE, len(picked)),
                        n=len(picked), total=len(people)))
    return picked[first:first + PAGE_SIZE]


# ---- the list, edited in a table
with tab_list:
    rows = []
    shown = _shown(people)
    for a in shown:
        el = elig[a.id]
        reasons = "; ".join(f"{f.rule} {f.text(lang)}" for f in el.findings if not f.met)
        link = reg_links.get(a.id)
        register = people_link.Match("none").text(lang)
        if link is not None:
            register = people_link.Match(link.match, link.person_id, link.candidates or []).text(lang)
            register += "".join("; " + people_link.mismatch_text(m, lang) for m in link.mismatches or [])
        rows.append({"id": a.id, "status": ui.t(f"eligibility.status.{el.status}"),
                     **{f: getattr(a, f) for f in COLS}, "reasons": reasons, "register": register})
    df = pd.DataFrame(rows, columns=["id", "status", *COLS, "reasons", "register"])

    def _words(prefix: str):
        """A stored code (resident_id, staff, …) shown in the reader's language."""
        return lambda v: ui.t(f"{prefix}.{v}") if v else ""

    config = {f: st.column_config.TextColumn(_label(f)) for f in COLS}
    config.update({
        "id": st.column_config.NumberColumn("#", disabled=True),
        "status": st.column_config.TextColumn(ui.t("att.col_status"), disabled=True),
        "reasons": st.column_config.TextColumn(ui.t("att.col_reasons"), disabled=True, width="large"),
        "register": st.column_config.TextColumn(ui.t("att.col_register"), disabled=True, width="large"),
        "foreign_invested_staff": st.column_config.CheckboxColumn(_label("foreign_invested_staff")),
        "pledge_signed": st.column_config.CheckboxColumn(_label("pledge_signed")),
        "id_type": st.column_config.SelectboxColumn(_label("id_type"), options=list(allowlist.ID_TYPES),
                                                    format_func=_words("id_type")),
        "event_role": st.column_config.SelectboxColumn(_label("event_role"), options=list(allowlist.EVENT_ROLES),
                                                       format_func=_words("badges.role")),
        "secret_class": st.column_config.SelectboxColumn(_label("secret_class"),
                                                         options=list(allowlist.SECRET_CLASSES),
                                                         format_func=_words("secret_class")),
        "clearance": st.column_config.SelectboxColumn(
            _label("clearance"), options=["top_secret", "confidential", "secret", "work_secret", "internal", "public"],
            format_func=lambda v: Classification(v).label(ui.lang()) if v else ""),
    })
    edited = st.data_editor(df, column_config=config, hide_index=True, key="att_editor", width="stretch",
                            num_rows="dynamic" if can_edit else "fixed", disabled=not can_edit)
    if can_edit and st.button(ui.t("att.save"), type="primary", key="att_save"):
        records = edited.to_dict("records")
        kept = {int(r["id"]) for r in records if r.get("id") == r.get("id") and r.get("id") is not None}
        deleted = [a.id for a in shown if a.id not in kept]  # only rows on this page can have been deleted
        said.change("att_save", lambda s: allowlist.save_table(s, ev.id, records, actor=me, deleted_ids=deleted),
                    lambda res: ui.t("att.saved", **res) + (
                        " " + ui.t("att.exceptions_requeued", count=len(res["requeued"])) if res.get("requeued") else ""))
    said.here("att_save")  # issue 16: the confirmation under the button, not at the top of the page

    # eligibility of one person, with reasons, sources and the exception request
    st.subheader(ui.t("att.eligibility"))
    attention = [a for a in people if elig[a.id].status != "eligible"]
    if not attention:
        st.success(ui.t("att.all_eligible"))
    else:
        by_id = {a.id: a for a in attention}
        chosen = st.selectbox(ui.t("att.pick_person"), list(by_id), key="att_pick",
                              format_func=lambda i: f"{_status_badge(elig[i].status)} {by_id[i].name} · {by_id[i].unit}")
        el = elig[chosen]
        st.markdown("**" + ui.t(f"eligibility.status.{el.status}") + "**")
        ui.show_findings(el.findings)
        for f in el.findings:
            if not f.met:
                st.caption(f"{ui.plain(f.rule)} → {ui.plain(ui.pick(f.data['fix']))}")
        if el.status == "needs_approval" and can_edit:
            if str(chosen) in pending:
                st.info(ui.t("att.exception_pending"))
            else:
                note = st.text_area(ui.t("att.exception_note"), key="att_exception_note")
                if st.button(ui.t("att.request_exception"), key="att_request_exception"):
                    ui.change(lambda s: eligibility.request_exception(s, chosen, actor=me, comment=note),
                              ui.t("att.exception_sent", name=ui.plain(by_id[chosen].name)))

    # issue 13: the match with the people register — pick the person of an ambiguous match, match again
    if can_edit and people:
        st.subheader(ui.t("att.register_match"))
        unsure = [a for a in people if (reg_links.get(a.id) is not None and reg_links[a.id].match == "ambiguous")]
        if st.button(ui.t("att.rematch"), key="att_rematch", help=ui.t("att.rematch_help")):
            ui.change(lambda s: people_link.link_event(s, ev.id, actor=me),
                      lambda res: ui.t("att.rematched", exact=sum(1 for m in res.values() if m.status in ("exact", "manual")),
                                       ambiguous=sum(1 for m in res.values() if m.status == "ambiguous"),
                                       none=sum(1 for m in res.values() if m.status == "none")))
        if not unsure:
            st.caption(ui.t("att.no_ambiguous"))
        else:
            by_att = {a.id: a for a in unsure}
            who = st.selectbox(ui.t("att.ambiguous_pick"), list(by_att), key="att_ambiguous",
                               format_func=lambda i: f"{by_att[i].name} · {by_att[i].unit}")
            with ui.reading() as s:
                options = people_link.candidates(s, who)
            if options:
                person = st.radio(ui.t("att.ambiguous_person"), [p.id for p in options], key="att_ambiguous_person",
                                  format_func=lambda pid: next(f"#{p.id} {p.name} · {p.unit} · {p.post or ''}"
                                                               for p in options if p.id == pid))
                if st.button(ui.t("att.link_person"), key="att_link_person"):
                    ui.change(lambda s: people_link.link_manually(s, who, person, actor=me),
                              ui.t("att.linked", name=ui.plain(by_att[who].name)))

# ---- import
with tab_import:
    st.caption(ui.t("att.import_help"))
    c1, c2 = st.columns(2)
    c1.download_button(ui.t("att.template_csv"), allowlist.template_bytes("csv", lang if lang == "en" else "zh_CN"),
                       file_name="attendees-template.csv", mime="text/csv", key="att_tpl_csv")
    c2.download_button(ui.t("att.template_xlsx"), allowlist.template_bytes("xlsx", lang),
                       file_name="attendees-template.xlsx", key="att_tpl_xlsx",
                       mime="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
    if can_edit:
        up = st.file_uploader(ui.t("att.upload"), type=["csv", "txt", "xlsx"], key="att_upload")
        st.checkbox(ui.t("att.valid_only"), key="att_valid_only", help=ui.t("att.valid_only_help"))
        def _import() -> None:
            """Runs in the button's callback, before the page is drawn: the list's tab title (名单（N）) and the
            table count the imported rows in the same rerun (issue 16)."""
            f = st.session_state.get("att_upload")
            if f is None:
                return
            try:
                with ui.writing() as s:
                    st.session_state["att_report"] = allowlist.import_file(
                        s, ev.id, f.name, f.getvalue(), actor=me,
                        valid_only=bool(st.session_state.get("att_valid_only")))
            except ConclaveError as exc:
                st.session_state.pop("att_report", None)
                st.session_state["att_import_error"] = ui.error_text(exc)

        if up is not None:
            st.button(ui.t("att.import"), type="primary", key="att_import", on_click=_import)
        if "att_import_error" in st.session_state:
            st.error(st.session_state.pop("att_import_error"))
        rep = st.session_state.get("att_report")
        if rep is not None:
            (st.success if rep.written else st.error)(ui.plain(rep.lines(lang)[0]))  # quotes the file name
            if not rep.written and rep.problems:
                st.warning(ui.t("att.nothing_written"))
            for label, found in ((None, rep.problems), (ui.t("att.rep_warnings"), rep.warnings)):
                if found:
                    if label:
                        st.warning(label)
                    st.dataframe(ui.frame([p.as_row(lang) for p in found]).rename(columns={
                        "row": ui.t("att.rep_row"), "field": ui.t("att.rep_field"),
                        "problem": ui.t("att.rep_problem"), "fix": ui.t("att.rep_fix")}),
                        hide_index=True, width="stretch")  # cells quote the file: a table without Markdown
    else:
        st.info(ui.t("att.read_only"))

# ---- badges
with tab_badges:
    if not can_edit:
        st.info(ui.t("att.read_only"))
    elif not people:
        st.info(ui.t("badges.none"))
    else:
        st.caption(ui.t("att.badges_help"))
        # issue 16: "eligible only" (on by default); who is eligible is decided in planners (eligibility rules)
        only = st.toggle(ui.t("att.eligible_only"), value=True, key="att_eligible_only",
                         help=ui.t("att.eligible_only_help"))
        n_other = len(badge_export.not_eligible_in(elig))
        if n_other:
            st.caption(ui.t("att.left_out" if only else "att.marked", n=n_other))

        def _build(kind: str):
            def run() -> bytes:
                with ui.writing() as s:
                    data, n = badge_export.export(s, ev.id, kind, actor=me, eligible_only=only)
                st.session_state["att_badges_n"] = n
                return data
            return run

        c1, c2 = st.columns(2)
        done = lambda _d: ui.t("att.built", n=st.session_state.get("att_badges_n", 0))  # noqa: E731
        oneclick.download("att_make_pdf", ui.t("att.download_pdf"), _build("pdf"), file_name=f"badges-{ev.id}.pdf",
                          mime="application/pdf", where=c1, done=done)
        oneclick.download("att_make_csv", ui.t("att.download_csv"), _build("csv"), file_name=f"badges-{ev.id}.csv",
                          mime="text/csv", where=c2, done=done)
        by_id = {a.id: a for a in people}
        # beyond ui.PICK_MAX people one search narrows the picker (10,000 options weighed 1 s on the browser)
        offered = ui.narrowed({a.id: f"{a.name} · {a.unit}" for a in people}, key="att_one_find")
        one = st.selectbox(ui.t("att.one_badge"), list(offered), key="att_one", format_func=offered.get)
        c1, c2 = st.columns(2)
        if one is not None and c1.button(ui.t("att.make_png"), key="att_make_png"):  # None: the search found nobody
            with ui.writing() as s:
                [(a, code)] = tokens.codes_for_event(s, ev.id, actor=me, attendee_ids=[one])
                st.session_state["att_png"] = (one, badge_export.badge_png(ev, a, code))
        if one is not None and c2.button(ui.t("att.reissue"), key="att_reissue", help=ui.t("att.reissue_help")):
            with ui.writing() as s:
                code = tokens.reissue(s, one, actor=me)
                a = allowlist.get_attendee(s, one)
                st.session_state["att_png"] = (one, badge_export.badge_png(ev, a, code))
            oneclick.forget("att_make_pdf", "att_make_csv")
            st.success(ui.t("att.reissued", name=ui.plain(by_id[one].name)))
        png = st.session_state.get("att_png")
        if png and png[0] == one:
            st.image(png[1], width=360)
            st.download_button(ui.t("att.download_png"), png[1], file_name=f"badge-{one}.png", mime="image/png",
                               key="att_dl_png")


# issue 15: photos on file (upload, ZIP by ID digits or row), beside the verdict at the desk only
with st.expander(ui.t("photos.upload")):
    from pages.parts import photos_ui

    photos_ui.photo_section(ev, people, me, can_edit=can_edit, key="att_photo")  # narrowed there (ui.narrowed)
