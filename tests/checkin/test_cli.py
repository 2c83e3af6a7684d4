"""`conclave attendees template|import`, `conclave badges`, `conclave scan`."""
from __future__ import annotations

import json

import pytest
from click.testing import CliRunner

from planners.cli import main
from tests.checkin.helpers import make_event
from tests.conftest import TEST_PASSWORD
from tests.helpers import pdf_text

ZH = "姓名,单位,证件号后四位,涉密等级,已签保密承诺书\n王五,市财政局,2001,机密,是\n孙七,市商务局,2003,机密,是\n"


@pytest.fixture
def runner():
    return CliRunner(env={"CONCLAVE_PASSWORD": TEST_PASSWORD})


def test_template_then_import_with_dry_run_and_refusal_exit_codes(db_url, users, tmp_path, runner):
    eid, _ = make_event(db_url, users["organizer"], n=0)
    for name in ("t.csv", "t.xlsx"):
        r = runner.invoke(main, ["attendees", "template", "--out", str(tmp_path / name)])
        assert r.exit_code == 0 and (tmp_path / name).stat().st_size > 100
    f = tmp_path / "list.csv"
    f.write_bytes(ZH.encode("gb18030"))
    r = runner.invoke(main, ["attendees", "import", str(eid), str(f), "--dry-run", "--as", "organizer"])
    assert r.exit_code == 0 and "2 valid" in r.output and "nothing written" in r.output
    bad = tmp_path / "bad.csv"
    bad.write_bytes((ZH + ",市财政局,2004,机密,是\n").encode("utf-8"))
    r = runner.invoke(main, ["attendees", "import", str(eid), str(bad), "--as", "organizer"])
    assert r.exit_code == 3 and "row 4 · Name" in r.output
    r = runner.invoke(main, ["attendees", "import", str(eid), str(bad), "--valid-only", "--as", "organizer"])
    assert r.exit_code == 0 and "2 imported" in r.output
    r = runner.invoke(main, ["attendees", "import", str(eid), str(f), "--as", "organizer"])
    assert r.exit_code == 3 and "already on this event's list" in r.output
    pdf = tmp_path / "x.pdf"
    pdf.write_bytes(b"%PDF-1.4")
    assert runner.invoke(main, ["attendees", "import", str(eid), str(pdf), "--as", "organizer"]).exit_code == 3


def test_badges_pdf_and_csv_then_scan_json(db_url, users, tmp_path, runner):
    eid, codes = make_event(db_url, users["organizer"], people=[
        dict(name="王明", unit="市财政局", post="处长", id_last4="1001", clearance="confidential",
             pledge_signed=True)])
    r = runner.invoke(main, ["badges", str(eid), "--out", str(tmp_path / "b.pdf"), "--as", "organizer"])
    assert r.exit_code == 0, r.output
    text = pdf_text((tmp_path / "b.pdf").read_bytes())
    assert "王明" in text and "市财政局" in text and "Confidential" in text and "参会人员" in text
    r = runner.invoke(main, ["badges", str(eid), "--out", str(tmp_path / "b.csv"), "--as", "organizer"])
    csv_text = (tmp_path / "b.csv").read_text(encoding="utf-8-sig")
    assert csv_text.splitlines()[0].startswith("name,unit,") and ",code" in csv_text.splitlines()[0]
    code = csv_text.splitlines()[1].split(",")[-1]
    assert code == next(iter(codes.values()))
    r = runner.invoke(main, ["scan", str(eid), code, "--desk", "north", "--json", "--as", "front_desk"])
    out = json.loads(r.output)
    assert r.exit_code == 0 and out["status"] == "ok" and out["reason"] == "ok"
    assert out["attendee"]["name"] == "王明" and {a["code"] for a in out["require_attention"]} >= {"photo_id", "locker"}
    r = runner.invoke(main, ["scan", str(eid), code, "--desk", "south", "--json", "--as", "front_desk"])
    assert r.exit_code == 3 and json.loads(r.output)["reason"] == "same_badge_again"  # another desk, a moment on
    r = runner.invoke(main, ["scan", str(eid), code[:-1] + "Q", "--desk", "south", "--json", "--as", "front_desk"])
    assert r.exit_code == 3 and json.loads(r.output)["reason"] == "invalid"
    r = runner.invoke(main, ["scan", str(eid), code, "--desk", "south", "--exit", "--json", "--as", "front_desk"])
    assert r.exit_code == 0 and json.loads(r.output)["reason"] == "exit_ok"


def test_the_demo_prepares_badges_once_and_a_second_run_changes_nothing(db_url, users, tmp_path, runner):
    from planners.base import demo as demo_mod
    from planners.store import uow
    from planners.store.models_checkin import Badge, EventKey

    with uow.write_session(db_url) as s:
        demo_mod.load(s)
    with uow.read(db_url) as s:
        before = (s.query(Badge).count(), s.query(EventKey).count())
    assert before[0] > 0 and before[1] >= 1
    with uow.write_session(db_url) as s:
        ctx = demo_mod.load(s)
    assert ctx.created == []
    with uow.read(db_url) as s:
        assert (s.query(Badge).count(), s.query(EventKey).count()) == before
        eid = s.query(EventKey).first().event_id
    r = runner.invoke(main, ["badges", str(eid), "--out", str(tmp_path / "demo.csv"), "--as", "admin"])
    assert r.exit_code == 0 and "badges written" in r.output
