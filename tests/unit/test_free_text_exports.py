"""Free text with control characters or line breaks (issue 19, item 8): the event form refuses it, the Word,
PDF and calendar exports strip what slipped in before, and the CSV neutraliser knows the full-width ＝."""
from __future__ import annotations

import io
from datetime import datetime, timezone

import pytest
from docx import Document

from planners.core.errors import ValidationFailed
from planners.base.events import EventInput, validate
from planners.plan.calendar import plan_ics
from planners.plan.export_docx import plan_docx
from planners.plan.export_pdf import plan_pdf
from planners.exports.tables import neutralise, to_csv
from planners.plan import PlanSnapshot, TaskRow

HOSTILE = ["季度\n分析会", "季度\x07分析会", "季度\x1b]0;owned\x07分析会", "季度\x00分析会", "季度\u202e分析会",
           "季度\r\n分析会\t"]


def _input(**kw) -> EventInput:
    base = dict(title="季度分析会", kind="meeting", level="confidential",
                start=datetime(2026, 3, 1, 9, tzinfo=timezone.utc), end=datetime(2026, 3, 1, 12, tzinfo=timezone.utc))
    return EventInput(**(base | kw))


@pytest.mark.parametrize("field", ["title", "host_unit", "retention"])
@pytest.mark.parametrize("text", HOSTILE[:5])
def test_the_event_form_refuses_control_and_bidi_characters_naming_the_field(field, text):
    with pytest.raises(ValidationFailed) as e:
        validate(_input(**{field: text}))
    assert e.value.key == "events.text_control" and e.value.field == field
    assert "U+" in e.value.localized("en") and "U+" in e.value.localized("zh_CN")


def test_the_relay_scope_may_have_line_breaks_but_no_other_control():
    validate(_input(relay_scope="会议室内\n不得外传"))
    with pytest.raises(ValidationFailed) as e:
        validate(_input(relay_scope="会议室内\x1b[2J"))
    assert e.value.field == "relay_scope"


def _snap(title: str) -> PlanSnapshot:
    task = TaskRow(id=1, key="B1.1", rule_id="B1.1", phase="before", owner="organizer",
                   due_at=datetime(2026, 2, 27, 1), due_expr="start-2d", alarm_minutes=60, mandatory=True,
                   proposal=False, text={"zh_CN": "确定\x0b密级", "en": "Fix\nthe level"}, source="BMF\x00",
                   status="na", reason="外方\n仅参加\x07公开环节", marked_by="leader", marked_at=None)
    return PlanSnapshot(event_id=7, title=title, kind="meeting", level="confidential", retention="",
                        start=datetime(2026, 3, 1, 1), end=datetime(2026, 3, 1, 4), tz="Asia/Shanghai",
                        host_unit="市\x00财政局", organizer="organizer\x1b", relay_scope="a\nb", device_policy="lockers",
                        foreign_participants=False, documents_issued=False, venue=None,
                        tasks=[task, TaskRow(**{**task.__dict__, "id": 2, "status": "open"})])


@pytest.mark.parametrize("title", HOSTILE)
def test_word_and_pdf_exports_survive_a_title_with_control_characters(title):
    doc = Document(io.BytesIO(plan_docx(_snap(title), "zh_CN")))
    assert doc.paragraphs[0].text == "未经审批"  # an unapproved plan opens with its mark (issue 11), then the title
    head = doc.paragraphs[1].text
    assert head.startswith("季度") and "分析会" in head and "\n" not in head
    xml = "".join(p.text for p in doc.paragraphs) + "".join(c.text for t in doc.tables for r in t.rows for c in r.cells)
    assert not any(ch in xml for ch in "\x00\x07\x0b\x1b\u202e") and "季度" in xml and "市财政局" in xml
    assert plan_pdf(_snap(title), "en").startswith(b"%PDF")


@pytest.mark.parametrize("title", HOSTILE)
def test_the_calendar_survives_a_title_with_control_characters_and_parses(title):
    import vobject

    data = plan_ics(_snap(title), "zh_CN").decode("utf-8")
    assert not any(ch in data for ch in "\x00\x07\x0b\x1b\u202e")
    cal = vobject.readOne(data, validate=True)
    assert "季度" in cal.contents["x-wr-calname"][0].value
    summaries = [e.summary.value for e in cal.vevent_list]
    assert summaries and all("\n" not in x and "确定 密级" in x for x in summaries)


@pytest.mark.parametrize("cell", ["＝1+1", "＋SUM(A1)", "－2+3", "＠cmd", "\u2212 1", " =1+1", "\u3000＝HYPERLINK(1)"])
def test_csv_neutralises_full_width_and_disguised_formula_starts(cell):
    assert neutralise(cell) == "'" + cell
    assert to_csv([{"a": cell}]).decode("utf-8-sig").splitlines()[1].lstrip('"').startswith("'")


@pytest.mark.parametrize("cell", ["季度分析会", "1+1", "ＡＢＣ", "市财政局－办公室"])
def test_csv_leaves_ordinary_text_alone(cell):
    assert neutralise(cell) == cell
