"""Issue 16, organizer: due dates on the plan carry the year when it is not this year's."""
from __future__ import annotations

import re
from datetime import timedelta

from planners import plan as timeline
from planners.store.models import Event
from planners.store.uow import write_session
from tests.conftest import app_test


def test_plan_due_dates_carry_the_year_when_it_differs(db_url, demo, users):
    ev_id = demo.events["q4-trade-meeting"].id
    with write_session() as s:  # a meeting more than a year ahead: every due date is in another year
        e = s.get(Event, ev_id)
        e.starts_at, e.ends_at = e.starts_at + timedelta(days=400), e.ends_at + timedelta(days=400)
        timeline.build_plan(s, ev_id, actor=users["organizer"])
        year = str(e.starts_at.year)
    at = app_test("plan", user=users["organizer"], lang="zh_CN")
    at.session_state["event_id"] = ev_id
    at.run()
    assert not at.exception, at.exception
    lines = [m.value for m in at.markdown if "data-testid='plan-task'" in m.value]
    dated = [m for m in lines if re.search(r"\d\d-\d\d \d\d:\d\d", m)]
    assert dated and all(re.search(r"20\d\d-\d\d-\d\d \d\d:\d\d", m) for m in dated)
    assert any(year in m or str(int(year) - 1) in m for m in dated)


def test_approval_cards_name_people_not_accounts(db_url, demo):
    """Issue 16, leader: the card says who asked by name (陈明（会务组）), not by user name."""
    from planners.base import auth
    from planners.store.models import User
    from planners.store.uow import read as read_session

    with write_session() as s:  # the test accounts are named by their user names: give the organizer a name
        s.query(User).filter_by(username="organizer").one().display_name = "陈明（会务组）"
    with read_session() as s:
        leader = auth.principal(s.query(User).filter_by(username="leader").one())
    at = app_test("approvals", user=leader, lang="zh_CN").run()
    assert not at.exception, at.exception
    captions = " ".join(c.value for c in at.caption)
    assert "陈明（会务组）" in captions
    assert "organizer ·" not in captions and "：organizer" not in captions


def _submit(at, label: str):
    return next(b for b in at.button if b.label == label)


def test_moving_the_dates_warns_how_many_printed_badges_break_and_reissues_all(db_url, demo, users):
    """Issue 16, organizer: moving an event's dates warns before saving ("20 printed badges will stop working")
    and offers to reissue all of them, audited."""
    from planners.attendees import badges
    from planners.store.models import AuditEntry
    from planners.store.models_checkin import Badge
    from planners.store.uow import read as read_session

    ev_id = demo.events["q4-trade-meeting"].id
    with write_session() as s:
        printed = len(badges.codes_for_event(s, ev_id, actor=users["organizer"]))
        start = s.get(Event, ev_id).starts_at
    assert printed > 1
    at = app_test("events", user=users["organizer"], lang="zh_CN")
    at.session_state["event_id"] = ev_id
    at.run()
    sd = at.date_input(key=f"edit{ev_id}_sd")
    ed = at.date_input(key=f"edit{ev_id}_ed")
    sd.set_value(sd.value + timedelta(days=3))
    ed.set_value(ed.value + timedelta(days=3))
    _submit(at, "保存").click().run()
    assert not at.exception, at.exception
    assert any(f"{printed}张已打印的证件将无法使用" in w.value for w in at.warning)
    with read_session() as s:  # nothing saved yet
        assert s.get(Event, ev_id).starts_at == start
    at.button(key=f"move_reissue{ev_id}").click().run()
    assert not at.exception, at.exception
    with read_session() as s:
        assert s.get(Event, ev_id).starts_at == start + timedelta(days=3)
        gens = {b.generation for b in s.query(Badge).filter_by(event_id=ev_id)}
        assert gens == {2}
        assert badges.broken_by_move(s, ev_id, start + timedelta(days=3), s.get(Event, ev_id).ends_at) == 0
        entry = s.query(AuditEntry).filter_by(action="badge.reissue_all", event_id=ev_id).one()
        assert f'"count":{printed}' in entry.details.replace(" ", "")


def test_an_edit_the_badges_still_cover_saves_at_once(db_url, demo, users):
    ev_id = demo.events["q4-trade-meeting"].id
    at = app_test("events", user=users["organizer"], lang="en")
    at.session_state["event_id"] = ev_id
    at.run()
    at.text_input(key=f"edit{ev_id}_title").input("2026年第四季度外贸形势分析会（调整）")
    _submit(at, "Save").click().run()
    assert not at.exception, at.exception
    assert not any("printed badges" in w.value for w in at.warning)
    from planners.store.uow import read as read_session
    with read_session() as s:
        assert s.get(Event, ev_id).version > 1


def test_a_new_meeting_is_not_born_overdue(db_url, users):
    """Issue 16: the default start leaves the plan feasible (T-14d tasks are not late at creation)."""
    from planners import plan
    from planners.store.uow import read as read_session

    at = app_test("events", user=users["organizer"], lang="zh_CN").run()
    assert not at.exception, at.exception
    assert any("会前14天" in c.value for c in at.caption)
    at.text_input(key="new_title").input("市商务局保密工作例会")
    at.selectbox(key="new_level").set_value("secret")
    at.text_input(key="new_retention").input("10年")
    _submit(at, "创建活动").click().run()
    assert not at.exception, at.exception
    with read_session() as s:
        [ev] = s.query(Event).all()
        ready = plan.readiness(s, ev.id)
        assert ready.mandatory_total > 0 and ready.overdue == []
    assert not at.warning


def test_a_meeting_created_too_close_says_which_tasks_are_late(db_url, users):
    from datetime import date

    at = app_test("events", user=users["organizer"], lang="zh_CN").run()
    at.text_input(key="new_title").input("临时保密会议")
    at.selectbox(key="new_level").set_value("secret")
    at.text_input(key="new_retention").input("10年")
    at.date_input(key="new_sd").set_value(date.today() + timedelta(days=5))
    at.date_input(key="new_ed").set_value(date.today() + timedelta(days=5))
    _submit(at, "创建活动").click().run()
    assert not at.exception, at.exception
    late = " ".join(w.value for w in at.warning)
    assert "超过完成时限" in late and "B1.1" in late


def test_switching_on_numbered_documents_names_the_new_venue_verdict(db_url, demo, users):
    """Issue 16: a safety-changing side effect is said when it happens."""
    from planners.venues import assess_event
    from planners.store.uow import read as read_session

    ev_id = demo.events["q4-trade-meeting"].id
    with write_session() as s:
        e = s.get(Event, ev_id)
        e.facts = {**(e.facts or {}), "documents_issued": False}
        e.venue.features = {**(e.venue.features or {}), "secure_storage": False}  # no safe: V10 bites
        timeline.build_plan(s, ev_id, actor=users["organizer"])
        before = assess_event(s, e).verdict
    at = app_test("events", user=users["organizer"], lang="zh_CN")
    at.session_state["event_id"] = ev_id
    at.run()
    at.toggle(key=f"docs{ev_id}").set_value(True).run()
    assert not at.exception, at.exception
    with read_session() as s:
        after = assess_event(s, s.get(Event, ev_id)).verdict
    said = " ".join(x.value for x in list(at.warning) + list(at.error))
    from planners.core.i18n import t

    assert after != before, (before, after)  # the demo's venue turns 不适合 with numbered documents
    assert "场所评估结论由" in said and t(f"venues.verdict_{after}", "zh_CN") in said


def test_moving_to_planned_with_mandatory_tasks_open_says_how_many(db_url, demo, users):
    from planners.store.uow import read as read_session

    ev_id = demo.events["q4-trade-meeting"].id
    with write_session() as s:
        s.get(Event, ev_id).status = "draft"
        timeline.build_plan(s, ev_id, actor=users["organizer"])
    at = app_test("events", user=users["organizer"], lang="zh_CN")
    at.session_state["event_id"] = ev_id
    at.run()
    at.selectbox(key=f"target{ev_id}").set_value("planned")
    at.button(key=f"move{ev_id}").click().run()
    assert not at.exception, at.exception
    with read_session() as s:
        assert s.get(Event, ev_id).status == "planned"
        r = timeline.readiness(s, ev_id)
    assert r.open_mandatory
    assert any(f"尚有{len(r.open_mandatory)}项必办任务未完成" in w.value for w in at.warning)


def test_the_import_report_names_fields_in_the_readers_words(db_url, users):
    """Issue 16: the report says 证件号后四位 / "ID number, last 4 digits", not the raw code id_last4."""
    from planners.attendees import allowlist
    from tests.checkin.helpers import make_event

    eid, _ = make_event(db_url, users["organizer"], n=0)
    bad = "姓名,单位,证件号后四位,涉密等级,已签保密承诺书\n王五,市财政局,20x1,机密,是\n,市财政局,2002,机密,是\n"
    with write_session() as s:
        rep = allowlist.import_file(s, eid, "名单.csv", bad.encode("utf-8"), actor=users["organizer"])
    assert {p.field for p in rep.problems} >= {"id_last4", "name"}
    zh = "\n".join(rep.lines("zh_CN"))
    assert "第2行 · 证件号后四位：" in zh and "第3行 · 姓名：" in zh and "id_last4" not in zh
    assert "row 2 · ID number, last 4 digits:" in "\n".join(rep.lines("en"))
    at = app_test("attendees", user=users["organizer"], lang="zh_CN").run()
    at.session_state["att_report"] = rep
    at.run()
    assert not at.exception, at.exception
    [report] = [d.value for d in at.dataframe if "问题" in d.value.columns]
    assert "证件号后四位" in report["字段"].tolist() and "id_last4" not in report.to_string()
