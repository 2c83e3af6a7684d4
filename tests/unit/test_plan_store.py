"""The stored plan: build, rebuild keeping what was done, marks with who/when, undo, readiness and the ready gate."""
from datetime import datetime, timedelta

import pytest
from sqlalchemy import select, text

from planners.base import events as ev
from planners import plan as timeline
from planners.core.errors import InvalidTransition, PermissionDenied, ValidationFailed
from planners.core.clock import utcnow
from planners.store.uow import read as read_session, write_session
from planners.store.models import AuditEntry
from planners.store.models_plan import PlanMark
from planners.venues import VenueInput, create_venue, update_venue

FEATS = {"enclosed_access_control": True, "windows_covered": True, "wired_pa_only": True,
         "wireless_shielding": True, "phone_lockers": True, "secure_storage": True, "guard_cordon": True,
         "escorted_route": True, "acoustic_rated": True}


def _venue(s, users, name="会议室", kind="own_premises", **feats):
    return create_venue(s, VenueInput(name=name, kind=kind, features={**FEATS, **feats}), actor=users["organizer"])


def _event(s, users, venue_id=None, **kw):
    start = datetime.now() + timedelta(days=10)
    base = dict(title="季度分析会", kind="meeting", level="confidential", retention="10年", start=start,
                end=start + timedelta(hours=3), tz="Asia/Shanghai", venue_id=venue_id, relay_scope="处室负责人")
    base.update(kw)
    return ev.create_event(s, ev.EventInput(**base), actor=users["organizer"])


def _by_rule(s, event_id):
    return {t.task_key: t for t in timeline.tasks(s, event_id)}


def test_creating_an_event_builds_its_plan_with_dated_tasks(db_url, users):
    with write_session() as s:
        v = _venue(s, users)
        e = _event(s, users, v.id)
    with read_session() as s:
        tasks = _by_rule(s, e.id)
        assert {"B1.1", "B8", "D1", "A4", "venue:V9"} <= set(tasks)
        assert tasks["B1.1"].due_at == e.starts_at - timedelta(days=14)
        assert tasks["A4"].due_at == e.ends_at + timedelta(hours=24)
        assert all(t.status == "open" for t in tasks.values())


def test_rebuilding_after_a_change_keeps_what_was_done(db_url, users):
    with write_session() as s:
        v = _venue(s, users)
        e = _event(s, users, v.id)
    with write_session() as s:
        b2 = _by_rule(s, e.id)["B2"]
        timeline.mark_task(s, b2.id, "done", actor=users["organizer"])
    with write_session() as s:  # move the event a week later, make it top secret, with foreign participants
        cur = ev.get_event(s, e.id)
        ev.update_event(s, e.id, ev.EventInput(
            title=cur.title, kind="meeting", level="top_secret", retention="10年",
            start=datetime.now() + timedelta(days=17), end=datetime.now() + timedelta(days=17, hours=3),
            venue_id=v.id, relay_scope="处室负责人", foreign_participants=True), actor=users["organizer"])
    with read_session() as s:
        tasks = _by_rule(s, e.id)
        e2 = ev.get_event(s, e.id)
        assert tasks["B2"].status == "done" and tasks["B2"].marked_by == "organizer"
        assert tasks["B2"].due_at == e2.starts_at - timedelta(days=7)  # re-dated
        assert {"B6.2", "E3", "F3"} <= set(tasks)  # new rules for 绝密 and foreigners
    with write_session() as s:  # back to 秘密 without foreigners: E3 retires, B2 stays done
        cur = ev.get_event(s, e.id)
        ev.update_event(s, e.id, ev.EventInput(
            title=cur.title, kind="meeting", level="secret", retention="", start=datetime.now() + timedelta(days=17),
            end=datetime.now() + timedelta(days=17, hours=3), venue_id=v.id), actor=users["organizer"])
    with read_session() as s:
        tasks = _by_rule(s, e.id)
        assert "E3" not in tasks and tasks["B2"].status == "done"
        assert "E3" in {t.task_key for t in timeline.tasks(s, e.id, include_retired=True)}


def test_building_twice_changes_nothing(db_url, users):
    with write_session() as s:
        e = _event(s, users)
    with write_session() as s:
        n = s.query(AuditEntry).count()
        r = timeline.build_plan(s, e.id, actor=users["organizer"])
        assert (r.added, r.updated, r.retired) == (0, 0, 0)
        assert s.query(AuditEntry).count() == n


@pytest.mark.parametrize("role,mandatory,status,reason,allowed", [
    ("organizer", True, "done", "", True),
    ("organizer", True, "na", "会议取消该环节", False),   # a mandatory N/A needs a leader
    ("leader", True, "na", "会议取消该环节", True),
    ("organizer", False, "na", "无外方参加", True),
    ("organizer", False, "na", "", False),               # N/A needs a reason
    ("front_desk", True, "done", "", False),             # not the desk's task
    ("admin", True, "done", "", True),
])
def test_who_may_mark_a_task_and_how(db_url, users, role, mandatory, status, reason, allowed):
    with write_session() as s:
        e = _event(s, users)
    with write_session() as s:
        t = _by_rule(s, e.id)["B2" if mandatory else "B10.1"]
        tid = t.id
    try:
        with write_session() as s:
            timeline.mark_task(s, tid, status, actor=users[role], reason=reason)
        ok = True
    except (PermissionDenied, ValidationFailed):
        ok = False
    assert ok == allowed


@pytest.mark.parametrize("role,rule,markable,na_by_request,why", [
    ("organizer", "B2", True, True, ""),          # mandatory: not applicable goes to a leader as a request
    ("leader", "B2", True, False, ""),
    ("organizer", "B10.1", True, False, ""),
    ("front_desk", "B2", False, False, "plan.mark_denied"),
    ("front_desk", "D1", True, True, ""),         # the desk's own task
    ("organizer", "B1.2", False, False, "planpage.derived"),  # follows the plan's approval (issue 11)
])
def test_what_a_tasks_row_offers_follows_the_marking_rules(db_url, users, role, rule, markable, na_by_request,
                                                           why):
    """Issue 16: the plan page asks planners.plan.mark_choice what to draw beside a task, so it holds no rule."""
    with write_session() as s:
        e = _event(s, users)
    with read_session() as s:
        t = _by_rule(s, e.id)[rule]
        c = timeline.mark_choice(ev.get_event(s, e.id), t, users[role])
    assert (c.markable, c.na_by_request, c.why) == (markable, na_by_request, why)


def test_a_closed_events_rows_offer_no_control(db_url, users):
    from planners.store.models import Event

    with write_session() as s:
        e = _event(s, users)
        s.get(Event, e.id).status = "closed"
    with read_session() as s:
        c = timeline.mark_choice(ev.get_event(s, e.id), _by_rule(s, e.id)["B2"], users["leader"])
    assert (c.markable, c.why) == (False, "plan.event_closed")


def test_the_desk_marks_its_own_tasks(db_url, users):
    with write_session() as s:
        e = _event(s, users)
    with write_session() as s:
        d1 = _by_rule(s, e.id)["D1"]
        timeline.mark_task(s, d1.id, "done", actor=users["front_desk"])
        assert d1.marked_by == "front_desk" and d1.marked_at is not None


def test_undo_reverts_my_last_mark_and_then_the_one_before(db_url, users):
    with write_session() as s:
        e = _event(s, users)
    with write_session() as s:
        tasks = _by_rule(s, e.id)
        timeline.mark_task(s, tasks["B2"].id, "done", actor=users["organizer"])
        timeline.mark_task(s, tasks["B3"].id, "done", actor=users["organizer"])
    with write_session() as s:
        assert timeline.undo_last_mark(s, e.id, actor=users["organizer"]).task_key == "B3"
    with write_session() as s:
        assert timeline.undo_last_mark(s, e.id, actor=users["organizer"]).task_key == "B2"
    with pytest.raises(InvalidTransition):
        with write_session() as s:
            timeline.undo_last_mark(s, e.id, actor=users["organizer"])
    with read_session() as s:
        tasks = _by_rule(s, e.id)
        assert tasks["B2"].status == tasks["B3"].status == "open" and tasks["B2"].marked_by is None


def test_undo_is_refused_when_someone_changed_the_task_since(db_url, users):
    with write_session() as s:
        e = _event(s, users)
    with write_session() as s:
        tid = _by_rule(s, e.id)["B2"].id
        timeline.mark_task(s, tid, "done", actor=users["organizer"])
    with write_session() as s:
        timeline.mark_task(s, tid, "na", actor=users["leader"], reason="已由上级统一部署")
    with pytest.raises(InvalidTransition, match="changed after your mark"):
        with write_session() as s:
            timeline.undo_last_mark(s, e.id, actor=users["organizer"])


def test_an_event_is_ready_only_when_every_mandatory_before_task_is_done_or_na_by_a_leader(db_url, users):
    with write_session() as s:
        v = _venue(s, users)
        e = _event(s, users, v.id)
        ev.transition(s, e.id, "planned", actor=users["organizer"])
    with pytest.raises(ev.EventNotReady) as exc:
        with write_session() as s:
            ev.transition(s, e.id, "ready", actor=users["organizer"])
    assert "B2" in {f.rule for f in exc.value.findings}
    from planners.base import approvals
    from planners.plan import signoff
    from planners.store.models import Attendee

    with write_session() as s:  # B1.2 and B6.x follow the leader's approvals (issue 11): not ticked by hand
        mand = [t for t in timeline.tasks(s, e.id) if t.phase == "before" and t.mandatory
                and t.rule_id not in signoff.DERIVED_RULES]
        for t in mand[1:]:
            timeline.mark_task(s, t.id, "done", actor=users["organizer"])
        timeline.mark_task(s, mand[0].id, "na", actor=users["leader"], reason="上级已统一确定")
        s.add(Attendee(event_id=e.id, name="王明", unit="市财政局", id_last4="1001", clearance="confidential",
                       pledge_signed=True))
    with pytest.raises(ev.EventNotReady) as exc:  # every task done, but neither the plan nor the list approved
        with write_session() as s:
            ev.transition(s, e.id, "ready", actor=users["organizer"])
    assert {f.rule for f in exc.value.findings} == {"B1.2", "B6.1"}
    for kind in signoff.KINDS:
        with write_session() as s:
            item = signoff.submit(s, e.id, kind, actor=users["organizer"])
            approvals.decide(s, item.id, "approved", leader=users["leader"], comment="同意")
    with write_session() as s:
        r = timeline.readiness(s, e.id)
        assert r.ready and r.ratio == 1.0
        assert ev.transition(s, e.id, "ready", actor=users["organizer"]).status == "ready"


def test_an_unsuitable_venue_stops_the_event_from_being_ready(db_url, users):
    with write_session() as s:
        v = _venue(s, users, name="国际大酒店", kind="foreign_hotel")
        e = _event(s, users, v.id)
        ev.transition(s, e.id, "planned", actor=users["organizer"])
        for t in timeline.tasks(s, e.id):
            if t.phase == "before" and t.mandatory and t.origin == "plan" and t.rule_id not in ("B1.2", "B6.1"):
                timeline.mark_task(s, t.id, "done", actor=users["organizer"])
    with write_session() as s:
        blockers = ev.check_transition(s, ev.get_event(s, e.id), "ready")
    rules = {f.rule for f in blockers}
    assert "V2" in rules and any("P3" in f.source for f in blockers)


def test_recording_a_sweep_on_the_venue_rebuilds_the_plans_of_its_events(db_url, users):
    with write_session() as s:
        v = _venue(s, users)
        e = _event(s, users, v.id, start=datetime.now() + timedelta(hours=30),
                   end=datetime.now() + timedelta(hours=33))
    with read_session() as s:
        assert "venue:V9" in _by_rule(s, e.id)
    with write_session() as s:
        update_venue(s, v.id, VenueInput(name="会议室", kind="own_premises", features=FEATS,
                                         last_sweep_at=utcnow() - timedelta(hours=1)), actor=users["organizer"])
    with read_session() as s:
        assert "venue:V9" not in _by_rule(s, e.id)


def test_a_lost_document_adds_the_24_hour_report_to_the_plan(db_url, users):
    with write_session() as s:
        e = _event(s, users)
    at = utcnow()
    with write_session() as s:
        timeline.report_incident(s, e.id, "document_lost", actor=users["front_desk"], at=at)
    with read_session() as s:
        tasks = _by_rule(s, e.id)
        assert tasks["I2#1"].due_at == at.replace(microsecond=0) + timedelta(hours=24)
        assert tasks["I4#1"].owner_role == "front_desk"


def test_the_demo_meeting_gets_its_plan_and_loading_twice_changes_nothing(db_url, demo):
    from planners.base import demo as demo_mod

    ev_id = demo.events["q4-trade-meeting"].id
    with read_session() as s:
        tasks = _by_rule(s, ev_id)
        n_audit = s.query(AuditEntry).count()
    assert tasks["B1.1"].status == "done" and "B9" in tasks  # documents are issued at the demo meeting
    with write_session() as s:
        demo_mod.load(s)
    with read_session() as s:
        assert s.query(AuditEntry).count() == n_audit
        assert len(timeline.tasks(s, ev_id)) == len(tasks)


def test_marks_are_append_only_on_both_engines(any_db_url, users):
    with write_session() as s:
        e = _event(s, users)
    with write_session() as s:
        timeline.mark_task(s, _by_rule(s, e.id)["B2"].id, "done", actor=users["organizer"])
    for stmt in ("UPDATE plan_marks SET actor = 'mallory'", "DELETE FROM plan_marks"):
        with pytest.raises(Exception, match="append-only"):
            with write_session() as s:
                s.execute(text(stmt))
    with read_session() as s:
        assert [m.actor for m in s.scalars(select(PlanMark))] == ["organizer"]


def test_home_tells_the_organizer_which_plan_tasks_are_overdue(db_url, demo, users):
    from datetime import timedelta

    from planners.base import home
    from planners.store.models import Event

    ev_id = demo.events["q4-trade-meeting"].id
    with write_session() as s:  # start in 3 days whatever the hour, so the T-7d tasks are surely overdue
        e = s.get(Event, ev_id)
        e.starts_at, e.ends_at = e.starts_at - timedelta(days=4), e.ends_at - timedelta(days=4)
        timeline.build_plan(s, ev_id, actor=users["organizer"])
    with read_session() as s:
        items = [a for a in home.attention(s, users["organizer"]) if a.data.get("count") and a.color == "red"
                 and a.event_id == ev_id]  # the organizer also runs the demo's meeting under way
    assert items and "overdue" in items[0].text["en"] and "B2" in items[0].text["en"]


def test_an_organizer_asks_and_another_leader_approves_a_mandatory_task_not_applicable(db_url, users):
    from planners.base import approvals
    from planners.core.errors import SelfApprovalForbidden

    with write_session() as s:
        e = _event(s, users)
    with write_session() as s:
        tid = _by_rule(s, e.id)["B2"].id
        item = timeline.request_na(s, tid, actor=users["organizer"], reason="由上级统一提出要求")
        item_id = item.id
        assert "B2" in item.title["en"] and item.findings[0]["rule"] == "B2"
    with pytest.raises(SelfApprovalForbidden):  # the requester cannot decide, whatever their role
        with write_session() as s:
            approvals.decide(s, item_id, "approved", leader=users["organizer"].__class__(
                **{**users["organizer"].__dict__, "role": "leader"}))
    with write_session() as s:
        approvals.decide(s, item_id, "approved", leader=users["leader"])
    with read_session() as s:
        t = _by_rule(s, e.id)["B2"]
        assert (t.status, t.marked_by, t.marked_role, t.reason) == ("na", "leader", "leader", "由上级统一提出要求")
