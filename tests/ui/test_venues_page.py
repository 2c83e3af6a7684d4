"""AppTest of the venues page: catalogue, create and edit, assessment for an event or a level."""
from planners.store.uow import read as read_session
from planners.venues import list_venues
from tests.conftest import app_test


def _banner(at):
    return [m.value for m in at.markdown if "data-testid='verdict'" in m.value]


def test_the_organizer_sees_the_catalogue_and_the_demo_meeting_is_suitable_with_conditions(db_url, demo, users):
    at = app_test("venues", user=users["organizer"])
    at.session_state["event_id"] = demo.events["q4-trade-meeting"].id
    at.run()
    assert not at.exception, at.exception
    assert at.title[0].value == "Venues" and at.dataframe
    banner = _banner(at)
    assert banner and "data-verdict='orange'" in banner[0] and "Suitable with conditions" in banner[0]
    table = at.table[0].value
    assert set(table["Rule"]) == {"V8", "V9"}
    assert any("48 h" in x for x in table["Task"])


def test_a_foreign_related_hotel_is_unsuitable_for_a_confidential_meeting(db_url, demo, users):
    at = app_test("venues", user=users["leader"]).run()
    at.radio(key="assess_mode").set_value("level").run()
    hotel = next(v.id for v in demo.venues.values() if v.kind == "foreign_hotel")
    at.selectbox(key="assess_venue_id").set_value(hotel)
    at.selectbox(key="assess_level").set_value("confidential").run()
    assert not at.exception, at.exception
    banner = _banner(at)[0]
    assert "data-verdict='red'" in banner and "Unsuitable" in banner
    assert any("data-severity='blocker'" in m.value and "V2" in m.value and "P3" in m.value for m in at.markdown)


def test_the_organizer_creates_and_edits_a_venue(db_url, users):
    at = app_test("venues", user=users["organizer"]).run()
    at.text_input(key="new_name").input("保密会议室B")
    at.checkbox(key="new_f_enclosed_access_control").check()
    at.button(key="FormSubmitter:new_venue_form-Create venue").click().run()
    assert not at.exception, at.exception
    assert any("保密会议室B" in s.value for s in at.success)
    with read_session() as s:
        v = next(v for v in list_venues(s) if v.name == "保密会议室B")
        assert v.features["enclosed_access_control"] and not v.features["phone_lockers"] and v.last_sweep_at is None
    at.checkbox(key=f"edit{v.id}_f_phone_lockers").check()
    at.button(key=f"FormSubmitter:edit{v.id}_venue_form-Save venue").click().run()
    assert not at.exception, at.exception
    with read_session() as s:
        assert next(x for x in list_venues(s) if x.id == v.id).features["phone_lockers"]


def test_a_venue_without_a_name_is_refused_with_the_reason(db_url, users):
    at = app_test("venues", user=users["organizer"]).run()
    at.button(key="FormSubmitter:new_venue_form-Create venue").click().run()
    assert any("needs a name" in e.value for e in at.error)


def test_a_leader_sees_the_catalogue_without_edit_forms(db_url, demo, users):
    at = app_test("venues", user=users["leader"], lang="zh_CN").run()
    assert not at.exception, at.exception
    assert at.title[0].value == "场所" and not at.get("form")
    assert any("由会务组编辑场所" in c.value for c in at.caption)
