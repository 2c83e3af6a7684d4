"""AppTest of issue 15's screens: the organizer's sessions page, and the desk at a session's door (zh_CN)."""
from __future__ import annotations

from datetime import UTC, timedelta

import pytest

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


@pytest.mark.parametrize("lang", ["zh_CN", "en"])
def test_the_organizer_picks_people_for_a_new_session_and_a_search_keeps_the_picks(db_url, users, monkeypatch, lang):
    """Issue 17: beyond ui.PICK_MAX people the session's picker is narrowed by a search outside the form, and the
    people already chosen stay chosen whatever is searched next; 'everyone on the list' admits the whole list."""
    from pages.parts import ui
    from planners.core import i18n

    eid, _sid, _ = _event(db_url, users)
    with uow.read(db_url) as s:
        ids = {a.name: a.id for a in s.query(Attendee).filter_by(event_id=eid)}
    monkeypatch.setattr(ui, "PICK_MAX", 1)  # two people on the list: the search field shows
    at = app_test("sessions", user=users["organizer"], lang=lang).run()
    assert not at.exception
    at.text_input(key="session_admit_q").set_value("王明").run()
    assert len(at.multiselect(key="session_admitted").options) == 1
    at.multiselect(key="session_admitted").set_value([ids["王明"]]).run()
    at.text_input(key="session_admit_q").set_value("Embassy").run()
    ms = at.multiselect(key="session_admitted")
    assert len(ms.options) == 2 and ms.value == [ids["王明"]]  # the choice survives the new search
    ms.set_value([ids["王明"], ids["Guest"]]).run()

    def submit(title: str):
        [field] = [x for x in at.text_input if x.label == i18n.t("sessions.form.title", lang)]
        field.set_value(title)
        [save] = [b for b in at.button if b.label == i18n.t("sessions.form.save", lang)]
        save.click().run()
        assert not at.exception, at.exception

    submit("专题会议")
    with uow.read(db_url) as s:
        made = {r["title"]: r["id"] for r in ss.session_rows(s, eid, lang)}
        assert sorted(ss.admitted_ids(s, made["专题会议"])) == sorted(ids.values())
    at.multiselect(key="session_admitted").set_value([]).run()
    at.checkbox(key="session_admit_all").check()
    submit("全体会议")
    with uow.read(db_url) as s:
        made = {r["title"]: r["id"] for r in ss.session_rows(s, eid, lang)}
        assert sorted(ss.admitted_ids(s, made["全体会议"])) == sorted(ids.values())
