"""The security plan of an event (保密工作方案), issue 16: its tasks before / during / after, each marked where it
is listed (done / not applicable with a reason / open), its state updated in place; readiness, what the other
areas find while the event runs, the leader approvals, the plan's exports. The rules live in planners.plan."""
from __future__ import annotations

import streamlit as st

from pages.parts import said, ui

me = ui.require_role("plan")
LANG = ui.lang()  # captured: format functions must not read the session (AppTest calls them outside a run)

from planners import plan as timeline  # noqa: E402
from planners.base import events as ev_mod  # noqa: E402
from planners.core.clock import utcnow  # noqa: E402
from planners.core.errors import ConclaveError, RuleFileError  # noqa: E402
from planners.core.i18n import t as _t  # noqa: E402
from planners.core.levels import Classification  # noqa: E402

from pages.parts import charts, plan_ui  # noqa: E402

STATES = charts.PLAN_STATES  # the row control's choices: open / done / not applicable
NA_PENDING = "_plan_na_pending"  # the task whose "not applicable" waits for its reason
LAST_MARKED = "_plan_last_marked"  # the task of this user's last mark: its row offers the undo


def tr(key: str, **params) -> str:
    return _t(key, LANG, **params)


st.title(ui.t("planpage.title"))
with ui.reading() as s:
    chosen = ui.event_picker(ev_mod.visible_events(s, me))
if chosen is None:
    st.stop()
editable = ev_mod.may_edit(me, chosen)
st.caption(f"#{chosen.id} {ui.plain(chosen.title)} · {ui.t('events.status')}: {ui.t('status.' + chosen.status)} · "
           f"{ui.plain(Classification(chosen.level).marking(chosen.retention, ui.lang()))}")
st.caption(ui.t("plan.relay_scope", scope=ui.plain(chosen.relay_scope) or ui.t("plan.relay_not_decided")) + " · "
           + ui.t("plan.device_policy", policy=ui.t("device_policy." + chosen.device_policy)) + " · "
           + (ui.t("planpage.documents_yes") if (chosen.facts or {}).get("documents_issued")
              else ui.t("planpage.documents_no")))


# ---- marking a task from its row: the callbacks run before the page is drawn, so it shows the new state

def _mark(task_id: int, status: str, reason: str = "") -> bool:
    try:
        with ui.writing() as s:
            rule = timeline.mark_task(s, task_id, status, actor=me, reason=reason).rule_id
    except ConclaveError as exc:
        said.say(f"row{task_id}", ui.error_text(exc), "error")
        return False
    said.say(f"row{task_id}", ui.t("plan.marked_ok", rule=ui.plain(rule), status=ui.t(f"plan.status_{status}")))
    st.session_state[LAST_MARKED] = task_id
    return True


def _picked(task_id: int, before: str) -> None:
    """The row's control moved: done / open is marked at once; not applicable opens the reason under the row."""
    value = st.session_state.get(f"task{task_id}")
    if st.session_state.get(NA_PENDING) == task_id and value != "na":
        st.session_state.pop(NA_PENDING, None)
    if value is None or value == before:  # a click on the state it has: nothing to change
        return
    if value == "na":
        st.session_state[NA_PENDING] = task_id
        return
    _mark(task_id, value)


def _na_confirmed(task_id: int, by_request: bool) -> None:
    reason = st.session_state.get(f"nareason{task_id}", "")
    if not by_request:
        if _mark(task_id, "na", reason):
            st.session_state.pop(NA_PENDING, None)
        return
    try:
        with ui.writing() as s:
            timeline.request_na(s, task_id, actor=me, reason=reason)
    except ConclaveError as exc:
        said.say(f"row{task_id}", ui.error_text(exc), "error")
        return
    said.say(f"row{task_id}", ui.t("plan.asked_leader"))
    st.session_state.pop(NA_PENDING, None)


def _na_cancelled() -> None:
    st.session_state.pop(NA_PENDING, None)


def _undo(where: str) -> None:
    """Undo this user's last mark on the plan; the message is said where the undo was asked."""
    try:
        with ui.writing() as s:
            t_ = timeline.undo_last_mark(s, chosen.id, actor=me)
            rule, status, task_id = t_.rule_id, t_.status, t_.id
    except ConclaveError as exc:
        said.say(where, ui.error_text(exc), "error")
        return
    said.say(where if where == "plan_undo" else f"row{task_id}",
             ui.t("plan.undone", rule=ui.plain(rule), status=ui.t(f"plan.status_{status}")))
    st.session_state.pop(LAST_MARKED, None)
    st.session_state.pop(NA_PENDING, None)


def task_row(task, choice, now) -> None:
    """One task: its line on the left, its state control on the right, what the last action on it said below."""
    with st.container(border=True, key=f"planrow_{task.id}"):
        left, right = st.columns([5, 2], vertical_alignment="center")
        left.markdown(plan_ui.task_html(task, now, chosen.tz, overdue=timeline.is_overdue(task, now)),
                      unsafe_allow_html=True)
        with right:
            if choice.markable:
                key = f"task{task.id}"
                # the control shows the stored state (after an undo too), or "not applicable" while its reason is asked
                st.session_state[key] = "na" if st.session_state.get(NA_PENDING) == task.id else task.status
                st.segmented_control(ui.t("planpage.row_state", rule=ui.plain(task.rule_id)), STATES, key=key,
                                     format_func=lambda x: tr(f"plan.status_{x}"), label_visibility="collapsed",
                                     on_change=_picked, args=(task.id, task.status))
            elif choice.why:
                st.caption(ui.t(choice.why))
        if choice.markable and st.session_state.get(NA_PENDING) == task.id:
            st.text_input(ui.t("plan.reason"), key=f"nareason{task.id}")
            if choice.na_by_request:
                st.caption(ui.t("plan.na_leader_hint"))
            a, b = st.columns(2)
            a.button(ui.t("plan.ask_leader") if choice.na_by_request else ui.t("plan.mark_na"),
                     key=f"na{'ask' if choice.na_by_request else 'ok'}{task.id}", type="primary",
                     on_click=_na_confirmed, args=(task.id, choice.na_by_request))
            b.button(ui.t("planpage.cancel"), key=f"nacancel{task.id}", on_click=_na_cancelled)
        said.here(f"row{task.id}")
        if st.session_state.get(LAST_MARKED) == task.id:
            st.button(ui.t("plan.undo"), key=f"rowundo{task.id}", on_click=_undo, args=(f"row{task.id}",))


# ---- the plan
may_build = editable or me.role == "leader"
try:
    timeline.check_rules()
    with ui.reading() as s:
        ev = ev_mod.get_event(s, chosen.id)
        ts = timeline.tasks(s, chosen.id)
        choices = {x.id: timeline.mark_choice(ev, x, me) for x in ts}
        ready = timeline.readiness(s, chosen.id)
        chart_rows = timeline.chart_rows(s, chosen.id, LANG)
        retired = len(timeline.tasks(s, chosen.id, include_retired=True)) - len(ts)
        live = timeline.live_findings(s, chosen.id)  # e.g. a missed end-of-day room check (issue 15)
except RuleFileError as exc:
    st.error(ui.t("plan.rules_error"))
    ui.show_error(exc)
    st.stop()

a, b, _ = st.columns([2, 2, 5])
if may_build and a.button(ui.t("plan.build"), key=f"build{chosen.id}", type="primary" if not ts else "secondary"):
    ui.change(lambda s: timeline.build_plan(s, chosen.id, actor=me),
              lambda r: ui.t("plan.built", added=r.added, updated=r.updated, retired=r.retired, kept=r.kept_done))
if ts and any(c.markable for c in choices.values()):
    b.button(ui.t("plan.undo"), key=f"markundo{chosen.id}", on_click=_undo, args=("plan_undo",))
said.here("plan_undo")
if not ts:
    st.info(ui.t("plan.empty"))
    st.stop()

state, approvals = st.columns([3, 2])
with state:
    st.progress(ready.ratio, text=ui.t("plan.readiness", done=ready.mandatory_done, total=ready.mandatory_total))
    if ready.overdue:
        st.markdown(f"<span style='color:#b00020;font-weight:700'>"
                    f"{ui.plain_html(ui.t('plan.overdue', n=len(ready.overdue)))}</span>", unsafe_allow_html=True)
    elif ready.ready:
        st.success(ui.t("plan.ready_yes"))
with approvals.container(border=True):  # the leader approvals beside the readiness they decide (issue 11)
    st.markdown(f"**{ui.t('signoff.section')}**")
    plan_ui.signoff_panel(chosen, me, editable, submit=("plan",), heading=False)
if live:  # what the other areas find while the event runs (issue 15), before the tasks
    st.warning(ui.t("plan.live_findings", n=len(live)))
    ui.show_findings(live)

st.caption(ui.t("planpage.intro"))
now = utcnow()
for phase in timeline.PHASES:
    st.markdown(f"#### {ui.t(f'plan.phase_{phase}')}")
    for task in (x for x in ts if x.phase == phase):
        task_row(task, choices[task.id], now)
if retired:
    st.caption(ui.t("plan.retired", n=retired))
if chart_rows:
    st.vega_lite_chart(charts.plan_status_chart(
        chart_rows, title=ui.t("plan.chart_title"), phase_title=ui.t("plan.chart_phase"),
        count_title=ui.t("plan.chart_count"), status_title=ui.t("plan.chart_status"),
        status_label=lambda x: tr(f"plan.status_{x}")), width="stretch")

# ---- an incident
if editable or me.role == "leader":
    with st.expander(ui.t("plan.incident")):
        if st.button(ui.t("plan.incident_lost"), key=f"incident{chosen.id}"):
            said.change("incident", lambda s: timeline.report_incident(s, chosen.id, "document_lost", actor=me),
                        ui.t("plan.incident_reported"))
        said.here("incident")


# ---- downloads
def _download(label: str, fmt: str, mime: str, filename: str) -> None:
    from planners.plan.export import render

    lang, ev_id = LANG, chosen.id  # the callable runs when the button is pressed, outside this run

    def data() -> bytes:
        with ui.reading() as s:
            snap = timeline.snapshot(s, ev_id)
        return render(snap, fmt, lang)

    st.download_button(label, data=data, file_name=filename, mime=mime, key=f"dl_{fmt}_{ev_id}", on_click="ignore")


st.markdown(f"##### {ui.t('plan.downloads')}")
d1, d2, d3, d4 = st.columns(4)
stem = f"plan-{chosen.id}"
with d1:
    _download(ui.t("plan.dl_ics"), "ics", "text/calendar", f"{stem}.ics")
with d2:
    from planners.core.errors import NoCJKFont
    from planners.exports.fonts import find_cjk_font

    try:
        find_cjk_font()
    except NoCJKFont as exc:
        st.warning(ui.error_text(exc))
    else:
        _download(ui.t("plan.dl_pdf"), "pdf", "application/pdf", f"{stem}.pdf")
with d3:
    _download(ui.t("plan.dl_docx"), "docx",
              "application/vnd.openxmlformats-officedocument.wordprocessingml.document", f"{stem}.docx")
with d4:
    _download(ui.t("plan.dl_csv"), "csv", "text/csv", f"{stem}.csv")
