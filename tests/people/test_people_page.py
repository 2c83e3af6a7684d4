"""AppTests of the people register page per role (security officer, leader, organizer, front desk), both
languages, and the second edit from another browser refused."""
from __future__ import annotations

from planners import people
from planners.attendees import people_link
from planners.store import uow
from tests.checkin.helpers import make_event
from tests.conftest import app_test


def _register(db_url, users):
    officer = users["security_officer"]
    with uow.write_session(db_url) as s:
        a = people.create(s, {"name": "张三", "unit": "市财政局", "id_last4": "1234", "level": "机密",
                              "vetted_level": "机密"}, actor=officer).id
        b = people.create(s, {"name": "李四", "unit": "市商务局", "id_last4": "5678", "level": "秘密"},
                          actor=officer).id
    return a, b


def test_the_security_officer_edits_and_a_second_browser_is_refused(db_url, users):
    a, _b = _register(db_url, users)
    at = app_test("people", user=users["security_officer"]).run()
    assert not at.exception, at.exception
    assert at.title[0].value == "People register (涉密人员)"
    at.selectbox(key="ppl_pick").set_value(a).run()
    other = app_test("people", user=users["security_officer"]).run()  # a second browser opens the same person
    other.selectbox(key="ppl_pick").set_value(a).run()
    form = f"FormSubmitter:ppl_edit_{a}-Save"
    at.text_input[[w.label for w in at.text_input].index("Post")].input("机要秘书")
    at.button(key=form).click().run()
    assert not at.exception, at.exception
    assert any("Saved" in s.value for s in at.success), [e.value for e in at.error]
    other.text_input[[w.label for w in other.text_input].index("Post")].input("科长")
    other.button(key=form).click().run()
    assert any("changed since you opened it" in e.value for e in other.error)
    with uow.read(db_url) as s:
        assert people.get(s, a).post == "机要秘书"


def test_a_leader_sees_everything_and_may_bar_but_not_edit(db_url, users):
    _register(db_url, users)
    at = app_test("people", user=users["leader"], lang="zh_CN").run()
    assert not at.exception, at.exception
    assert at.title[0].value == "涉密人员名册"
    assert len(at.dataframe[0].value) == 2
    assert any("FormSubmitter:ppl_bar_" in b.key for b in at.button if b.key)
    assert not any("FormSubmitter:ppl_edit_" in b.key for b in at.button if b.key)


def test_an_organizer_reads_only_the_people_of_their_events(db_url, users):
    a, _b = _register(db_url, users)
    ev_id, _ = make_event(db_url, users["organizer"], people=[
        dict(name="张三", unit="市财政局", id_last4="1234", clearance="confidential", pledge_signed=True)])
    with uow.write_session(db_url) as s:
        people_link.link_event(s, ev_id, actor=users["organizer"])
    at = app_test("people", user=users["organizer"]).run()
    assert not at.exception, at.exception
    assert list(at.dataframe[0].value["#"]) == [a]
    assert not any(b.key and b.key.startswith("FormSubmitter:ppl_") for b in at.button)


def test_the_front_desk_is_refused(db_url, users):
    at = app_test("people", user=users["front_desk"]).run()
    assert not at.exception, at.exception
    assert at.error and not at.dataframe


def test_the_organizer_picks_the_person_of_an_ambiguous_match_and_matches_again(db_url, users):
    """Two people of the register share a name and ID digits, neither in the attendee's unit: the attendees page
    offers both, the organizer picks one (linked, 'manual'); a leader may not; 'match again' re-reads the register."""
    officer = users["security_officer"]
    with uow.write_session(db_url) as s:
        p1 = people.create(s, {"name": "王五", "unit": "市财政局", "id_last4": "4321", "level": "机密",
                               "vetted_level": "机密"}, actor=officer).id
        people.create(s, {"name": "王五", "unit": "市商务局", "id_last4": "4321", "level": "秘密"}, actor=officer)
    ev_id, _ = make_event(db_url, users["organizer"], people=[
        dict(name="王五", unit="市外办", id_last4="4321", clearance="confidential", pledge_signed=True)], ready=False)
    with uow.write_session(db_url) as s:
        people_link.link_event(s, ev_id, actor=users["organizer"])
    at = app_test("attendees", user=users["organizer"]).run()
    assert not at.exception, at.exception
    assert at.radio(key="att_ambiguous_person").options and len(at.radio(key="att_ambiguous_person").options) == 2
    at.radio(key="att_ambiguous_person").set_value(p1).run()
    at.button(key="att_link_person").click().run()
    assert not at.exception and any("linked to the register" in s.value for s in at.success)
    with uow.read(db_url) as s:
        [aid] = [a for a in people_link.links(s, people_link_ids(s, ev_id))]
        link = people_link.links(s, [aid])[aid]
        assert (link.person_id, link.match) == (p1, "manual")
    at.button(key="att_rematch").click().run()
    assert not at.exception and any("Matched again: 1 confirmed" in s.value for s in at.success)
    with uow.read(db_url) as s:  # the organizer's pick survives matching again
        assert people_link.links(s, [aid])[aid].match == "manual"
    import pytest

    from planners.core.errors import PermissionDenied

    with uow.write_session(db_url) as s, pytest.raises(PermissionDenied):
        people_link.link_manually(s, aid, p1, actor=users["leader"])


def people_link_ids(s, ev_id):
    from planners.store.models import Attendee

    return [a.id for a in s.query(Attendee).filter_by(event_id=ev_id)]
