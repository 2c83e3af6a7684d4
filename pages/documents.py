"""Documents: register, numbered copies and labels, issue / recover at the desk, reconciliation, destruction,
loss reports. The front desk sees only issue / recover."""
from __future__ import annotations

import streamlit as st

from pages.parts import cache, charts, ui

me = ui.require_role("documents")

from planners import documents as docs  # noqa: E402
from planners.checkin import sessions as ss  # noqa: E402
from planners.base import events as ev_mod  # noqa: E402
from planners.core import i18n  # noqa: E402
from planners.core.clock import office_today  # noqa: E402
from planners.core.errors import ConclaveError  # noqa: E402
from planners.core.errors import NoCJKFont  # noqa: E402
from planners.exports.fonts import find_cjk_font  # noqa: E402
from planners.core.levels import Classification  # noqa: E402

LANG = ui.lang()


def t(key: str, **params) -> str:
    """The session's language, captured once per run (format functions may be called outside the run)."""
    return i18n.t(key, LANG, **params)


st.title(t("documents.title"))
st.caption(t("documents.principle"))

chosen = ui.event_picker(cache.read(ev_mod.visible_events, me))  # issue 17: until the data changes
if chosen is None:
    st.stop()
EID = chosen.id
DESK_ONLY = me.role == "front_desk"

# issue 17: until the data changes, handed out uncopied (unpickling 10,000 rows cost 0.7 s a rerun)
attendees = cache.shared(docs.attendees_of, EID)
rec = cache.shared(docs.reconcile, EID)
doc_list = cache.shared(docs.documents_of, EID)
with ui.reading() as s:
    sessions = {x.id: x.title for x in ss.list_sessions(s, EID)}  # issue 15: copies issued per session
# the pickers below offer everyone up to ui.PICK_MAX people; beyond, one search narrows them all (issue 17)
names = ui.narrowed({a.id: f"{a.name} · {a.unit}" if a.unit else a.name for a in attendees}, key="doc_people")


def session_label(sid: int | None) -> str:
    return t("documents.whole_meeting") if sid is None else sessions[sid]


def state_label(state: str) -> str:
    return t(f"documents.state.{state}")


def refused(exc: docs.CustodyRefused) -> None:
    # the refusal and what to do, big; the rule's provenance folded away below it (issue 16)
    lines = [f.text(LANG) for f in exc.findings]
    ui.verdict_banner("red", t("documents.verdict_refused"), lines, key="verdict")
    ui.source_details([(f.rule, f.source) for f in exc.findings])


def move(record, verdict_key: str, code: str) -> None:
    """Record one movement of a copy (`record(session)` -> the custody entry). A refusal shows why on the spot;
    a success shows a green verdict after the rerun."""
    try:
        with ui.writing() as s:
            e = record(s)
    except docs.CopyAlreadyRecovered as exc:
        ui.verdict_banner("orange", t("documents.verdict_already"), [f.text(LANG) for f in exc.findings])
    except docs.CustodyRefused as exc:
        refused(exc)
    except ConclaveError as exc:
        ui.show_error(exc)
    else:
        st.session_state["doc_verdict"] = ("green", t(verdict_key), [code.strip(), e.holder_name])
        st.rerun()


def pdf_download(label: str, make, file_name: str, key: str) -> None:
    """A PDF made only when the button is clicked (QR codes and CJK font subsetting take a moment)."""
    try:
        find_cjk_font()
    except NoCJKFont as exc:
        st.warning(ui.error_text(exc))
        return

    def build() -> bytes:
        with ui.reading() as s:
            return make(s)

    st.download_button(label, build, file_name=file_name, mime="application/pdf", key=key)


def desk_tab() -> None:
    last = st.session_state.pop("doc_verdict", None)
    if last:
        ui.verdict_banner(*last)
    st.subheader(t("documents.issue"))
    with st.form("doc_issue_form", clear_on_submit=True):
        code = st.text_input(t("documents.code_input"), help=t("documents.code_help"), key="doc_issue_code")
        who = st.selectbox(t("documents.receiver"), list(names), format_func=names.get, index=None,
                           key="doc_issue_who")
        a, b = st.columns(2)
        ack = a.text_input(t("documents.acknowledgement"), help=t("documents.acknowledgement_help"),
                           key="doc_issue_ack")
        # the desk this browser session is bound to (the front desk page), never the account's user name
        desk = b.text_input(t("documents.desk"), key="doc_issue_desk", value=st.session_state.get("desk_name", ""))
        sid = None
        if sessions:  # issue 15: the session whose door the copy is issued at (the desk page's door by default)
            door = st.session_state.get(f"desk_door_{EID}")
            options = [None] + list(sessions)
            sid = st.selectbox(t("documents.for_session"), options, format_func=session_label,
                               index=options.index(door) if door in options else 0,
                               help=t("documents.for_session_help"), key="doc_issue_session")
        go = st.form_submit_button(t("documents.issue_button"), type="primary")
    if go:
        if who is None:
            st.error(t("documents.choose_receiver"))
        else:
            move(lambda s: docs.issue_copy(s, EID, code, who, actor=me, desk=desk, acknowledgement=ack,
                                           session_id=sid), "documents.verdict_issued", code)

    st.subheader(t("documents.recover"))
    with st.form("doc_recover_form", clear_on_submit=True):
        rcode = st.text_input(t("documents.code_input"), help=t("documents.code_help"),
                              key="doc_recover_code")
        options = [None] + list(names)
        rwho = st.selectbox(t("documents.returned_by"), options,
                            format_func=lambda i: t("documents.the_holder") if i is None else names[i],
                            key="doc_recover_who")
        rdesk = st.text_input(t("documents.desk"), key="doc_recover_desk", value=st.session_state.get("desk_name", ""))
        rgo = st.form_submit_button(t("documents.recover_button"), type="primary")
    if rgo:
        move(lambda s: docs.recover_copy(s, EID, rcode, rwho, actor=me, desk=rdesk), "documents.verdict_recovered",
             rcode)

    with st.expander(t("documents.transfer")):
        with st.form("doc_transfer_form", clear_on_submit=True):
            tcode = st.text_input(t("documents.code_input"), key="doc_transfer_code")
            tto = st.selectbox(t("documents.transfer_to"), list(names), format_func=names.get, index=None,
                               key="doc_transfer_to")
            tack = st.text_input(t("documents.acknowledgement"), key="doc_transfer_ack")
            tgo = st.form_submit_button(t("documents.transfer_button"))
        if tgo:
            if tto is None:
                st.error(t("documents.choose_receiver"))
            else:
                move(lambda s: docs.transfer_copy(s, EID, tcode, tto, actor=me, acknowledgement=tack),
                     "documents.verdict_transferred", tcode)

    st.subheader(t("documents.held_by_title"))
    holder = st.selectbox(t("documents.attendee"), list(names), format_func=names.get, index=None,
                          key="doc_held_who")
    if holder is not None:
        with ui.reading() as s:
            held = docs.copies_held_by(s, EID, holder)
        if held:
            st.warning(t("documents.holds_n", n=len(held)))
            st.dataframe(ui.frame([{t("documents.code"): r.code, t("documents.control_no"): r.control_no,
                                        t("documents.copy"): docs.copy_label(r.number, r.total, LANG)}
                                       for r in held]), hide_index=True, width="stretch")
        else:
            st.success(t("documents.holds_none"))


def register_tab() -> None:
    with st.form("doc_register_form"):
        a, b = st.columns(2)
        control = a.text_input(t("documents.control_no"), key="doc_reg_control")
        title = b.text_input(t("documents.short_title"), help=t("documents.short_title_help"),
                             key="doc_reg_title")
        a, b, c = st.columns(3)
        carrier = a.selectbox(t("documents.carrier"), docs.CARRIERS,
                              format_func=lambda x: t(f"documents.carrier_{x}"), key="doc_reg_carrier")
        levels = docs.levels_allowed_for(chosen)
        level = b.selectbox(t("documents.level"), levels, format_func=lambda v: Classification(v).label(LANG),
                            key="doc_reg_level")
        copies = c.number_input(t("documents.copies_count"), min_value=1, max_value=docs.MAX_COPIES, value=1,
                                step=1, key="doc_reg_copies")
        a, b, c = st.columns(3)
        rkind = a.selectbox(t("documents.retention_kind"), docs.RETENTION_KINDS,
                            format_func=lambda x: t(f"documents.retention_kind_{x}"), key="doc_reg_rkind")
        retention = b.text_input(t("documents.retention"), help=t("documents.retention_help"),
                                 key="doc_reg_retention")
        classified_on = c.date_input(t("documents.classified_on"), value=office_today(), key="doc_reg_date")
        a, b = st.columns(2)
        proposed = a.text_input(t("documents.proposed_by"), key="doc_reg_proposed")
        approved = b.text_input(t("documents.approved_by"), help=t("documents.approved_by_help"),
                                key="doc_reg_approved")
        basis = st.text_input(t("documents.basis"), help=t("documents.basis_help"), key="doc_reg_basis")
        scope = st.text_area(t("documents.scope"), help=t("documents.scope_help"), key="doc_reg_scope")
        go = st.form_submit_button(t("documents.register_button"), type="primary")
    if go:
        data = docs.DocumentInput(control_no=control, short_title=title, carrier=carrier, level=level,
                                  retention_kind=rkind, retention=retention, proposed_by=proposed,
                                  approved_by=approved, basis=basis, scope=docs.parse_scope(scope),
                                  classified_on=classified_on, copies=int(copies))
        try:
            with ui.writing() as s:
                d = docs.register_document(s, EID, data, actor=me)
                msg = t("documents.registered", control=ui.plain(d.control_no), marking=ui.plain(docs.doc_marking(d)),
                           n=d.copies_count)
        except ConclaveError as exc:
            ui.show_error(exc)
        else:
            ui.flash(msg)
            st.rerun()
    if doc_list:
        st.dataframe(ui.frame([{  # typed text: a table without Markdown
            t("documents.control_no"): d.control_no, t("documents.short_title"): d.short_title,
            t("documents.marking"): docs.doc_marking(d), t("documents.carrier"): t(f"documents.carrier_{d.carrier}"),
            t("documents.copies_count"): sum(1 for r in rec.rows if r.document_id == d.id),
            t("documents.approved_by"): d.approved_by, t("documents.scope"): "、".join(d.scope)}
            for d in doc_list]), hide_index=True, width="stretch")


def copies_tab() -> None:
    if not doc_list:
        st.info(t("documents.none"))
        return
    by_id = {d.id: d for d in doc_list}
    did = st.selectbox(t("documents.document"), list(by_id),
                       format_func=lambda i: f"{by_id[i].control_no} · {by_id[i].short_title}", key="doc_copies_doc")
    rows = [r for r in rec.rows if r.document_id == did]
    st.dataframe(ui.frame([{
        t("documents.copy"): docs.copy_label(r.number, r.total, LANG), t("documents.code"): r.code,
        t("documents.state_col"): state_label(r.state), t("documents.holder"): r.holder_name} for r in rows]),
        hide_index=True, width="stretch")
    pdf_download(t("documents.labels_download"),
                 lambda s: docs.label_sheet_pdf(s, did, lang=LANG), f"labels-{did}.pdf", f"doc_labels_{did}")
    with st.form("doc_copy_request_form", clear_on_submit=True):
        st.markdown(t("documents.copy_request_intro"))
        n = st.number_input(t("documents.copies_more"), min_value=1, max_value=docs.MAX_COPIES, value=1,
                            key="doc_copy_n")
        reason = st.text_input(t("documents.reason"), key="doc_copy_reason")
        go = st.form_submit_button(t("documents.copy_request_button"))
    if go:
        try:
            with ui.writing() as s:
                docs.request_copies(s, did, int(n), reason=reason, actor=me)
        except ConclaveError as exc:
            ui.show_error(exc)
        else:
            st.success(t("documents.copy_requested"))


def reconcile_tab() -> None:
    view = rec
    if sessions:  # issue 15: the copies of one session, as its 文件签收单 lists them
        one = st.selectbox(t("documents.reconcile_session"), [None] + list(sessions), format_func=session_label,
                           help=t("documents.reconcile_session_help"), key="doc_rec_session")
        if one is not None:
            with ui.reading() as s:
                view = docs.reconcile(s, EID, session_id=one)
            if not view.rows:
                st.info(t("documents.session_none_issued"))
    c = view.counts
    cols = st.columns(len(docs.STATES))
    for col, state in zip(cols, docs.STATES):
        col.metric(state_label(state), c.get(state, 0))
    outstanding = view.outstanding
    if outstanding:
        st.error(t("documents.outstanding_n", n=len(outstanding)))
        # a static table the desk can read at a glance (and print); every cell is typed text, shown as text
        st.table(ui.frame([{t("documents.code"): ui.plain(r.code), t("documents.control_no"): ui.plain(r.control_no),
                                t("documents.copy"): docs.copy_label(r.number, r.total, LANG),
                                t("documents.holder"): ui.plain(t("documents.abroad_with", name=r.holder_name)
                                                                if r.state == "abroad" else r.holder_name)}
                               for r in outstanding]))  # abroad: issue 14
    elif view.clean:
        st.success(t("documents.reconciled_clean"))
    else:
        st.warning(t("documents.reconciled_lost", n=len(view.lost)))
    if view.rows:
        st.dataframe(ui.frame([{
            t("documents.code"): r.code, t("documents.control_no"): r.control_no,
            t("documents.marking"): r.marking, t("documents.copy"): docs.copy_label(r.number, r.total, LANG),
            t("documents.state_col"): state_label(r.state), t("documents.holder"): r.holder_name,
            **({t("documents.session_col"): sessions.get(r.session_id, "")} if sessions else {})}
            for r in view.rows]), hide_index=True, width="stretch")
        st.download_button(t("documents.csv_download"), docs.reconciliation_csv(view, LANG),
                           file_name=f"reconciliation-{EID}.csv", mime="text/csv", key="doc_rec_csv")
    with ui.reading() as s:
        tl = docs.timeline(s, EID, chosen.tz)
    a, b = st.columns(2)
    if tl:  # one colour per state in every chart, whole copies on the axis (issue 16: pages/parts/charts.py)
        a.vega_lite_chart(charts.custody_timeline_chart(tl, title=t("documents.chart_timeline"),
                                                        series_label=lambda x: t(f"documents.series_{x}")),
                          width="stretch")
    by_holder = view.outstanding_by_holder()
    if by_holder:
        b.vega_lite_chart(charts.holders_chart(by_holder, title=t("documents.chart_holders")), width="stretch")
    st.subheader(t("documents.secrecy_room"))
    with st.form("doc_room_form", clear_on_submit=True):
        code = st.text_input(t("documents.code_input"), key="doc_room_code")
        custodian = st.text_input(t("documents.custodian"), key="doc_room_custodian")
        go = st.form_submit_button(t("documents.secrecy_room_button"))
    if go:
        try:
            with ui.writing() as s:
                docs.send_to_secrecy_room(s, EID, code, actor=me, custodian=custodian)
        except docs.CustodyRefused as exc:
            refused(exc)
        except ConclaveError as exc:
            ui.show_error(exc)
        else:
            ui.flash(t("documents.sent_to_room", code=ui.plain(code.strip())))
            st.rerun()


def destruction_tab() -> None:
    st.caption(t("documents.destruction_rule"))
    eligible = [r.code for r in rec.rows if docs.may(r.state, "destroyed")]
    with st.form("doc_destroy_form"):
        codes = st.multiselect(t("documents.copies"), eligible, key="doc_destroy_codes")
        method = st.selectbox(t("documents.method"), docs.destruction_methods(),
                              format_func=lambda m: t(f"documents.method_{m}"), key="doc_destroy_method")
        a, b = st.columns(2)
        w1 = a.text_input(t("documents.witness1"), key="doc_destroy_w1")
        w2 = b.text_input(t("documents.witness2"), key="doc_destroy_w2")
        reason = st.text_input(t("documents.reason"), key="doc_destroy_reason")
        go = st.form_submit_button(t("documents.destruction_button"))
    if go:
        try:
            with ui.writing() as s:
                d = docs.request_destruction(s, EID, codes, method=method, witness1=w1, witness2=w2, reason=reason,
                                             actor=me)
                did = d.id
        except docs.CustodyRefused as exc:
            refused(exc)
        except ConclaveError as exc:
            ui.show_error(exc)
        else:
            ui.flash(t("documents.destruction_requested", id=did))
            st.rerun()
    with ui.reading() as s:
        records = docs.destructions(s, EID)
    for d in records:
        with st.container(border=True):
            st.markdown(f"**#{d.id}** · {t('documents.count')}: {len(d.copy_ids)} · "
                        f"{t(f'documents.method_{d.method}')} · {ui.plain(d.witness1)}、{ui.plain(d.witness2)} · "
                        f"{t(f'documents.destruction_status.{d.status}')}")
            if d.status == "approved" and st.button(t("documents.carried_out"), key=f"doc_destroy_done_{d.id}"):
                try:
                    with ui.writing() as s:
                        docs.carry_out_destruction(s, d.id, actor=me)
                except docs.CustodyRefused as exc:
                    refused(exc)
                except ConclaveError as exc:
                    ui.show_error(exc)
                else:
                    st.rerun()
            pdf_download(t("documents.destruction_pdf"), lambda s, i=d.id: docs.destruction_pdf(s, i, lang=LANG),
                         f"destruction-{d.id}.pdf", f"doc_destroy_pdf_{d.id}")


def loss_tab() -> None:
    st.caption(t("documents.loss_rule", hours=docs.loss_deadline_hours()))
    open_codes = [r.code for r in rec.rows if docs.may(r.state, "lost")]
    with st.form("doc_loss_form"):
        code = st.selectbox(t("documents.code"), open_codes, index=None, key="doc_loss_code")
        what = st.text_area(t("documents.what"), help=t("documents.no_content_help"), key="doc_loss_what")
        a, b = st.columns(2)
        when = a.text_input(t("documents.when"), key="doc_loss_when")
        where = b.text_input(t("documents.where"), key="doc_loss_where")
        measures = st.text_area(t("documents.measures"), key="doc_loss_measures")
        go = st.form_submit_button(t("documents.declare_lost"), type="primary")
    if go:
        try:
            with ui.writing() as s:
                docs.declare_lost(s, EID, code or "", actor=me, what=what, when_text=when, where=where,
                                  measures=measures)
        except docs.CustodyRefused as exc:
            refused(exc)
        except ConclaveError as exc:
            ui.show_error(exc)
        else:
            ui.flash(t("documents.lost_declared", hours=docs.loss_deadline_hours()), "warning")
            st.rerun()
    with ui.reading() as s:
        found = docs.incidents(s, EID)
    codes = {r.copy_id: r.code for r in rec.rows}
    for inc in found:
        overdue = docs.is_overdue(inc)
        deadline = ev_mod.local(inc.deadline_at, chosen.tz).strftime("%Y-%m-%d %H:%M")
        with st.container(border=True):
            head = t("documents.incident_head", id=inc.id, code=ui.plain(codes.get(inc.copy_id, "?")), deadline=deadline)
            if inc.reported_at:
                st.success(head + " · " + t("documents.reported"))
            elif overdue:
                st.error(head + " · " + t("documents.overdue"))
            else:
                st.warning(head)
            if inc.reported_at is None:
                with st.form(f"doc_incident_{inc.id}"):
                    w = st.text_area(t("documents.what"), value=inc.what, key=f"doc_inc_what_{inc.id}")
                    a, b = st.columns(2)
                    wh = a.text_input(t("documents.when"), value=inc.when_text, key=f"doc_inc_when_{inc.id}")
                    wr = b.text_input(t("documents.where"), value=inc.where, key=f"doc_inc_where_{inc.id}")
                    m = st.text_area(t("documents.measures"), value=inc.measures, key=f"doc_inc_meas_{inc.id}")
                    to = st.text_input(t("documents.reported_to"), value=inc.reported_to,
                                       key=f"doc_inc_to_{inc.id}")
                    sent = st.checkbox(t("documents.mark_reported"), key=f"doc_inc_sent_{inc.id}")
                    save = st.form_submit_button(t("documents.save_report"))
                if save:
                    try:
                        with ui.writing() as s:
                            docs.update_incident(s, inc.id, docs.IncidentReport(
                                what=w, when_text=wh, where=wr, measures=m, reported_to=to, mark_reported=sent),
                                actor=me)
                    except ConclaveError as exc:
                        ui.show_error(exc)
                    else:
                        st.rerun()
            pdf_download(t("documents.loss_pdf"), lambda s, i=inc.id: docs.incident_pdf(s, i, lang=LANG),
                         f"loss-report-{inc.id}.pdf", f"doc_loss_pdf_{inc.id}")


if DESK_ONLY:
    desk_tab()
else:
    tabs = st.tabs([t("documents.tab_desk"), t("documents.tab_register"), t("documents.tab_copies"),
                    t("documents.tab_reconcile"), t("documents.tab_destruction"), t("documents.tab_loss")])
    with tabs[0]:
        desk_tab()
    with tabs[1]:
        register_tab()
    with tabs[2]:
        copies_tab()
    with tabs[3]:
        reconcile_tab()
    with tabs[4]:
        destruction_tab()
    with tabs[5]:
        loss_tab()
