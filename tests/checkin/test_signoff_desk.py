"""Issue 11 at the desk: nobody is admitted before the event is ready (its plan and list approved), a person
added after the approval is `not_on_approved_list` while the others are admitted, and the first admission
starts the event — on SQLite and PostgreSQL."""
from __future__ import annotations

import json

from sqlalchemy import select

from planners import checkin
from planners.attendees import allowlist, badges as tokens
from planners.base import approvals
from planners.plan import signoff
from planners.store import uow
from planners.store.models import AuditEntry, Event
from tests.checkin.helpers import CLEARED, approve_for_desk, make_event
from tests.conftest import make_user

NEW = {"name": "孙立新", "unit": "市发展改革委", "post": "", "id_type": "resident_id", "id_last4": "5821",
       "nationality": "CN", "foreign_invested_staff": False, "clearance": "confidential", "secret_class": "",
       "pledge_signed": True, "event_role": "attendee", "designated_by": ""}


def _people(url):
    with uow.write_session(url) as s:
        return make_user(s, "organizer", "organizer"), make_user(s, "leader", "leader"), \
            make_user(s, "desk", "front_desk")


def test_the_reproduction_draft_refused_approved_admitted_added_person_refused_until_reapproved(any_db_url):
    url = any_db_url
    org, leader, desk = _people(url)
    eid, codes = make_event(url, org, ready=False, n=3)
    first, second, third = list(codes.values())

    v = checkin.scan(eid, first, desk="d", actor=desk, url=url)  # a draft 机密 meeting, no venue, nothing done
    assert v.reason == "event_not_ready" and not v.ok
    blocking = {a["rule"] for a in v.require_attention if a["code"] == "blocking"}
    assert {"status", "venue", "B1.2", "B6.1"} <= blocking, blocking
    assert "B6.1" in v.todo["en"] and "不得放行" in v.todo["zh_CN"]
    assert v.as_json()["reason"] == "event_not_ready"

    approve_for_desk(url, eid, org)
    v = checkin.scan(eid, first, desk="d", actor=desk, url=url)
    assert v.reason == "ok"
    with uow.read(url) as s:
        assert s.get(Event, eid).status == "in_progress"  # the first admission starts the event, audited
        e = s.scalars(select(AuditEntry).where(AuditEntry.action == "event.status", AuditEntry.event_id == eid)
                      .order_by(AuditEntry.id.desc())).first()
        assert json.loads(e.details)["after"] == {"status": "in_progress"} and e.actor == "desk"

    with uow.write_session(url) as s:  # the organizer adds a person after the approval
        allowlist.save_table(s, eid, [NEW], actor=org)
        queued = [a for a in approvals.pending(s) if a.kind == signoff.LIST_KIND]
        assert len(queued) == 1 and [x["label"] for x in signoff.queue_diff(s, queued[0].id)["diff"]["added"]] \
            == ["孙立新 (市发展改革委)"]
        new_code = dict((a.name, c) for a, c in tokens.codes_for_event(s, eid, actor=org))["孙立新"]
        item_id = queued[0].id
    v = checkin.scan(eid, new_code, desk="d", actor=desk, url=url)
    assert v.reason == "not_on_approved_list" and v.attendee["name"] == "孙立新"
    assert "approved" in v.message["en"] and "已批准" in v.message["zh_CN"]
    assert checkin.scan(eid, second, desk="d", actor=desk, url=url).reason == "ok"  # the others still ok

    with uow.write_session(url) as s:
        approvals.decide(s, item_id, "approved", leader=leader, comment="同意")
    assert checkin.scan(eid, new_code, desk="d", actor=desk, url=url).reason == "ok"
    assert checkin.scan(eid, third, desk="d", actor=desk, url=url).reason == "ok"


def test_a_person_edited_after_approval_is_not_admitted_as_approved(db_url):
    org, leader, desk = _people(db_url)
    eid, codes = make_event(db_url, org, n=2)
    aid, code = next(iter(codes.items()))
    with uow.write_session(db_url) as s:
        row = {**{f: getattr(a, f) for a in [s.get(__import__("planners.store.models", fromlist=["Attendee"])
                                                     .Attendee, aid)] for f in allowlist.EDITABLE}}
        row.update(id=aid, unit="另一单位")
        allowlist.save_table(s, eid, [row], actor=org)
    v = checkin.scan(eid, code, desk="d", actor=desk, url=db_url)
    assert v.reason == "not_on_approved_list" and v.details["changed"] == "edited"


def test_a_public_event_without_list_approval_still_admits(db_url):
    org, _leader, desk = _people(db_url)
    eid, codes = make_event(db_url, org, level="internal", n=1, people=[dict(name="甲", unit="u", id_last4="0001",
                                                                            **CLEARED)], ready=False)
    with uow.write_session(db_url) as s:
        s.get(Event, eid).status = "ready"
    assert checkin.scan(eid, next(iter(codes.values())), desk="d", actor=desk, url=db_url).reason == "ok"


def test_the_desk_picker_offers_only_ready_and_running_events_and_says_why_one_is_missing(db_url):
    org, _leader, desk = _people(db_url)
    draft, _ = make_event(db_url, org, ready=False, n=1, title="草稿会议")
    ready, _ = make_event(db_url, org, n=1, title="就绪会议")
    with uow.read(db_url) as s:
        offered, missing = checkin.desk_events(s, desk)
    assert [e.id for e in offered] == [ready]
    why = {m["id"]: m for m in missing}
    assert draft in why and "attendee list" in why[draft]["text"]["en"] and "草稿会议" in why[draft]["text"]["zh_CN"]
    assert "名单" in why[draft]["text"]["zh_CN"] and "more open on the event" in why[draft]["text"]["en"]
