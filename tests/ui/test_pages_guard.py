"""Every page guards itself: signed out -> only the sign-in form; wrong role -> only a refusal."""
from __future__ import annotations


import pytest

from planners.base.auth import PAGE_ROLES, ROLES
from tests.conftest import ROOT, app_test

PAGES = sorted(p for p in PAGE_ROLES if (ROOT / "pages" / f"{p}.py").exists())


@pytest.mark.parametrize("page", PAGES)
def test_signed_out_sees_only_the_signin_form(db_url, page):
    at = app_test(page).run()
    assert not at.exception, at.exception
    assert [t.value for t in at.title] == ["Sign in to Conclave"]
    labels = [ti.label for ti in at.text_input]
    assert labels == ["User name", "Password"]
    assert not at.dataframe and not at.error


@pytest.mark.parametrize("page,role", [(p, r) for p in PAGES for r in ROLES if r not in PAGE_ROLES[p]])
def test_wrong_role_sees_only_a_refusal(db_url, users, page, role):
    at = app_test(page, user=users[role]).run()
    assert not at.exception, at.exception
    assert len(at.error) == 1 and "This page is for" in at.error[0].value
    assert not at.title and not at.dataframe
    assert [b.key for b in at.button] == ["signout"]


@pytest.mark.parametrize("page,role", [(p, r) for p in PAGES for r in PAGE_ROLES[p]])
def test_right_role_renders_the_page(db_url, demo, users, page, role):
    at = app_test(page, user=users[role]).run()
    assert not at.exception, at.exception
    assert at.title, "the page draws its title"
    assert not any("This page is for" in e.value for e in at.error)


def test_signing_in_through_the_form_opens_the_page(db_url, users):
    at = app_test("home").run()
    at.text_input[0].input("organizer")
    at.text_input[1].input("correct-horse-battery")
    at.button[0].click().run()
    assert not at.exception
    assert at.session_state["user_id"] == users["organizer"].id
    assert at.title[0].value == "Home"


def test_wrong_password_gives_one_message_without_hint(db_url, users):
    at = app_test("home").run()
    at.text_input[0].input("organizer")
    at.text_input[1].input("wrong")
    at.button[0].click().run()
    wrong_pw = at.error[0].value
    at2 = app_test("home").run()
    at2.text_input[0].input("nobody")
    at2.text_input[1].input("wrong")
    at2.button[0].click().run()
    assert at2.error[0].value == wrong_pw
    assert "user_id" not in at.session_state


def test_chinese_is_used_when_chosen(db_url, users):
    at = app_test("home", user=users["organizer"], lang="zh_CN").run()
    assert at.title[0].value == "首页"
