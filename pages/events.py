"""Events: list and filter, create, edit (with undo), change status."""
from __future__ import annotations

from datetime import datetime, time, timedelta

import pandas as pd
import streamlit as st

from pages.parts import said, ui

me = ui.require_role("events")
LANG = ui.lang()  # captured: format functions must not read the session (AppTest calls them outside a run)


def tr(key: str, **params) -> str:
    from planners.core import i18n

    return i18n.t(key, LANG, **params)


from planners.base import events as ev_mod  # noqa: E402
from planners.core.clock import office_now, utcnow  # noqa: E402
from planners.core.errors import ConclaveError, ValidationFailed  # noqa: E402
from planners.core.levels import ALL_LEVELS, Classification  # noqa: E402
from planners.venues import list_venues  # noqa: E402

st.title(ui.t("events.title"))

FIELD_LABELS = {"title": "events.field_title", "kind": "events.field_kind", "level": "events.field_level",
                "retention": "events.field_retention", "start": "events.field_start_date",
                "end": "events.field_end_date", "tz": "events.field_tz", "venue_id": "events.field_venue",
                "device_policy": "events.field_device_policy", "host_unit": "events.field_host_unit",
                "relay_scope": "events.field_relay_scope"}


def report(exc: ConclaveError) -> None:
    if isinstance(exc, ValidationFailed) and exc.field in FIELD_LABELS:
        st.error(ui.t("events.field_error", field=ui.t(FIELD_LABELS[exc.field]), message=ui.error_text(exc)))
    else:
        ui.show_error(exc)


with ui.reading() as s:
    venues = {v.id: v.name for v in list_venues(s)}

# ---- list and filter
c1, c2, c3 = st.columns(3)
status_f = c1.selectbox(ui.t("events.filter_status"), [""] + list(ev_mod.STATUSES),
                        format_func=lambda x: tr("events.all") if not x else tr("status." + x))
kind_f = c2.selectbox(ui.t("events.filter_kind"), [""] + list(ev_mod.KINDS),
                      format_func=lambda x: tr("events.all") if not x else tr("kind." + x))
text_f = c3.text_input(ui.t("events.filter_text"))
with ui.reading() as s:
    listed = ev_mod.visible_events(s, me, status=status_f or None, kind=kind_f or None, text=text_f or None)
    table = pd.DataFrame([{
        "#": e.id, ui.t("events.field_title"): e.title, ui.t("events.field_kind"): ui.t("kind." + e.kind),
        ui.t("events.field_level"): Classification(e.level).marking(e.retention, ui.lang()),
        ui.t("events.field_start_date"): ev_mod.local(e.starts_at, e.tz).strftime("%Y-%m-%d %H:%M"),
        ui.t("events.field_venue"): e.venue.name if e.venue else "",
        ui.t("events.status"): ui.t("status." + e.status)} for e in listed])
st.subheader(ui.t("events.list"))
if len(table):
    st.dataframe(ui.frame(table), hide_index=True, width="stretch")
else:
    st.info(ui.t("home.no_events"))


def _lead() -> timedelta:
    from planners import plan

    try:
        return plan.earliest_lead()
    except ConclaveError:  # a broken rule file is reported with the plan (summary here, the plan page)
        return timedelta(days=7)


def _feasible_start() -> datetime:
    """The new meeting's default day: far enough ahead that no plan task is already late (the plan rules' earliest
    due offset, T-14d, plus a day to do it), issue 16."""
    return office_now() + _lead() + timedelta(days=1)


def event_form(prefix: str, current=None) -> ev_mod.EventInput | None:
    """Draw the event form; returns the input when submitted."""
    tzname = current.tz if current else "Asia/Shanghai"
    if current:
        s_local, e_local = ev_mod.local(current.starts_at, tzname), ev_mod.local(current.ends_at, tzname)
    else:
        base = _feasible_start()
        s_local = datetime.combine(base.date(), time(9, 0))
        e_local = datetime.combine(base.date(), time(12, 0))
    with st.form(f"{prefix}_form"):
        title = st.text_input(ui.t("events.field_title"), value=current.title if current else "",
                              help=ui.t("events.field_title_help"), key=f"{prefix}_title")
        a, b = st.columns(2)
        kind = a.selectbox(ui.t("events.field_kind"), ev_mod.KINDS, format_func=lambda x: tr("kind." + x),
                           index=ev_mod.KINDS.index(current.kind) if current else 0, key=f"{prefix}_kind")
        levels = [c.value for c in reversed(ALL_LEVELS)]
        level = b.selectbox(ui.t("events.field_level"), levels,
                            format_func=lambda v: Classification(v).label(LANG),
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
                            format_func=lambda i: tr("events.no_venue") if i is None else venues[i],
                            index=venue_ids.index(current.venue_id) if current and current.venue_id in venue_ids else 0,
                            key=f"{prefix}_venue")
        host = st.text_input(ui.t("events.field_host_unit"), value=current.host_unit if current else "",
                             key=f"{prefix}_host")
        relay = st.text_area(ui.t("events.field_relay_scope"), value=current.relay_scope if current else "",
                             help=ui.t("events.field_relay_scope_help"), key=f"{prefix}_relay")
        a, b = st.columns(2)
        dp = a.selectbox(ui.t("events.field_device_policy"), ev_mod.DEVICE_POLICIES,
                         format_func=lambda x: tr("device_policy." + x),
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


def _late_at_birth(event_id: int) -> list[str]:
    """The plan tasks of a just-created meeting that are already past due (issue 16): said at once."""
    from planners import plan

    with ui.reading() as s:
        return [f"{t.rule_id} {t.text[LANG]}" for t in plan.readiness(s, event_id).overdue]


if me.role in ("organizer", "admin"):
    with st.expander(ui.t("events.new"), expanded=not listed):
        st.caption(ui.t("events.default_start_help", days=_lead().days))
        data = event_form("new")
        if data is not None:
            try:
                with ui.writing() as s:
                    created = ev_mod.create_event(s, data, actor=me)
                    st.session_state["event_id"] = created.id
                late = _late_at_birth(created.id)
            except ConclaveError as exc:
                report(exc)
            else:
                ui.flash(ui.t("events.created", title=ui.plain(data.title)))
                if late:
                    ui.flash(ui.t("events.born_late", n=len(late), tasks=ui.t("approvals.list_sep").join(late)),
                             "warning")
                st.rerun()

# ---- one event: moving its dates with badges already printed (issue 16)
def _save_edit(chosen, data, *, reissue: bool) -> None:
    """Save the edit; with `reissue`, every badge of the event is reissued for the new dates in the same step."""
    from planners.attendees import badges

    def run(s):
        ev_mod.update_event(s, chosen.id, data, actor=me, expected_version=chosen.version)
        return badges.reissue_all(s, chosen.id, actor=me) if reissue else None

    try:
        with ui.writing() as s:
            n = run(s)
    except ConclaveError as exc:
        report(exc)
        return
    st.session_state.pop(f"move_badges{chosen.id}", None)
    msg = ui.t("events.saved", title=ui.plain(data.title))
    if n is not None:
        msg += " " + ui.t("events.badges_reissued", n=n)
    ui.flash(msg)
    st.rerun()


def _badges_asked(chosen, data) -> bool:
    """Before a save that moves the dates: if printed badges would stop working, keep the edit and ask first."""
    from planners.attendees import badges

    try:
        start, end = ev_mod.validate(data)
    except ConclaveError:
        return False  # the save itself names the field
    with ui.reading() as s:
        n = badges.broken_by_move(s, chosen.id, start, end)
    if not n:
        return False
    st.session_state[f"move_badges{chosen.id}"] = (data, n)
    return True


def _badges_warning(chosen) -> None:
    asked = st.session_state.get(f"move_badges{chosen.id}")
    if not asked:
        return
    data, n = asked
    st.warning(ui.t("events.badges_will_break", n=n))
    a, b, c = st.columns(3)
    if a.button(ui.t("events.save_and_reissue"), key=f"move_reissue{chosen.id}", type="primary"):
        _save_edit(chosen, data, reissue=True)
    if b.button(ui.t("events.save_only"), key=f"move_only{chosen.id}"):
        _save_edit(chosen, data, reissue=False)
    if c.button(ui.t("events.move_cancel"), key=f"move_cancel{chosen.id}"):
        st.session_state.pop(f"move_badges{chosen.id}", None)
        st.rerun()


# ---- safety-changing side effects, said when they happen (issue 16)
def _venue_verdict(s, event_id: int) -> str | None:
    from planners.venues import assess_event

    a = assess_event(s, ev_mod.get_event(s, event_id))
    return a.verdict if a else None


def _open_mandatory_said(event_id: int, target: str) -> None:
    """Moving to 已计划 with mandatory tasks open is allowed, but said with the count."""
    from planners import plan

    if target != "planned":
        return
    with ui.reading() as s:
        r = plan.readiness(s, event_id)
    if r.open_mandatory:
        ui.flash(ui.t("events.planned_open_mandatory", n=len(r.open_mandatory), done=r.mandatory_done,
                      total=r.mandatory_total), "warning")


# ---- one event: edit, undo, status
if listed:
    st.divider()
    with ui.reading() as s:
        chosen = ui.event_picker(ev_mod.visible_events(s, me))
    if chosen is not None:
        st.subheader(f"#{chosen.id} {ui.plain(chosen.title)}")
        st.caption(f"{ui.t('events.status')}: {ui.t('status.' + chosen.status)} · "
                   f"{ui.plain(Classification(chosen.level).marking(chosen.retention, ui.lang()))}")
        editable = ev_mod.may_edit(me, chosen)
        if editable and chosen.status != "closed":
            with st.expander(ui.t("events.edit")):
                data = event_form(f"edit{chosen.id}", chosen)
                if data is not None and not _badges_asked(chosen, data):
                    _save_edit(chosen, data, reissue=False)
                _badges_warning(chosen)
                if st.button(ui.t("events.undo"), key=f"undo{chosen.id}"):
                    try:
                        with ui.writing() as s:
                            ev_mod.undo_last_edit(s, chosen.id, actor=me)
                    except ConclaveError as exc:
                        ui.show_error(exc)
                    else:
                        # issue 16: the form's widgets keep what they showed; drop them so they reload the restored
                        # values (else the next save would re-apply what was just undone)
                        for k in [k for k in st.session_state if str(k).startswith(f"edit{chosen.id}_")]:
                            del st.session_state[k]
                        said.say(f"undo{chosen.id}", ui.t("events.undone"))
                        st.rerun()
                said.here(f"undo{chosen.id}")
        targets = ev_mod.TRANSITIONS.get(chosen.status, ())
        if targets and (editable or me.role == "leader"):
            a, b = st.columns([3, 1])
            target = a.selectbox(ui.t("events.move_to"), targets, format_func=lambda x: tr("status." + x),
                                 key=f"target{chosen.id}")
            if b.button(ui.t("events.move"), key=f"move{chosen.id}"):
                try:
                    with ui.writing() as s:
                        ev_mod.transition(s, chosen.id, target, actor=me)
                except ev_mod.EventNotReady as exc:
                    st.error(ui.t("events.not_ready", n=len(exc.findings)))
                    ui.show_findings(exc.findings)
                except ConclaveError as exc:
                    ui.show_error(exc)
                else:
                    ui.flash(ui.t("events.moved", status=ui.t("status." + target)))
                    _open_mandatory_said(chosen.id, target)
                    st.rerun()


# ---- the plan of the chosen event: a summary and the way to its own page (issue 16: 保密工作方案)

from planners import plan as timeline  # noqa: E402
from planners.core.errors import RuleFileError  # noqa: E402

from pages.parts import plan_ui  # noqa: E402


def _documents_toggle(chosen) -> None:
    """Whether numbered documents are issued (rules B9, D6, A1, A2, A5, V10 depend on it): an event fact whose
    effect on the venue verdict is said when it happens (issue 16)."""
    docs_now = bool((chosen.facts or {}).get("documents_issued"))
    docs = st.toggle(ui.t("plan.documents_issued"), value=docs_now, key=f"docs{chosen.id}")
    if docs == docs_now:
        return
    try:
        with ui.writing() as s:
            before = _venue_verdict(s, chosen.id)
            timeline.set_documents_issued(s, chosen.id, docs, actor=me)
            after = _venue_verdict(s, chosen.id)
    except ConclaveError as exc:
        ui.show_error(exc)
    else:
        if after != before and after is not None:  # a safety-changing side effect, said (issue 16)
            ui.flash(ui.t("events.venue_verdict_changed", verdict=ui.t(f"venues.verdict_{after}"),
                          was=ui.t(f"venues.verdict_{before}") if before else "—"),
                     "error" if after == "unsuitable" else "warning")
        st.rerun()


def plan_summary(chosen, editable: bool) -> None:
    """Readiness, what is late, what the other areas find while the event runs, and the link to the plan page."""
    st.divider()
    st.subheader(ui.t("plan.board"))
    if editable:
        _documents_toggle(chosen)
    try:
        timeline.check_rules()
        with ui.reading() as s:
            n = len(timeline.tasks(s, chosen.id))
            ready = timeline.readiness(s, chosen.id)
            live = timeline.live_findings(s, chosen.id)  # e.g. a missed end-of-day room check (issue 15)
    except RuleFileError as exc:
        st.error(ui.t("plan.rules_error"))
        ui.show_error(exc)
        return
    if not n:
        st.info(ui.t("plan.empty"))
    else:
        st.progress(ready.ratio, text=ui.t("plan.readiness", done=ready.mandatory_done, total=ready.mandatory_total))
        st.caption(ui.t("planpage.summary", n=n, overdue=len(ready.overdue)))
        if live:
            st.warning(ui.t("plan.live_findings", n=len(live)))
            ui.show_findings(live)
    ui.page_link("plan", ui.t("planpage.open_link"), icon=":material/checklist:")


if listed and chosen is not None:
    st.divider()
    plan_ui.signoff_panel(chosen, me, editable)
    plan_summary(chosen, editable)
