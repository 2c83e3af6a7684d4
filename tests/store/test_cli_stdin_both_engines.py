"""`conclave scan EVENT --stdin` (issue 17) on SQLite and on PostgreSQL: one sign-in, one verdict per code, the
same scan log and audit entries as the one-shot scan."""
from __future__ import annotations

import json

from click.testing import CliRunner
from sqlalchemy import func, select

from planners.cli import main
from planners.store import uow
from planners.store.models import AuditEntry
from planners.store.models_checkin import Attendance, Scan
from tests.checkin.helpers import make_event
from tests.conftest import TEST_PASSWORD, make_user


def test_a_scripted_desk_reading_codes_from_stdin_works_on_both_databases(any_db_url):
    url = any_db_url
    with uow.write_session(url) as s:
        org = make_user(s, "org", "organizer")
        make_user(s, "desk", "front_desk")
    eid, codes = make_event(url, org, n=2)
    c1, c2 = codes.values()
    r = CliRunner(env={"CONCLAVE_PASSWORD": TEST_PASSWORD, "DATABASE_URL": url}).invoke(
        main, ["scan", str(eid), "--stdin", "--desk", "north", "--json", "--as", "desk"],
        input=f"{c1}\n\nNOT-A-BADGE\n{c2}\n{c1}\n")
    assert [json.loads(x)["reason"] for x in r.stdout.splitlines()] == ["ok", "invalid", "ok", "same_badge_again"]
    assert r.exit_code == 3, r.output
    with uow.read(url) as s:
        assert s.scalar(select(func.count()).select_from(Attendance).where(Attendance.event_id == eid)) == 2
        assert [x for x in s.scalars(select(Scan.reason).where(Scan.event_id == eid).order_by(Scan.id))] == \
            ["ok", "invalid", "ok", "same_badge_again"]
        audit = list(s.scalars(select(AuditEntry.action).where(AuditEntry.event_id == eid,
                                                               AuditEntry.action == "checkin.scan")))
        signins = s.scalar(select(func.count()).select_from(AuditEntry).where(AuditEntry.action == "signin.ok",
                                                                             AuditEntry.actor == "desk"))
    assert len(audit) == 4 and signins == 1
