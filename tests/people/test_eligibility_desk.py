"""Eligibility reads the register (issue 13): the matching table, each register reason in eligibility, and the
desk's verdicts for each new reason on SQLite and PostgreSQL."""
from __future__ import annotations

from datetime import timedelta

import pytest

from planners import people
from planners.attendees import eligibility, people_link
from planners.checkin import desk
from planners.store import uow
from planners.store.models import Attendee, Event
from tests.checkin.helpers import CLEARED, make_event

BASE = {"unit": "市财政局", "id_type": "resident_id", "nationality": "CN", "employer_type": "state_organ",
        "level": "confidential", "vetted_level": "confidential", "person_class": "general", "vetted_by": "市保密局"}


def _person(s, officer, name, last4, *, pledge_days_ago=10, train=True, **extra):
    p = people.create(s, {**BASE, "name": name, "id_last4": last4, **extra}, actor=officer)
    today = people.today()
    if pledge_days_ago is not None:
        people.record_pledge(s, p.id, kind="secrecy_pledge", signed_on=today - timedelta(days=pledge_days_ago),
                             actor=officer)
    if train:
        people.record_training(s, p.id, stage="onboarding", taken_on=today - timedelta(days=400), hours=8,
                               course="上岗保密教育", actor=officer)
        people.record_training(s, p.id, stage="in_post", taken_on=today - timedelta(days=20), hours=8,
                               course="年度在岗培训", actor=officer)
    return p


CASES = {  # name -> (register set-up, expected desk reason)
    "正常": ({}, "ok"),
    "禁入": ({"bar": True}, "barred"),
    "暂停": ({"status": "suspended"}, "clearance_suspended"),
    "脱密": ({"status": "decommission", "decommission_until": "2999-01-01"}, "in_decommission_period"),
    "过期": ({"pledge_days_ago": 400}, "pledge_expired"),
    "无培训": ({"train": False}, "ineligible"),
    "离岗": ({"status": "left"}, "ineligible"),
    "秘密级": ({"level": "secret", "vetted_level": "secret"}, "ineligible"),  # register's level, not the row's 机密
}


def _setup(url, users):
    rows = [dict(name=n, unit="市财政局", id_last4=f"{i:04d}", **CLEARED) for i, n in enumerate(CASES)]
    rows.append(dict(name="不在册", unit="市财政局", id_last4="9999", **CLEARED))  # unlinked: typed fields
    ev_id, codes = make_event(url, users["organizer"], people=rows)
    officer = users["security_officer"]
    with uow.write_session(url) as s:
        for i, (name, (setup, _reason)) in enumerate(CASES.items()):
            setup = dict(setup)
            bar = setup.pop("bar", False)
            kw = {k: setup.pop(k) for k in ("pledge_days_ago", "train") if k in setup}
            p = _person(s, officer, name, f"{i:04d}", **kw, **setup)
            if bar:
                people.bar(s, p.id, reason="违规携带手机入场", ends_on=people.today() + timedelta(days=90),
                           actor=users["leader"])
    with uow.write_session(url) as s:
        people_link.link_event(s, ev_id, actor=users["organizer"])
        by_name = {a.name: a.id for a in s.query(Attendee).filter_by(event_id=ev_id)}
    return ev_id, codes, by_name


def test_matching_table_exact_ambiguous_none(db_url, users):
    officer = users["security_officer"]
    with uow.write_session(db_url) as s:
        a = _person(s, officer, "王五", "1111")
        _person(s, officer, "赵六", "2222", unit="市商务局")
        _person(s, officer, "赵六", "2222", unit="市发改委")
    with uow.read(db_url) as s:
        assert people_link.match(s, name="王 五", id_last4="1111", unit="市财政局").status == "exact"
        assert people_link.match(s, name="王五", id_last4="1111", unit="市财政局").person_id == a.id
        m = people_link.match(s, name="赵六", id_last4="2222", unit="市财政局")
        assert m.status == "ambiguous" and len(m.candidates) == 2
        assert people_link.match(s, name="赵六", id_last4="2222", unit="市商务局").status == "exact"
        assert people_link.match(s, name="王五", id_last4="1112", unit="市财政局").status == "none"
        assert "Several people" in m.text("en") and "多人" in m.text("zh_CN")


def test_eligibility_from_the_register_for_each_reason(db_url, users):
    ev_id, _codes, by_name = _setup(db_url, users)
    with uow.read(db_url) as s:
        ev = s.get(Event, ev_id)
        res = eligibility.for_event(s, ev)
        rules = {n: sorted(f.rule for f in res[aid].findings if not f.met) for n, aid in by_name.items()}
    assert rules["正常"] == [] and rules["不在册"] == []
    assert rules["禁入"] == ["E-BAR"]
    assert rules["暂停"] == ["E-SUSP"]
    assert rules["脱密"] == ["E-DECOM"]
    assert rules["过期"] == ["E2P"]
    assert rules["无培训"] == ["E-TRAIN"]
    assert rules["离岗"] == ["E-LEFT"]
    assert rules["秘密级"] == ["E2"]


def test_a_mismatch_between_row_and_register_is_a_finding_not_an_overwrite(db_url, users):
    _ev, _codes, by_name = _setup(db_url, users)
    with uow.read(db_url) as s:
        link = people_link.links(s, [by_name["秘密级"]])[by_name["秘密级"]]
        assert link.match == "exact"
        assert link.mismatches == [{"field": "clearance", "imported": "confidential", "register": "secret"}]
        assert s.get(Attendee, by_name["秘密级"]).clearance == "confidential"  # the row is left as typed
        assert by_name["不在册"] not in people_link.links(s, [by_name["不在册"]])  # no row: not in the register
        assert "以名册为准" in people_link.mismatch_text(link.mismatches[0], "zh_CN")


def _users(url):
    from tests.conftest import make_user

    with uow.write_session(url) as s:
        return {r: make_user(s, r, r) for r in ("organizer", "front_desk", "leader", "security_officer")}


@pytest.mark.pg
def test_desk_verdicts_for_each_register_reason(any_db_url):
    users = _users(any_db_url)
    ev_id, codes, by_name = _setup(any_db_url, users)
    got = {}
    for name, aid in by_name.items():
        v = desk.scan(ev_id, codes[aid], desk="d", actor=users["front_desk"], url=any_db_url)
        got[name] = v.reason
        if v.reason in ("barred", "clearance_suspended", "in_decommission_period", "pledge_expired"):
            assert v.color == "red" and not v.ok
            assert "Do NOT admit" in v.todo["en"] and "不得放行" in v.todo["zh_CN"] or "暂不放行" in v.todo["zh_CN"]
    assert got == {**{n: r for n, (_s, r) in CASES.items()}, "不在册": "ok"}
