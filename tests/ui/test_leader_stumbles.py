"""Issue 16, leader: a decision is confirmed before it acts, the leader sees what they decided, and cards show
no raw keys."""
from __future__ import annotations

from planners.base import approvals, auth
from planners.store.models import Approval, User
from planners.store.uow import read as read_session
from planners.store.uow import write_session
from tests.conftest import app_test


def _leader():
    with read_session() as s:
        return auth.principal(s.query(User).filter_by(username="leader").one())


def _visit_card(at):
    with read_session() as s:
        return next(a.id for a in approvals.pending(s) if a.kind == "visit_request")


def test_a_decision_asks_for_confirmation_and_then_shows_in_my_decisions(db_url, demo):
    at = app_test("approvals", user=_leader(), lang="zh_CN").run()
    assert not at.exception, at.exception
    vid = _visit_card(at)
    at.button(key=f"approve_{vid}").click().run()
    assert not at.exception, at.exception
    with read_session() as s:  # one click decided nothing
        assert s.get(Approval, vid).status == "pending"
    confirm = at.button(key=f"confirm_{vid}")
    assert "确认批准" in confirm.label and "日本贸易振兴机构代表团来访" in confirm.label
    assert any("第" + str(vid) + "号" in w.value for w in at.warning)
    confirm.click().run()
    assert not at.exception, at.exception
    with read_session() as s:
        assert s.get(Approval, vid).status == "approved"
    text = " ".join(m.value for m in at.markdown)
    assert "我近期的审批决定" in " ".join(e.label for e in at.expander)
    assert "批准 · 来访申请：日本贸易振兴机构代表团来访" in text


def test_cancel_disarms_the_decision(db_url, demo):
    at = app_test("approvals", user=_leader(), lang="en").run()
    vid = _visit_card(at)
    at.button(key=f"reject_{vid}").click().run()
    assert "Confirm: reject" in at.button(key=f"confirm_{vid}").label
    at.button(key=f"cancel_{vid}").click().run()
    assert not any(b.key == f"confirm_{vid}" for b in at.button)
    with read_session() as s:
        assert s.get(Approval, vid).status == "pending"


def test_cards_show_no_raw_keys(db_url, demo, users):
    from planners.plan import board
    from planners.store.models_plan import PlanTask

    with write_session() as s:  # a not-applicable request, an exception with rules, a scope with decisions
        from planners.plan.signoff import DERIVED_RULES

        t = next(t for t in s.query(PlanTask).filter_by(event_id=demo.events["q4-trade-meeting"].id, status="open")
                 if t.applies and t.rule_id not in DERIVED_RULES)
        board.request_na(s, t.id, reason="本次会议不涉及", actor=users["organizer"])
        approvals.request(s, kind="attendee_exception", object_type="attendee", object_id=999,
                          title={"zh_CN": "例外", "en": "Exception"}, requested_by="organizer",
                          payload={"rules": ["E4"], "attendee": "张三"})
        approvals.request(s, kind="disclosure_scope", object_type="disclosure_scope", object_id=998,
                          title={"zh_CN": "范围", "en": "Scope"}, requested_by="organizer",
                          payload={"topics": "口岸通关物流安排: must_not; 统计数据: may_discuss"})
    at = app_test("approvals", user=_leader(), lang="zh_CN").run()
    assert not at.exception, at.exception
    text = " ".join(m.value for m in at.markdown) + " ".join(c.value for c in at.caption)
    for raw in ("plan_task_na", "['E4']", "must_not", "may_discuss", ": yes", "rules", "attendee"):
        assert raw not in text, raw
    assert "保密工作方案任务：不适用" in text
    assert "拍照**：是" in text and "适用规则**: E4" in text and "不得涉及" in text
