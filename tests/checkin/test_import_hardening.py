"""The import on files offices really send, and on files an attacker sends (issue 19, items 3–5): every file
either imports or is refused with a reason that names the row, the line or the field — through the function
and through `conclave attendees import` — and the CLI never sends a raw control character to the terminal."""
from __future__ import annotations

import io
import zipfile

import pytest
from click.testing import CliRunner

from planners.attendees import allowlist, importfiles
from planners.attendees.allowlist import ImportRefused
from planners.cli import main
from planners.store import uow
from planners.core.textsafe import printable
from tests.checkin.helpers import make_event
from tests.conftest import TEST_PASSWORD

_PW = {"CONCLAVE_PASSWORD": TEST_PASSWORD}  # the CLI acts as an account: its password

ZH = "姓名,单位,证件号后四位\r\n"
EN = "name,unit,id_last4\r\n"


def _xlsx(rows, *, formats: dict | None = None) -> bytes:
    """A workbook whose first sheet holds `rows`; formats: {"C2": "0000"} number formats by cell."""
    from openpyxl import Workbook

    wb = Workbook()
    ws = wb.active
    for r in rows:
        ws.append(r)
    for ref, fmt in (formats or {}).items():
        ws[ref].number_format = fmt
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def _with_member(xlsx: bytes, name: str, chunk: bytes, times: int) -> bytes:
    """The workbook with one more (or a replaced) member: `chunk` repeated `times`, deflated, streamed."""
    src = zipfile.ZipFile(io.BytesIO(xlsx))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            if info.filename != name:
                dst.writestr(info, src.read(info.filename))
        with dst.open(name, "w") as fh:
            for _ in range(times):
                fh.write(chunk)
    return out.getvalue()


def _sst(n_strings: int) -> bytes:
    body = b"".join(b"<si><t>%08d</t></si>" % i for i in range(n_strings))
    return (b'<?xml version="1.0" encoding="UTF-8"?><sst xmlns="http://schemas.openxmlformats.org/'
            b'spreadsheetml/2006/main" count="%d" uniqueCount="%d">' % (n_strings, n_strings) + body + b"</sst>")


def _formula_xlsx() -> bytes:
    # openpyxl saves a formula without its result, as a script or a web tool does
    return _xlsx([["姓名", "单位", "证件号后四位"], ['=CONCATENATE("王","明")', "市财政局", "1234"],
                  ["李华", "市统计局", "5678"]])


GBK_ROW = "王明,市财政局,1234\r\n".encode("gbk")

# (case, file name, data, what happens)
# what happens: ("imports", {name: id_last4}) · ("refused", key, params that must be in the refusal)
#               ("problem", row, field, code) · ("warning", imported count, row, code)
CASES = [
    ("utf8_bom_then_gbk", "a.csv", b"\xef\xbb\xbf" + EN.encode() + GBK_ROW, ("refused", "allowlist.bad_bytes", {"line": 2})),
    ("utf8_then_gbk_no_bom", "a.csv", (EN + "李华,市统计局,5678\r\n").encode() + GBK_ROW,
     ("refused", "allowlist.bad_bytes", {"line": 3})),
    ("field_over_128kB", "a.csv", (ZH + "王明,市财政局,1234\r\n李华," + "局" * 140_000 + ",5678\r\n").encode(),
     ("refused", "allowlist.field_too_long", {"row": 3, "line": 3})),
    ("unclosed_quote", "a.csv", (ZH + "王明,市财政局,1234\r\n\"李华,市统计局,5678\r\n孙七,市商务局,9012\r\n").encode(),
     ("refused", "allowlist.unclosed_quote", {"row": 3, "line": 3})),
    ("classic_mac_cr_only", "a.csv", (ZH + "王明,市财政局,1234\r李华,市统计局,5678\r").replace("\r\n", "\r").encode("gb18030"),
     ("imports", {"王明": "1234", "李华": "5678"})),
    ("big5", "a.csv", "姓名,單位,證件號後四位\r\n陳大文,香港貿易發展局,1234\r\n".encode("big5"),
     ("refused", "allowlist.big5", {})),
    ("excel_unicode_text_utf16_tab", "名单.txt",
     "\ufeff姓名\t单位\t证件号后四位\r\n王明\t市财政局\t1234\r\n".encode("utf-16-le"), ("imports", {"王明": "1234"})),
    ("utf16_be_bom_csv", "a.csv", ("\ufeff" + ZH + "王明,市财政局,1234\r\n").encode("utf-16-be"),
     ("imports", {"王明": "1234"})),
    ("utf32_bom", "a.csv", ("\ufeff" + ZH + "王明,市财政局,1234\r\n").encode("utf-32"), ("imports", {"王明": "1234"})),
    ("nul_in_name", "a.csv", (ZH + "王\x00明,市财政局,1234\r\n").encode(), ("problem", 2, "name", "control_char")),
    ("esc_osc_bel_in_unit", "a.csv", (ZH + "王明,\x1b]0;owned\x07市财政局,1234\r\n").encode(),
     ("problem", 2, "unit", "control_char")),
    ("bel_in_name", "a.csv", (ZH + "王明\x07,市财政局,1234\r\n").encode(), ("problem", 2, "name", "control_char")),
    ("c1_csi_in_name", "a.csv", (ZH + "王\x9b31m明,市财政局,1234\r\n").encode(), ("problem", 2, "name", "control_char")),
    ("line_break_in_quoted_name", "a.csv", (ZH + "\"王\n明\",市财政局,1234\r\n").encode(),
     ("problem", 2, "name", "control_char")),
    ("rlo_bidi_in_name", "a.csv", (ZH + "Ali\u202e三张 gnp.exe,市财政局,1234\r\n").encode(),
     ("problem", 2, "name", "bidi_char")),
    ("isolate_bidi_in_unit", "a.csv", (ZH + "王明,市\u2067财政局\u2069,1234\r\n").encode(),
     ("problem", 2, "unit", "bidi_char")),
    ("zero_width_duplicate", "a.csv", (ZH + "张三,市财政局,1234\r\n张\u200b三,市财政局,1234\r\n").encode(),
     ("problem", 3, "name", "duplicate_in_file")),
    ("full_width_duplicate", "a.csv", (ZH + "张三,市财政局,1234\r\n张三\u2060,市财政局,１２３４\r\n").encode(),
     ("problem", 3, "name", "duplicate_in_file")),
    ("data_under_empty_header", "a.csv", "姓名,,证件号后四位\r\n王明,备注一,1234\r\n".encode(),
     ("warning", 1, 2, "data_without_header")),
    ("csv_excel_text_leading_zero", "a.csv", (ZH + '王明,市财政局,"=""0123"""\r\n').encode(),
     ("imports", {"王明": "0123"})),
    ("xlsx_numeric_id_with_zero_format", "a.xlsx",
     _xlsx([["姓名", "单位", "证件号后四位"], ["王明", "市财政局", 123]], formats={"C2": "0000"}),
     ("imports", {"王明": "0123"})),
    ("xlsx_numeric_id_lost_zero", "a.xlsx", _xlsx([["姓名", "单位", "证件号后四位"], ["王明", "市财政局", 123]]),
     ("problem", 2, "id_last4", "id_lost_zero")),
    ("xlsx_formula_without_value", "a.xlsx", _formula_xlsx(), ("problem", 2, "name", "formula_no_value")),
    ("xlsx_data_under_empty_header", "a.xlsx",
     _xlsx([["姓名", None, "证件号后四位"], ["王明", "备注", "1234"]]), ("warning", 1, 2, "data_without_header")),
    ("xlsx_ratio_bomb", "a.xlsx", _with_member(_xlsx([["姓名", "证件号后四位"], ["王明", "1234"]]), "xl/pad.xml",
                                               b" " * 65536, 40), ("refused", "allowlist.xlsx_ratio", {})),
]


@pytest.fixture
def event(db_url, users):
    eid, _ = make_event(db_url, users["organizer"], n=0)
    return eid


def _import(db_url, eid, users, name, data):
    with uow.write_session(db_url) as s:
        return allowlist.import_file(s, eid, name, data, actor=users["organizer"])


def _stored(db_url, eid) -> dict[str, str]:
    with uow.read(db_url) as s:
        return {a.name: a.id_last4 for a in allowlist.list_attendees(s, eid)}


@pytest.mark.parametrize("case,name,data,expected", CASES, ids=[c[0] for c in CASES])
def test_each_office_file_imports_or_is_refused_naming_row_and_field(db_url, users, event, case, name, data,
                                                                     expected):
    kind = expected[0]
    if kind == "refused":
        with pytest.raises(ImportRefused) as e:
            _import(db_url, event, users, name, data)
        assert e.value.key == expected[1]
        assert {k: e.value.params.get(k) for k in expected[2]} == expected[2]
        for lang in ("en", "zh_CN"):
            text = e.value.localized(lang)
            assert "{" not in text and text != e.value.key
            for v in expected[2].values():
                assert str(v) in text
        assert _stored(db_url, event) == {}
        return
    rep = _import(db_url, event, users, name, data)
    if kind == "imports":
        assert rep.problems == [] and rep.written
        assert _stored(db_url, event) == expected[1]
    elif kind == "problem":
        _k, row, field, code = expected
        assert (row, field, code) in [(p.row, p.field, p.code) for p in rep.problems], rep.lines()
        assert not rep.written and _stored(db_url, event) == {}
        p = next(p for p in rep.problems if p.code == code)
        assert p.problem("zh_CN") and p.fix("en") and "{" not in p.problem("en") + p.fix("zh_CN")
    else:
        _k, imported, row, code = expected
        assert rep.imported == imported and [(w.row, w.code) for w in rep.warnings] == [(row, code)]
        assert any("warning" in line for line in rep.lines("en"))


def test_a_refused_control_character_is_named_by_its_code_point(db_url, users, event):
    rep = _import(db_url, event, users, "a.csv", (ZH + "王明,\x1b]0;owned\x07市财政局,1234\r\n").encode())
    [p] = rep.problems
    assert "U+001B (ESC)" in p.problem("en") and "U+001B (ESC)" in p.problem("zh_CN")


def test_invisible_characters_are_stripped_from_what_is_stored(db_url, users, event):
    rep = _import(db_url, event, users, "a.csv", (ZH + "张\u200b三\ufeff,市\u00ad财政局,１２３４\r\n").encode())
    assert rep.written
    with uow.read(db_url) as s:
        [a] = allowlist.list_attendees(s, event)
    assert (a.name, a.unit, a.id_last4) == ("张三", "市财政局", "1234")


def test_the_table_editor_refuses_the_same_characters(db_url, users, event):
    from planners.core.errors import ValidationFailed

    with pytest.raises(ValidationFailed) as e:
        with uow.write_session(db_url) as s:
            allowlist.save_table(s, event, [{"name": "Ali\u202e三张", "id_last4": "1234"}], actor=users["organizer"])
    assert e.value.params["field"] == "name"


# ---- XLSX bombs ----------------------------------------------------------------------------------------

def test_a_workbook_that_expands_past_the_limit_is_refused_before_parsing(db_url, users, event, monkeypatch):
    monkeypatch.setattr(importfiles, "XLSX_MAX_EXPANDED", 4 * importfiles.MB)
    monkeypatch.setattr(importfiles, "XLSX_MAX_RATIO", 10_000)
    data = _with_member(_xlsx([["姓名", "证件号后四位"], ["王明", "1234"]]), "xl/sharedStrings.xml",
                        b"\t" * 65536, 80)  # 5 MB of white space, the "0 rows, 0 imported" file
    assert len(data) < 200_000
    with pytest.raises(ImportRefused) as e:
        _import(db_url, event, users, "bomb.xlsx", data)
    assert e.value.key == "allowlist.xlsx_expands" and e.value.params == {"size_mb": 5, "limit_mb": 4}
    assert "The workbook expands to 5 MB; the limit is 4 MB" in e.value.localized("en")
    assert "解压后为5 MB；上限为4 MB" in e.value.localized("zh_CN")


def test_a_shared_string_table_over_its_limit_is_refused(db_url, users, event, monkeypatch):
    monkeypatch.setattr(importfiles, "XLSX_MAX_STRINGS", 1 * importfiles.MB)
    base = _xlsx([["姓名", "证件号后四位"], ["王明", "1234"]])
    data = _with_member(base, "xl/sharedStrings.xml", _sst(80_000), 1)
    with pytest.raises(ImportRefused) as e:
        _import(db_url, event, users, "strings.xlsx", data)
    assert e.value.key == "allowlist.xlsx_strings" and e.value.params["limit_mb"] == 1


def test_blank_formatted_rows_do_not_count_towards_the_row_cap(db_url, users, event, monkeypatch):
    """Offices leave formatted empty rows: they are skipped, not counted, so the people below still import."""
    from openpyxl import Workbook

    monkeypatch.setattr(allowlist, "MAX_ROWS", 50)
    wb = Workbook()
    ws = wb.active
    ws.append(["姓名", "证件号后四位"])
    for i in range(2, 80):
        ws.cell(row=i, column=1).number_format = "@"
    for i in range(10):
        ws.cell(row=80 + i, column=1, value=f"人{i}")
        ws.cell(row=80 + i, column=2, value=f"{i:04d}")
    buf = io.BytesIO()
    wb.save(buf)
    rep = _import(db_url, event, users, "gaps.xlsx", buf.getvalue())
    assert rep.imported == 10 and rep.problems == []
    monkeypatch.setattr(allowlist, "MAX_ROWS", 9)
    with pytest.raises(ImportRefused) as e:
        _import(db_url, event, users, "gaps.xlsx", buf.getvalue())
    assert e.value.key == "allowlist.too_many_rows"


def test_a_sheet_of_formatted_empty_rows_past_the_cap_is_refused_not_parsed_for_minutes(db_url, users, event,
                                                                                      monkeypatch):
    from openpyxl import Workbook

    monkeypatch.setattr(importfiles, "MAX_SHEET_ROWS", 300)
    wb = Workbook()
    ws = wb.active
    ws.append(["姓名", "证件号后四位"])
    ws.append(["王明", "1234"])
    for i in range(3, 400):
        ws.cell(row=i, column=1).number_format = "@"
    ws.cell(row=5000, column=1, value="李华")  # far below, after a gap with no rows written: not counted
    ws.cell(row=5000, column=2, value="5678")
    buf = io.BytesIO()
    wb.save(buf)
    with pytest.raises(ImportRefused) as e:
        _import(db_url, event, users, "rows.xlsx", buf.getvalue())
    assert e.value.key == "allowlist.sheet_rows" and "300" in e.value.localized("zh_CN")
    monkeypatch.setattr(importfiles, "MAX_SHEET_ROWS", 500)
    assert _import(db_url, event, users, "rows.xlsx", buf.getvalue()).imported == 2


def test_an_xlsx_cell_over_excels_own_limit_is_refused_with_row_and_column(db_url, users, event, monkeypatch):
    monkeypatch.setattr(importfiles, "MAX_CELL", 1000)
    data = _xlsx([["姓名", "证件号后四位"], ["王明", "1234"], ["x" * 1001, "5678"]])
    with pytest.raises(ImportRefused) as e:
        _import(db_url, event, users, "cell.xlsx", data)
    assert e.value.key == "allowlist.cell_too_long" and (e.value.params["row"], e.value.params["column"]) == (3, "A")


# ---- the same through the CLI --------------------------------------------------------------------------

@pytest.mark.parametrize("case,name,data,expected", CASES, ids=[c[0] for c in CASES])
def test_the_cli_imports_or_refuses_each_file_and_never_a_traceback(db_url, users, event, tmp_path, case, name,
                                                                     data, expected):
    f = tmp_path / name
    f.write_bytes(data)
    r = CliRunner(env=_PW).invoke(main, ["attendees", "import", str(event), str(f), "--as", "organizer"])
    assert r.exception is None or isinstance(r.exception, SystemExit), r.output
    assert "Traceback" not in r.output
    assert not any(ch in r.output for ch in "\x00\x07\x1b\x9b\u202e\u2067")
    kind = expected[0]
    if kind == "imports":
        assert r.exit_code == 0 and f"{len(expected[1])} imported" in r.output
        assert _stored(db_url, event) == expected[1]
        return
    if kind == "refused":  # the CLI says what the function says
        with pytest.raises(ImportRefused) as e:
            _import(db_url, event, users, name, data)
        assert e.value.key == expected[1]
        assert r.exit_code == 3 and f"refused: {printable(e.value.localized('en'))}" in r.output
        return
    rep = _import(db_url, event, users, name, data) if kind == "problem" else None
    if kind == "problem":
        label = allowlist.field_label(expected[2], "en")  # the report names the column in words (issue 16)
        assert r.exit_code == 3 and f"row {expected[1]} · {label}" in r.output
        assert all(printable(line) in r.output for line in rep.lines("en")[1:])
        assert any(p.code == expected[3] for p in rep.problems)
    else:
        assert r.exit_code == 0 and f"warning: row {expected[2]}" in r.output
        assert expected[1] == len(_stored(db_url, event))


def test_the_cli_shows_control_characters_as_escapes_in_names_and_file_names(db_url, users, event, tmp_path):
    f = tmp_path / "list\x1b]0;owned\x07.csv"
    f.write_bytes((ZH + "王明,\x1b]0;owned\x07市财政局,1234\r\n").encode())
    r = CliRunner(env=_PW).invoke(main, ["attendees", "import", str(event), str(f), "--lang", "zh_CN", "--as", "organizer"])
    assert r.exit_code == 3
    assert "\x1b" not in r.output and "\x07" not in r.output
    assert "list\\x1b]0;owned\\x07.csv" in r.output and "U+001B" in r.output
