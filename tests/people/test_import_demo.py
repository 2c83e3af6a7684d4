"""The register's import (all-or-nothing, row report, encodings and headers), export, the CLI, the home page's
expiry items, the allow-list import's match report and deny-list refusal, and the demo's register verdicts."""
from __future__ import annotations

import json
from datetime import timedelta

import pytest
from click.testing import CliRunner

from planners import checkin, people
from planners.attendees import allowlist
from planners.attendees import badges as tokens
from planners.base import home
from planners.checkin.hooks import DEMO_DESK
from planners.people import export, importer
from planners.store import uow
from tests.conftest import TEST_PASSWORD
from tests.helpers import pdf_text

HEADER_ZH = "姓名,单位,岗位,证件类型,证件号后四位,国籍,单位性质,涉密等级,涉密人员类别,保密承诺书签订日期,在岗培训日期,在岗培训学时,上岗培训日期"


def _csv(*rows: str, header: str = HEADER_ZH, enc: str = "utf-8") -> bytes:
    return ("\n".join([header, *rows]) + "\n").encode(enc)


def test_import_gb18030_chinese_headers_then_duplicates_refused(db_url, users):
    officer = users["security_officer"]
    d = (people.today() - timedelta(days=30)).isoformat()
    data = _csv(f"张三,市财政局,机要秘书,身份证,1234,中国,机关,机密,重要,{d},{d},12,{d}",
                f"李四,市财政局,科员,身份证,0042,CN,三资企业,秘密,一般,{d},{d},8,{d}", enc="gb18030")
    with uow.write_session(db_url) as s:
        rep = importer.import_file(s, "名册.csv", data, actor=officer)
    assert rep.written and rep.imported == 2, rep.lines("en")
    with uow.read(db_url) as s:
        li = people.find(s, name="李四")[0]
        assert (li.id_last4, li.employer_type, li.level) == ("0042", "foreign_invested", "secret")
        assert people.valid_pledge(s, li.id, "secrecy_pledge") and li.training_until is not None
    with uow.write_session(db_url) as s:  # the same file again: every row is a duplicate, nothing written
        rep = importer.import_file(s, "名册.csv", data, actor=officer)
    assert not rep.written and {p.row for p in rep.problems} == {2, 3}
    assert "already in the register" in rep.lines("en")[1]


@pytest.mark.parametrize("row, field", [
    ("王五,市财政局,科员,身份证,110101199001011234,CN,机关,机密,一般,,,,", "id_last4"),
    ("王五,市财政局,科员,身份证,1234,CN,机关,机密,一般,2999-01-01,,,", "pledge_signed_on"),
    ("王五,市财政局,科员,身份证,1234,CN,机关,特级,一般,,,,", "level"),
    ("王五,市财政局,科员,身份证,1234,CN,外星企业,机密,一般,,,,", "employer_type"),
])
def test_import_refusals_name_row_and_field_and_write_nothing(db_url, users, row, field):
    good = "赵六,市财政局,科员,身份证,5678,CN,机关,秘密,一般,,,,"
    with uow.write_session(db_url) as s:
        rep = importer.import_file(s, "x.csv", _csv(good, row), actor=users["security_officer"])
    assert not rep.written and [(p.row, p.field) for p in rep.problems][:1] == [(3, field)]
    assert "第3行" in rep.lines("zh_CN")[1]
    with uow.read(db_url) as s:
        assert people.all_people(s) == []


def test_template_xlsx_with_english_headers_imports_and_exports(db_url, users):
    with uow.write_session(db_url) as s:
        rep = importer.import_file(s, "t.xlsx", importer.template_bytes("xlsx", "en"), actor=users["security_officer"])
    assert rep.written and rep.imported == 1, rep.lines("en")
    with uow.write_session(db_url) as s:
        csv_bytes, _ = export.export(s, "csv", actor=users["leader"], lang="zh_CN")
        pdf, _ = export.export(s, "pdf", actor=users["security_officer"], lang="zh_CN")
    assert "张三" in csv_bytes.decode("utf-8-sig") and "1234" in csv_bytes.decode("utf-8-sig")
    text = pdf_text(pdf)
    assert "涉密人员名册" in text and "机密" in text  # marked with the highest level it lists


def test_home_lists_pledges_expiring_within_30_days_for_the_officer(db_url, users):
    officer = users["security_officer"]
    with uow.write_session(db_url) as s:
        p = people.create(s, {"name": "张三", "unit": "市财政局", "id_last4": "1234", "level": "秘密"}, actor=officer)
        people.record_pledge(s, p.id, kind="secrecy_pledge", signed_on=people.today() - timedelta(days=350),
                             actor=officer)
    with uow.read(db_url) as s:
        items = home.attention(s, officer)
        assert any("15" in a.text["en"] and "expires" in a.text["en"] for a in items)
        assert home.attention(s, users["organizer"]) == [] or all(a.page != "people" for a in
                                                                   home.attention(s, users["organizer"]))


def test_allowlist_import_reports_the_match_and_refuses_a_barred_person(db_url, users):
    from tests.checkin.helpers import make_event

    officer = users["security_officer"]
    with uow.write_session(db_url) as s:
        p = people.create(s, {"name": "张三", "unit": "市财政局", "id_last4": "1234", "level": "秘密"}, actor=officer)
        people.create(s, {"name": "李四", "unit": "市财政局", "id_last4": "5678", "level": "秘密"}, actor=officer)
        people.create(s, {"name": "李四", "unit": "市商务局", "id_last4": "5678", "level": "秘密"}, actor=officer)
    ev_id, _ = make_event(db_url, users["organizer"], n=0)
    data = ("姓名,单位,证件号后四位,涉密等级,已签保密承诺书\n张三,市财政局,1234,机密,是\n李四,市发改委,5678,秘密,是\n"
            "王五,市财政局,9999,秘密,是\n").encode()
    with uow.write_session(db_url) as s:
        rep = allowlist.import_file(s, ev_id, "list.csv", data, actor=users["organizer"])
    assert rep.written
    by_row = {r["row"]: r for r in rep.links}
    assert [by_row[i]["match"] for i in (2, 3, 4)] == ["exact", "ambiguous", "none"]
    assert by_row[2]["mismatches"][0]["field"] == "clearance"
    assert any("多人" in line for line in rep.lines("zh_CN"))
    with uow.write_session(db_url) as s:
        people.bar(s, p.id, reason="违规", ends_on=people.today() + timedelta(days=10), actor=users["leader"])
    ev2, _ = make_event(db_url, users["organizer"], n=0, title="第二次会议")
    with uow.write_session(db_url) as s:
        rep = allowlist.import_file(s, ev2, "list.csv", data, actor=users["organizer"])
    assert not rep.written and [(p.row, p.code) for p in rep.problems] == [(2, "barred")]


def test_cli_template_import_list_and_show(db_url, users, tmp_path, monkeypatch):
    from planners.cli.main import main

    runner = CliRunner()
    out = tmp_path / "t.csv"
    assert runner.invoke(main, ["people", "template", "--out", str(out)]).exit_code == 0
    monkeypatch.setenv("CONCLAVE_PASSWORD", TEST_PASSWORD)
    r = runner.invoke(main, ["people", "import", str(out), "--dry-run", "--as", "security_officer"])
    assert r.exit_code == 0 and "nothing written" in r.output
    r = runner.invoke(main, ["people", "import", str(out), "--as", "organizer"])
    assert r.exit_code == 3 and "security officer" in r.output
    r = runner.invoke(main, ["people", "import", str(out), "--as", "security_officer"])
    assert r.exit_code == 0, r.output
    rows = json.loads(runner.invoke(main, ["people", "--json"]).output)
    assert [x["name"] for x in rows] == ["张三"]
    shown = json.loads(runner.invoke(main, ["people", "show", str(rows[0]["id"]), "--json"]).output)
    assert shown["pledges"][0]["kind"] == "secrecy_pledge" and shown["history"][0]["action"] == "created"
    r = runner.invoke(main, ["people", "show", "999", "--json"])
    assert r.exit_code == 3 and "No person" in r.output


def test_the_demo_meeting_verdicts_come_from_the_register(demo, db_url, users):
    ev = demo.events["desk-demo"]
    with uow.write_session(db_url) as s:
        codes = {a.name: c for a, c in tokens.codes_for_event(s, ev.id, actor="admin")}
    got = {n: checkin.scan(ev.id, codes[n], desk=DEMO_DESK[0], actor=users["front_desk"]).reason
           for n in ("孙丽", "郑刚", "钱磊", "吴敏", "冯涛", "周强")}
    assert got == {"孙丽": "ok", "郑刚": "ineligible", "钱磊": "needs_approval", "吴敏": "in_decommission_period",
                   "冯涛": "pledge_expired", "周强": "barred"}
    with uow.read(db_url) as s:
        assert "officer" in demo.passwords and len(people.all_people(s)) > 30
