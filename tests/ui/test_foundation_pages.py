"""The foundation's pages do their job: admin creates accounts, audit verifies, events form reports fields."""
from __future__ import annotations

import datetime

from planners.base import auth
from planners.store.uow import read as read_session, write_session
from planners.store.models import Event, User
from tests.conftest import app_test


def test_admin_creates_an_account_and_sees_its_one_time_password_once(db_url, users):
    at = app_test("admin", user=users["admin"]).run()
    form_inputs = [ti for ti in at.text_input if ti.label in ("User name", "Display name")]
    form_inputs[0].input("wang.fang")
    form_inputs[1].input("王芳")
    next(b for b in at.button if b.label == "Create account").click().run()
    assert not at.exception
    msg = next(s.value for s in at.success if "wang.fang" in s.value)
    assert "One-time password" in msg
    with read_session() as s:
        u = s.query(User).filter_by(username="wang.fang").one()
        assert u.must_change_password and u.role == "organizer"


def test_first_sign_in_with_a_one_time_password_asks_for_a_new_one(db_url):
    with write_session() as s:
        u, pw = auth.create_user(s, username="newbie", role="organizer", actor="test")
    at = app_test("home", user=auth.Principal(id=u.id, username="newbie", display_name="n", role="organizer")).run()
    assert any("Choose a new password" in w.value for w in at.warning)
    assert not at.title  # nothing else until the password is changed
    at.text_input[0].input(pw)
    at.text_input[1].input("a-brand-new-password")
    at.text_input[2].input("a-brand-new-password")
    next(b for b in at.button if b.label == "Change password").click().run()
    assert not at.exception
    assert at.title[0].value == "Home"
    assert auth.sign_in("newbie", "a-brand-new-password").must_change_password is False


def test_audit_page_verifies_the_chain(db_url, demo, users):
    at = app_test("audit", user=users["admin"]).run()
    next(b for b in at.button if b.label == "Verify the chain").click().run()
    assert any("intact" in s.value for s in at.success)


def test_event_form_names_the_wrong_field(db_url, users):
    at = app_test("events", user=users["organizer"]).run()
    at.text_input(key="new_title").input("测试会议")
    at.selectbox(key="new_level").select("secret")
    at.time_input(key="new_et").set_value(datetime.time(8, 0))  # same day, before the 09:00 start
    next(b for b in at.button if b.label == "Create event").click().run()
    assert any("End date" in e.value and "end must be after the start" in e.value for e in at.error)
    with read_session() as s:
        assert s.query(Event).count() == 0
