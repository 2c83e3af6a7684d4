"""AppTest of issue 15's screens: the organizer's sessions page, and the desk at a session's door (zh_CN)."""
from __future__ import annotations

from datetime import UTC, timedelta

from planners.checkin import sessions as ss
from planners.core import clock
from planners.store import uow
from planners.store.models import Attendee, Event
from tests.checkin.helpers import CLEARED, make_event
from tests.conftest import app_test

PEOPLE = [dict(name="王明", unit="市财政局", id_last4="1001", **CLEARED),
          dict(name="Guest", unit="Embassy", id_last4="7788", nationality="US", clearance=None, pledge_signed=False,
               id_type="passport")]


def _event(db_url, users):
    eid, codes = make_event(db_url, users["organizer"], people=PEOPLE, device_policy="none")
    now = clock.utcnow().replace(tzinfo=UTC)
    with uow.write_session(db_url) as s:
        s.get(Event, eid).status = "in_progress"
        ids = {a.name: a.id for a in s.query(Attendee).filter_by(event_id=eid)}
        sid = ss.create_session(s, eid, ss.SessionInput(title="闭门会议", start=now, end=now + timedelta(hours=1),
                                                        level="confidential", admitted=(ids["王明"], ids["Guest"])),
                                actor=users["organizer"]).id
    return eid, sid, {n: codes[i] for n, i in ids.items()}


def test_the_organizer_sees_the_sessions_and_the_secrecy_notice_in_chinese(db_url, users):
    eid, sid, _ = _event(db_url, users)
    at = app_test("sessions", user=users["organizer"], lang="zh_CN").run()
    assert not at.exception
    assert at.title[0].value == "分场会议"
    table = at.dataframe[0].value
    assert list(table["场次"]) == ["闭门会议"] and list(table["名单人数"]) == [2]
    at.text_area[1].set_value("一、不得携带手机。")
    at.button[-1].click()  # the last form submit on the page: the notice form
    at = at.run()
    assert not at.exception


def test_the_desk_at_a_session_door_refuses_the_foreign_guest_with_e3(db_url, users):
    eid, sid, codes = _event(db_url, users)
    at = app_test("checkin", user=users["front_desk"], lang="zh_CN").run()
    at.selectbox(key="desk_pick").set_value("d").run()
    at.selectbox(key=f"desk_door_{eid}").set_value(sid).run()
    at.text_input(key="scan_input").set_value(codes["Guest"]).run()
    banner = " ".join(m.value for m in at.markdown if "data-testid='verdict'" in m.value)
    assert "不符合参会条件" in banner and "E3" in banner
    assert "保密法" not in banner and "art." not in banner  # issue 16: no provenance at the desk
    at.text_input(key="scan_input").set_value(codes["王明"]).run()
    banner = " ".join(m.value for m in at.markdown if "data-testid='verdict'" in m.value)
    assert "欢迎" in banner and "闭门会议" in banner
