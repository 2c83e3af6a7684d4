"""AppTest of the plan board on the events page: columns, readiness, chart, mark done / N/A, undo, rule errors."""
from planners import plan as timeline
from planners.store.uow import read as read_session
from tests.conftest import app_test


def _demo_event(demo):
    return demo.events["q4-trade-meeting"].id


def _task(event_id, key):
    with read_session() as s:
        return next(t for t in timeline.tasks(s, event_id) if t.task_key == key)


def _open_board(user, event_id, lang="en"):
    at = app_test("events", user=user, lang=lang)
    at.session_state["event_id"] = event_id
    return at.run()


def test_the_board_shows_three_phases_readiness_overdue_and_the_chart(db_url, demo, users):
    from datetime import timedelta

    from planners.store.uow import write_session
    from planners.store.models import Event

    ev_id = _demo_event(demo)
    with write_session() as s:  # start in 3 days whatever the hour, so the T-7d tasks are surely overdue
        e = s.get(Event, ev_id)
        e.starts_at, e.ends_at = e.starts_at - timedelta(days=4), e.ends_at - timedelta(days=4)
        timeline.build_plan(s, ev_id, actor=users["organizer"])
    at = _open_board(users["organizer"], ev_id)
    assert not at.exception, at.exception
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


def test_the_organizer_marks_a_task_done_and_undoes_it(db_url, demo, users):
    ev_id = _demo_event(demo)
    b2 = _task(ev_id, "B2")
    at = _open_board(users["organizer"], ev_id)
    at.selectbox(key=f"marktask{ev_id}").set_value(b2.id)
    at.radio(key=f"markaction{ev_id}").set_value("done")
    at.button(key=f"markbtn{ev_id}").click().run()
    assert not at.exception, at.exception
    assert any("Task B2: Done." in m.value for m in at.success)
    assert _task(ev_id, "B2").status == "done" and _task(ev_id, "B2").marked_by == "organizer"
    at.button(key=f"markundo{ev_id}").click().run()
    assert any("undone" in m.value for m in at.success)
    assert _task(ev_id, "B2").status == "open"


def test_a_mandatory_task_is_not_applicable_only_when_a_leader_says_so(db_url, demo, users):
    ev_id = _demo_event(demo)
    b2 = _task(ev_id, "B2")
    at = _open_board(users["organizer"], ev_id)
    at.selectbox(key=f"marktask{ev_id}").set_value(b2.id)
    at.radio(key=f"markaction{ev_id}").set_value("na")
    at.text_input(key=f"markreason{ev_id}").input("上级已统一部署")
    at.button(key=f"markbtn{ev_id}").click().run()
    assert any("only by a leader" in e.value for e in at.error)
    assert _task(ev_id, "B2").status == "open"
    at = _open_board(users["leader"], ev_id)
    at.selectbox(key=f"marktask{ev_id}").set_value(b2.id)
    at.radio(key=f"markaction{ev_id}").set_value("na")
    at.text_input(key=f"markreason{ev_id}").input("上级已统一部署")
    at.button(key=f"markbtn{ev_id}").click().run()
    assert not at.error, [e.value for e in at.error]
    t = _task(ev_id, "B2")
    assert (t.status, t.reason, t.marked_role) == ("na", "上级已统一部署", "leader")


def test_building_the_plan_from_the_board_keeps_what_was_done(db_url, demo, users):
    ev_id = _demo_event(demo)
    at = _open_board(users["organizer"], ev_id)
    at.button(key=f"build{ev_id}").click().run()
    assert not at.exception
    assert _task(ev_id, "B1.1").status == "done"


def test_a_bad_rule_file_is_shown_instead_of_a_half_built_plan(db_url, demo, users, tmp_path, monkeypatch):
    from planners.core import rules
    from planners.core.config import RULES_DIR

    for name in ("plan", "venues"):
        text = (RULES_DIR / f"{name}.yaml").read_text(encoding="utf-8")
        if name == "plan":
            text = text.replace("    due: T-14d\n", "    due: two weeks before\n", 1)
        (tmp_path / f"{name}.yaml").write_text(text, encoding="utf-8")
    monkeypatch.setattr(rules, "RULES_DIR", tmp_path)
    at = _open_board(users["organizer"], _demo_event(demo))
    assert not at.exception, at.exception
    errors = " ".join(e.value for e in at.error)
    assert "plan.yaml" in errors and "B1.1" in errors and "bad due expression" in errors
    assert "#### Before" not in [m.value for m in at.markdown]


def test_the_board_speaks_chinese(db_url, demo, users):
    at = _open_board(users["organizer"], _demo_event(demo), lang="zh_CN")
    assert not at.exception, at.exception
    md = [m.value for m in at.markdown]
    assert {"#### 会前", "#### 会中", "#### 会后"} <= set(md)


def test_the_organizer_asks_a_leader_for_a_mandatory_not_applicable(db_url, demo, users):
    from planners.base import approvals

    ev_id = _demo_event(demo)
    b2 = _task(ev_id, "B2")
    at = _open_board(users["organizer"], ev_id)
    at.selectbox(key=f"marktask{ev_id}").set_value(b2.id)
    at.radio(key=f"markaction{ev_id}").set_value("na").run()
    at.text_input(key=f"markreason{ev_id}").input("上级已统一部署")
    at.button(key=f"askleader{ev_id}").click().run()
    assert not at.exception, at.exception
    assert any("Approvals queue" in m.value for m in at.success)
    with read_session() as s:
        assert [a.object_id for a in approvals.pending(s, kind="plan_task_na")] == [str(b2.id)]
