"""Issue 16: lists refresh after the action that changed them, and the confirmation is shown where the user
acted: an import counts in the list's tab title at once; a created account is in the admin table at once; a
role change says what it saved, under the control."""
from __future__ import annotations

import pytest

from planners.attendees import allowlist
from planners.store import uow
from planners.store.models import User
from tests.checkin.helpers import CLEARED, make_event
from tests.conftest import app_test


@pytest.mark.parametrize("lang", ["zh_CN", "en"])
def test_an_import_counts_in_the_tab_title_on_the_same_rerun(db_url, users, lang):
    make_event(db_url, users["organizer"], people=[dict(name="王明", unit="市财政局", id_last4="1001", **CLEARED)],
               ready=False)
    at = app_test("attendees", user=users["organizer"], lang=lang).run()
    assert at.tabs[0].label == ("名单（1）" if lang == "zh_CN" else "List (1)")
    at.get("file_uploader")[0].set_value(("list.csv", allowlist.template_bytes("csv", "zh_CN"), "text/csv"))
    at.run()
    at.button(key="att_import").click().run()
    assert not at.exception
    assert any(s for s in at.success), "the import report"
    assert at.tabs[0].label == ("名单（2）" if lang == "zh_CN" else "List (2)")


@pytest.mark.parametrize("lang", ["zh_CN", "en"])
def test_a_created_account_is_in_the_table_at_once_and_a_role_change_says_so(db_url, users, lang):
    at = app_test("admin", user=users["admin"], lang=lang).run()
    at.text_input(key="admin_new_username").input("wang.fang")
    at.text_input(key="admin_new_display").input("王芳")
    next(b for b in at.button if b.label in ("Create account", "创建账户")).click().run()
    assert not at.exception
    table = at.dataframe[0].value
    assert "wang.fang" in table.to_string(), "the new account is in the table on the same rerun"
    assert any("wang.fang" in s.value for s in at.success)
    with uow.read(db_url) as s:
        uid = s.query(User).filter_by(username="wang.fang").one().id
    at.selectbox(key="admin_pick").set_value(uid).run()
    at.selectbox(key=f"role{uid}").set_value("leader").run()
    at.button(key=f"apply{uid}").click().run()
    assert not at.exception
    said = " ".join(s.value for s in at.success)
    assert ("已保存：王芳的角色为" in said and "已启用" in said) if lang == "zh_CN" else \
        ("Saved: 王芳 is now" in said and "active" in said)
    assert ("审批领导" if lang == "zh_CN" else "Leader") in said
    with uow.read(db_url) as s:
        assert s.get(User, uid).role == "leader"
