"""AppTest of the attendees and front-desk pages."""
from __future__ import annotations

import io

import pytest
from PIL import Image

from planners import checkin
from planners.store import uow
from planners.store.models import Attendee, Event
from tests.checkin.helpers import CLEARED, make_event
from tests.conftest import app_test

PEOPLE = [dict(name="王明", unit="市财政局", id_last4="1001", **CLEARED),
          dict(name="赵六", unit="市商务局", id_last4="1004", clearance="confidential", pledge_signed=False)]


@pytest.fixture
def live_event(db_url, users):
    eid, codes = make_event(db_url, users["organizer"], people=PEOPLE)
    with uow.write_session(db_url) as s:
        s.get(Event, eid).status = "in_progress"
        names = {a.name: a.id for a in s.query(Attendee).filter_by(event_id=eid)}
    return eid, {n: codes[i] for n, i in names.items()}


def _at_desk(user, desk: str = "d"):
    """The desk page signed in as `user`, bound to the registered desk `desk` (picked once, as a desk does)."""
    at = app_test("checkin", user=user).run()
    at.selectbox(key="desk_pick").set_value(desk).run()
    return at


def _banner(at) -> str:
    return " ".join(m.value for m in at.markdown if "data-testid='verdict'" in m.value)


def test_desk_types_a_scan_and_sees_a_green_verdict_then_a_refusal(live_event, users):
    eid, codes = live_event
    at = _at_desk(users["front_desk"])
    assert not at.exception
    at.text_input(key="scan_input").set_value(codes["王明"]).run()
    assert not at.exception
    banner = _banner(at)
    assert "data-verdict='green'" in banner and "Welcome, 王明" in banner and "locker 1" in banner
    at.text_input(key="scan_input").set_value(codes["赵六"]).run()
    assert "data-verdict='red'" in _banner(at) and "may not attend" in _banner(at)
    at.text_input(key="scan_input").set_value("x" * 10_000).run()
    assert not at.exception and "Not a valid badge" in _banner(at)
    # under a refusal of someone else the undo says it is about an earlier admission (issue 16)
    assert at.button(key="desk_undo").label.startswith("Undo the earlier check-in of 王明 (admitted at ")
    at.button(key="desk_undo").click().run()
    assert not at.exception and any("undone" in s.value for s in at.success)


def test_a_camera_photo_of_a_badge_decodes_to_its_code(live_event, db_url, users):
    from planners.attendees import badge_sheet as badges

    eid, codes = live_event
    with uow.read(db_url) as s:
        ev, a = s.get(Event, eid), s.query(Attendee).filter_by(name="王明").one()
        png = badges.badge_png(ev, a, codes["王明"])
    img = Image.open(io.BytesIO(png)).convert("RGB")
    photo = Image.new("RGB", (img.width + 200, img.height + 200), (200, 190, 180))
    photo.paste(img.resize((int(img.width * 0.9), int(img.height * 0.9))), (80, 60))
    photo = photo.rotate(7, expand=True, fillcolor=(200, 190, 180))
    buf = io.BytesIO()
    photo.save(buf, "JPEG", quality=85)
    assert checkin.decode_image(buf.getvalue()) == [codes["王明"]]
    assert checkin.decode_image(b"not an image") == []
    v = checkin.scan(eid, checkin.decode_image(buf.getvalue())[0], desk="cam", actor=users["front_desk"],
                     method="camera")
    assert v.reason == "ok"


def test_desk_checks_out_and_the_lookup_admits_a_person_without_badge(live_event, users):
    eid, codes = live_event
    at = _at_desk(users["front_desk"])
    at.text_input(key="lookup_name").set_value("王").run()
    at.text_input(key="lookup_last").set_value("01").run()
    at.button(key=[b.key for b in at.button if (b.key or "").startswith("lookup_go_")][0]).click().run()
    assert not at.exception and "data-verdict='green'" in _banner(at)
    at.radio(key="desk_mode").set_value("Check-out").run()
    at.text_input(key="scan_input").set_value(codes["王明"]).run()
    assert "Goodbye, 王明" in _banner(at) and "Return the phone from locker 1" in _banner(at)


def test_the_checkin_page_is_refused_to_an_organizer(live_event, users):
    at = app_test("checkin", user=users["organizer"]).run()
    assert not at.text_input and any("This page is for" in e.value or "仅供" in e.value for e in at.error)


ZH_CSV = "姓名,单位,证件号后四位,涉密等级,已签保密承诺书\n王五,市财政局,2001,机密,是\n,市财政局,2002,机密,是\n孙七,市商务局,2003,机密,是\n"


def test_organizer_sees_eligibility_with_reasons_and_asks_for_an_exception(db_url, users):
    eid, _ = make_event(db_url, users["organizer"], people=[
        PEOPLE[0], dict(name="Anna Berg", unit="Nordic AB", id_last4="9012", clearance="confidential",
                        pledge_signed=True, nationality="SE", id_type="passport")])
    at = app_test("attendees", user=users["organizer"]).run()
    assert not at.exception
    text = " ".join(m.value for m in at.markdown)
    assert "Needs a leader's approval" in text and "E3" in text
    at.text_area(key="att_exception_note").set_value("review and agreement on file")
    at.button(key="att_request_exception").click().run()
    assert not at.exception and any("sent to the leaders' queue" in s.value for s in at.success)
    from planners.base import approvals

    with uow.read(db_url) as s:
        [item] = approvals.pending(s, kind="attendee_exception")
    assert item.findings[0]["rule"] == "E3" and item.requested_by == "organizer"


def test_attendees_table_edit_saves_through_the_allowlist(db_url, users):
    eid, _ = make_event(db_url, users["organizer"], people=[PEOPLE[0]])
    at = app_test("attendees", user=users["organizer"]).run()
    assert not at.exception
    at.button(key="att_save").click().run()
    assert not at.exception and any("Saved" in s.value for s in at.success)


def test_the_import_report_shows_the_bad_row_and_writes_nothing(db_url, users):
    """AppTest cannot upload a file: the page's import path is the same planners call, checked here."""
    from planners.attendees import allowlist

    eid, _ = make_event(db_url, users["organizer"], n=0)
    with uow.write_session(db_url) as s:
        rep = allowlist.import_file(s, eid, "名单.csv", ZH_CSV.encode("gb18030"), actor=users["organizer"])
    assert not rep.written and [(p.row, p.field) for p in rep.problems] == [(3, "name")]
    at = app_test("attendees", user=users["organizer"]).run()
    at.session_state["att_report"] = rep
    at.run()
    assert not at.exception
    assert any("Nothing was written" in w.value for w in at.warning)
    assert any("The name is missing." in d.value.to_string() for d in at.dataframe)  # a table without Markdown


def test_a_leader_sees_the_list_read_only(db_url, users):
    make_event(db_url, users["organizer"], people=[PEOPLE[0]])
    at = app_test("attendees", user=users["leader"]).run()
    assert not at.exception and not [b for b in at.button if b.key == "att_save"]


def test_a_desk_with_no_open_event_is_told_why_and_what_makes_one_appear(db_url, users):
    make_event(db_url, users["organizer"], people=PEOPLE, ready=False)  # still a draft: not for the desk
    at = app_test("checkin", user=users["front_desk"]).run()
    assert not at.exception
    assert any("No event is open for check-in" in i.value and "Ready" in i.value for i in at.info)
    assert any("Not offered" in i.value and "检查会议" in i.value for i in at.info)  # and why (issue 11)
    assert not at.text_input  # no scan field while there is nothing to scan into


def test_the_desk_page_is_bound_to_one_registered_desk_chosen_once(live_event, db_url, users):
    from planners.checkin import devices
    from sqlalchemy import select
    from planners.store.models_checkin import Scan

    eid, codes = live_event
    with uow.write_session(db_url) as s:
        devices.register_desk(s, "北门", location="一层北门", actor=users["admin"])
        devices.register_desk(s, "nightly-script", kind="script", actor="cli:ops")
    at = app_test("checkin", user=users["front_desk"]).run()
    assert not at.exception
    pick = at.selectbox(key="desk_pick")
    assert "北门 · 一层北门" in pick.options and "nightly-script" not in pick.options  # screens, not scripts
    assert not [t for t in at.text_input if t.key == "scan_input"]  # nothing is scanned before a desk is chosen
    assert any("Choose which registered desk" in i.value for i in at.info)
    at.selectbox(key="desk_pick").set_value("北门").run()
    assert not at.exception and not [b for b in at.selectbox if b.key == "desk_pick"]  # chosen once: no free choice
    assert any("desk 北门" in c.value for c in at.sidebar.caption)
    at.text_input(key="scan_input").set_value(codes["王明"]).run()
    at.run()  # a later run stays bound to the same desk
    assert not [b for b in at.selectbox if b.key == "desk_pick"]
    at.text_input(key="scan_input").set_value(codes["王明"]).run()
    assert "data-verdict='orange'" in _banner(at) and "Same badge again" in _banner(at)
    with uow.read(db_url) as s:
        assert [(x.desk, x.reason) for x in s.scalars(select(Scan).where(Scan.event_id == eid).order_by(Scan.id))] == [
            ("北门", "ok"), ("北门", "same_badge_again")]


def test_the_desk_page_without_a_registered_desk_says_what_to_do(live_event, db_url, users):
    from planners.store.models_checkin import Desk

    with uow.write_session(db_url) as s:
        s.query(Desk).delete()
    at = app_test("checkin", user=users["front_desk"], lang="zh_CN").run()
    assert not at.exception and any("尚未登记任何签到台" in w.value for w in at.warning)
    assert not [t for t in at.text_input if t.key == "scan_input"]


def test_the_admin_registers_a_desk_on_the_admin_page(db_url, users):
    from planners.checkin import devices

    at = app_test("admin", user=users["admin"]).run()
    assert not at.exception and any("No desk is registered yet" in i.value for i in at.info)
    at.text_input(key="desk_new_name").set_value("东门")
    at.text_input(key="desk_new_location").set_value("会议中心东门")
    at.button[[b.label for b in at.button].index("Register desk")].click().run()
    assert not at.exception
    with uow.read(db_url) as s:
        d = devices.get_desk(s, "东门")
        assert (d.location, d.kind, d.registered_by) == ("会议中心东门", "desk", "admin")
    at.text_input(key="desk_new_name").set_value("东门")
    at.button[[b.label for b in at.button].index("Register desk")].click().run()
    assert any("registered already" in e.value for e in at.error)


def test_a_long_list_is_filtered_and_paged_and_saving_a_page_deletes_nobody_else(db_url, users):
    """Issue 17 (the table of a big meeting is drawn a page at a time) and issue 16 (filter by eligibility): 150
    people, 100 to a page; the second page shows the rest; 'not eligible' shows only the one who is not; saving a
    page keeps everyone on the other pages."""
    people = [dict(name=f"人员{i:03d}", unit="市财政局", id_last4=f"{2000 + i}", **CLEARED) for i in range(149)]
    people.append(dict(name="赵六", unit="市商务局", id_last4="1004", clearance="confidential", pledge_signed=False))
    eid, _ = make_event(db_url, users["organizer"], people=people, ready=False)
    at = app_test("attendees", user=users["organizer"]).run()
    assert not at.exception
    [editor] = at.dataframe
    assert len(editor.value) == 100
    at.number_input(key="att_page").set_value(2).run()
    [editor] = at.dataframe
    assert len(editor.value) == 50 and "赵六" in set(editor.value["name"])
    at.button(key="att_save").click().run()
    assert not at.exception
    with uow.read(db_url) as s:
        assert s.query(Attendee).filter_by(event_id=eid).count() == 150  # page 1 was not "deleted" by the save
    at.number_input(key="att_page").set_value(1).run()
    at.selectbox(key="att_filter").set_value("not_eligible").run()
    [editor] = at.dataframe
    assert list(editor.value["name"]) == ["赵六"]
    at.selectbox(key="att_filter").set_value("all").run()
    at.text_input(key="att_search").set_value("人员00").run()
    [editor] = at.dataframe
    assert len(editor.value) == 10


def test_a_green_scan_draws_its_undo_from_the_verdict_without_a_read(live_event, users, monkeypatch):
    """Issue 17: a scan is one round trip. The undo offer of an admission comes from the verdict itself; only a
    verdict that says nothing about it (a refusal) reads the desk's state, and a rerun with no new verdict reads
    nothing."""
    eid, codes = live_event
    calls = []
    real = checkin.undo_offer
    monkeypatch.setattr(checkin, "undo_offer", lambda *a, **k: calls.append(1) or real(*a, **k))
    at = _at_desk(users["front_desk"])
    n0 = len(calls)
    at.text_input(key="scan_input").set_value(codes["王明"]).run()
    assert not at.exception and len(calls) == n0  # green: no read
    assert at.button(key="desk_undo").label.startswith("Undo the check-in of 王明 (")
    at.toggle(key="desk_camera").set_value(False).run()  # a rerun without a new verdict: nothing read either
    assert len(calls) == n0
    at.text_input(key="scan_input").set_value(codes["赵六"]).run()  # a refusal: the desk's state is read once
    assert len(calls) == n0 + 1
    assert at.button(key="desk_undo").label.startswith("Undo the earlier check-in of 王明 (admitted at ")
    at.button(key="desk_undo").click().run()
    assert not at.exception and any("undone" in s.value for s in at.success)
    assert "desk_undo" not in [b.key for b in at.button]  # read again after the undo: nothing left to undo
