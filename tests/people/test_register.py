"""The people register: records, pledges with validity, the deny list, the leader's queue for level / class /
status, optimistic concurrency, and the append-only history (SQLite and PostgreSQL)."""
from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import text

from planners import people
from planners.base import approvals
from planners.core.errors import (
    ConcurrentEdit,
    NotFound,
    PermissionDenied,
    PersonBarred,
    ValidationFailed,
)
from planners.store import uow

ZHANG = {"name": "张三", "unit": "市财政局", "post": "处长", "id_type": "居民身份证", "id_last4": "1234",
         "nationality": "中国", "employer_type": "机关", "level": "机密", "vetted_level": "机密",
         "person_class": "重要", "vetted_by": "市保密局", "vetted_at": "2025-03-01"}


def _make(db_url, officer, values=ZHANG):
    with uow.write_session(db_url) as s:
        return people.create(s, dict(values), actor=officer).id


def test_create_get_find_and_the_read_api(db_url, users):
    pid = _make(db_url, users["security_officer"])
    with uow.read(db_url) as s:
        p = people.get(s, pid)
        assert (p.name, p.nationality, p.level, p.person_class, p.employer_type, p.id_type) == (
            "张三", "CN", "confidential", "important", "state_organ", "resident_id")
        assert p.status == "active" and not p.barred and p.pledge_until is None
        assert [x.id for x in people.find(s, name="张 三", id_last4="1234")] == [pid]
        assert people.find(s, name="张三", id_last4="1234", unit="市商务局") == []
        assert [h.action for h in people.history(s, pid)] == ["created"]
        with pytest.raises(NotFound):
            people.get(s, 999)


def test_only_the_security_officer_keeps_the_register(db_url, users):
    for role in ("organizer", "leader", "admin", "front_desk"):
        with uow.write_session(db_url) as s, pytest.raises(PermissionDenied):
            people.create(s, dict(ZHANG), actor=users[role])


@pytest.mark.parametrize("change, field", [
    ({"id_last4": "110101199001011234"}, "id_last4"),
    ({"level": "绝密"}, "level"),  # above the vetting (机密)
    ({"vetted_at": "2999-01-01"}, "vetted_at"),
    ({"status": "脱密期"}, "decommission_until"),
    ({"nationality": "China!"}, "nationality"),
    ({"name": ""}, "name"),
])
def test_bad_input_names_the_field_and_writes_nothing(db_url, users, change, field):
    with uow.write_session(db_url) as s, pytest.raises(ValidationFailed) as e:
        people.create(s, {**ZHANG, **change}, actor=users["security_officer"])
    assert e.value.field == field
    with uow.read(db_url) as s:
        assert people.all_people(s) == []


def test_duplicate_person_and_id_used_by_another_are_refused(db_url, users):
    _make(db_url, users["security_officer"])
    with uow.write_session(db_url) as s, pytest.raises(ValidationFailed) as e:
        people.create(s, dict(ZHANG), actor=users["security_officer"])
    assert "already in the register" in e.value.localized("en")
    with uow.write_session(db_url) as s, pytest.raises(ValidationFailed) as e:
        people.create(s, {**ZHANG, "name": "李四"}, actor=users["security_officer"])
    assert e.value.field == "id_last4" and "另一人" in e.value.localized("zh_CN")


def test_pledges_validity_and_a_future_date_refused(db_url, users):
    officer = users["security_officer"]
    pid = _make(db_url, officer)
    today = people.today()
    with uow.write_session(db_url) as s:
        with pytest.raises(ValidationFailed) as e:
            people.record_pledge(s, pid, kind="secrecy_pledge", signed_on=today + timedelta(days=1), actor=officer)
        assert e.value.field == "signed_on"
    with uow.write_session(db_url) as s:
        rec = people.record_pledge(s, pid, kind="secrecy_pledge", signed_on=today - timedelta(days=10),
                                   version="2024版", actor=officer)
        assert rec.expires_on == today - timedelta(days=10) + timedelta(days=365)  # rules: valid_days 365
    with uow.read(db_url) as s:
        assert people.valid_pledge(s, pid, "secrecy_pledge")
        assert not people.valid_pledge(s, pid, "secrecy_pledge", on=today + timedelta(days=400))
        assert not people.valid_pledge(s, pid, "outbound")
        assert [p.kind for p in people.pledges(s, pid)] == ["secrecy_pledge"]
        assert people.get(s, pid).pledge_until == rec.expires_on  # 重要: secrecy pledge only


def test_level_change_goes_through_the_leader_queue_with_a_reason(db_url, users):
    officer = users["security_officer"]
    pid = _make(db_url, officer)
    with uow.write_session(db_url) as s, pytest.raises(ValidationFailed) as e:
        people.update(s, pid, {"status": "suspended"}, expected_version=1, actor=officer)
    assert e.value.key == "people.reason_required"
    with uow.write_session(db_url) as s:
        ch = people.update(s, pid, {"status": "suspended", "post": "副处长"}, expected_version=1, actor=officer,
                           reason="审查期间暂停")
        assert ch.approval_id and set(ch.applied) == {"post"}
        item_id = ch.approval_id
    with uow.read(db_url) as s:
        assert people.get(s, pid).status == "active"  # not before the leader decides
    with uow.write_session(db_url) as s:
        approvals.decide(s, item_id, "approved", leader=users["leader"])
    with uow.read(db_url) as s:
        p = people.get(s, pid)
        assert p.status == "suspended"
        rows = [(h.action, h.field, h.actor) for h in people.history(s, pid)]
        assert ("changed", "status", "leader") in rows and ("changed", "post", "security_officer") in rows


def test_second_edit_from_another_browser_is_refused(db_url, users):
    officer = users["security_officer"]
    pid = _make(db_url, officer)
    with uow.write_session(db_url) as s:
        people.update(s, pid, {"post": "科长"}, expected_version=1, actor=officer)
    with uow.write_session(db_url) as s, pytest.raises(ConcurrentEdit) as e:
        people.update(s, pid, {"post": "主任"}, expected_version=1, actor=officer)
    assert "changed since you opened it" in e.value.localized("en")
    with uow.read(db_url) as s:
        assert people.get(s, pid).post == "科长"


def test_bar_by_a_leader_with_reason_and_end(db_url, users):
    pid = _make(db_url, users["security_officer"])
    end = people.today() + timedelta(days=30)
    with uow.write_session(db_url) as s, pytest.raises(PermissionDenied):
        people.bar(s, pid, reason="x", ends_on=end, actor=users["security_officer"])
    with uow.write_session(db_url) as s, pytest.raises(ValidationFailed):
        people.bar(s, pid, reason="", ends_on=end, actor=users["leader"])
    with uow.write_session(db_url) as s:
        people.bar(s, pid, reason="违规携带手机", ends_on=end, actor=users["leader"])
    with uow.read(db_url) as s:
        p = people.get(s, pid)
        assert p.barred and p.barred_until == end
        with pytest.raises(PersonBarred):
            people.require_not_barred(s, pid)
        assert not people.is_barred(p, on=end + timedelta(days=1))


def test_history_is_append_only_in_the_database(any_db_url, users):
    pid = _make(any_db_url, users["security_officer"])
    for stmt in ("UPDATE person_history SET reason = 'x' WHERE person_id = :p",
                 "DELETE FROM person_history WHERE person_id = :p"):
        with pytest.raises(Exception, match="append-only"), uow.write_session(any_db_url) as s:
            s.execute(text(stmt), {"p": pid})
    with uow.read(any_db_url) as s:
        assert len(people.history(s, pid)) == 1
