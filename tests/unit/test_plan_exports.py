"""The plan's exports: ICS in independent strict parsers, PDF text, DOCX read back, CSV, and the CLI."""
import csv
import io
from datetime import timedelta

import pytest
from click.testing import CliRunner
from docx import Document

from planners import plan as timeline
from planners.cli import main
from tests.conftest import TEST_PASSWORD
from planners.plan.calendar import calendar_tasks, plan_ics
from planners.plan.content import plan_csv
from planners.plan.export_docx import plan_docx
from planners.plan.export_pdf import plan_pdf
from planners.store.uow import read as read_session, write_session
from tests.helpers import pdf_pages, pdf_text


@pytest.fixture
def snap(demo, users):
    ev_id = demo.events["q4-trade-meeting"].id
    with write_session() as s:  # one task not applicable: it leaves the calendar
        t = next(t for t in timeline.tasks(s, ev_id) if t.task_key == "F3")
        timeline.mark_task(s, t.id, "na", actor=users["leader"], reason="外方仅参加公开环节")
    with read_session() as s:
        return timeline.snapshot(s, ev_id)


def test_the_calendar_parses_in_vobject_with_one_event_and_one_alarm_per_dated_task(snap):
    import vobject

    data = plan_ics(snap, "zh_CN")
    cal = vobject.readOne(data.decode("utf-8"), validate=True)
    dated = calendar_tasks(snap)
    assert len(dated) == len([t for t in snap.tasks if t.status != "na"]) and len(dated) > 20
    events = cal.vevent_list
    assert len(events) == len(dated)
    assert all(len(e.valarm_list) == 1 for e in events)
    assert cal.vtimezone.tzid.value == "Asia/Shanghai"
    assert all(e.dtstart.value.utcoffset() == timedelta(hours=8) for e in events)
    assert b"DTSTART;TZID=Asia/Shanghai:" in data
    summaries = [e.summary.value for e in events]
    assert any("确定会议密级" in x for x in summaries) and not any("F3" in x for x in summaries)
    b11 = next(e for e in events if " B1.1 " in e.summary.value)
    assert b11.valarm.trigger.value == -timedelta(days=1)


def test_the_calendar_parses_in_the_ical_library(snap):
    from ical.calendar_stream import IcsCalendarStream

    cal = IcsCalendarStream.calendar_from_ics(plan_ics(snap, "en").decode("utf-8"))
    dated = calendar_tasks(snap)
    assert len(cal.events) == len(dated)
    assert sum(len(e.alarm) for e in cal.events) == len(dated)
    assert [tz.tz_id for tz in cal.timezones] == ["Asia/Shanghai"]
    first = min(dated, key=lambda t: t.due_at)
    ev = next(e for e in cal.events if e.uid.endswith(f"task{first.id}@conclave.invalid"))
    assert ev.dtstart.utcoffset() == timedelta(hours=8)
    assert ev.dtstart.replace(tzinfo=None) == first.due_at + timedelta(hours=8)


def test_the_pdf_has_the_chinese_title_the_marking_the_venue_verdict_and_every_task(snap):
    data = plan_pdf(snap, "zh_CN")
    text = pdf_text(data).replace(" ", "")
    flat = text.replace("\n", "")
    assert "2026年第四季度外贸形势分析会保密工作方案" in flat
    assert "机密★10年" in text and "基本符合，需整改后使用" in text and "审批领导" in text and "承办人" in text
    assert f"第1页/共{pdf_pages(data)}页" in text
    for t in snap.tasks:
        assert t.rule_id in text
        assert t.text["zh_CN"][:12].replace(" ", "") in flat, t.rule_id


def test_the_english_pdf_says_the_same_in_english(snap):
    text = pdf_text(plan_pdf(snap, "en"))
    assert "Security plan: 2026年第四季度外贸形势分析会" in text and "Approving leader" in text
    assert "Suitable with conditions" in text and "Page 1 of" in text


def test_the_docx_reads_back_with_marking_phases_tasks_and_signatures(snap):
    doc = Document(io.BytesIO(plan_docx(snap, "zh_CN")))
    # an unapproved plan opens with its 未经审批 mark (issue 11), then the title
    assert [p.text for p in doc.paragraphs[:2]] == ["未经审批", "2026年第四季度外贸形势分析会保密工作方案"]
    assert doc.sections[0].header.paragraphs[0].text == "机密★10年"
    cells = {c.text for tbl in doc.tables for row in tbl.rows for c in row.cells}
    for t in snap.tasks:
        assert any(t.text["zh_CN"] in c for c in cells), t.rule_id
    body = "\n".join(p.text for p in doc.paragraphs)
    assert "会前" in body and "会中" in body and "会后" in body and "审批领导" in body
    assert 'w:eastAsia="仿宋"' in doc.styles["Normal"].element.xml  # GB/T 9704 (issue 16)


def test_the_csv_lists_every_task_and_neutralises_formulas(snap):
    rows = list(csv.DictReader(io.StringIO(plan_csv(snap, "en").decode("utf-8-sig"))))
    assert len(rows) == len(snap.tasks)
    f3 = next(r for r in rows if r["Rule"] == "F3")
    assert f3["Status"] == "Not applicable" and f3["Reason"] == "外方仅参加公开环节"
    assert all(not r["Due rule"].startswith(("=", "+", "-", "@")) for r in rows)


def test_the_csv_speaks_the_language_of_the_ui_headers_and_yes_no_included(snap):
    """Issue 16: an export from the Chinese UI has Chinese headers and 是/否; from the English UI, English."""
    zh = list(csv.reader(io.StringIO(plan_csv(snap, "zh_CN").decode("utf-8-sig"))))
    assert zh[0] == ["活动", "阶段", "规则", "任务", "责任人", "期限", "期限规则", "必办", "本项目建议", "状态", "理由",
                     "标记人", "依据"]
    rows = [dict(zip(zh[0], r)) for r in zh[1:]]
    assert {r["必办"] for r in rows} == {"是", "否"} and {r["本项目建议"] for r in rows} <= {"是", "否"}
    assert {r["阶段"] for r in rows} == {"会前", "会中", "会后"} and "不适用" in {r["状态"] for r in rows}
    en = list(csv.reader(io.StringIO(plan_csv(snap, "en").decode("utf-8-sig"))))
    assert en[0] == ["Event", "Phase", "Rule", "Task", "Owner", "Due", "Due rule", "Mandatory", "Project proposal",
                     "Status", "Reason", "Marked by", "Source"]
    en_rows = [dict(zip(en[0], r)) for r in en[1:]]
    assert {r["Mandatory"] for r in en_rows} == {"yes", "no"} and {r["Phase"] for r in en_rows} == {
        "Before", "During", "After"}
    assert not any(c.isascii() and c.isalpha() for c in "".join(zh[0]))  # not one English letter in the headers


@pytest.mark.parametrize("fmt,magic", [("ics", b"BEGIN:VCALENDAR"), ("pdf", b"%PDF"), ("docx", b"PK"),
                                       ("csv", "\ufeff活动".encode())])  # zh_CN, the CLI's default
def test_conclave_export_writes_each_format(demo, tmp_path, fmt, magic):
    out = tmp_path / f"plan.{fmt}"
    ev_id = demo.events["q4-trade-meeting"].id
    res = CliRunner(env={"CONCLAVE_PASSWORD": TEST_PASSWORD}).invoke(main, ["export", str(ev_id), "--format", fmt, "--out", str(out), "--as", "admin"])
    assert res.exit_code == 0, res.output
    assert out.read_bytes().startswith(magic)


def test_conclave_export_refuses_an_unknown_event(db_url, users, tmp_path):
    res = CliRunner(env={"CONCLAVE_PASSWORD": TEST_PASSWORD}).invoke(main, ["export", "999", "--format", "ics", "--out", str(tmp_path / "x.ics"),
                                    "--as", "admin"])
    assert res.exit_code == 2 and "No event with id 999" in res.output


def test_the_chinese_calendar_reads_due_and_source_in_chinese(snap):
    """Issue 16: 期限：会前14天, 依据：实施条例第四十五条…, never "T-14d" or "art." in the Chinese calendar."""
    from planners.plan.calendar import plan_ics

    text = plan_ics(snap, "zh_CN").decode("utf-8").replace("\r\n ", "")
    assert "期限：会前" in text and "art." not in text and "T-" not in text


def test_the_chinese_printed_plan_cites_sources_in_chinese(snap):
    """Issue 16: the PDF/Word tables of the Chinese plan say 第四十五条第一项, never "art.", "§" or "CFR"."""
    from planners.plan.content import plan_content

    pc = plan_content(snap, "zh_CN")
    cells = [c for _, rows in pc.phases for row in rows for c in row] + [c for row in pc.venue_rows for c in row]
    assert not [c for c in cells if "art." in c or "§" in c or "CFR" in c]
    assert any("第" in c and "条" in c for c in cells)
