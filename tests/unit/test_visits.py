"""Visit requests: the state machine (every allowed and forbidden transition), self-approval, the event an
approved visit creates, bad input, the front desk's unannounced visit."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest
from sqlalchemy import select

from planners.base import approvals
from planners import visits
from planners.core.errors import InvalidTransition, PermissionDenied, SelfApprovalForbidden, ValidationFailed
from planners.store.uow import read as read_session, write_session
from planners.store.models import Attendee, Event

TZ = "Asia/Shanghai"


def visit_input(**over) -> visits.VisitInput:
    start = (datetime.now(timezone.utc) + timedelta(days=10)).replace(microsecond=0)
    base = dict(title="法国里昂商会来访", purpose="交流", visit_type="one_time", start=start,
                end=start + timedelta(hours=3), tz=TZ, level="internal",
                members=[visits.Member(name="Claire Martin", nationality="FR", organisation="CCI Lyon",
                                       post="Director", passport_type="ordinary", passport_last4="1234")],
                route=[visits.RoutePart(place="一号会议室", host="王", escort="organizer")],  # escorts are staff (issue 12)
                topics=["investment_policy"])
    base.update(over)
    return visits.VisitInput(**base)


def _new(users, who="organizer", **over) -> int:
    with write_session() as s:
        return visits.create(s, visit_input(**over), actor=users[who]).id


def _status(vid) -> str:
    with read_session() as s:
        return visits.get(s, vid).status


def _do(users, vid, action):
    with write_session() as s:
        if action == "submit":
            visits.submit(s, vid, actor=users["organizer"])
        elif action == "edit":
            visits.update(s, vid, visit_input(purpose="改过的目的"), actor=users["organizer"])
        else:
            decision = {"approve": "approved", "return": "returned", "reject": "rejected"}[action]
            visits.decide(s, vid, decision, leader=users["leader"], comment="领导意见")


PATH_TO = {"draft": [], "submitted": ["submit"], "approved": ["submit", "approve"],
           "returned": ["submit", "return"], "rejected": ["submit", "reject"]}
# (from, action) -> to; every pair not listed is forbidden. Written out by hand, not read from the code.
ALLOWED = {
    ("draft", "submit"): "submitted", ("draft", "edit"): "draft",
    ("submitted", "approve"): "approved", ("submitted", "return"): "returned", ("submitted", "reject"): "rejected",
    ("returned", "submit"): "submitted", ("returned", "edit"): "returned",
    ("approved", "edit"): "submitted",
}
ACTIONS = ("submit", "approve", "return", "reject", "edit")
CASES = [(f, a, ALLOWED.get((f, a))) for f in PATH_TO for a in ACTIONS]


@pytest.mark.parametrize("start,action,expected", CASES, ids=[f"{f}-{a}" for f, a, _ in CASES])
def test_every_transition_of_a_visit_request_is_allowed_or_refused_as_the_table_says(db_url, users, start, action,
                                                                                      expected):
    vid = _new(users)
    for step in PATH_TO[start]:
        _do(users, vid, step)
    assert _status(vid) == start
    if expected is None:
        with pytest.raises(InvalidTransition):
            _do(users, vid, action)
        assert _status(vid) == start
    else:
        _do(users, vid, action)
        assert _status(vid) == expected


def test_a_leader_cannot_decide_the_visit_request_they_submitted_but_another_leader_can(db_url, users):
    vid = _new(users, who="leader", organizer_id=users["organizer"].id)
    with write_session() as s:
        visits.submit(s, vid, actor=users["leader"])
    with pytest.raises(SelfApprovalForbidden):
        with write_session() as s:
            visits.decide(s, vid, "approved", leader=users["leader"], comment="")
    assert _status(vid) == "submitted"
    with write_session() as s:
        visits.decide(s, vid, "approved", leader=users["leader2"], comment="同意")
    assert _status(vid) == "approved"


@pytest.mark.parametrize("role", ["organizer", "front_desk", "admin"])
def test_only_a_leader_decides_a_visit_request(db_url, users, role):
    vid = _new(users)
    _do(users, vid, "submit")
    with pytest.raises(PermissionDenied):
        with write_session() as s:
            visits.decide(s, vid, "approved", leader=users[role])
    assert _status(vid) == "submitted"


@pytest.mark.parametrize("decision", ["returned", "rejected"])
def test_returning_or_rejecting_needs_the_leaders_comment_which_the_request_keeps(db_url, users, decision):
    vid = _new(users)
    _do(users, vid, "submit")
    with pytest.raises(ValidationFailed):
        with write_session() as s:
            visits.decide(s, vid, decision, leader=users["leader"], comment="  ")
    with write_session() as s:
        visits.decide(s, vid, decision, leader=users["leader"], comment="补充路线")
    with read_session() as s:
        v = visits.get(s, vid)
        assert (v.status, v.last_comment) == (decision, "补充路线")
        assert [h.action for h in visits.history(s, v)] == ["requested", decision]


def test_an_approved_visit_creates_its_foreign_visit_event_with_the_delegation_as_attendees(db_url, users):
    vid = _new(users)
    _do(users, vid, "submit")
    _do(users, vid, "approve")
    with read_session() as s:
        v = visits.get(s, vid)
        ev = s.get(Event, v.event_id)
        assert (ev.kind, ev.organizer_id, ev.title, ev.foreign_participants) == \
            ("foreign_visit", users["organizer"].id, v.title, True)
        people = list(s.scalars(select(Attendee).where(Attendee.event_id == ev.id)))
        assert [(a.name, a.nationality, a.id_type, a.id_last4, a.event_role) for a in people] == \
            [("Claire Martin", "FR", "passport", "1234", "visitor")]


def test_changing_an_approved_request_sends_it_back_to_the_leader(db_url, users):
    vid = _new(users)
    _do(users, vid, "submit")
    _do(users, vid, "approve")
    _do(users, vid, "edit")
    with read_session() as s:
        v = visits.get(s, vid)
        assert v.status == "submitted"
        item = visits.pending_item(s, v)
        assert item is not None and item.kind == "visit_request"
    _do(users, vid, "approve")
    with read_session() as s:  # the same event is kept, not a second one
        assert len(list(s.scalars(select(Event).where(Event.kind == "foreign_visit")))) == 1


def test_the_request_in_the_queue_says_why_it_needs_a_leader(db_url, users):
    vid = _new(users, photography_allowed=True)
    _do(users, vid, "submit")
    with read_session() as s:
        item = approvals.pending(s)[0]
        assert item.title["en"].endswith("法国里昂商会来访")
        assert {f["rule"] for f in item.findings} >= {"FV1", "FV4"}
        assert "Claire Martin" in item.payload["delegation"]


NOW = datetime.now(timezone.utc)
BAD = [
    ("reversed", dict(start=NOW + timedelta(days=5), end=NOW + timedelta(days=4)), "visits.reversed", "end"),
    ("past", dict(start=NOW - timedelta(days=2), end=NOW - timedelta(days=1)), "visits.past", "start"),
    ("one-time over 30 days", dict(start=NOW + timedelta(days=2), end=NOW + timedelta(days=33)),
     "visits.too_long", "end"),
    ("long-term over a year", dict(visit_type="long_term", start=NOW + timedelta(days=2),
                                   end=NOW + timedelta(days=400)), "visits.too_long", "end"),
    ("full passport number", dict(members=[visits.Member(name="A", nationality="FR", passport_last4="E12345678")]),
     "visits.passport_full", "members"),
    ("no member", dict(members=[]), "visits.members_required", "members"),
    ("no title", dict(title=" "), "visits.title_required", "title"),
    ("unknown topic", dict(topics=["no_such_topic"]), "visits.unknown_topic", "topics"),
    ("unannounced made by an organizer", dict(visit_type="unannounced"), "visits.unannounced_desk", "visit_type"),
]


@pytest.mark.parametrize("why,over,key,field", BAD, ids=[b[0] for b in BAD])
def test_a_bad_visit_request_is_refused_with_the_reason(db_url, users, why, over, key, field):
    with pytest.raises(ValidationFailed) as exc:
        _new(users, **over)
    assert (exc.value.key, exc.value.field) == (key, field)
    assert exc.value.localized("en") != key and exc.value.localized("zh_CN") != key


def test_a_recurring_visit_of_eleven_months_is_accepted(db_url, users):
    vid = _new(users, visit_type="recurring", start=NOW + timedelta(days=2), end=NOW + timedelta(days=330))
    assert _status(vid) == "draft"


def test_member_lines_parse_and_keep_only_the_last_digits():
    ms = visits.parse_members("Anna | de | BMW | CEO | official | 7731\n\nBob | US")
    assert [(m.name, m.nationality, m.passport_type, m.passport_last4) for m in ms] == \
        [("Anna", "de", "official", "7731"), ("Bob", "US", "ordinary", "")]
    with pytest.raises(ValidationFailed):
        visits.parse_members("a|b|c|d|e|f|g")


def test_the_front_desk_logs_an_unannounced_visit_in_one_step_and_it_goes_to_the_leader(db_url, users):
    with write_session() as s:
        v = visits.log_unannounced(s, actor=users["front_desk"], title="未预约的外国记者",
                                   members=visits.parse_members("John Doe | GB | BBC"), purpose="采访",
                                   organizer_id=users["organizer"].id)
        vid = v.id
    with read_session() as s:
        v = visits.get(s, vid)
        assert (v.status, v.visit_type, v.created_by) == ("submitted", "unannounced", "front_desk")
        item = visits.pending_item(s, v)
        assert "FV2" in {f["rule"] for f in item.findings}
    with pytest.raises(PermissionDenied):
        with write_session() as s:
            visits.create(s, visit_input(), actor=users["front_desk"])


def test_an_unannounced_visit_needs_a_responsible_organizer(db_url, users):
    with pytest.raises(ValidationFailed) as exc:
        with write_session() as s:
            visits.log_unannounced(s, actor=users["front_desk"], title="X", members=visits.parse_members("A | GB"),
                                   purpose="", organizer_id=users["leader"].id)
    assert exc.value.field == "organizer_id"


def test_another_organizer_cannot_change_or_submit_my_request(db_url, users):
    from tests.conftest import make_user

    with write_session() as s:
        other = make_user(s, "organizer2", "organizer")
    vid = _new(users)
    with pytest.raises(PermissionDenied):
        with write_session() as s:
            visits.submit(s, vid, actor=other)
    with pytest.raises(PermissionDenied):
        with write_session() as s:
            visits.update(s, vid, visit_input(), actor=other)
