"""Importing the allow-list: the encodings and headers Chinese offices send, a row-by-row report, nothing
written while a row is in error unless the valid rows only are asked for."""
from __future__ import annotations

import io

import pytest

from planners.attendees import allowlist
from planners.core.errors import ImportRefused
from planners.core.errors import PermissionDenied
from planners.store import uow
from tests.checkin.helpers import make_event

ZH_HEADER = "姓名,单位,职务,证件类型,证件号后四位,国籍,外资企业人员,涉密等级,涉密人员类别,已签保密承诺书,参会身份,指定人"
EN_HEADER = "name,unit,post,id_type,id_last4,nationality,foreign_invested_staff,clearance,secret_class,pledge_signed,event_role,designated_by"
ROWS = ["王明,市财政局,处长,居民身份证,1234,CN,否,机密,重要,是,参会人员,",
        "李华,市统计局,科长,身份证,5678,中国,否,秘密,一般,是,工作人员,",
        "Anna Berg,Nordic AB,Manager,护照,9012,SE,否,,,否,外宾,"]


@pytest.fixture
def event(db_url, users):
    eid, _ = make_event(db_url, users["organizer"], n=0)
    return eid


def _import(db_url, eid, users, name, data, **kw):
    with uow.write_session(db_url) as s:
        return allowlist.import_file(s, eid, name, data, actor=users["organizer"], **kw)


def _count(db_url, eid):
    with uow.read(db_url) as s:
        return len(allowlist.list_attendees(s, eid))


@pytest.mark.parametrize("encoding,header", [
    ("utf-8", ZH_HEADER), ("utf-8-sig", ZH_HEADER), ("gb18030", ZH_HEADER), ("gbk", ZH_HEADER),
    ("utf-8", EN_HEADER), ("gb18030", EN_HEADER),
])
def test_import_accepts_chinese_office_encodings_and_headers(db_url, users, event, encoding, header):
    data = ("\r\n".join([header, *ROWS]) + "\r\n").encode(encoding)
    rep = _import(db_url, event, users, "名单.csv", data)
    assert rep.problems == [] and rep.imported == 3 and rep.written
    with uow.read(db_url) as s:
        people = {a.name: a for a in allowlist.list_attendees(s, event)}
    assert people["王明"].clearance == "confidential" and people["王明"].secret_class == "important"
    assert people["李华"].event_role == "staff" and people["李华"].nationality == "CN"
    assert people["Anna Berg"].event_role == "visitor" and people["Anna Berg"].id_type == "passport"


def test_an_xlsx_file_with_english_headers_imports(db_url, users, event):
    from openpyxl import Workbook

    wb = Workbook()
    ws = wb.active
    ws.append(EN_HEADER.split(","))
    for r in ROWS:
        ws.append(r.split(","))
    buf = io.BytesIO()
    wb.save(buf)
    assert _import(db_url, event, users, "list.xlsx", buf.getvalue()).imported == 3


def test_the_template_reimports_in_both_languages(db_url, users, event):
    for kind in ("csv", "xlsx"):
        for lang in ("zh_CN", "en"):
            with uow.write_session(db_url) as s:
                rep = allowlist.check_file(s, event, f"t.{kind}", allowlist.template_bytes(kind, lang))
            assert rep.problems == [] and len(rep.valid) == 1


BAD_ROWS = [  # (row, field, problem code)
    (",市财政局,,,1234,CN,,,,,,", "name", "name_required"),
    ("张三,,,,110101199001011234,CN,,,,,,", "id_last4", "full_id_given"),
    ("张三,,,,12a4,CN,,,,,,", "id_last4", "bad_id_last"),
    ("张三,,,驾照,1234,CN,,,,,,", "id_type", "bad_choice"),
    ("张三,,,,1234,CN,,特级,,,,", "clearance", "bad_level"),
    ("张三,,,,1234,CN,也许,,,,,", "foreign_invested_staff", "bad_bool"),
    ("张三,,,,1234,CN,,,,,嘉宾,", "event_role", "bad_choice"),
]


@pytest.mark.parametrize("row,field,code", BAD_ROWS)
def test_a_bad_row_is_reported_with_row_field_problem_and_fix_and_nothing_is_written(
        db_url, users, event, row, field, code):
    data = "\n".join([ZH_HEADER, ROWS[0], row]).encode("utf-8")
    rep = _import(db_url, event, users, "a.csv", data)
    assert not rep.written and _count(db_url, event) == 0
    [p] = rep.problems
    assert (p.row, p.field, p.code) == (3, field, code)
    assert p.problem("zh_CN") and p.fix("en") and "{" not in p.fix("zh_CN")


def test_valid_rows_only_when_explicitly_chosen(db_url, users, event):
    data = "\n".join([ZH_HEADER, ROWS[0], BAD_ROWS[0][0], ROWS[1]]).encode("utf-8")
    rep = _import(db_url, event, users, "a.csv", data, valid_only=True)
    assert rep.imported == 2 and rep.rows_in_error == 1 and _count(db_url, event) == 2


def test_dry_run_writes_nothing(db_url, users, event):
    rep = _import(db_url, event, users, "a.csv", "\n".join([ZH_HEADER, *ROWS]).encode(), dry_run=True)
    assert len(rep.valid) == 3 and not rep.written and _count(db_url, event) == 0


def test_duplicates_are_reported_not_merged(db_url, users, event):
    data = "\n".join([ZH_HEADER, ROWS[0], ROWS[0].replace("处长", "副处长")]).encode()
    rep = _import(db_url, event, users, "a.csv", data)
    assert [(p.row, p.code) for p in rep.problems] == [(3, "duplicate_in_file")] and _count(db_url, event) == 0
    _import(db_url, event, users, "a.csv", "\n".join([ZH_HEADER, ROWS[0]]).encode())
    rep = _import(db_url, event, users, "b.csv", "\n".join([ZH_HEADER, ROWS[0]]).encode())
    assert [p.code for p in rep.problems] == ["already_listed"] and _count(db_url, event) == 1


@pytest.mark.parametrize("name,data,key", [
    ("list.pdf", b"%PDF-1.4 whatever", "allowlist.bad_type"),
    ("list.csv", b"", "allowlist.empty"),
    ("list.csv", b"\xef\xbb\xbf\r\n", "allowlist.empty"),
    ("list.csv", (ZH_HEADER + ",备注\n").encode(), "allowlist.unknown_columns"),
    ("list.csv", "单位,职务\n市财政局,处长\n".encode(), "allowlist.missing_columns"),
    ("list.xlsx", b"PK\x03\x04 not really a zip", "allowlist.bad_type"),
    # a .csv that is not text: the precise encoding message, not "CSV not accepted: import a CSV" (issue 16)
    ("list.csv", b"\x00\x01\x02binary", "allowlist.bad_encoding"),
])
def test_a_bad_file_is_refused_whole(db_url, users, event, name, data, key):
    with pytest.raises(ImportRefused) as e:
        _import(db_url, event, users, name, data)
    assert e.value.key == key and _count(db_url, event) == 0


@pytest.mark.parametrize("codec", ["utf-16-le", "utf-16-be"])
def test_an_excel_unicode_text_file_without_bom_of_chinese_rows_is_read(db_url, users, event, codec):
    """Issue 16: UTF-16 from Excel with mostly Chinese text has few zero bytes; it is read, not refused."""
    text = "\r\n".join([ZH_HEADER, ROWS[0]]).replace(",", "\t") + "\r\n"
    rep = _import(db_url, event, users, "名单.csv", text.encode(codec))
    assert not rep.problems and _count(db_url, event) == 1


def test_a_file_over_the_size_limit_is_refused(db_url, users, event, monkeypatch):
    monkeypatch.setattr(allowlist, "MAX_BYTES", 1000)
    with pytest.raises(ImportRefused) as e:
        _import(db_url, event, users, "big.csv", (ZH_HEADER + "\n" + ROWS[0] * 100).encode())
    assert e.value.key == "allowlist.too_large"


def test_only_the_events_organizer_imports(db_url, users, event):
    with pytest.raises(PermissionDenied):
        with uow.write_session(db_url) as s:
            allowlist.import_file(s, event, "a.csv", "\n".join([ZH_HEADER, *ROWS]).encode(),
                                  actor=users["front_desk"])


def test_table_edits_are_all_or_nothing(db_url, users, event):
    from planners.core.errors import ValidationFailed

    _import(db_url, event, users, "a.csv", "\n".join([ZH_HEADER, *ROWS]).encode())
    with uow.read(db_url) as s:
        rows = [{f: getattr(a, f) for f in allowlist.EDITABLE} | {"id": a.id} for a in allowlist.list_attendees(s, event)]
    rows[0]["post"] = "副局长"
    bad = rows + [{"name": "", "id_last4": "1"}]
    with pytest.raises(ValidationFailed):
        with uow.write_session(db_url) as s:
            allowlist.save_table(s, event, bad, actor=users["organizer"])
    with uow.write_session(db_url) as s:
        res = allowlist.save_table(s, event, rows[:2], actor=users["organizer"], deleted_ids=[rows[2]["id"]])
    assert res == {"added": 0, "changed": 1, "removed": 1} and _count(db_url, event) == 2
