"""Issue 16: a front desk's home, while its meeting is under way, says so and links to the desk page."""
from __future__ import annotations

import pytest
from streamlit.testing.v1 import AppTest

from planners.store import uow
from planners.store.models import Event
from tests.checkin.helpers import CLEARED, make_event
from tests.conftest import ROOT


def _home(user, lang):
    """The real app (app.py and its navigation), on its default page: home."""
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=30)
    at.session_state["lang"] = lang
    at.session_state["user_id"] = user.id
    return at.run()


def _links(at) -> list:
    return [e for e in at.get("page_link")]


@pytest.mark.parametrize("lang", ["zh_CN", "en"])
def test_the_desk_home_links_to_the_desk_of_the_meeting_under_way(db_url, users, lang):
    eid, _codes = make_event(db_url, users["organizer"], people=[dict(name="王明", unit="市财政局",
                                                                      id_last4="1001", **CLEARED)], title="年度会议")
    nothing = "目前没有需要您处理的事项" if lang == "zh_CN" else "Nothing needs your attention"
    with uow.write_session(db_url) as s:
        s.get(Event, eid).status = "in_progress"
    at = _home(users["front_desk"], lang)
    assert not at.exception
    texts = " ".join(x.value for x in at.info)
    assert "年度会议" in texts and ("正在进行" in texts if lang == "zh_CN" else "under way" in texts)
    assert not any(nothing in x.value for x in at.success)
    desk_links = [p for p in _links(at) if p.proto.page == "checkin" and p.proto.label in ("进入签到台",
                                                                                           "Open the front desk")]
    assert len(desk_links) == 1


def test_only_a_front_desk_gets_the_item_and_only_while_under_way(db_url, users):
    from planners.checkin.findings import desks_under_way

    eid, _codes = make_event(db_url, users["organizer"], people=[dict(name="王明", unit="市财政局",
                                                                      id_last4="1001", **CLEARED)])
    with uow.read(db_url) as s:
        assert desks_under_way(s, users["front_desk"]) == []  # ready, not yet under way
    with uow.write_session(db_url) as s:
        s.get(Event, eid).status = "in_progress"
    with uow.read(db_url) as s:
        assert [a.event_id for a in desks_under_way(s, users["front_desk"])] == [eid]
        for role in ("organizer", "leader", "admin"):
            assert desks_under_way(s, users[role]) == []
