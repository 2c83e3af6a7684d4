"""Issue 11 on the desk page (AppTest): the refusal of a person added after the approval fills the screen, and
a draft event is not offered but said to be missing, with why."""
from __future__ import annotations

from planners.attendees import allowlist, badges
from planners.store import uow
from tests.checkin.helpers import make_event
from tests.conftest import app_test

PERSON = {"name": "孙立新", "unit": "市发展改革委", "post": "", "id_type": "resident_id", "id_last4": "5821",
          "nationality": "CN", "foreign_invested_staff": False, "clearance": "confidential", "secret_class": "",
          "pledge_signed": True, "event_role": "attendee", "designated_by": ""}


def test_the_desk_page_refuses_a_person_added_after_approval_and_says_why_a_draft_is_missing(db_url, users):
    eid, _ = make_event(db_url, users["organizer"], n=1, title="就绪会议")
    make_event(db_url, users["organizer"], n=1, title="草稿会议", ready=False)
    with uow.write_session(db_url) as s:
        allowlist.save_table(s, eid, [PERSON], actor=users["organizer"])
        code = dict((a.name, c) for a, c in badges.codes_for_event(s, eid, actor=users["organizer"]))["孙立新"]
    at = app_test("checkin", user=users["front_desk"]).run()
    at.selectbox(key="desk_pick").set_value("d").run()
    assert not at.exception
    assert any("草稿会议" in i.value and "Not offered" in i.value for i in at.info)
    at.text_input(key="scan_input").set_value(code).run()
    assert not at.exception
    banner = " ".join(m.value for m in at.markdown if "data-testid='verdict'" in m.value)
    assert "not on the approved list" in banner and "Do not admit" in banner
