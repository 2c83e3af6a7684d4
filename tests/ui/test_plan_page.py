"""AppTest of the plan's own page (保密工作方案, issue 16): phases, readiness, chart; each task marked from its own
row (done / not applicable with a reason / open), its state updated in place; undo, after which the next mark
still hits the task it was meant for; rule errors; the guard. (Moved from the events page's plan board.)"""
from planners import plan as timeline
from planners.store.uow import read as read_session
from tests.conftest import app_test


def _demo_event(demo):
    return demo.events["q4-trade-meeting"].id


def _task(event_id, key):
    with read_session() as s:
        return next(t for t in timeline.tasks(s, event_id) if t.task_key == key)


def _open_plan(user, event_id, lang="en"):
    at = app_test("plan", user=user, lang=lang)
    at.session_state["event_id"] = event_id
    return at.run()


def _overdue_demo_event(demo, users) -> int:
    """The demo meeting moved to start in 3 days whatever the hour, its plan built: the T-7d tasks are overdue."""
    from datetime import timedelta

    from planners.store.models import Event
    from planners.store.uow import write_session

    ev_id = _demo_event(demo)
    with write_session() as s:
        e = s.get(Event, ev_id)
        e.starts_at, e.ends_at = e.starts_at - timedelta(days=4), e.ends_at - timedelta(days=4)
        timeline.build_plan(s, ev_id, actor=users["organizer"])
    return ev_id


def test_the_page_shows_three_phases_readiness_overdue_and_the_chart(db_url, demo, users):
    ev_id = _overdue_demo_event(demo, users)
    at = _open_plan(users["organizer"], ev_id)
    assert not at.exception, at.exception
    assert [t.value for t in at.title] == ["Security plan"]
    md = [m.value for m in at.markdown]
    assert {"#### Before", "#### During", "#### After"} <= set(md)
    assert any("B8" in m and "传达至各处室主要负责人" in m for m in md)  # the relay scope is in the plan
    assert any("overdue" in m and "#b00020" in m for m in md)  # tasks due a week before are overdue: red
    assert any("data-overdue='true'" in m for m in md)
    with read_session() as s:
        r = timeline.readiness(s, ev_id)
    # the demo ticks B1.1 and B1.3; B1.2 and B6.1 follow the approvals (issue 11), and the demo's approved list
    # was superseded by an added attendee, so B6.1 is open again
    assert r.mandatory_done == 2 and r.mandatory_total > 3
    assert f"Readiness: 2 of {r.mandatory_total}" in at.get("progress")[0].proto.text
    assert at.get("vega_lite_chart"), "the chart of tasks by phase and status"
    assert any("Relay scope (传达范围)" in c.value for c in at.caption)


def test_each_task_has_its_own_control_showing_its_state_and_derived_tasks_have_none(db_url, demo, users):
    ev_id = _demo_event(demo)
    at = _open_plan(users["organizer"], ev_id)
    b11, b12 = _task(ev_id, "B1.1"), _task(ev_id, "B1.2")
    assert at.segmented_control(key=f"task{b11.id}").value == "done"  # the demo ticked it
    assert at.segmented_control(key=f"task{_task(ev_id, 'B2').id}").value == "open"
    assert f"task{b12.id}" not in {c.key for c in at.segmented_control}  # B1.2 follows the plan's approval
    assert any("Follows the leader's approval" in c.value for c in at.caption)
    assert not [b for b in at.selectbox if b.key and b.key.startswith("marktask")]  # no dropdown of tasks


def test_the_organizer_marks_a_task_from_its_row_undoes_it_and_the_next_mark_hits_the_intended_task(
        db_url, demo, users):
    ev_id = _demo_event(demo)
    b2, b3 = _task(ev_id, "B2"), _task(ev_id, "B3")
    assert (b2.status, b3.status) == ("open", "open")
    at = _open_plan(users["organizer"], ev_id)
    at.segmented_control(key=f"task{b2.id}").set_value("done").run()
    assert not at.exception, at.exception
    assert any("Task B2: Done." in m.value for m in at.success)
    assert _task(ev_id, "B2").status == "done" and _task(ev_id, "B2").marked_by == "organizer"
    assert at.segmented_control(key=f"task{b2.id}").value == "done"  # updated in place
    # the row offers the undo of what was just done there
    at.button(key=f"rowundo{b2.id}").click().run()
    assert not at.exception, at.exception
    assert any("undone" in m.value and "B2" in m.value for m in at.success)
    assert _task(ev_id, "B2").status == "open"
    assert at.segmented_control(key=f"task{b2.id}").value == "open"  # the row shows the undone state
    assert f"rowundo{b2.id}" not in {b.key for b in at.button}
    # after the undo, the next mark lands on the row it is made on, not on the first task of the plan
    at.segmented_control(key=f"task{b3.id}").set_value("done").run()
    assert not at.exception, at.exception
    assert any("Task B3: Done." in m.value for m in at.success)
    assert (_task(ev_id, "B2").status, _task(ev_id, "B3").status) == ("open", "done")
    assert at.segmented_control(key=f"task{b2.id}").value == "open"


def timeline_tasks(ev_id):
    with read_session() as s:
        return timeline.tasks(s, ev_id)


def test_the_undo_above_the_plan_takes_back_the_last_mark_and_says_so_there(db_url, demo, users):
    ev_id = _demo_event(demo)
    b2 = _task(ev_id, "B2")
    at = _open_plan(users["organizer"], ev_id)
    at.segmented_control(key=f"task{b2.id}").set_value("done").run()
    at.button(key=f"markundo{ev_id}").click().run()
    assert not at.exception, at.exception
    assert any("task B2 is Open again" in m.value for m in at.success)
    assert _task(ev_id, "B2").status == "open" and at.segmented_control(key=f"task{b2.id}").value == "open"


def test_not_applicable_asks_the_reason_on_the_row_and_a_non_mandatory_task_is_marked_with_it(db_url, demo, users):
    ev_id = _demo_event(demo)
    task = next(t for t in timeline_tasks(ev_id) if not t.mandatory and t.status == "open"
                and t.rule_id not in ("B1.2", "B6.1", "B6.2"))
    at = _open_plan(users["organizer"], ev_id)
    at.segmented_control(key=f"task{task.id}").set_value("na").run()
    assert not at.exception, at.exception
    assert _task(ev_id, task.task_key).status == "open"  # nothing marked without a reason
    assert at.segmented_control(key=f"task{task.id}").value == "na"  # the row waits for the reason
    at.button(key=f"naok{task.id}").click().run()  # no reason: refused on the row, still waiting
    assert any("Say why the task does not apply" in e.value for e in at.error)
    at.text_input(key=f"nareason{task.id}").input("本次会议不涉及该事项")
    at.button(key=f"naok{task.id}").click().run()
    assert not at.exception, at.exception
    t = _task(ev_id, task.task_key)
    assert (t.status, t.reason) == ("na", "本次会议不涉及该事项")
    assert at.segmented_control(key=f"task{task.id}").value == "na"
    assert f"nareason{task.id}" not in {x.key for x in at.text_input}


def test_a_mandatory_task_is_not_applicable_only_when_a_leader_says_so(db_url, demo, users):
    ev_id = _demo_event(demo)
    b2 = _task(ev_id, "B2")
    at = _open_plan(users["organizer"], ev_id)
    at.segmented_control(key=f"task{b2.id}").set_value("na").run()
    keys = {b.key for b in at.button}
    assert f"naask{b2.id}" in keys and f"naok{b2.id}" not in keys  # the organizer may only ask a leader
    assert any("only by a leader" in c.value for c in at.caption)
    at = _open_plan(users["leader"], ev_id)
    at.segmented_control(key=f"task{b2.id}").set_value("na").run()
    at.text_input(key=f"nareason{b2.id}").input("上级已统一部署")
    at.button(key=f"naok{b2.id}").click().run()
    assert not at.error, [e.value for e in at.error]
    t = _task(ev_id, "B2")
    assert (t.status, t.reason, t.marked_role) == ("na", "上级已统一部署", "leader")


def test_the_organizer_asks_a_leader_for_a_mandatory_not_applicable(db_url, demo, users):
    from planners.base import approvals

    ev_id = _demo_event(demo)
    b2 = _task(ev_id, "B2")
    at = _open_plan(users["organizer"], ev_id)
    at.segmented_control(key=f"task{b2.id}").set_value("na").run()
    at.text_input(key=f"nareason{b2.id}").input("上级已统一部署")
    at.button(key=f"naask{b2.id}").click().run()
    assert not at.exception, at.exception
    assert any("Approvals queue" in m.value for m in at.success)
    with read_session() as s:
        assert [a.object_id for a in approvals.pending(s, kind="plan_task_na")] == [str(b2.id)]
    assert _task(ev_id, "B2").status == "open" and at.segmented_control(key=f"task{b2.id}").value == "open"


def test_building_the_plan_from_the_page_keeps_what_was_done(db_url, demo, users):
    ev_id = _demo_event(demo)
    at = _open_plan(users["organizer"], ev_id)
    at.button(key=f"build{ev_id}").click().run()
    assert not at.exception
    assert _task(ev_id, "B1.1").status == "done"


def test_live_findings_and_the_sign_off_status_are_on_the_page(db_url, demo, users):
    ev_id = _demo_event(demo)
    at = _open_plan(users["organizer"], ev_id)
    md = " ".join(m.value for m in at.markdown)
    assert "Security plan: not submitted" in md and "Attendee list: waiting for the leader" in md
    assert f"submit_plan{ev_id}" in {b.key for b in at.button}


def test_a_bad_rule_file_is_shown_instead_of_a_half_built_plan(db_url, demo, users, tmp_path, monkeypatch):
    from planners.core import rules
    from planners.core.config import RULES_DIR

    for name in ("plan", "venues"):
        text = (RULES_DIR / f"{name}.yaml").read_text(encoding="utf-8")
        if name == "plan":
            text = text.replace("    due: T-14d\n", "    due: two weeks before\n", 1)
        (tmp_path / f"{name}.yaml").write_text(text, encoding="utf-8")
    monkeypatch.setattr(rules, "RULES_DIR", tmp_path)
    at = _open_plan(users["organizer"], _demo_event(demo))
    assert not at.exception, at.exception
    errors = " ".join(e.value for e in at.error)
    assert "plan.yaml" in errors and "B1.1" in errors and "bad due expression" in errors
    assert "#### Before" not in [m.value for m in at.markdown]


def test_the_page_speaks_chinese(db_url, demo, users):
    at = _open_plan(users["organizer"], _demo_event(demo), lang="zh_CN")
    assert not at.exception, at.exception
    assert [t.value for t in at.title] == ["保密工作方案"]
    md = [m.value for m in at.markdown]
    assert {"#### 会前", "#### 会中", "#### 会后"} <= set(md)
    assert {"待办", "已完成", "不适用"} <= set(at.segmented_control[0].options)


def test_the_wrong_role_sees_only_a_refusal_and_the_signed_out_only_the_sign_in(db_url, demo, users):
    ev_id = _demo_event(demo)
    for role in ("front_desk", "admin"):
        at = _open_plan(users[role], ev_id)
        assert not at.exception, at.exception
        assert len(at.error) == 1 and "This page is for" in at.error[0].value
        assert not at.title and not at.segmented_control and [b.key for b in at.button] == ["signout"]
    at = app_test("plan").run()
    assert [t.value for t in at.title] == ["Sign in to Conclave"]
    assert not at.segmented_control and "plan-task" not in " ".join(m.value for m in at.markdown)


def test_the_events_page_keeps_a_summary_and_a_link_to_the_plan(db_url, demo, users):
    ev_id = _demo_event(demo)
    at = app_test("events", user=users["organizer"])
    at.session_state["event_id"] = ev_id
    at.run()
    assert not at.exception, at.exception
    md = " ".join(m.value for m in at.markdown)
    assert "data-testid='plan-task'" not in md and not at.segmented_control  # the tasks are on their own page
    assert "Open the security plan" in md and "/plan" in md
    assert at.get("progress") and any("tasks" in c.value and "overdue" in c.value for c in at.caption)
    assert {f"submit_list{ev_id}", f"submit_plan{ev_id}", f"docs{ev_id}"} <= {w.key for w in [*at.button, *at.toggle]}


def test_the_organizers_home_links_overdue_tasks_to_the_plan_page(db_url, demo, users):
    from streamlit.testing.v1 import AppTest

    from tests.conftest import ROOT

    ev_id = _overdue_demo_event(demo, users)
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=30)  # the real navigation, on its home page
    at.session_state["lang"] = "zh_CN"
    at.session_state["user_id"] = users["organizer"].id
    at.run()
    assert not at.exception, at.exception
    assert any("项方案任务已逾期" in x.value for x in at.error)
    links = [p.proto for p in at.get("page_link")]
    assert any(p.page == "plan" and p.label == "打开保密工作方案" for p in links)  # in the item, not only the sidebar
    assert [p.label for p in links].count("保密工作方案") == 1  # the sidebar lists the page once
