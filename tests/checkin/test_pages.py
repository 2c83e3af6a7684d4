"""AppTest of the attendees and front-desk pages."""
from __future__ import annotations

import io

import pytest
from PIL import Image

from planners import checkin
from planners.store import db as dbmod
from planners.store.models import Attendee, Event
from tests.checkin.helpers import CLEARED, make_event
from tests.conftest import app_test

PEOPLE = [dict(name="王明", unit="市财政局", id_last4="1001", **CLEARED),
          dict(name="赵六", unit="市商务局", id_last4="1004", clearance="confidential", pledge_signed=False)]


@pytest.fixture
def live_event(db_url, users):
    eid, codes = make_event(db_url, users["organizer"], people=PEOPLE)
    with dbmod.write_session(db_url) as s:
        s.get(Event, eid).status = "in_progress"
        names = {a.name: a.id for a in s.query(Attendee).filter_by(event_id=eid)}
    return eid, {n: codes[i] for n, i in names.items()}


def _banner(at) -> str:
    return " ".join(m.value for m in at.markdown if "data-testid='verdict'" in m.value)


def test_desk_types_a_scan_and_sees_a_green_verdict_then_a_refusal(live_event, users):
    eid, codes = live_event
    at = app_test("checkin", user=users["front_desk"]).run()
    assert not at.exception
    at.text_input(key="scan_input").set_value(codes["王明"]).run()
    assert not at.exception
    banner = _banner(at)
    assert "data-verdict='green'" in banner and "Welcome, 王明" in banner and "locker 1" in banner
    at.text_input(key="scan_input").set_value(codes["赵六"]).run()
    assert "data-verdict='red'" in _banner(at) and "may not attend" in _banner(at)
    at.text_input(key="scan_input").set_value("x" * 10_000).run()
    assert not at.exception and "Not a valid badge" in _banner(at)
    assert at.button(key="desk_undo").label == "Undo the check-in of 王明"
    at.button(key="desk_undo").click().run()
    assert not at.exception and any("undone" in s.value for s in at.success)


def test_a_camera_photo_of_a_badge_decodes_to_its_code(live_event, db_url, users):
    from planners.exports import badges

    eid, codes = live_event
    with dbmod.read_session(db_url) as s:
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
    at = app_test("checkin", user=users["front_desk"]).run()
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
