import pytest

from planners.base import approvals
from planners.core.errors import InvalidTransition, PermissionDenied, SelfApprovalForbidden, ValidationFailed
from planners.store.uow import read as read_session, write_session


def _ask(users, who="organizer"):
    with write_session() as s:
        return approvals.request(s, kind="test_kind", object_type="thing", object_id=1,
                                 title={"en": "May we?", "zh_CN": "可以吗？"}, requested_by=users[who]).id


def test_queue_is_oldest_first_and_a_leader_decides(db_url, users):
    a = _ask(users)
    with write_session() as s:
        b = approvals.request(s, kind="test_kind", object_type="thing", object_id=2,
                              title={"en": "B", "zh_CN": "B"}, requested_by=users["organizer"]).id
    with read_session() as s:
        assert [x.id for x in approvals.pending(s)] == [a, b]
    with write_session() as s:
        approvals.decide(s, a, "approved", leader=users["leader"], comment="ok")
    with read_session() as s:
        assert [x.id for x in approvals.pending(s)] == [b]
        assert [h.action for h in approvals.history(s, a)] == ["requested", "approved"]


def test_nobody_decides_their_own_request(db_url, users):
    a = _ask(users, who="leader")
    with pytest.raises(SelfApprovalForbidden):
        with write_session() as s:
            approvals.decide(s, a, "approved", leader=users["leader"])
    with write_session() as s:
        approvals.decide(s, a, "approved", leader=users["leader2"])


@pytest.mark.parametrize("role", ["organizer", "front_desk", "admin"])
def test_only_leaders_decide(db_url, users, role):
    a = _ask(users)
    with pytest.raises(PermissionDenied):
        with write_session() as s:
            approvals.decide(s, a, "approved", leader=users[role])


def test_return_needs_a_comment_and_can_be_resubmitted(db_url, users):
    a = _ask(users)
    with pytest.raises(ValidationFailed):
        with write_session() as s:
            approvals.decide(s, a, "returned", leader=users["leader"], comment=" ")
    with write_session() as s:
        approvals.decide(s, a, "returned", leader=users["leader"], comment="缺少路线")
    with pytest.raises(InvalidTransition):
        with write_session() as s:
            approvals.decide(s, a, "approved", leader=users["leader"])
    assert _ask(users) == a
    with read_session() as s:
        assert [h.action for h in approvals.history(s, a)] == ["requested", "returned", "resubmitted"]


def test_handlers_run_in_the_same_transaction(db_url, users):
    from planners.core import hooks

    seen = []

    def _h(session, item, leader):
        seen.append((item.status, leader.username))

    with write_session() as s:
        a = approvals.request(s, kind="test_handler", object_type="x", object_id=9, title={"en": "x", "zh_CN": "x"},
                              requested_by=users["organizer"]).id
    with hooks.replaced("on_decision", [_h], key="test_handler"), write_session() as s:
        approvals.decide(s, a, "rejected", leader=users["leader"], comment="no")
    assert seen == [("rejected", "leader")]
