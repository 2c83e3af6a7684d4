"""Front desk: scan (handheld scanner, camera or look-up by name) -> a verdict that fills the screen;
check-out, lockers, who is inside now, live numbers, undo."""
from __future__ import annotations

import json

import streamlit as st

from pages.parts import charts, oneclick, sessions_ui, ui

me = ui.require_role("checkin")

from planners import checkin  # noqa: E402
from planners.core.errors import ConclaveError  # noqa: E402
from planners.base.events import local  # noqa: E402

st.title(ui.t("desk.title"))
with ui.reading() as s:
    events, _missing = checkin.desk_events(s, me)  # issue 11: only ready / in_progress, and why one is missing
for _m in _missing:
    st.info(ui.plain(ui.pick(_m["text"])), icon=":material/event_busy:")
ev = ui.event_picker(events, empty="desk.no_open_events")
if ev is None:
    st.stop()

# A desk is a registered device (issue 18, item 1): this browser session is bound to one, chosen once.
with ui.reading() as s:
    _desks = {d.name: d.location for d in checkin.list_desks(s, kind="desk")}
bound = st.session_state.get("desk_name")
if bound is None or bound not in _desks:
    if not _desks:
        st.warning(ui.t("desk.no_desks"))
        st.stop()
    picked = st.sidebar.selectbox(ui.t("desk.desk_pick"), list(_desks), index=None, key="desk_pick",
                                  placeholder=ui.t("desk.desk_pick_placeholder"),
                                  format_func=lambda n: f"{n} · {_desks[n]}" if _desks.get(n) else n)
    if picked is None:
        st.info(ui.t("desk.desk_pick_first"))
        st.stop()
    st.session_state["desk_name"] = picked
    st.rerun()  # bound from now on: the choice is not offered again in this session
desk = bound
st.sidebar.caption(ui.t("desk.desk_bound", desk=desk + (f" · {_desks[desk]}" if _desks.get(desk) else "")))
_modes = {ui.t("desk.mode_in"): "in", ui.t("desk.mode_out"): "out"}
direction = _modes[st.radio(ui.t("desk.mode"), list(_modes), horizontal=True, key="desk_mode")]
door = sessions_ui.door_picker(ev)  # issue 15: a session's door (None: the main entrance)


def _remember(v: checkin.Verdict) -> None:
    """The verdict shown, numbered in this desk session (two identical verdicts in a row look different)."""
    st.session_state["desk_seq"] = st.session_state.get("desk_seq", 0) + 1
    st.session_state["desk_verdict"] = v
    st.session_state["desk_verdict_seq"] = st.session_state["desk_seq"]


def _on_scan() -> None:
    raw = st.session_state.get("scan_input", "")
    st.session_state["scan_input"] = ""
    if not raw.strip():
        return
    try:
        _remember(checkin.scan(ev.id, raw, desk=desk, actor=me, direction=direction, session_id=door))
    except ConclaveError as exc:
        st.session_state["desk_error"] = ui.error_text(exc)



def _held_exit(v: checkin.Verdict) -> None:
    """The 收回 button under an orange "take back DOC-…" verdict, and a supervisor's override with a reason."""
    aid = v.attendee["id"]
    if st.button(ui.t("desk.take_back", codes=ui.plain(v.details.get("codes", ""))), key="desk_take_back",
                 type="primary", icon=":material/assignment_return:", width="stretch"):
        try:
            _remember(checkin.take_back_and_exit(ev.id, aid, desk=desk, actor=me))
        except ConclaveError as exc:
            ui.show_error(exc)
        else:
            st.rerun()
    with st.expander(ui.t("desk.override"), icon=":material/supervisor_account:"):
        st.caption(ui.t("desk.override_help"))
        with st.form("desk_override_form", clear_on_submit=True, enter_to_submit=False):
            c1, c2 = st.columns(2)
            boss = c1.text_input(ui.t("desk.override_user"), key="desk_override_user")
            pw = c2.text_input(ui.t("desk.override_password"), type="password", key="desk_override_password")
            why = st.text_area(ui.t("desk.override_reason"), key="desk_override_reason", max_chars=300)
            go = st.form_submit_button(ui.t("desk.override_go"))
        if go:
            _session, client = ui._signin_keys()
            try:
                _remember(checkin.exit_override(ev.id, aid, desk=desk, actor=me, supervisor=boss, password=pw,
                                                reason=why, client=client))
            except ConclaveError as exc:
                ui.show_error(exc)
            else:
                st.rerun()


@st.fragment
def desk_scanner() -> None:
    """Scan -> verdict reruns only this part of the page, so the verdict comes back fast."""
    st.text_input(ui.t("desk.scan_label"), key="scan_input", on_change=_on_scan, help=ui.t("desk.scan_help"),
                  placeholder=ui.t("desk.scan_placeholder"))
    # Keep the scanner field focused, and submit a full code even when the scanner sends no Enter.
    # Wrapped in a function: Streamlit runs the script again on every rerun, and a second top-level `const`
    # would throw "Identifier 'doc' has already been declared" (issue 16).
    st.html("""<script>
    (function(){
    const PATTERN = %s;
    const doc = window.document;
    function field(){ return doc.querySelector('.st-key-scan_input input'); }
    function tick(){
      const el = field(); if (!el) return;
      const a = doc.activeElement;
      if (!a || a === doc.body || a.tagName === 'BUTTON' || a.getAttribute('role') === 'radio') el.focus();
      if (!el.dataset.cvHooked) {
        el.dataset.cvHooked = '1';
        let timer = null;
        el.addEventListener('input', () => {
          clearTimeout(timer);
          // the code's own end (its fixed length and alphabet, badges.scanner_pattern): submit at once, no idle wait
          if (new RegExp(PATTERN, 'i').test(el.value.normalize('NFKC').trim())) timer = setTimeout(() => { el.blur(); setTimeout(()=>el.focus(), 50); }, 0);
        });
      }
    }
    if (!window.__cvScanTimer) { window.__cvScanTimer = window.setInterval(tick, 400); }
    tick();
    })();
    </script>""" % json.dumps(checkin.scanner_pattern()), unsafe_allow_javascript=True)

    if st.toggle(ui.t("desk.camera"), key="desk_camera"):
        photo = st.camera_input(ui.t("desk.camera_take"), key="desk_camera_input")
        if photo is not None and st.session_state.get("desk_camera_seen") != photo.file_id:
            st.session_state["desk_camera_seen"] = photo.file_id
            found = checkin.decode_image(photo.getvalue())
            if not found:
                st.warning(ui.t("desk.camera_nothing"))
            else:
                try:
                    _remember(checkin.scan(ev.id, found[0], desk=desk, actor=me, direction=direction, method="camera",
                                           session_id=door))
                except ConclaveError as exc:
                    ui.show_error(exc)

    if "desk_error" in st.session_state:
        st.error(st.session_state.pop("desk_error"))

    # ---- the verdict
    v: checkin.Verdict | None = st.session_state.get("desk_verdict")
    if v is not None:
        lang = ui.lang()
        lines = []
        if v.attendee:
            lines.append(" · ".join(x for x in (v.attendee["name"], v.attendee.get("unit", ""),
                                                 v.attendee.get("post", "")) if x))
        lines.append(v.todo[lang])
        lines.append(ui.t("desk.verdict_stamp", n=st.session_state.get("desk_verdict_seq", 1), time=v.local_time()))
        lines += ["▶ " + a["text"][lang] for a in v.require_attention]
        c1, c2 = st.columns([5, 1]) if v.attendee and v.attendee.get("has_photo") else (st.container(), None)
        with c1:
            ui.verdict_banner(v.color, v.message[lang], lines)
        if c2 is not None:
            # read once per verdict, not on every rerun of the fragment (issue 17)
            pkey = (st.session_state.get("desk_verdict_seq", 0), v.attendee["id"])
            if st.session_state.get("desk_photo", (None, None))[0] != pkey:
                with ui.reading() as s:
                    st.session_state["desk_photo"] = (pkey, checkin.photo_of(s, v.attendee["id"]))
            photo = st.session_state["desk_photo"][1]
            if photo:
                c2.image(photo, width=160)
        sessions_ui.after_verdict(ev, v, desk=desk, me=me)  # issue 15: notice tick, photo with consent
        if v.reason == "exit_held" and v.attendee:  # issue 16: take the copies back on the verdict itself
            _held_exit(v)

    # ---- undo
    # The undo names whom it undoes and when they were admitted; under another verdict (a refusal of someone
    # else) it says it is about an earlier admission (issue 16).
    # Issue 17: a scan is one round trip. The offer is drawn from the verdict when the verdict is itself the
    # desk's newest admission; read only when a new verdict says nothing about it (a refusal, an exit), and kept
    # for the reruns of the fragment that bring no new verdict (the undo checks everything again on the click).
    offer_key = (ev.id, desk, door, st.session_state.get("desk_verdict_seq", 0))
    cached = st.session_state.get("desk_undo_offer")
    if cached is not None and cached[0] == offer_key and (cached[1] is None or checkin.offer_open(cached[1])):
        undoable = cached[1]
    else:
        undoable = checkin.offer_of_verdict(v, door=door) if cached is None or cached[0] != offer_key else None
        if not checkin.offer_open(undoable):
            with ui.reading() as s:
                undoable = checkin.undo_offer(s, ev.id, desk)
        st.session_state["desk_undo_offer"] = (offer_key, undoable)
    if undoable is not None:
        when = local(undoable.at, ev.tz).strftime("%H:%M:%S")
        shown_is_it = v is not None and v.scan_id in (undoable.scan_id, undoable.duplicate_of)
        undo_label = ui.t("desk.undo" if shown_is_it else "desk.undo_earlier", name=ui.plain(undoable.name),
                          time=when)
    if undoable is not None and st.button(undo_label, key="desk_undo", icon=":material/undo:"):
        undo_name = undoable.name
        st.session_state.pop("desk_undo_offer", None)  # whatever the outcome, read the desk's state again
        try:
            checkin.undo(ev.id, undoable.scan_id, desk=desk, actor=me)
        except ConclaveError as exc:
            ui.show_error(exc)
        else:
            st.session_state.pop("desk_verdict", None)
            ui.flash(ui.t("desk.undone", name=ui.plain(undo_name)))
            st.rerun()

    # ---- lost badge: look-up by name + last ID digits
    with st.expander(ui.t("desk.lookup")):
        c1, c2 = st.columns(2)
        q_name = c1.text_input(ui.t("desk.lookup_name"), key="lookup_name")
        q_last = c2.text_input(ui.t("desk.lookup_last"), key="lookup_last", max_chars=6)
        if q_name or q_last:
            try:
                with ui.reading() as s:
                    found = checkin.find_attendees(s, ev.id, q_name, q_last)
            except ConclaveError as exc:
                st.info(ui.error_text(exc))
                found = []
            if q_name and len(q_last) >= 2 and not found:
                st.warning(ui.t("desk.lookup_none"))
            for a in found[:10]:
                cc1, cc2 = st.columns([4, 1])
                cc1.markdown(f"**{ui.plain(a.name)}** · {ui.plain(a.unit)} · {ui.plain(a.post)} · "
                             f"\\*\\*\\*\\*{ui.plain(a.id_last4)}")
                if cc2.button(ui.t("desk.lookup_admit") if direction == "in" else ui.t("desk.lookup_exit"),
                              key=f"lookup_go_{a.id}"):
                    try:
                        _remember(checkin.manual(ev.id, a.id, desk=desk, actor=me, direction=direction,
                                                session_id=door))
                    except ConclaveError as exc:
                        ui.show_error(exc)
                    else:
                        st.rerun()

    # The counts are drawn in this same fragment run, so a verdict and the numbers it changed appear together
    # (issue 16: they used to wait for the 10-second timer).
    desk_counts()


def desk_counts() -> dict[str, int]:
    """The four numbers, read fresh (four indexed counts): drawn with every verdict and with every list refresh."""
    with ui.reading() as s:
        n = checkin.live_numbers(s, ev.id)
    m = st.columns(4)
    for col, k in zip(m, ("expected", "arrived", "inside", "refused")):
        col.metric(ui.t(f"desk.n_{k}"), n[k])
    st.markdown(f"<span data-testid='desk-numbers' data-expected='{n['expected']}' data-arrived='{n['arrived']}' "
                f"data-inside='{n['inside']}' data-refused='{n['refused']}'></span>", unsafe_allow_html=True)
    return n


LIST_ROWS = 300  # rows drawn per list; the counts are exact


@st.fragment(run_every="10s")
def live_lists() -> None:
    """The arrivals chart and the lists (inside now, not arrived, lockers), refreshed every ten seconds on their
    own. Issue 17: they were redrawn with every verdict, which tripled the verdict's server CPU (40 -> 10 ms a
    scan without them) and put the desk's p95 over 150 ms; the counts above them still change with the verdict."""
    with ui.reading() as s:
        n = checkin.live_numbers(s, ev.id)
        # a list is read as far as it is drawn (10,000 not arrived cost 275 ms a read); the counts are exact
        inside = checkin.inside_now(s, ev.id, limit=LIST_ROWS)
        missing = checkin.not_arrived(s, ev.id, limit=LIST_ROWS)
        arrivals = checkin.arrivals_over_time(s, ev.id)
    if arrivals:
        # per 5 or 15 minutes, whole people on the axis (issue 16): a plain spec, no Altair, the desk stays quick
        st.vega_lite_chart(charts.arrivals_chart(
            [{"at": local(r["at"], ev.tz).replace(tzinfo=None), "arrivals": r["arrivals"]} for r in arrivals],
            time_title=ui.t("desk.chart_time"), count_title=ui.t("desk.chart_arrivals")), width="stretch")

    tab_in, tab_missing, tab_lockers = st.tabs([ui.t("desk.inside_now", n=n["inside"]),
                                                ui.t("desk.not_arrived", n=n["expected"] - n["arrived"]),
                                                ui.t("desk.lockers")])
    with tab_in:
        def _roll_call() -> bytes:
            with ui.reading() as s:
                return checkin.roll_call_csv(s, ev.id)

        # issue 16: one click builds the roll call (with progress) and downloads it
        oneclick.download("desk_roll_call", ui.t("desk.roll_call_download"), _roll_call,
                          file_name=f"inside-{ev.id}.csv", mime="text/csv")
        if inside:
            st.dataframe(ui.frame([{ui.t("desk.col_name"): p["name"], ui.t("desk.col_unit"): p["unit"],
                                        ui.t("desk.col_since"): local(p["since"], ev.tz).strftime("%H:%M"),
                                        ui.t("desk.col_desk"): p["desk"], ui.t("desk.col_locker"): p["locker"]}
                                       for p in inside]), hide_index=True, width="stretch")
            if n["inside"] > len(inside):
                st.caption(ui.t("desk.list_first", n=len(inside), total=n["inside"]))
        else:
            st.info(ui.t("desk.nobody_inside"))
    with tab_missing:
        if missing:
            st.dataframe(ui.frame([{ui.t("desk.col_name"): a.name, ui.t("desk.col_unit"): a.unit,
                                        ui.t("desk.col_post"): a.post} for a in missing]),
                         hide_index=True, width="stretch")
            if n["expected"] - n["arrived"] > len(missing):
                st.caption(ui.t("desk.list_first", n=len(missing), total=n["expected"] - n["arrived"]))
        else:
            st.success(ui.t("desk.all_arrived"))
    with tab_lockers:
        if inside:
            by_id = {p["id"]: p for p in inside}
            if n["inside"] > len(inside):
                st.caption(ui.t("desk.list_first", n=len(inside), total=n["inside"]))
            with st.form("locker_form"):
                who = st.selectbox(ui.t("desk.col_name"), list(by_id),
                                   format_func=lambda i: f"{by_id[i]['name']} ({by_id[i]['locker'] or '—'})")
                locker = st.text_input(ui.t("desk.col_locker"))
                if st.form_submit_button(ui.t("desk.locker_save")):
                    try:
                        checkin.set_locker(ev.id, who, locker, actor=me)
                    except ConclaveError as exc:
                        ui.show_error(exc)
                    else:
                        ui.flash(ui.t("desk.locker_saved", name=ui.plain(by_id[who]["name"]), locker=ui.plain(locker)))
                        st.rerun()
        else:
            st.info(ui.t("desk.nobody_inside"))


desk_scanner()  # the verdict and the counts
live_lists()  # the chart and the lists, on their own timer
