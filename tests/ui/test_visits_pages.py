"""AppTest of the visits page (organizer, front desk) and the approvals page (leader)."""
from __future__ import annotations

from planners.base import approvals
from planners import visits
from planners.store.uow import read as read_session
from tests.conftest import app_test


def _visit_titles(users, role="organizer"):
    with read_session() as s:
        return {v.title: v for v in visits.visible(s, users[role])}


def test_organizer_sees_the_demo_visits_and_the_approved_scope_offers_the_briefing(db_url, demo, users):
    at = app_test("visits", user=users["organizer"]).run()
    assert not at.exception, at.exception
    assert at.title[0].value == "Foreign visits"
    picker = at.selectbox(key="visit_id")
    assert "德国巴伐利亚州经贸代表团来访" in picker.format_func(picker.value)
    assert not at.error
    md = " ".join(m.value for m in at.markdown)
    assert "approved" in md.lower()
    at.button(key=f"make{picker.value}").click().run()
    assert not at.exception, at.exception
    assert len(at.get("download_button")) == 2  # PDF and Word
    assert not any("not approved" in i.value for i in at.info)
    # the other request (no scope yet) says why there is no briefing
    at.selectbox(key="visit_id").select(_visit_titles(users)["日本贸易振兴机构代表团来访"].id).run()
    assert any("not approved" in i.value for i in at.info)
    assert len(at.get("download_button")) == 0


def test_organizer_creates_a_request_in_the_form_and_submits_it(db_url, users):
    at = app_test("visits", user=users["organizer"]).run()
    at.text_input(key="new_title").input("荷兰代表团来访")
    at.text_area(key="new_members").input("Jan de Vries | NL | Port of Rotterdam | Director | official | 4455")
    at.text_area(key="new_route").input("一号会议室 | 王 | organizer")
    at.button[[b.label for b in at.button].index("Create request")].click().run()
    assert not at.exception, at.exception
    assert not at.error, [e.value for e in at.error]
    v = _visit_titles(users)["荷兰代表团来访"]
    assert v.status == "draft" and v.members[0]["passport_last4"] == "4455"
    at.run()
    submit = [b for b in at.button if b.label == "Submit to the leader"]
    submit[0].click().run()
    assert not at.exception
    assert _visit_titles(users)["荷兰代表团来访"].status == "submitted"


def test_a_reversed_date_in_the_form_is_refused_with_the_reason(db_url, users):
    from datetime import date, timedelta

    at = app_test("visits", user=users["organizer"]).run()
    at.text_input(key="new_title").input("反向日期")
    at.text_area(key="new_members").input("A | NL")
    at.date_input(key="new_ed").set_value(date.today() + timedelta(days=3))
    at.button[[b.label for b in at.button].index("Create request")].click().run()
    assert any("ends before it starts" in e.value for e in at.error)
    assert "反向日期" not in _visit_titles(users)


def test_front_desk_logs_an_unannounced_visit_and_sees_the_verdict(db_url, users):
    at = app_test("visits", user=users["front_desk"]).run()
    assert not at.exception, at.exception
    at.text_input[0].input("未预约来访的外国商人")
    at.text_area[0].input("Ivan Petrov | RU | Trade Co")
    at.button[[b.label for b in at.button].index("Log and tell the leader")].click().run()
    assert not at.exception
    assert any("SENT TO THE LEADER" in m.value for m in at.markdown)
    with read_session() as s:
        [item] = approvals.pending(s)
        assert item.requested_by == "front_desk" and item.kind == "visit_request"


def test_leader_sees_the_queue_returns_with_a_comment_and_a_return_without_comment_is_refused(db_url, demo, users):
    at = app_test("approvals", user=users["leader"]).run()
    assert not at.exception, at.exception
    assert at.title[0].value == "Approvals"
    md = " ".join(m.value for m in at.markdown)
    assert "日本贸易振兴机构代表团来访" in md and "FV1" in md
    with read_session() as s:  # the demo also waits for an attendee list's sign-off (issue 11)
        [item] = approvals.pending(s, kind="visit_request")
    at.button(key=f"return_{item.id}").click().run()
    at.button(key=f"confirm_{item.id}").click().run()  # a decision is confirmed before it acts (issue 16)
    assert any("needs a comment" in e.value for e in at.error)
    at.text_area(key=f"comment_{item.id}").input("请补充参观路线")
    at.button(key=f"return_{item.id}").click().run()
    at.button(key=f"confirm_{item.id}").click().run()
    assert not at.exception
    with read_session() as s:
        assert approvals.pending(s, kind="visit_request") == []
        v = _visit_titles(users)["日本贸易振兴机构代表团来访"]
        assert (v.status, v.last_comment) == ("returned", "请补充参观路线")
    assert "日本贸易振兴机构代表团来访" not in " ".join(m.value for m in at.markdown if "**" in m.value[:2])


def test_a_leader_sees_their_own_request_but_cannot_decide_it(db_url, users):
    from planners.store.uow import write_session

    with write_session() as s:
        approvals.request(s, kind="attendee_exception", object_type="attendee", object_id=7,
                          title={"en": "Let X attend", "zh_CN": "准许X参会"}, requested_by=users["leader"])
    at = app_test("approvals", user=users["leader"], lang="zh_CN").run()
    assert not at.exception
    assert "准许X参会" in " ".join(m.value for m in at.markdown)
    assert any("另一位领导" in i.value for i in at.info)
    assert not [b for b in at.button if b.key and b.key.startswith("approve_")]
    at2 = app_test("approvals", user=users["leader2"]).run()
    assert [b.key for b in at2.button if b.key and b.key.startswith("approve_")]
