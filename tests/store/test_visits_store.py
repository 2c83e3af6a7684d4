"""Visits on both engines: the approval of a visit creates its event in one transaction; the incident log is
append-only in the database itself."""
from __future__ import annotations

import pytest
from sqlalchemy import text

from planners.visits import disclosure
from planners import visits
from planners.store.uow import read as read_session, write_session
from tests.conftest import make_user
from tests.unit.test_visits import visit_input


def test_a_visit_goes_from_request_to_event_and_its_log_cannot_be_rewritten(any_db_url):
    with write_session() as s:
        org, lead = make_user(s, "org", "organizer"), make_user(s, "lead", "leader")
    with write_session() as s:
        vid = visits.create(s, visit_input(route=[visits.RoutePart(place="一号会议室", host="王", escort="org")]), actor=org).id
    with write_session() as s:
        visits.submit(s, vid, actor=org)
    with write_session() as s:
        visits.decide(s, vid, "approved", leader=lead, comment="同意")
    with write_session() as s:
        eid = disclosure.log_info_request(s, vid, asked_by="X", what="Y", answer="Z", actor=org).id
    with read_session() as s:
        v = visits.get(s, vid)
        assert v.status == "approved" and v.event_id is not None
    for stmt in ("UPDATE visit_info_requests SET answer='changed' WHERE id=:i",
                 "DELETE FROM visit_info_requests WHERE id=:i"):
        with pytest.raises(Exception):
            with write_session() as s:
                s.execute(text(stmt), {"i": eid})
    with read_session() as s:
        assert disclosure.info_requests(s, vid)[0].answer == "Z"


def test_a_visits_request_and_scope_are_decided_in_one_transaction_on_both_engines(any_db_url):
    """Issue 16: the pair decision (and a refusal of half of it) on SQLite and PostgreSQL alike."""
    from planners.base import approvals
    from planners.core.errors import DecideTogether
    from planners.visits import decision
    from planners.visits.disclosure import ItemInput

    with write_session() as s:
        org, lead = make_user(s, "org", "organizer"), make_user(s, "lead", "leader")
    with write_session() as s:
        vid = visits.create(s, visit_input(route=[visits.RoutePart(place="一号会议室", host="王", escort="org")]),
                            actor=org).id
        disclosure.set_scope(s, vid, ceiling="internal", actor=org,
                             items=[ItemInput(topic="investment_policy", decision="agreed_line", methods=("oral",))])
        visits.submit(s, vid, actor=org)
        disclosure.submit_scope(s, vid, actor=org)
    with read_session() as s:
        req = decision.card(s, vid).request_item.id
    with pytest.raises(DecideTogether):
        with write_session() as s:
            approvals.decide(s, req, "approved", leader=lead)
    with write_session() as s:
        decision.decide_visit(s, vid, "approved", leader=lead, comment="同意")
    with read_session() as s:
        assert (visits.get(s, vid).status, disclosure.get_scope(s, vid).status) == ("approved", "approved")
        assert visits.get(s, vid).event_id is not None
