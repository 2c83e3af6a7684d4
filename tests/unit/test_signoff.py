"""Issue 11: the leader's sign-off of the security plan and the attendee list — submit, decide, supersede on
every kind of change (with the diff), separation of duties, 绝密's two leaders, readiness derived from the
approvals, append-only snapshots and one winner of two concurrent decisions (SQLite and PostgreSQL)."""
from __future__ import annotations

import threading
from datetime import timedelta

import pytest
from sqlalchemy import text

from planners.attendees import allowlist
from planners.base import approvals, auth
from planners.base.events import EventInput, not_ready_findings, update_event
from planners.core.clock import utcnow
from planners.core.errors import InvalidTransition, PermissionDenied, SelfApprovalForbidden
from planners.plan import board, signoff
from planners.plan.build import tasks
from planners.store import db as dbmod, uow
from planners.store.models import Attendee, Event, User
from tests.checkin.helpers import CLEARED, make_event
from tests.conftest import make_user

PERSON = {"name": "孙立新", "unit": "市发展改革委", "post": "", "id_type": "resident_id", "id_last4": "5821",
          "nationality": "CN", "foreign_invested_staff": False, "clearance": "confidential", "secret_class": "",
          "pledge_signed": True, "event_role": "attendee", "designated_by": ""}


@pytest.fixture
def world(db_url):
    with uow.write_session(db_url) as s:
        org, leader, leader2 = (make_user(s, "organizer", "organizer"), make_user(s, "leader", "leader"),
                                make_user(s, "leader2", "leader"))
    eid, _ = make_event(db_url, org, ready=False, n=2)
    return db_url, eid, org, leader, leader2


def _submit_approve(url, eid, kind, org, leader):
    with uow.write_session(url) as s:
        item_id = signoff.submit(s, eid, kind, actor=org).id
    with uow.write_session(url) as s:
        approvals.decide(s, item_id, "approved", leader=leader, comment="同意")
    return item_id


def _status(url, item_id):
    with uow.read(url) as s:
        return s.get(__import__("planners.store.models", fromlist=["Approval"]).Approval, item_id).status


def _edit_event(s, eid, org, **change):
    ev = s.get(Event, eid)
    data = dict(title=ev.title, kind=ev.kind, level=ev.level, start=ev.starts_at.replace(tzinfo=__import__(
        "datetime").timezone.utc), end=ev.ends_at.replace(tzinfo=__import__("datetime").timezone.utc),
        venue_id=ev.venue_id, device_policy=ev.device_policy)
    data.update(change)
    update_event(s, eid, EventInput(**data), actor=org)


def _add_person(s, eid, org):
    allowlist.save_table(s, eid, [PERSON], actor=org)


def _remove_person(s, eid, org):
    a = s.query(Attendee).filter_by(event_id=eid).order_by(Attendee.id).first()
    allowlist.save_table(s, eid, [], actor=org, deleted_ids=[a.id])


def _edit_person(s, eid, org):
    a = s.query(Attendee).filter_by(event_id=eid).order_by(Attendee.id).first()
    row = {f: getattr(a, f) for f in allowlist.EDITABLE}
    allowlist.save_table(s, eid, [{**row, "id": a.id, "post": "处长"}], actor=org)


def _level(s, eid, org):
    _edit_event(s, eid, org, level="secret")


def _dates(s, eid, org):
    ev = s.get(Event, eid)
    _edit_event(s, eid, org, end=(ev.ends_at + timedelta(hours=1)).replace(tzinfo=__import__("datetime").timezone.utc))


def _venue(s, eid, org):
    from planners.store.models import Venue

    v = Venue(name="第二会议室", kind="own_premises", features={})
    s.add(v)
    s.flush()
    _edit_event(s, eid, org, venue_id=v.id)


def _task(s, eid, org):
    t = next(t for t in tasks(s, eid) if t.mandatory and t.phase == "before" and t.status == "open"
             and t.rule_id not in signoff.DERIVED_RULES)
    board.mark_task(s, t.id, "done", actor=org)


# change, which approvals it sends back, and what the diff of the new list / plan item says
CHANGES = [
    ("attendee added", _add_person, {signoff.LIST_KIND}, lambda d: [x["label"] for x in d["added"]] ==
     ["孙立新 (市发展改革委)"]),
    ("attendee removed", _remove_person, {signoff.LIST_KIND}, lambda d: len(d["removed"]) == 1),
    ("attendee edited", _edit_person, {signoff.LIST_KIND}, lambda d: d["changed"][0]["fields"]["post"] == ["", "处长"]),
    ("level", _level, {signoff.LIST_KIND, signoff.PLAN_KIND}, lambda d: d["event"]["level"] == ["confidential",
                                                                                              "secret"]),
    ("dates", _dates, {signoff.LIST_KIND, signoff.PLAN_KIND}, lambda d: "end" in d["event"]),
    ("venue", _venue, {signoff.PLAN_KIND}, lambda d: d["event"]["venue"] == ["", "第二会议室"]),
    ("mandatory task", _task, {signoff.PLAN_KIND}, lambda d: d["changed"][0]["fields"]["status"] == ["open", "done"]),
]


@pytest.mark.parametrize("what,change,kinds,check", CHANGES, ids=[c[0] for c in CHANGES])
def test_a_change_after_approval_supersedes_it_and_queues_the_diff(world, what, change, kinds, check):
    url, eid, org, leader, _ = world
    items = {k: _submit_approve(url, eid, k, org, leader) for k in signoff.KINDS}
    with uow.write_session(url) as s:
        change(s, eid, org)
    for kind, item_id in items.items():
        assert _status(url, item_id) == ("superseded" if kind in kinds else "approved"), (what, kind)
    with uow.read(url) as s:
        queued = {a.kind: a for a in approvals.pending(s)}
        assert set(queued) == kinds
        for kind in kinds:
            q = signoff.queue_diff(s, queued[kind].id)
            assert q["version"] == 2 and q["base_version"] == 1 and check(q["diff"]), (kind, q["diff"])
            assert queued[kind].requested_by == "organizer"
            ev = s.get(Event, eid)
            assert not signoff.state(s, ev, kind)["approved_current"]
        derived = {t.rule_id: t.status for t in tasks(s, eid) if t.rule_id in signoff.DERIVED_RULES}
        if signoff.LIST_KIND in kinds:
            assert derived.get("B6.1") == "open"


TRANSITIONS = [  # decision, by, then the item's status (or the refusal)
    ("approved", "leader", "approved"),
    ("returned", "leader", "returned"),
    ("rejected", "leader", "rejected"),
    ("approved", "organizer", PermissionDenied),  # only a leader decides
]


@pytest.mark.parametrize("kind", signoff.KINDS)
@pytest.mark.parametrize("decision,by,then", TRANSITIONS)
def test_decisions_on_both_kinds(world, kind, decision, by, then):
    url, eid, org, leader, _ = world
    who = {"leader": leader, "organizer": org}[by]
    with uow.write_session(url) as s:
        item_id = signoff.submit(s, eid, kind, actor=org).id
    if isinstance(then, type):
        with pytest.raises(then), uow.write_session(url) as s:
            approvals.decide(s, item_id, decision, leader=who, comment="意见")
        assert _status(url, item_id) == "pending"
        return
    with uow.write_session(url) as s:
        approvals.decide(s, item_id, decision, leader=who, comment="意见")
    assert _status(url, item_id) == then
    with uow.read(url) as s:
        derived = [t.status for t in tasks(s, eid) if t.rule_id in signoff.DERIVED[kind]]
        assert derived and set(derived) == {"done" if then == "approved" else "open"}


def test_a_superseded_item_cannot_be_decided_and_a_stale_submission_is_refused(world):
    url, eid, org, leader, _ = world
    with uow.write_session(url) as s:
        first = signoff.submit(s, eid, "list", actor=org).id
    with uow.write_session(url) as s:
        _add_person(s, eid, org)  # the pending version 1 is superseded by version 2
    assert _status(url, first) == "superseded"
    with pytest.raises(InvalidTransition) as e, uow.write_session(url) as s:
        approvals.decide(s, first, "approved", leader=leader)
    assert e.value.key == "approvals.not_pending"
    with pytest.raises(InvalidTransition) as e, uow.write_session(url) as s:
        signoff.submit(s, eid, "list", actor=org)  # nothing changed since version 2
    assert e.value.key == "signoff.already_pending"


def test_nobody_decides_their_own_and_a_leader_of_another_unit_is_refused(world):
    url, eid, org, leader, leader2 = world
    with uow.write_session(url) as s:
        s.get(User, org.id).unit = "市商务局办公室"
    with uow.write_session(url) as s:
        item_id = signoff.submit(s, eid, "plan", actor=org).id
    with pytest.raises(SelfApprovalForbidden), uow.write_session(url) as s:  # the submitter, even made a leader
        approvals.decide(s, item_id, "approved", leader=auth.Principal(id=org.id, username=org.username,
                                                                       display_name="", role="leader"))
    with uow.write_session(url) as s:
        s.get(User, leader.id).unit = "市财政局"
        s.get(User, leader2.id).unit = "市商务局"
    with pytest.raises(PermissionDenied) as e, uow.write_session(url) as s:
        approvals.decide(s, item_id, "approved", leader=leader)
    assert e.value.key == "signoff.wrong_unit" and "市财政局" in e.value.localized("zh_CN")
    assert _status(url, item_id) == "pending"  # nothing changed
    with uow.write_session(url) as s:
        approvals.decide(s, item_id, "approved", leader=leader2)  # 市商务局 covers 市商务局办公室
    assert _status(url, item_id) == "approved"


def test_a_top_secret_list_needs_two_different_leaders(db_url):
    with uow.write_session(db_url) as s:
        org, leader, leader2 = (make_user(s, "organizer", "organizer"), make_user(s, "leader", "leader"),
                                make_user(s, "leader2", "leader"))
    eid, _ = make_event(db_url, org, level="top_secret", ready=False,
                        people=[dict(name="甲", unit="u", id_last4="0001", **{**CLEARED, "clearance": "top_secret"})])
    with uow.write_session(db_url) as s:
        item = signoff.submit(s, eid, "list", actor=org)
        item_id = item.id
        assert any(f["rule"] == "B6" and "project" in f["source"] for f in item.findings)
    with uow.write_session(db_url) as s:
        approvals.decide(s, item_id, "approved", leader=leader)
    assert _status(db_url, item_id) == "pending"  # one of two
    with pytest.raises(PermissionDenied) as e, uow.write_session(db_url) as s:
        approvals.decide(s, item_id, "approved", leader=leader)
    assert e.value.key == "signoff.second_leader_same"
    with uow.write_session(db_url) as s:
        approvals.decide(s, item_id, "approved", leader=leader2)
    with uow.read(db_url) as s:
        st = signoff.state(s, s.get(Event, eid), signoff.LIST_KIND)
        assert st["approved_current"] and [a["by"] for a in st["approved_by"]] == ["leader", "leader2"]


def test_readiness_needs_the_approved_current_plan_and_list_and_b12_b6_cannot_be_ticked(world):
    url, eid, org, leader, _ = world
    with uow.read(url) as s:
        rules = {f.rule for f in not_ready_findings(s, s.get(Event, eid))
                 if f.reason["en"].startswith(("The security plan", "The attendee list"))}
        assert rules == {"B1.2", "B6.1"}
        b12 = next(t for t in tasks(s, eid) if t.rule_id == "B1.2")
    with pytest.raises(InvalidTransition) as e, uow.write_session(url) as s:
        board.mark_task(s, b12.id, "done", actor=org)
    assert e.value.key == "plan.task_derived"
    for k in signoff.KINDS:
        _submit_approve(url, eid, k, org, leader)
    with uow.read(url) as s:
        assert not [f for f in signoff.ready_findings(s, s.get(Event, eid))]
        assert {t.rule_id: t.status for t in tasks(s, eid) if t.rule_id in ("B1.2", "B6.1")} == \
            {"B1.2": "done", "B6.1": "done"}


@pytest.mark.pg
def test_snapshots_are_append_only_in_the_database(any_db_url):
    with uow.write_session(any_db_url) as s:
        org, leader = make_user(s, "organizer", "organizer"), make_user(s, "leader", "leader")
    eid, _ = make_event(any_db_url, org, n=1)  # plan and list approved
    for sql in ("UPDATE approval_snapshots SET content_hash = 'x'", "DELETE FROM approval_snapshots",
                "UPDATE approval_snapshot_members SET fingerprint = 'x'", "DELETE FROM approval_snapshot_members"):
        with pytest.raises(Exception) as e, dbmod.get_engine(any_db_url).begin() as c:
            c.execute(text(sql))
        assert "append-only" in str(e.value)
    from planners.base import trail

    with dbmod.get_engine(any_db_url).connect() as c:
        assert trail.missing_triggers(c) == []


@pytest.mark.pg
def test_two_leaders_deciding_at_once_exactly_one_wins(any_db_url):
    with uow.write_session(any_db_url) as s:
        org, l1, l2 = (make_user(s, "organizer", "organizer"), make_user(s, "leader", "leader"),
                       make_user(s, "leader2", "leader"))
    eid, _ = make_event(any_db_url, org, ready=False, n=2)
    with uow.write_session(any_db_url) as s:
        item_id = signoff.submit(s, eid, "list", actor=org).id
    barrier, results = threading.Barrier(2), []

    def decide(leader, decision):
        barrier.wait()
        try:
            with uow.write_session(any_db_url) as s:
                approvals.decide(s, item_id, decision, leader=leader, comment="并发")
            results.append(("won", decision))
        except InvalidTransition as exc:
            results.append(("refused", exc.key))

    threads = [threading.Thread(target=decide, args=a) for a in ((l1, "approved"), (l2, "returned"))]
    for th in threads:
        th.start()
    for th in threads:
        th.join(60)
    assert sorted(r[0] for r in results) == ["refused", "won"], results
    assert [r[1] for r in results if r[0] == "refused"] == ["approvals.not_pending"]
    won = next(r[1] for r in results if r[0] == "won")
    assert _status(any_db_url, item_id) == won
    with uow.read(any_db_url) as s:
        decided = [h.action for h in approvals.history(s, item_id) if h.action in ("approved", "returned")]
        assert decided == [won]
    assert utcnow()
