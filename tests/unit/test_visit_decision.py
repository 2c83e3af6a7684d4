"""Issue 16: a leader decides a visit's request and its disclosure scope together, whichever way the decision comes
(planners.visits.decision, the approvals queue, the CLI): one decision takes both; neither is decided alone while
both wait; a scope is approved only with (or after) its request; a returned request takes back an approved scope;
nobody decides their own request."""
from __future__ import annotations

import json

import pytest
from click.testing import CliRunner

from planners import visits
from planners.base import approvals
from planners.core.errors import DecideTogether, ScopeNeedsRequest, SelfApprovalForbidden
from planners.store.models import Approval
from planners.store.uow import read as read_session, write_session
from planners.visits import decision, disclosure
from planners.visits.disclosure import ItemInput
from tests.conftest import TEST_PASSWORD
from tests.unit.test_visits import visit_input

SCOPE = (ItemInput(topic="investment_policy", decision="agreed_line", methods=("oral",)),
         ItemInput(topic="internal_assessments", decision="must_not"))


def _both_waiting(users) -> int:
    """A visit whose request and scope both wait for the leader."""
    with write_session() as s:
        vid = visits.create(s, visit_input(), actor=users["organizer"]).id
        disclosure.set_scope(s, vid, ceiling="internal", items=list(SCOPE), actor=users["organizer"])
        visits.submit(s, vid, actor=users["organizer"])
        disclosure.submit_scope(s, vid, actor=users["organizer"])
    return vid


def _state(vid) -> tuple[str, str]:
    with read_session() as s:
        return visits.get(s, vid).status, disclosure.get_scope(s, vid).status


def _items(vid) -> tuple[int, int]:
    with read_session() as s:
        c = decision.card(s, vid)
        return c.request_item.id, c.scope_item.id


@pytest.mark.parametrize("choice,then", [
    ("approved", ("approved", "approved")),
    ("returned", ("returned", "returned")),
    ("rejected", ("rejected", "rejected")),
])
def test_one_decision_takes_the_request_and_its_scope(db_url, users, choice, then):
    vid = _both_waiting(users)
    with write_session() as s:
        decision.decide_visit(s, vid, choice, leader=users["leader"], comment="领导意见")
    assert _state(vid) == then
    with read_session() as s:
        c = decision.card(s, vid)
        assert c.item_ids == ()
        assert {a.status for a in approvals.for_object(s, "visit", vid)} == {choice}


@pytest.mark.parametrize("which", ["request", "scope"])
@pytest.mark.parametrize("choice", ["approved", "returned", "rejected"])
def test_neither_item_of_a_waiting_pair_is_decided_alone(db_url, users, which, choice):
    vid = _both_waiting(users)
    req, scope = _items(vid)
    with pytest.raises(DecideTogether) as exc:
        with write_session() as s:
            approvals.decide(s, req if which == "request" else scope, choice, leader=users["leader"], comment="x")
    assert "一并决定" in exc.value.localized("zh_CN")
    assert _state(vid) == ("submitted", "submitted")  # nothing written


def test_the_card_shows_each_requested_topic_with_the_scopes_decision_beside_it(db_url, users):
    vid = _both_waiting(users)
    with read_session() as s:
        c = decision.card(s, vid)
    rows = {t.code: (t.asked, t.decision) for t in c.topics}
    assert rows == {"investment_policy": (True, "agreed_line"), "internal_assessments": (False, "must_not")}
    assert [t.code for t in c.topics][0] == "investment_policy"  # the requested ones first
    assert c.requesters == {"organizer"}


def test_a_scope_is_not_approved_while_its_request_is_returned(db_url, users):
    vid = _both_waiting(users)
    with write_session() as s:
        decision.decide_visit(s, vid, "returned", leader=users["leader"], comment="补充材料")
    with write_session() as s:  # the organizer sends only the scope back
        disclosure.submit_scope(s, vid, actor=users["organizer"])
    with pytest.raises(ScopeNeedsRequest) as exc:
        with write_session() as s:
            decision.decide_visit(s, vid, "approved", leader=users["leader"], comment="同意")
    assert "退回修改" in exc.value.localized("zh_CN")
    with read_session() as s:
        scope_item = decision.card(s, vid).scope_item.id
    with pytest.raises(ScopeNeedsRequest):  # the queue's own decide refuses it the same way
        with write_session() as s:
            approvals.decide(s, scope_item, "approved", leader=users["leader"])
    assert _state(vid) == ("returned", "submitted")


def test_a_returned_request_takes_back_its_approved_scope_and_both_come_back_together(db_url, users):
    vid = _both_waiting(users)
    with write_session() as s:
        decision.decide_visit(s, vid, "approved", leader=users["leader"], comment="同意")
        visits.update(s, vid, visit_input(purpose="增加园区参观"), actor=users["organizer"])  # back to the leader
    assert _state(vid) == ("submitted", "approved")
    with write_session() as s:
        c = decision.decide_visit(s, vid, "returned", leader=users["leader"], comment="请补充陪同人员")
    assert _state(vid) == ("returned", "returned")
    with read_session() as s:
        assert disclosure.authorised(s, vid, "investment_policy") == "must_not"
        scope = disclosure.get_scope(s, vid)
        statuses = [a.status for a in approvals.for_object(s, "disclosure_scope", scope.id)]
        assert statuses == ["superseded"] and scope.last_comment == "请补充陪同人员"
    with write_session() as s:  # resubmitting the request sends the returned scope with it
        visits.submit(s, vid, actor=users["organizer"])
    with read_session() as s:
        c = decision.card(s, vid)
        assert c.request_item is not None and c.scope_item is not None
    with write_session() as s:
        decision.decide_visit(s, vid, "approved", leader=users["leader"], comment="同意")
    assert _state(vid) == ("approved", "approved")


def test_nobody_decides_a_pair_they_asked_for_and_nothing_is_decided(db_url, users):
    vid = _both_waiting(users)
    _, scope_item = _items(vid)
    with write_session() as s:  # as if this leader had submitted the scope
        s.get(Approval, scope_item).requested_by = "leader"
    with pytest.raises(SelfApprovalForbidden):
        with write_session() as s:
            decision.decide_visit(s, vid, "approved", leader=users["leader"])
    assert _state(vid) == ("submitted", "submitted")
    with write_session() as s:
        decision.decide_visit(s, vid, "approved", leader=users["leader2"], comment="同意")
    assert _state(vid) == ("approved", "approved")


def test_my_recent_decisions_list_the_request_and_the_scope(db_url, users):
    vid = _both_waiting(users)
    with write_session() as s:
        decision.decide_visit(s, vid, "approved", leader=users["leader"], comment="同意")
    with read_session() as s:
        mine = [(item.kind, step.action) for item, step in approvals.decided_by(s, "leader")]
    assert sorted(mine) == [("disclosure_scope", "approved"), ("visit_request", "approved")]


@pytest.mark.parametrize("by_item", ["request", "scope"])
def test_the_cli_decides_the_pair_from_either_item(db_url, users, by_item):
    from planners.cli.main import main

    vid = _both_waiting(users)
    req, scope = _items(vid)
    run = CliRunner(env={"CONCLAVE_PASSWORD": TEST_PASSWORD}).invoke
    r = run(main, ["approvals", "decide", str(req if by_item == "request" else scope), "return", "--as", "leader",
                   "--comment", "请补充", "--json"])
    assert r.exit_code == 0, r.output
    body = json.loads(r.output)
    assert sorted((o["kind"], o["status"]) for o in body) == [("disclosure_scope", "returned"),
                                                              ("visit_request", "returned")]
    assert _state(vid) == ("returned", "returned")
