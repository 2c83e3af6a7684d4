"""Issue 11 from the command line: `events create/show`, `approvals submit/decide`; refusals exit 3."""
from __future__ import annotations

import json

from click.testing import CliRunner

from planners.cli.main import main
from tests.conftest import TEST_PASSWORD


def test_create_submit_decide_and_show_from_a_script(db_url, users, tmp_path):
    run = CliRunner(env={"CONCLAVE_PASSWORD": TEST_PASSWORD}).invoke
    r = run(main, ["events", "create", "--title", "脚本会议", "--kind", "meeting", "--level", "机密",
                   "--start", "2030-01-10T09:00", "--end", "2030-01-10T12:00", "--organizer", "organizer"])
    assert r.exit_code == 0, r.output
    eid = int(r.output.strip())
    r = run(main, ["events", "show", str(eid), "--json"])
    body = json.loads(r.output)
    assert body["status"] == "draft" and body["level"] == "confidential"
    assert {"B1.2", "B6.1", "venue"} <= {f["rule"] for f in body["readiness"]["blocking"]}
    assert [a["status"] for a in body["approvals"]] == ["not_submitted", "not_submitted"]

    r = run(main, ["approvals", "submit", str(eid), "plan", "--as", "organizer", "--json"])
    assert r.exit_code == 0, r.output
    item = json.loads(r.output)["item"]
    r = run(main, ["approvals", "decide", str(item), "approve", "--as", "organizer", "--comment", "x"])
    assert r.exit_code == 3 and "refused" in r.output  # not a leader
    r = run(main, ["approvals", "decide", str(item), "reject", "--as", "leader"])
    assert r.exit_code == 3 and "comment" in r.output  # a rejection says why
    r = run(main, ["approvals", "decide", str(item), "approve", "--as", "leader", "--comment", "同意"])
    assert r.exit_code == 0 and "approved" in r.output, r.output
    r = run(main, ["approvals", "decide", str(item), "approve", "--as", "leader2", "--comment", "again"])
    assert r.exit_code == 3  # decided already
    r = run(main, ["approvals", "submit", str(eid), "list", "--as", "organizer", "--lang", "zh_CN"])
    assert r.exit_code == 3 and "名单为空" in r.output  # nothing to approve yet
    body = json.loads(run(main, ["events", "show", str(eid), "--json"]).output)
    plan = body["approvals"][0]
    assert plan["status"] == "approved" and plan["approved_version"] == 1 and len(plan["approved_hash"]) == 64
    assert plan["approved_by"][0]["by"] == "leader"
    assert "B1.2" not in {f["rule"] for f in body["readiness"]["blocking"]}
    listed = json.loads(run(main, ["events", "--json"]).output)
    assert [e["id"] for e in listed] == [eid]
    r = run(main, ["events", "create", "--title", "x", "--kind", "meeting", "--level", "机密", "--start",
                   "2030-01-10T09:00", "--end", "2030-01-10T08:00", "--organizer", "organizer"])
    assert r.exit_code == 3 and "end" in r.output
