"""The plan's pieces drawn on more than one screen (issue 16): a task's line, its state badge, and the leader
approvals (sign-off) of an event. The plan page (pages/plan.py) draws the whole plan; the events page a summary."""
from __future__ import annotations

import streamlit as st

from pages.parts import cache, ui
from pages.parts.charts import STATE_COLORS
from planners.base import events as ev_mod
from planners.core.errors import ConclaveError


def status_label(status: str) -> str:
    return ui.t(f"plan.status_{status}")


def status_badge_html(status: str) -> str:
    """A task's state as a text badge in its one colour (charts.STATE_COLORS): no emoji, no font needed."""
    c = STATE_COLORS[status]
    return (f"<span data-testid='plan-state' data-state='{status}' style='border:1px solid {c};color:{c};"
            f"border-radius:3px;padding:0 .3em;font-size:.85em'>{ui.plain_html(status_label(status))}</span>")


def office_when(at, now, tz: str) -> str:
    """Office time as 12-03 09:00, with the year when it is not this year's (issue 16)."""
    t, this = ev_mod.local(at, tz), ev_mod.local(now, tz)
    return t.strftime("%m-%d %H:%M" if t.year == this.year else "%Y-%m-%d %H:%M")


def task_html(task, now, tz: str, *, overdue: bool) -> str:
    """One task as inline HTML inside Markdown: state, rule, text, owner, due date, who marked it, source. Every
    text goes through ui.plain_html: a reason or a name typed by a user cannot add a tag, a link or an image."""
    due = office_when(task.due_at, now, tz) if task.due_at else ui.due_text(task.due_expr)
    color = "#b00020" if overdue else "#555"
    tags = []
    if task.mandatory:
        tags.append(ui.t("plan.mandatory"))
    if task.proposal:
        tags.append(ui.t("plan.proposal"))
    sep = "，" if ui.lang() == "zh_CN" else ", "
    tag = f" <b>{ui.plain_html(ui.badge(sep.join(tags)))}</b>" if tags else ""
    line = (f"{status_badge_html(task.status)} <b data-rule='{ui.plain_html(task.rule_id)}'>"
            f"{ui.plain_html(task.rule_id)}</b> {ui.plain_html(task.text[ui.lang()])}{tag}"
            f"<br><span data-testid='plan-task' data-status='{task.status}' data-overdue='{str(overdue).lower()}' "
            f"style='color:{color};font-size:.85em'>{ui.plain_html(ui.t('role.' + task.owner_role))} · "
            f"{ui.plain_html(ui.t('plan.due'))} {ui.plain_html(due)}"
            f"{ui.plain_html(ui.badge(ui.t('plan.overdue_badge'))) if overdue else ''}</span>")
    if task.status != "open" and task.marked_by:
        when = office_when(task.marked_at, now, tz) if task.marked_at else ""
        line += (f"<br><span style='color:#666;font-size:.8em'>"
                 f"{ui.plain_html(ui.t('plan.marked', status=status_label(task.status), who=task.marked_by, when=when))}"
                 f"{(' — ' + ui.plain_html(task.reason)) if task.reason else ''}</span>")
    line += f"<br><span style='color:#999;font-size:.75em'>{ui.plain_html(ui.source_text(task.source))}</span>"
    return line


def signoff_panel(chosen, me, editable: bool, *, submit: tuple[str, ...] = ("plan", "list"),
                  heading: bool = True) -> None:
    """The leader approvals of the event (issue 11): each kind's state and who approved which version; the
    organizer submits the kinds in `submit`."""
    from planners.plan import signoff

    if heading:
        st.subheader(ui.t("signoff.section"))
    try:
        states = cache.read(signoff.states, chosen.id)  # issue 17: judged once per change of the data
    except ConclaveError as exc:  # e.g. a rule file in error: said once, where the plan says it too
        ui.show_error(exc)
        return
    for stt in states:
        kind = ui.t(f"signoff.kind_{stt['kind']}")
        st.markdown(ui.t("signoff.state_line", kind=kind, status=ui.t(f"signoff.status_{stt['status']}"))
                    + (f" · v{stt['version']}" if stt["version"] else ""))
        for who in stt["approved_by"]:
            st.caption(ui.t("signoff.approved_line", kind=kind, version=stt["approved_version"], who=ui.plain(who["by"]),
                            at=who["at"].replace("T", " "), hash=stt["approved_hash"][:16]))
    if editable and chosen.status != "closed" and submit:
        for col, what in zip(st.columns(len(submit)), submit):
            if col.button(ui.t(f"signoff.submit_{what}"), key=f"submit_{what}{chosen.id}"):
                ui.change(lambda s, w=what: signoff.submit(s, chosen.id, w, actor=me).payload["version"],
                          lambda version: ui.t("signoff.submitted", version=version))
