"""Documents meet the front desk: issue only to people inside once the desk runs; check-out names the
copies still held, and stops naming them once they are back."""
from __future__ import annotations

import pytest

from planners import checkin, documents
from planners.store.uow import read as read_session, write_session
from planners.store.models import Attendee


def _eligible(s, event_id, n=2):
    rows = s.query(Attendee).filter_by(event_id=event_id, nationality="CN", clearance="confidential",
                                       pledge_signed=True, foreign_invested_staff=False,
                                       event_role="attendee").order_by(Attendee.id).all()
    return rows[:n]


def _approved_and_ready(url, event_id, users):
    """Issue 11: the desk admits only to a ready event with an approved plan and list — a leader approves the
    demo's plan and its waiting list; the status is set to ready directly (venue and checklist are not what
    these tests are about)."""
    from planners.base import approvals
    from planners.plan import signoff
    from planners.store.models import Event
    from tests.checkin.helpers import reapprove_list

    with write_session() as s:
        item_id = signoff.submit(s, event_id, "plan", actor=users["organizer"]).id
    with write_session() as s:
        approvals.decide(s, item_id, "approved", leader=users["leader"], comment="")
    reapprove_list(url, event_id, users["organizer"])
    with write_session() as s:
        s.get(Event, event_id).status = "ready"


@pytest.fixture
def meeting(db_url, demo, users):
    from planners.base.events import transition

    from tests.checkin.helpers import register_desks

    ev = demo.events["q4-trade-meeting"]
    register_desks(db_url, "D1")  # a desk is a registered device
    with write_session() as s:
        transition(s, ev.id, "planned", actor=users["organizer"])
    _approved_and_ready(db_url, ev.id, users)
    with read_session() as s:
        a, b = _eligible(s, ev.id)
        doc = documents.documents_of(s, ev.id)[0]
        codes = [documents.copy_code(ev.id, doc.id, c.number) for c in documents.copies_of(s, doc.id)]
        inside_at = ev.starts_at
    return ev, a, b, codes, inside_at


def test_before_the_desk_runs_copies_may_be_issued_in_advance(db_url, users, meeting):
    ev, a, _b, codes, _ = meeting
    with write_session() as s:
        documents.issue_copy(s, ev.id, codes[0], a.id, actor=users["organizer"])
    with read_session() as s:
        assert [r.code for r in documents.copies_held_by(s, ev.id, a.id)] == [codes[0]]


def test_once_the_desk_runs_a_copy_goes_only_to_someone_inside(db_url, users, meeting):
    ev, a, b, codes, at = meeting
    v = checkin.manual(ev.id, a.id, desk="D1", actor=users["front_desk"], now=at)
    assert v.reason == "ok", v.as_json()
    with pytest.raises(documents.IssueRefused) as exc:
        with write_session() as s:
            documents.issue_copy(s, ev.id, codes[0], b.id, actor=users["front_desk"])
    assert "not checked in" in str(exc.value) or any(f.rule == "not_checked_in" for f in exc.value.findings)
    with write_session() as s:
        documents.issue_copy(s, ev.id, codes[0], a.id, actor=users["front_desk"])


def test_check_out_names_the_copies_to_take_back_until_they_are_recovered(db_url, users, meeting):
    ev, a, _b, codes, at = meeting
    assert checkin.manual(ev.id, a.id, desk="D1", actor=users["front_desk"], now=at).reason == "ok"
    with write_session() as s:
        documents.issue_copy(s, ev.id, codes[0], a.id, actor=users["front_desk"])
        documents.issue_copy(s, ev.id, codes[1], a.id, actor=users["front_desk"])
    out = checkin.manual(ev.id, a.id, desk="D1", actor=users["front_desk"], direction="out", now=at)
    assert out.reason == "exit_held"  # issue 16: holding a copy stops the exit; the person is still inside
    take_back = [x for x in out.require_attention if x["code"] == "documents_to_return"]
    assert len(take_back) == 1 and take_back[0]["copies"] == codes[:2]
    assert codes[0] in take_back[0]["text"]["zh_CN"] and "to take back" in take_back[0]["text"]["en"]
    # return both, out again: nothing to take back
    with write_session() as s:
        for c in codes[:2]:
            documents.recover_copy(s, ev.id, c, a.id, actor=users["front_desk"])
    out = checkin.manual(ev.id, a.id, desk="D1", actor=users["front_desk"], direction="out", now=at)
    assert out.reason == "exit_ok"
    assert not [x for x in out.require_attention if x["code"] == "documents_to_return"]
