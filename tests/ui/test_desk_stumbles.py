"""Issue 16: the desk as a demanding office judges it — an exit stopped while a copy is held, with 收回 on the
verdict; undo naming the right person; verdicts with time and sequence number; a wrong-event verdict saying
where that event is; the injected script safe to run twice."""
from __future__ import annotations

from datetime import date

import pytest

from planners import documents as docs
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
    return eid, {n: codes[i] for n, i in names.items()}, names


def _at_desk(user, lang="en", desk: str = "d"):
    at = app_test("checkin", user=user, lang=lang).run()
    at.selectbox(key="desk_pick").set_value(desk).run()
    return at


def _banner(at) -> str:
    return " ".join(m.value for m in at.markdown if "data-testid='verdict'" in m.value)


def _issue_copy(db_url, users, eid, aid) -> str:
    with uow.write_session(db_url) as s:
        d = docs.register_document(s, eid, docs.DocumentInput(
            control_no="J-9", short_title="会议材料", carrier="paper", level="confidential", retention_kind="period",
            retention="5年", proposed_by="甲", approved_by="乙", basis="第1条", scope=["市财政局"],
            classified_on=date(2029, 12, 1), copies=1), actor=users["organizer"])
        code = docs.copy_code(eid, d.id, 1)
        docs.issue_copy(s, eid, code, aid, actor=users["front_desk"])
    return code


@pytest.mark.parametrize("lang", ["zh_CN", "en"])
def test_a_held_copy_stops_the_exit_and_the_verdict_takes_it_back(live_event, db_url, users, lang):
    eid, codes, ids = live_event
    at = _at_desk(users["front_desk"], lang)
    at.text_input(key="scan_input").set_value(codes["王明"]).run()
    assert "data-verdict='green'" in _banner(at)
    copy = _issue_copy(db_url, users, eid, ids["王明"])
    at.radio(key="desk_mode").set_value(at.radio(key="desk_mode").options[1]).run()
    at.text_input(key="scan_input").set_value(codes["王明"]).run()
    assert not at.exception
    banner = _banner(at)
    assert "data-verdict='orange'" in banner
    assert (f"收回 {copy}" if lang == "zh_CN" else f"Take back {copy}") in banner
    with uow.read(db_url) as s:
        assert docs.copies_held_by(s, eid, ids["王明"])  # nothing recorded yet
    at.button(key="desk_take_back").click().run()
    assert not at.exception
    banner = _banner(at)
    assert "data-verdict='green'" in banner and copy in banner
    with uow.read(db_url) as s:
        assert docs.copies_held_by(s, eid, ids["王明"]) == []


def test_undo_names_whom_it_undoes_and_verdicts_carry_number_and_time(live_event, users):
    eid, codes, _ids = live_event
    at = _at_desk(users["front_desk"], "zh_CN")
    at.text_input(key="scan_input").set_value(codes["王明"]).run()
    first = _banner(at)
    assert "本签到台第1次结果" in first and "会场时间" in first
    assert at.button(key="desk_undo").label.startswith("撤销王明的签到（")
    at.text_input(key="scan_input").set_value(codes["赵六"]).run()  # a refusal of someone else
    assert "本签到台第2次结果" in _banner(at) and "赵六" in _banner(at)
    label = at.button(key="desk_undo").label
    assert "此前" in label and "王明" in label and "不是上方结果" in label
    at.text_input(key="scan_input").set_value(codes["赵六"]).run()  # the same refusal again: told apart
    assert "本签到台第3次结果" in _banner(at)


def test_the_injected_scanner_script_can_run_twice(live_event, users):
    at = _at_desk(users["front_desk"])
    scripts = [h.proto.body for h in at.get("html") if "PATTERN" in h.proto.body]
    assert scripts, "the scanner script is on the page"
    body = scripts[0]
    inner = body[body.index("<script>") + len("<script>"):body.index("</script>")].strip()
    assert inner.startswith("(function(){") and inner.endswith("})();"), "top-level const would be redeclared"


def test_a_badge_of_another_event_says_where_that_event_is(live_event, db_url, users):
    eid, codes, _ids = live_event
    other, other_codes = make_event(db_url, users["organizer"], people=[dict(name="孙七", unit="市财政局",
                                                                               id_last4="2001", **CLEARED)],
                                    title="另一会议", start_offset_h=48)
    at = _at_desk(users["front_desk"], "zh_CN")
    at.text_input(key="scan_input").set_value(next(iter(other_codes.values()))).run()
    banner = _banner(at)
    with uow.read(db_url) as s:
        from planners.core.clock import local
        ev = s.get(Event, other)
        start = local(ev.starts_at, ev.tz).strftime("%Y-%m-%d %H:%M")
    assert "另一会议" in banner and start in banner and "会场时间" in banner
