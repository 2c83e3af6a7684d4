"""Eligibility rules E1–E6 applied to one attendee, as a table."""
from __future__ import annotations

import pytest

from planners.attendees import eligibility
from planners.store.models import Attendee, Event

BASE = dict(name="x", clearance="confidential", pledge_signed=True, nationality="CN", foreign_invested_staff=False,
            designated_by="")
CASES = [  # (event level, attendee changes, status, open rules)
    ("confidential", {}, "eligible", []),
    ("confidential", {"clearance": "secret"}, "ineligible", ["E2"]),
    ("confidential", {"clearance": None}, "ineligible", ["E2"]),
    ("confidential", {"pledge_signed": False}, "ineligible", ["E2P"]),
    ("confidential", {"nationality": "US"}, "needs_approval", ["E3"]),
    ("confidential", {"foreign_invested_staff": True}, "needs_approval", ["E4"]),
    ("confidential", {"nationality": "DE", "clearance": "secret"}, "ineligible", ["E2", "E3"]),
    ("top_secret", {"clearance": "top_secret"}, "ineligible", ["E1"]),
    ("top_secret", {"clearance": "top_secret", "designated_by": "李局长"}, "eligible", []),
    ("internal", {"clearance": None, "pledge_signed": False, "nationality": "US"}, "eligible", []),
    ("secret", {"clearance": "secret"}, "eligible", []),
]


@pytest.mark.parametrize("level,changes,status,rules", CASES)
def test_eligibility_table(level, changes, status, rules):
    a = Attendee(**{**BASE, **changes})
    ev = Event(level=level)
    el = eligibility.evaluate(a, ev)
    assert el.status == status and sorted(el.open_rules) == sorted(rules)
    for f in el.findings:
        assert f.source and f.reason["zh_CN"] and f.data["fix"]["en"]


def test_a_granted_exception_lifts_only_the_rules_it_names():
    a = Attendee(**{**BASE, "nationality": "US", "foreign_invested_staff": True})
    el = eligibility.evaluate(a, Event(level="confidential"), {"E3"})
    assert el.status == "needs_approval" and el.open_rules == ["E4"]
    assert eligibility.evaluate(a, Event(level="confidential"), {"E3", "E4"}).status == "eligible"


def test_a_state_secret_event_asks_the_desk_for_a_photo_id():
    el = eligibility.evaluate(Attendee(**BASE), Event(level="secret"))
    assert [f.rule for f in el.attention] == ["E6"]


def test_the_foreign_invested_rule_says_it_is_a_project_proposal():
    [rule] = [r for r in eligibility.catalogue() if r["id"] == "E4"]
    assert rule["proposal"] is True
    el = eligibility.evaluate(Attendee(**{**BASE, "foreign_invested_staff": True}), Event(level="secret"))
    assert "proposal" in el.findings[0].reason["en"] and "建议" in el.findings[0].reason["zh_CN"]


def test_exception_requests_go_to_a_leader_and_not_to_the_requester(db_url, users):
    from planners.base import approvals
    from planners.core.errors import InvalidTransition, SelfApprovalForbidden
    from planners.store import uow
    from tests.checkin.helpers import make_event

    eid, codes = make_event(db_url, users["organizer"], people=[
        {**BASE, "name": "Ann", "nationality": "GB", "id_last4": "0001"},
        {**BASE, "name": "王", "id_last4": "0002"}])
    ann, wang = sorted(codes)
    with uow.write_session(db_url) as s:
        item = eligibility.request_exception(s, ann, actor=users["organizer"])
        assert item.kind == "attendee_exception" and item.findings[0]["rule"] == "E3"
        with pytest.raises(InvalidTransition):
            eligibility.request_exception(s, wang, actor=users["organizer"])
    with pytest.raises(SelfApprovalForbidden):
        with uow.write_session(db_url) as s:
            from planners.base.auth import Principal

            approvals.decide(s, item.id, "approved", leader=Principal(id=1, username="organizer",
                                                                       display_name="", role="leader"))
    with uow.write_session(db_url) as s:
        approvals.decide(s, item.id, "rejected", leader=users["leader"], comment="no review on file")
    with uow.read(db_url) as s:
        assert eligibility.for_attendee(s, s.get(Attendee, ann)).status == "needs_approval"
