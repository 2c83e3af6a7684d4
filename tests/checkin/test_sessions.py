"""Sessions (issue 15): a session's door judges a badge of the event against the session's level and list;
presence is kept per session and for the event; one badge serves every session."""
from __future__ import annotations

from datetime import UTC, timedelta

import pytest

from planners import checkin
from planners.checkin import sessions as ss
from planners.core import clock
from planners.core.errors import (
    PermissionDenied,
    SessionAboveEvent,
    SessionInvalid,
    SessionOutsideEvent,
)
from planners.store import uow
from planners.store.models import Attendee, Event
from tests.checkin.helpers import CLEARED, make_event

GUEST = dict(name="Guest", unit="Embassy", id_last4="7788", nationality="US", clearance=None, pledge_signed=False,
             id_type="passport")
CLEARED_GUEST = {**GUEST, "clearance": "confidential", "pledge_signed": True}  # only E3 stands in the way
OFFICIAL = dict(name="张三", unit="市外办", id_last4="0001", **CLEARED)
UNLISTED = dict(name="李四", unit="市财政局", id_last4="0002", **CLEARED)


def _utc(dt):
    return dt.replace(tzinfo=UTC)


def two_sessions(url, organizer, *, guest_in_closed=False, guest=GUEST):
    """A 机密 event now: a non-secret plenary with everyone, a 机密 closed session with the officials."""
    eid, codes = make_event(url, organizer, level="confidential", people=[guest, OFFICIAL, UNLISTED],
                            device_policy="none")
    now = clock.utcnow()
    with uow.write_session(url) as s:
        ids = {a.name: a.id for a in s.query(Attendee).filter_by(event_id=eid)}
        plenary = ss.create_session(s, eid, ss.SessionInput(
            title="全体会议", start=_utc(now - timedelta(minutes=30)), end=_utc(now + timedelta(hours=1)),
            level="internal", device_policy="none", admitted=tuple(ids.values())), actor=organizer)
        closed = ss.create_session(s, eid, ss.SessionInput(
            title="闭门会议", start=_utc(now - timedelta(minutes=30)), end=_utc(now + timedelta(hours=2)),
            level="confidential", device_policy="none",
            admitted=tuple(i for n, i in ids.items() if n == "张三" or (guest_in_closed and n == "Guest"))),
            actor=organizer)
        return eid, codes, ids, plenary.id, closed.id


def test_session_eligibility_table(db_url, users):
    eid, codes, ids, plenary, closed = two_sessions(db_url, users["organizer"], guest_in_closed=True)
    desk = users["front_desk"]
    cases = [  # (person, door, expected reason)
        ("Guest", plenary, "ok"),  # admitted to the non-secret plenary
        ("Guest", closed, "ineligible"),  # on the closed session's list, but no clearance (E2), foreign (E3)
        ("张三", closed, "ok"),
        ("张三", plenary, "ok"),  # one badge, every session
        ("李四", closed, "not_on_session_list"),
        ("李四", plenary, "ok"),
        ("张三", closed, "already_checked_in"),
    ]
    got = []
    for name, door, _ in cases:
        v = checkin.scan(eid, codes[ids[name]], desk="d1", actor=desk, session_id=door,
                         now=clock.utcnow() + timedelta(seconds=5 * len(got)))
        got.append(v)
    assert [v.reason for v in got] == [c[2] for c in cases]
    e3 = got[1]
    assert "E3" in e3.details["rules"].split(", ") and "保密法 art. 37" in e3.details["source"]
    # the desk reads the refusal and what to do, not the rule's provenance (issue 16); the source stays in details
    assert any(a.get("rule") == "E3" and a.get("source") for a in e3.require_attention)
    assert not any("保密法" in a["text"]["zh_CN"] or "art." in a["text"]["en"] for a in e3.require_attention)
    assert got[4].message["zh_CN"] == "李四不在“闭门会议”名单中"


def test_a_foreign_guest_of_the_plenary_is_refused_at_the_closed_door_with_e3(db_url, users):
    eid, codes, ids, plenary, closed = two_sessions(db_url, users["organizer"], guest_in_closed=True,
                                                    guest=CLEARED_GUEST)
    assert checkin.scan(eid, codes[ids["Guest"]], desk="d1", actor=users["front_desk"], session_id=plenary).ok
    v = checkin.scan(eid, codes[ids["Guest"]], desk="d2", actor=users["front_desk"], session_id=closed)
    assert v.reason == "needs_approval" and v.color == "orange" and "E3" in v.todo["en"]
    assert [a["rule"] for a in v.require_attention if a["code"] == "rule"] == ["E3"]


def test_presence_per_session_and_for_the_event(db_url, users):
    eid, codes, ids, plenary, closed = two_sessions(db_url, users["organizer"])
    desk = users["front_desk"]
    t0 = clock.utcnow()
    checkin.scan(eid, codes[ids["张三"]], desk="d1", actor=desk, session_id=plenary, now=t0)
    checkin.scan(eid, codes[ids["李四"]], desk="d1", actor=desk, session_id=plenary, now=t0)
    checkin.scan(eid, codes[ids["张三"]], desk="d2", actor=desk, session_id=closed, now=t0 + timedelta(seconds=9))
    with uow.read(db_url) as s:
        assert {p["name"] for p in ss.inside_session(s, plenary)} == {"张三", "李四"}
        assert [p["name"] for p in ss.inside_session(s, closed)] == ["张三"]
        assert {p["name"] for p in checkin.inside_now(s, eid)} == {"张三", "李四"}
    # leaving the closed room keeps the person inside the event; leaving the event closes every session
    assert checkin.scan(eid, codes[ids["张三"]], desk="d2", actor=desk, session_id=closed, direction="out",
                        now=t0 + timedelta(seconds=20)).reason == "exit_ok"
    with uow.read(db_url) as s:
        assert ss.inside_session(s, closed) == [] and checkin.is_inside(s, eid, ids["张三"])
    assert checkin.scan(eid, codes[ids["李四"]], desk="d1", actor=desk, direction="out",
                        now=t0 + timedelta(seconds=30)).reason == "exit_ok"
    with uow.read(db_url) as s:
        assert [p["name"] for p in ss.inside_session(s, plenary)] == ["张三"]
        roll = ss.roll_call_session(s, plenary, "zh_CN").decode("utf-8-sig")
        assert roll.splitlines()[0] == "姓名,单位,首次进场,目前在场" and "李四,市财政局" in roll and "photo" not in roll


def test_a_session_outside_the_event_or_above_its_level_is_refused(db_url, users):
    eid, _ = make_event(db_url, users["organizer"], level="secret", n=1)
    now = clock.utcnow()
    good = dict(title="会", start=_utc(now), end=_utc(now + timedelta(hours=1)), level="secret")
    with uow.write_session(db_url) as s:
        with pytest.raises(SessionOutsideEvent) as e:
            ss.create_session(s, eid, ss.SessionInput(**{**good, "start": _utc(now + timedelta(days=3)),
                                                         "end": _utc(now + timedelta(days=3, hours=1))}),
                              actor=users["organizer"])
        assert "outside the event's dates" in e.value.localized("en") and "日期范围" in e.value.localized("zh_CN")
        with pytest.raises(SessionAboveEvent) as e:
            ss.create_session(s, eid, ss.SessionInput(**{**good, "level": "confidential"}), actor=users["organizer"])
        assert "机密" in e.value.localized("zh_CN")
        with pytest.raises(SessionInvalid):
            ss.create_session(s, eid, ss.SessionInput(**{**good, "admitted": (999999,)}), actor=users["organizer"])
        with pytest.raises(PermissionDenied):
            ss.create_session(s, eid, ss.SessionInput(**good), actor=users["front_desk"])
        assert ss.list_sessions(s, eid) == []


def test_a_session_of_another_event_is_refused_at_the_desk(db_url, users):
    eid, codes, ids, plenary, closed = two_sessions(db_url, users["organizer"])
    other, _ = make_event(db_url, users["organizer"], n=1, title="别的会")
    from planners.core.errors import NotFound

    with pytest.raises(NotFound):
        checkin.scan(other, "X", desk="d1", actor=users["front_desk"], session_id=plenary)


def test_a_missed_end_of_day_check_is_reported(db_url, users):
    org = users["organizer"]
    eid, _ = make_event(db_url, org, n=1, start_offset_h=-50, hours=72)
    with uow.write_session(db_url) as s:
        ev = s.get(Event, eid)
        ev.status = "in_progress"  # under way for two days (the home page skips drafts)
        start = ev.starts_at.replace(tzinfo=UTC)
        ss.create_session(s, eid, ss.SessionInput(title="第一天", start=start, end=start + timedelta(hours=2),
                                                  level="internal", room="第二会议室"), actor=org)
        days = ss.event_days(ev)
        missed = ss.missed_checks(s, ev)
        assert {m["day"] for m in missed} == {d.isoformat() for d in days if d < clock.local(clock.utcnow(), ev.tz).date()}
        ss.record_room_check(s, eid, day=days[0], place="第二会议室", result="in_order", actor=users["front_desk"])
        assert days[0].isoformat() not in {m["day"] for m in ss.missed_checks(s, ev)}
    from planners.checkin import findings

    with uow.read(db_url) as s:
        items = findings.missed_room_checks(s, org)
        assert items and "第二会议室" in items[0].text["zh_CN"]
        from planners import plan

        board = plan.live_findings(s, eid)  # the same, on the event's plan board
        assert {f.data["day"] for f in board} == {m["day"] for m in ss.missed_checks(s, s.get(Event, eid))}
        assert board and all(f.rule == "A3" and "第二会议室" in f.text("zh_CN") for f in board)
    from tests.conftest import app_test

    at = app_test("events", user=org, lang="zh_CN")
    at.session_state["event_id"] = eid
    at.run()
    assert not at.exception
    assert any("活动进行中" in w.value for w in at.warning)


def test_undo_at_a_session_door_takes_back_the_rooms_presence(db_url, users):
    eid, codes, ids, plenary, closed = two_sessions(db_url, users["organizer"])
    desk = users["front_desk"]
    t0 = clock.utcnow()
    checkin.scan(eid, codes[ids["张三"]], desk="d1", actor=desk, now=t0 - timedelta(seconds=30))  # main entrance
    v = checkin.scan(eid, codes[ids["张三"]], desk="d1", actor=desk, session_id=closed, now=t0)
    assert v.ok
    checkin.undo(eid, v.scan_id, desk="d1", actor=desk)
    with uow.read(db_url) as s:
        assert ss.inside_session(s, closed) == [] and checkin.is_inside(s, eid, ids["张三"])
