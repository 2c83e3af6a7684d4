"""Issue 16, AppTest: the leader's one card per visit (the request's facts, every requested topic with the scope's
decision beside it, one confirmed decision), and the visit forms' tables checked cell by cell (the front desk's
unannounced visit, the post-visit report's materials and gifts)."""
from __future__ import annotations

from planners import visits
from planners.base import approvals
from planners.store.uow import read as read_session, write_session
from tests.conftest import app_test
from tests.unit.test_visit_decision import _both_waiting, _items, _state


def _text(at) -> str:
    return " ".join(m.value for m in at.markdown) + " " + " ".join(c.value for c in at.caption)


def test_a_visits_request_and_scope_are_one_card_with_the_topics_decisions_and_one_confirmed_decision(db_url, users):
    vid = _both_waiting(users)
    req, scope = _items(vid)
    at = app_test("approvals", user=users["leader"], lang="zh_CN").run()
    assert not at.exception, at.exception
    assert not [b for b in at.button if b.key in (f"approve_{scope}", f"return_{scope}")]  # one card, not two
    topics = next(d.value for d in at.table if "议题" in d.value.columns)  # the card's topic table
    rows = dict(zip(topics["议题"], topics["提供范围的决定"]))
    assert rows == {"招商引资政策与营商环境": "仅按口径", "外贸形势内部研判材料": "不得涉及"}, rows
    assert list(topics["代表团是否提出"]) == ["是", "否"]
    text = _text(at)
    assert "来访申请及对外提供范围：法国里昂商会来访" in text and "一次性来访" in text
    assert at.button(key=f"approve_{req}").label == "批准来访申请及提供范围"
    at.button(key=f"approve_{req}").click().run()
    assert _state(vid) == ("submitted", "submitted")  # one click decides nothing
    confirm = at.button(key=f"confirm_{req}")
    assert confirm.label == "确认批准“来访申请及对外提供范围：法国里昂商会来访”"
    confirm.click().run()
    assert not at.exception, at.exception
    assert _state(vid) == ("approved", "approved")
    mine = " ".join(m.value for m in at.markdown)
    assert "批准 · 来访申请：法国里昂商会来访" in mine and "批准 · 对外提供范围：法国里昂商会来访" in mine, mine


def test_the_waiting_count_counts_a_visits_request_and_scope_once(db_url, users):
    vid = _both_waiting(users)
    with read_session() as s:
        waiting = len(approvals.pending(s))
    at = app_test("approvals", user=users["leader"], lang="en").run()
    assert not at.exception, at.exception
    assert f"Waiting: {waiting - 1}." in _text(at)  # the pair is one card, one decision, one in the count


def test_returning_the_card_without_a_reason_is_refused_and_with_one_returns_both(db_url, users):
    vid = _both_waiting(users)
    req, _ = _items(vid)
    at = app_test("approvals", user=users["leader"], lang="en").run()
    at.button(key=f"return_{req}").click().run()
    at.button(key=f"confirm_{req}").click().run()
    assert any("needs a comment" in e.value for e in at.error)
    assert _state(vid) == ("submitted", "submitted")
    at.text_area(key=f"comment_{req}").input("请补充陪同人员")
    at.button(key=f"return_{req}").click().run()
    assert at.button(key=f"confirm_{req}").label.startswith("Confirm: return")
    at.button(key=f"confirm_{req}").click().run()
    assert not at.exception, at.exception
    assert _state(vid) == ("returned", "returned")


def test_a_leader_who_asked_for_the_scope_sees_the_card_but_cannot_decide_it(db_url, users):
    from planners.store.models import Approval

    vid = _both_waiting(users)
    req, scope = _items(vid)
    with write_session() as s:
        s.get(Approval, scope).requested_by = "leader"
    at = app_test("approvals", user=users["leader"], lang="zh_CN").run()
    assert any("另一位领导" in i.value for i in at.info)
    assert not [b for b in at.button if b.key == f"approve_{req}"]


def test_the_front_desks_unannounced_visit_is_a_table_and_a_row_without_nationality_is_refused(db_url, users):
    at = app_test("visits", user=users["front_desk"], lang="zh_CN")
    at.session_state["desk_members_rows"] = [{"name": "Ivan Petrov", "nationality": "RU"},
                                             {"name": "Olga Ivanova", "nationality": ""}]
    at.run()
    assert not at.exception, at.exception
    assert not at.text_area  # no pipe-separated text box any more
    at.text_input[0].input("未预约来访的外国商人")
    at.button[[b.label for b in at.button].index("登记并报告领导")].click().run()
    assert not at.exception, at.exception
    said = _text(at)
    assert "第2行" in said and "国籍" in said, said
    with read_session() as s:
        assert not approvals.pending(s)
    at.session_state["desk_members_rows"] = [{"name": "Ivan Petrov", "nationality": "RU"}]
    at.run()
    at.button[[b.label for b in at.button].index("登记并报告领导")].click().run()
    with read_session() as s:
        [item] = approvals.pending(s)
        v = visits.get(s, int(item.object_id))
        assert [m["name"] for m in v.members] == ["Ivan Petrov"]


def _ended_demo_visit(users):
    from datetime import timedelta

    from planners.core.clock import utcnow
    from planners.store.models_visits import VisitRequest

    with write_session() as s:
        v = s.query(VisitRequest).filter_by(title="德国巴伐利亚州经贸代表团来访").one()
        v.starts_at, v.ends_at = utcnow() - timedelta(hours=4), utcnow() - timedelta(hours=1)
        return v.id


def test_the_reports_gifts_table_refuses_a_gift_without_where_it_went_naming_the_row_and_column(db_url, demo, users):
    vid = _ended_demo_visit(users)
    at = app_test("visits", user=users["organizer"], lang="zh_CN")
    at.session_state["visit_id"] = vid
    from tests.ui.test_visits_pages import open_tab
    open_tab(at, "vplan_ui.tab_report", "zh_CN")  # issue 17: only the open tab is drawn
    at.session_state[f"gifts{vid}_rows"] = [{"what": "瓷盘", "giver": "Markus Weber", "where_went": "交局办公室登记保管"},
                                            {"what": "钢笔", "giver": "Julia Hoffmann", "where_went": ""}]
    at.session_state[f"mats{vid}_rows"] = [{"what": "市情宣传册", "topic": "本市已公开发布的经济和外贸统计数据", "to_whom": "Markus Weber"}]
    at.run()
    assert not at.exception, at.exception
    assert f"gifts{vid}" not in [t.key for t in at.text_area]
    filed = [b for b in at.button if b.label == "向领导和外事部门报送总结"]
    assert filed, [b.label for b in at.button]
    filed[0].click().run()
    assert not at.exception, at.exception
    said = " ".join(e.value for e in at.error)
    assert "第2行" in said and "处置去向" in said, said
    from planners.visits import report

    with read_session() as s:
        assert report.get_report(s, vid) is None  # nothing filed
    at.session_state[f"gifts{vid}_rows"] = [{"what": "瓷盘", "giver": "Markus Weber", "where_went": "交局办公室登记保管"}]
    at.run()
    [b for b in at.button if b.label == "向领导和外事部门报送总结"][0].click().run()
    assert not at.exception, at.exception
    with read_session() as s:
        rep = report.get_report(s, vid)
        assert rep is not None
        assert [g["what"] for g in rep.content["gifts"]] == ["瓷盘"]
        assert [m["topic"] for m in rep.content["materials"]] == ["city_economy_public"]
