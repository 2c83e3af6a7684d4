"""Issue 16: undoing an event edit resets the edit form to the restored values, so the next save does not
re-apply what was just undone."""
from __future__ import annotations

import pytest

from planners.store import uow
from planners.store.models import Event
from tests.checkin.helpers import make_event
from tests.conftest import app_test


@pytest.mark.parametrize("lang", ["zh_CN", "en"])
def test_undo_reloads_the_form_with_the_restored_values(db_url, users, lang):
    eid, _ = make_event(db_url, users["organizer"], title="原标题会议", ready=False, people=[])
    at = app_test("events", user=users["organizer"], lang=lang)
    at.session_state["event_id"] = eid
    at.run()
    assert at.text_input(key=f"edit{eid}_title").value == "原标题会议"
    at.text_input(key=f"edit{eid}_title").input("改后标题会议")
    at.text_input(key=f"edit{eid}_host").input("市保密局")
    save = "保存" if lang == "zh_CN" else "Save"
    next(b for b in at.button if b.label == save and "edit" in str(b.form_id)).click().run()
    assert not at.exception
    with uow.read(db_url) as s:
        assert s.get(Event, eid).title == "改后标题会议"
    at.button(key=f"undo{eid}").click().run()
    assert not at.exception
    with uow.read(db_url) as s:
        assert s.get(Event, eid).title == "原标题会议"
    assert at.text_input(key=f"edit{eid}_title").value == "原标题会议", "the form shows the restored title"
    assert at.text_input(key=f"edit{eid}_host").value == ""
    said = "已撤销您的上一次修改" if lang == "zh_CN" else "Your last edit was undone"
    assert any(said in m.value for m in at.success)
    # saving again now keeps the restored values
    next(b for b in at.button if b.label == save and "edit" in str(b.form_id)).click().run()
    with uow.read(db_url) as s:
        assert s.get(Event, eid).title == "原标题会议"
