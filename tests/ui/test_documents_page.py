"""AppTest of the documents page: organizer registers, issues, is refused, reconciles; the front desk sees only
issue / recover."""
from __future__ import annotations

from sqlalchemy import select

from planners import documents as docs
from planners.base import events
from planners.store.uow import read as read_session, write_session
from planners.store.models import Attendee
from planners.store.models_documents import Document
from tests.conftest import app_test


def _button(at, label):
    return next(b for b in at.button if b.label == label)


def _ids(event_id):
    with read_session() as s:
        d = s.scalar(select(Document).where(Document.event_id == event_id, Document.control_no == "商密〔2026〕041"))
        people = {a.name: a.id for a in s.scalars(select(Attendee).where(Attendee.event_id == event_id))}
    return d.id, people


def _banners(at):
    return " ".join(m.value for m in at.markdown if "data-testid='verdict'" in m.value)


def _organizer_page(demo, users, lang="en"):
    """The documents page on the 机密 meeting (the organizer also owns the demo's meeting under way, first)."""
    at = app_test("documents", user=users["organizer"], lang=lang)
    at.session_state["event_id"] = demo.events["q4-trade-meeting"].id
    return at.run()


def test_organizer_registers_a_document_and_sees_its_marking(db_url, demo, users):
    at = _organizer_page(demo, users)
    assert not at.exception, at.exception
    assert [t.label for t in at.tabs][:2] == ["Issue / recover", "Register"]
    at.text_input(key="doc_reg_control").input("UI-001")
    at.text_input(key="doc_reg_title").input("界面测试材料")
    at.selectbox(key="doc_reg_level").set_value("confidential")
    at.text_input(key="doc_reg_retention").input("20年")
    at.text_input(key="doc_reg_proposed").input("陈明")
    at.text_input(key="doc_reg_approved").input("王建国")
    at.text_input(key="doc_reg_basis").input("第3条")
    at.text_area(key="doc_reg_scope").input("市财政局\n市海关")
    at.number_input(key="doc_reg_copies").set_value(5)
    _button(at, "Register document").click().run()
    assert not at.exception, at.exception
    assert any("UI-001" in s.value and "机密★20年" in s.value for s in at.success), [s.value for s in at.success]


def test_organizer_sees_the_dingmi_error_when_handler_approves_own_level(db_url, demo, users):
    at = _organizer_page(demo, users)
    at.text_input(key="doc_reg_control").input("UI-002")
    at.text_input(key="doc_reg_title").input("界面测试材料")
    at.text_input(key="doc_reg_retention").input("5年")
    at.text_input(key="doc_reg_proposed").input("陈明")
    at.text_input(key="doc_reg_approved").input("陈明")
    at.text_input(key="doc_reg_basis").input("第3条")
    at.text_area(key="doc_reg_scope").input("市财政局")
    _button(at, "Register document").click().run()
    assert any("different person" in e.value for e in at.error), [e.value for e in at.error]


def test_issue_then_refusal_then_reconciliation_shows_outstanding(db_url, demo, users):
    ev = demo.events["q4-trade-meeting"]
    did, people = _ids(ev.id)
    at = _organizer_page(demo, users)
    at.text_input(key="doc_issue_code").input(docs.copy_code(ev.id, did, 1))
    at.selectbox(key="doc_issue_who").set_value(people["梁静"])
    _button(at, "Issue").click().run()
    assert not at.exception, at.exception
    assert "ISSUED" in _banners(at)
    at.text_input(key="doc_issue_code").input(docs.copy_code(ev.id, did, 2))
    at.selectbox(key="doc_issue_who").set_value(people["钱小明"])
    _button(at, "Issue").click().run()
    banner = _banners(at)
    # the refusal and what to do, without the rule's provenance (issue 16: sources only in a details view)
    assert "REFUSED" in banner and "clearance" in banner and "保密法" not in banner
    assert any("1 copies outstanding" in e.value for e in at.error), [e.value for e in at.error]
    at.selectbox(key="doc_held_who").set_value(people["梁静"]).run()
    assert any("Holds 1 copies" in w.value for w in at.warning)


def test_front_desk_sees_only_issue_and_recover(db_url, demo, users):
    ev = demo.events["q4-trade-meeting"]
    with write_session() as s:
        events.transition(s, ev.id, "planned", actor=users["organizer"])
    did, people = _ids(ev.id)
    with write_session() as s:
        docs.issue_copy(s, ev.id, docs.copy_code(ev.id, did, 3), people["吕强"], actor=users["organizer"])
    at = app_test("documents", user=users["front_desk"])
    at.session_state["event_id"] = ev.id  # the desk has two open events: the demo's desk event comes first
    at.run()
    assert not at.exception, at.exception
    assert not at.tabs
    labels = {b.label for b in at.button}
    assert {"Issue", "Recover"} <= labels and "Register document" not in labels
    at.text_input(key="doc_recover_code").input(docs.copy_code(ev.id, did, 3))
    _button(at, "Recover").click().run()
    assert "RECOVERED" in _banners(at)
    at.text_input(key="doc_recover_code").input(docs.copy_code(ev.id, did, 3))
    _button(at, "Recover").click().run()
    assert "ALREADY RECOVERED" in _banners(at)


def test_page_renders_in_chinese(db_url, demo, users):
    at = app_test("documents", user=users["organizer"], lang="zh_CN").run()
    assert not at.exception, at.exception
    assert at.title[0].value == "涉密文件"


def test_overdue_loss_report_is_red_on_the_leaders_home_page(db_url, demo, users):
    from datetime import timedelta


    ev = demo.events["q4-trade-meeting"]
    did, people = _ids(ev.id)
    code = docs.copy_code(ev.id, did, 4)
    with write_session() as s:
        docs.issue_copy(s, ev.id, code, people["唐芳"], actor=users["organizer"])
        inc = docs.declare_lost(s, ev.id, code, actor=users["organizer"])
        inc.deadline_at = inc.declared_at - timedelta(hours=1)
    at = app_test("home", user=users["leader"]).run()
    assert not at.exception, at.exception
    assert any("OVERDUE" in e.value and ev.title in e.value for e in at.error), [e.value for e in at.error]
