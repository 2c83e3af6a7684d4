"""AppTest of the visits page (organizer, front desk) and the approvals page (leader)."""
from __future__ import annotations

from planners.base import approvals
from planners import visits
from planners.store.uow import read as read_session
from tests.conftest import app_test


def _visit_titles(users, role="organizer"):
    with read_session() as s:
        return {v.title: v for v in visits.visible(s, users[role])}


def open_tab(at, key: str, lang: str = "en"):
    """Choose a tab of the visit (issue 17: only the open tab is drawn), as a click on it does."""
    from planners.core import i18n

    at.session_state["visit_tab"] = i18n.t(key, lang)
    return at


def test_organizer_sees_the_demo_visits_and_the_approved_scope_offers_the_briefing(db_url, demo, users):
    at = app_test("visits", user=users["organizer"]).run()
    assert not at.exception, at.exception
    assert at.title[0].value == "Foreign visits"
    picker = at.selectbox(key="visit_id")
    assert "德国巴伐利亚州经贸代表团来访" in picker.format_func(picker.value)
    assert not at.error
    md = " ".join(m.value for m in at.markdown)
    assert "approved" in md.lower()
    assert not [b for b in at.button if b.key == f"make{picker.value}"]  # the briefing's tab is not drawn yet
    open_tab(at, "visits.tab_briefing").run()
    at.button(key=f"make{picker.value}").click().run()
    assert not at.exception, at.exception
    assert len(at.get("download_button")) == 2  # PDF and Word
    assert not any("not approved" in i.value for i in at.info)
    # the other request (no scope yet) says why there is no briefing
    at.selectbox(key="visit_id").select(_visit_titles(users)["日本贸易振兴机构代表团来访"].id).run()
    assert any("not approved" in i.value for i in at.info)
    assert len(at.get("download_button")) == 0


def test_organizer_creates_a_request_in_the_form_and_submits_it(db_url, users):
    at = app_test("visits", user=users["organizer"])
    at.session_state["new_members_rows"] = [{"name": "Jan de Vries", "nationality": "NL",
                                             "organisation": "Port of Rotterdam", "post": "Director",
                                             "passport_type": "official", "passport_last4": "4455"}]
    at.session_state["new_route_rows"] = [{"place": "一号会议室", "host": "王", "escort": "organizer"}]
    at.run()
    assert not at.get("text_area") or "new_members" not in [x.key for x in at.text_area]  # tables, not pipe text
    at.text_input(key="new_title").input("荷兰代表团来访")
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

    at = app_test("visits", user=users["organizer"])
    at.session_state["new_members_rows"] = [{"name": "A", "nationality": "NL"}]
    at.run()
    at.text_input(key="new_title").input("反向日期")
    at.date_input(key="new_ed").set_value(date.today() + timedelta(days=3))
    at.button[[b.label for b in at.button].index("Create request")].click().run()
    assert any("ends before it starts" in e.value for e in at.error)
    assert "反向日期" not in _visit_titles(users)


def test_front_desk_logs_an_unannounced_visit_and_sees_the_verdict(db_url, users):
    at = app_test("visits", user=users["front_desk"])
    at.session_state["desk_members_rows"] = [{"name": "Ivan Petrov", "nationality": "RU",
                                              "organisation": "Trade Co"}]  # a table now (issue 16)
    at.run()
    assert not at.exception, at.exception
    at.text_input[0].input("未预约来访的外国商人")
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
    with read_session() as s:  # the demo's attendee list (issue 11) waits too
        [item] = approvals.pending(s, kind="visit_request")
        [list_item] = approvals.pending(s, kind="attendee_list")
    assert "added: 孙立新" in md  # the leader sees the list's diff, not just "changed"
    at.button(key=f"return_{item.id}").click().run()
    at.button(key=f"confirm_{item.id}").click().run()  # a decision is confirmed before it acts (issue 16)
    assert any("needs a comment" in e.value for e in at.error)
    at.text_area(key=f"comment_{item.id}").input("请补充参观路线")
    at.button(key=f"return_{item.id}").click().run()
    at.button(key=f"confirm_{item.id}").click().run()
    assert not at.exception
    with read_session() as s:
        assert [a.id for a in approvals.pending(s)] == [list_item.id]
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


def test_the_route_tab_refuses_a_stop_at_a_key_location_and_the_report_tab_waits_for_the_end(db_url, demo, users):
    """Issue 12: the organizer adds a stop at a key location in the route tab; it is refused with the rule and
    recorded; the report tab says the report is filed after the visit."""
    at = open_tab(app_test("visits", user=users["organizer"]), "vplan_ui.tab_route").run()
    vid = at.selectbox(key="visit_id").value
    at.text_input(key=f"stop_place{vid}").input("市商务局档案室")
    at.selectbox(key=f"stop_escort{vid}").select("organizer")
    at.button[[b.label for b in at.button].index("Add the stop")].click().run()
    assert not at.exception, at.exception
    assert any("VIS-KEYLOC" in e.value for e in at.error)
    assert any("市商务局档案室" in m.value for m in at.markdown)
    open_tab(at, "vplan_ui.tab_report").run()
    assert any("after the visit has ended" in i.value for i in at.info)


def test_the_foreign_affairs_office_reads_the_visits_and_the_register(db_url, demo, users):
    at = app_test("visits", user=users["foreign_affairs"], lang="zh_CN").run()
    assert not at.exception, at.exception
    assert any("外事部门" in c.value for c in at.caption)
    assert "德国巴伐利亚州经贸代表团来访" in [h.value for h in at.subheader]
    assert not [b for b in at.button if "提交" in b.label]  # it reads; nothing to submit


def test_the_during_tab_records_a_handover_refuses_one_beyond_the_scope_and_logs_a_deviation(db_url, demo, users):
    """Issue 12 (VD2, VD5): materials one by one against the scope; a deviation with when, where, who, what done."""
    from datetime import timedelta

    from planners.core.clock import local, utcnow
    from planners.store.uow import write_session
    from planners.visits import during

    at = open_tab(app_test("visits", user=users["organizer"]), "vduring.tab").run()
    vid = at.selectbox(key="visit_id").value
    at.text_input(key=f"hand_what{vid}").input("市情宣传册")
    at.text_input(key=f"hand_to{vid}").input("Markus Weber")
    at.selectbox(key=f"hand_topic{vid}").select("city_economy_public")
    at.button[[b.label for b in at.button].index("Record the handover")].click().run()
    assert not at.exception, at.exception
    assert not at.error, [e.value for e in at.error]
    at.text_input(key=f"hand_what{vid}").input("园区内部规划图")
    at.text_input(key=f"hand_to{vid}").input("Markus Weber")
    at.selectbox(key=f"hand_topic{vid}").select("industrial_park_plans")
    at.button[[b.label for b in at.button].index("Record the handover")].click().run()
    assert any("VIS-MATERIAL" in e.value and "not as documents" in e.value for e in at.error)
    with read_session() as s:
        v = visits.get(s, vid)
        assert [m["what"] for m in during.handed_over(v)] == ["市情宣传册"]
        start = local(v.starts_at, v.tz)

    def deviation(at):
        at.text_input(key=f"dev_where{vid}").input("三楼走廊")
        at.text_input(key=f"dev_who{vid}").input("陪同人员")
        at.text_area(key=f"dev_action{vid}").input("劝回原路线")
        at.button[[b.label for b in at.button].index("Log the deviation")].click().run()
        assert not at.exception, at.exception

    at.date_input(key=f"dev_d{vid}").set_value(start.date())
    at.time_input(key=f"dev_t{vid}").set_value(start.time())
    deviation(at)  # the visit has not started yet: its start is in the future
    assert any("in the future" in e.value for e in at.error)
    with write_session() as s:  # the visit is under way
        v = visits.get(s, vid)
        v.starts_at, v.ends_at = utcnow() - timedelta(hours=1), utcnow() + timedelta(hours=2)
    at = open_tab(app_test("visits", user=users["organizer"]), "vduring.tab").run()
    deviation(at)
    assert not at.error, [e.value for e in at.error]
    with read_session() as s:
        assert [d["where"] for d in during.deviations(visits.get(s, vid))] == ["三楼走廊"]
    assert "三楼走廊" in str(at.table[-1].value if at.table else "") or \
        any("三楼走廊" in str(d.value) for d in at.table)


def test_a_leader_reads_the_visit_request_scope_route_and_report_without_changing_anything(db_url, demo, users):
    at = app_test("visits", user=users["leader"], lang="zh_CN").run()
    assert not at.exception, at.exception
    assert any("仅会务组织者可修改" in c.value for c in at.caption)
    assert "德国巴伐利亚州经贸代表团来访" in [h.value for h in at.subheader]
    md = " ".join(m.value for m in at.markdown)
    assert "代表团" in md and "一次性来访" in md and "拍照**：否" in md
    for english in ("One-time", ": no", " / "):  # issue 16: no stored English pair, no raw yes/no
        assert english not in md, english
    [deleg] = [d.value for d in at.table if "单位" in d.value.columns and "姓名" in d.value.columns]
    assert "Markus Weber" in list(deleg["姓名"])  # the delegation is a table: typed names are data
    [topics] = [d.value for d in at.table if "代表团是否提出" in d.value.columns]
    assert "不得涉及" in list(topics["提供范围的决定"])
    assert len(at.table) >= 3  # the delegation, the topics, the scope (and the route)
    assert not at.get("form") and not [b for b in at.button if "提交" in b.label or "登记" in b.label]


def test_a_delegation_row_without_nationality_is_refused_naming_the_row_and_the_column(db_url, users):
    at = app_test("visits", user=users["organizer"])
    at.session_state["new_members_rows"] = [{"name": "Jan de Vries", "nationality": "NL"},
                                            {"name": "Anna Berg", "nationality": ""}]
    at.run()
    at.text_input(key="new_title").input("缺国籍")
    at.button[[b.label for b in at.button].index("Create request")].click().run()
    assert not at.exception, at.exception
    assert any("Row 2, column “Nationality" in e.value for e in at.error), [e.value for e in at.error]
    assert "缺国籍" not in _visit_titles(users)
