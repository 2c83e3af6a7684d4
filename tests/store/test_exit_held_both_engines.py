"""Issue 16, item 1: someone who still holds a numbered copy is not let out — the verdict is orange ("收回 DOC-…"),
the exit is not recorded; the desk's 收回 takes the copies back and records the exit; otherwise a supervisor
lets them out with a reason (audited). On SQLite and PostgreSQL."""
from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import select

from planners import checkin, documents as docs
from planners.core.errors import PermissionDenied, SignInFailed, ValidationFailed
from planners.store import uow
from planners.store.models import AuditEntry, Event
from planners.store.models_checkin import Attendance, Scan
from tests.checkin.helpers import make_event
from tests.conftest import TEST_PASSWORD, make_user


@pytest.fixture
def holder(any_db_url):
    url = any_db_url
    with uow.write_session(url) as s:
        org = make_user(s, "org", "organizer")
        desk = make_user(s, "desk", "front_desk")
        make_user(s, "lead", "leader")
    eid, codes = make_event(url, org, n=2)
    with uow.write_session(url) as s:
        s.get(Event, eid).status = "in_progress"
    (a1, c1), (a2, _c2) = sorted(codes.items())
    with uow.write_session(url) as s:
        d = docs.register_document(s, eid, docs.DocumentInput(
            control_no="J-7", short_title="会议材料", carrier="paper", level="confidential", retention_kind="period",
            retention="5年", proposed_by="甲", approved_by="乙", basis="第1条", scope=["市财政局"],
            classified_on=date(2029, 12, 1), copies=2), actor=org)
        copy_codes = [docs.copy_code(eid, d.id, n) for n in (1, 2)]
    assert checkin.scan(eid, c1, desk="D1", actor=desk, url=url).reason == "ok"
    assert checkin.manual(eid, a2, desk="D1", actor=desk, url=url).reason == "ok"
    with uow.write_session(url) as s:
        for code in copy_codes:
            docs.issue_copy(s, eid, code, a1, actor=desk)
    return url, desk, eid, a1, c1, a2, copy_codes


def _inside(url, eid, aid) -> bool:
    with uow.read(url) as s:
        return s.scalar(select(Attendance.inside).where(Attendance.event_id == eid, Attendance.attendee_id == aid))


def test_a_copy_held_stops_the_exit_and_take_back_records_it(holder):
    url, desk, eid, a1, c1, _a2, copy_codes = holder
    v = checkin.scan(eid, c1, desk="D1", actor=desk, direction="out", url=url)
    assert (v.reason, v.color, v.ok) == ("exit_held", "orange", False)
    assert v.message["zh_CN"] == f"收回 {copy_codes[0]}、{copy_codes[1]}"
    assert copy_codes[0] in v.todo["en"] and v.require_attention[0]["copies"] == copy_codes
    assert _inside(url, eid, a1)  # the exit was not recorded
    again = checkin.scan(eid, c1, desk="south", actor=desk, direction="out", url=url)
    assert again.reason == "exit_held"  # never "not checked in"

    out = checkin.take_back_and_exit(eid, a1, desk="D1", actor=desk, url=url)
    assert out.reason == "exit_ok" and not _inside(url, eid, a1)
    assert out.require_attention[0]["code"] == "taken_back" and out.require_attention[0]["copies"] == copy_codes
    with uow.read(url) as s:
        assert docs.copies_held_by(s, eid, a1) == []
        assert s.get(Scan, out.scan_id).method == "take_back"
    later = checkin.scan(eid, c1, desk="south", actor=desk, direction="out", url=url)
    assert later.reason == "already_left" and "签退" in later.message["zh_CN"]


def test_a_supervisor_lets_the_holder_out_with_a_reason_audited(holder):
    url, desk, eid, a1, _c1, a2, copy_codes = holder
    with pytest.raises(ValidationFailed):
        checkin.exit_override(eid, a1, desk="D1", actor=desk, supervisor="lead", password=TEST_PASSWORD, reason="ok", url=url)
    with pytest.raises(SignInFailed):
        checkin.exit_override(eid, a1, desk="D1", actor=desk, supervisor="lead", password="wrong",
                              reason="家中急事，文件由本人带回单位保密室", url=url)
    with pytest.raises(PermissionDenied):  # the desk account is no supervisor
        checkin.exit_override(eid, a1, desk="D1", actor=desk, supervisor="desk", password=TEST_PASSWORD,
                              reason="家中急事，文件由本人带回单位保密室", url=url)
    assert _inside(url, eid, a1)
    v = checkin.exit_override(eid, a1, desk="D1", actor=desk, supervisor="lead", password=TEST_PASSWORD,
                              reason="家中急事，文件由本人带回单位保密室", url=url)
    assert v.reason == "exit_ok" and not _inside(url, eid, a1)
    assert v.require_attention[0]["code"] == "override"
    with uow.read(url) as s:
        row = s.scalars(select(AuditEntry).where(AuditEntry.action == "checkin.exit_override")).one()
        assert row.actor == "lead" and row.object_id == str(a1)
        assert "家中急事" in str(row.details) and copy_codes[0] in str(row.details)
        assert [r.code for r in docs.copies_held_by(s, eid, a1)] == copy_codes  # still outstanding
    # someone holding nothing goes out at once
    assert checkin.manual(eid, a2, desk="D1", actor=desk, direction="out", url=url).reason == "exit_ok"
