"""Reading the tables offices send (CSV in any of their encodings, XLSX) without crashing, guessing or
exhausting memory. Each refusal names the line or row and says how to fix the file.

Text: a BOM decides (UTF-8, UTF-16 LE/BE — Excel's "Unicode text", tab-separated —, UTF-32); without one,
UTF-8, else GB18030/GBK; a file that is Big5 (Traditional Chinese) is detected and refused rather than turned
into mojibake; a file that is partly UTF-8 and partly something else is refused with the line. CSV errors
(an unclosed quote, a cell over the csv module's 128 kB field limit) are refused with the row and line.
Classic-Mac files (CR only) read like any other.

XLSX: every zip member's declared size (zipfile never yields more than that), the total and the
compression ratio are checked before openpyxl sees the file; then the first sheet is read in read-only
(streaming) mode, with the number of rows, columns and the length of a cell capped. Numeric cells keep the
leading zeros their number format shows; formulas without a saved result are flagged, not read as empty."""
from __future__ import annotations

import csv
import io
import math
import os
import re
import zipfile
from dataclasses import dataclass, field

from planners.core.textsafe import printable

MB = 1024 * 1024
XLSX_MAX_EXPANDED = int(os.environ.get("CONCLAVE_IMPORT_MAX_EXPANDED_MB", "48")) * MB
XLSX_MAX_STRINGS = int(os.environ.get("CONCLAVE_IMPORT_MAX_STRINGS_MB", "12")) * MB
XLSX_MAX_RATIO = 250  # deflate tops out near 1030:1; real sheets pack 5–60:1
XLSX_RATIO_FLOOR = 1 * MB  # the ratio is only judged on members larger than this
XLSX_MAX_MEMBERS = 500
MAX_COLS = 64
MAX_CELL = 32_767  # Excel's own limit on a cell's text
MAX_SHEET_ROWS = 200_000  # rows present in the sheet, blank formatted ones included (each costs parsing time)
CSV_FIELD_LIMIT_KB = csv.field_size_limit() // 1024


def _refuse(message: str, key: str, **params):
    from planners.core.errors import ImportRefused

    return ImportRefused(message, key=key, **params)


class Cell(str):
    """A cell's text with what the workbook said about it: flag 'number' (a numeric cell) or 'formula' (a
    formula whose result was never saved)."""

    flag: str = ""


def _flagged(text: str, flag: str) -> Cell:
    c = Cell(text)
    c.flag = flag
    return c


@dataclass
class Table:
    header: list[str]
    header_row: int
    rows: list[tuple[int, list[str]]] = field(default_factory=list)  # (row number in the file, cells)
    encoding: str = ""


# ---- text ----------------------------------------------------------------------------------------------

_BOMS = ((b"\xff\xfe\x00\x00", "utf-32-le", "UTF-32"), (b"\x00\x00\xfe\xff", "utf-32-be", "UTF-32"),
         (b"\xef\xbb\xbf", "utf-8", "UTF-8"), (b"\xff\xfe", "utf-16-le", "UTF-16"),
         (b"\xfe\xff", "utf-16-be", "UTF-16"))


def _line_of(data: bytes, pos: int, codec: str | None = None, start: int = 0) -> int:
    if codec:
        prefix = data[start:pos].decode(codec, errors="replace")
        nl = "\n" if "\n" in prefix else "\r"
        return prefix.count(nl) + 1
    prefix = data[:pos]
    return prefix.count(b"\n" if b"\n" in data else b"\r") + 1


def _bad_bytes(line: int, encoding: str):
    return _refuse(f"Line {line} is not valid {encoding} text: the file mixes encodings or is damaged. "
                   "Save it again as CSV UTF-8 and import it again.", "allowlist.bad_bytes", line=line,
                   encoding=encoding)


def _gb_common(ch: str) -> bool:
    if "\u3000" <= ch <= "\u303f" or "\uff00" <= ch <= "\uffef":
        return True
    if not ("\u4e00" <= ch <= "\u9fff"):
        return False
    try:
        ch.encode("gb2312")
        return True
    except UnicodeEncodeError:
        return False


def looks_big5(data: bytes, gb_text: str) -> bool:
    """True when the bytes read as Big5 give ordinary Chinese text and read as GBK give rare characters,
    private-use code points and kana (陳大文 → 朝ゅ)."""
    try:
        b5 = data.decode("big5")
    except UnicodeDecodeError:
        return False
    hi = [c for c in gb_text if ord(c) > 0x7F]
    b5hi = [c for c in b5 if ord(c) > 0x7F]
    if not hi or not b5hi:
        return False
    gb_score = sum(map(_gb_common, hi)) / len(hi)
    b5_score = sum(1 for c in b5hi if "\u4e00" <= c <= "\u9fff" or "\u3000" <= c <= "\u303f"
                   or "\uff00" <= c <= "\uffef") / len(b5hi)
    return gb_score < 0.8 and b5_score > 0.95


def _utf16_without_bom(sample: bytes) -> str | None:
    if len(sample) < 4:
        return None
    even, odd = sample[0::2], sample[1::2]
    if odd.count(0) > 0.4 * len(odd) and even.count(0) < 0.1 * len(even):
        return "utf-16-le"
    if even.count(0) > 0.4 * len(even) and odd.count(0) < 0.1 * len(odd):
        return "utf-16-be"
    return _utf16_chinese(sample)


def _utf16_chinese(sample: bytes) -> str | None:
    """UTF-16 without a BOM whose text is mostly Chinese has few zero bytes (issue 16): it reads as UTF-16 when
    the text is lines of separated cells made of ordinary characters (CJK, ASCII, full-width forms)."""
    n = len(sample) - len(sample) % 2
    for codec in ("utf-16-le", "utf-16-be"):
        try:
            text = sample[:n].decode(codec)
        except UnicodeDecodeError:
            continue
        usual = sum(1 for c in text if c in "\t\r\n" or " " <= c <= "~" or "\u4e00" <= c <= "\u9fff"
                    or "\u3000" <= c <= "\u303f" or "\uff00" <= c <= "\uffef")
        if text and usual / len(text) > 0.97 and "\n" in text and ("\t" in text or "," in text):
            return codec
    return None


def decode(data: bytes) -> tuple[str, str]:
    """(text, encoding name) of a text file, or a refusal that names the line."""
    for bom, codec, label in _BOMS:
        if data.startswith(bom):
            try:
                return data[len(bom):].decode(codec), codec + ("-sig" if codec == "utf-8" else "")
            except UnicodeDecodeError as exc:
                step = 1 if "8" in codec else None
                line = (_line_of(data[len(bom):], exc.start) if step else
                        _line_of(data, len(bom) + exc.start, codec, len(bom)))
                raise _bad_bytes(line, f"{label} (BOM)") from exc
    sample = data[:4096]
    if b"\x00" in sample:
        codec = _utf16_without_bom(sample)
        if codec:
            try:
                return data.decode(codec), codec
            except UnicodeDecodeError as exc:
                raise _bad_bytes(_line_of(data, exc.start, codec), "UTF-16") from exc
    codec = _utf16_chinese(sample) if b"\x00" not in sample else None
    if codec:
        try:
            return data.decode(codec), codec
        except UnicodeDecodeError as exc:
            raise _bad_bytes(_line_of(data, exc.start, codec), "UTF-16") from exc
    binary = sum(1 for b in sample if b < 0x20 and b not in (9, 10, 13, 0x1B))
    if binary > max(2, len(sample) // 20):  # the precise message, not "CSV not accepted: import a CSV" (issue 16)
        raise _refuse("The file is neither UTF-8, GB18030/GBK nor UTF-16 text.", "allowlist.bad_encoding")
    try:
        return data.decode("utf-8"), "utf-8"
    except UnicodeDecodeError as exc:
        if any(b >= 0x80 for b in data[:exc.start]):  # valid UTF-8 Chinese before this point: mixed file
            raise _bad_bytes(_line_of(data, exc.start), "UTF-8") from exc
    try:
        text = data.decode("gb18030")
    except UnicodeDecodeError as exc:
        raise _bad_bytes(_line_of(data, exc.start), "UTF-8, GB18030/GBK") from exc
    if looks_big5(data, text):
        raise _refuse("The file looks like Big5 (Traditional Chinese) text, not UTF-8 or GBK.",
                      "allowlist.big5")
    return text, "gb18030"


_EXCEL_TEXT = re.compile(r'^="(.*)"$', re.S)  # ="0123": how spreadsheets are told to keep a leading zero


def read_csv(text: str, encoding: str) -> Table:
    sample = text[:4096]
    delim = "\t" if sample.count("\t") > sample.count(",") else ","
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delim, strict=True)
    records: list[tuple[int, list[str]]] = []
    recno = 0
    while True:
        line = reader.line_num + 1
        try:
            cells = next(reader)
        except StopIteration:
            break
        except csv.Error as exc:
            msg = str(exc)
            row = recno + 1
            if "field limit" in msg:
                raise _refuse(f"Row {row} (line {line}): a cell is longer than {CSV_FIELD_LIMIT_KB} kB.",
                              "allowlist.field_too_long", row=row, line=line, limit_kb=CSV_FIELD_LIMIT_KB) from exc
            if "unexpected end of data" in msg:
                raise _refuse(f"Row {row} (line {line}): a quotation mark opened here is never closed.",
                              "allowlist.unclosed_quote", row=row, line=line) from exc
            raise _refuse(f"Line {reader.line_num}: not valid CSV ({msg}).", "allowlist.bad_csv",
                          line=reader.line_num, detail=printable(msg)) from exc
        recno += 1
        if any(c.strip() for c in cells):
            records.append((recno, [m.group(1) if (m := _EXCEL_TEXT.match(c)) else c for c in cells]))
    if not records:
        raise _refuse("The file is empty.", "allowlist.empty")
    (hrow, header), rest = records[0], records[1:]
    return Table(header=header, header_row=hrow, rows=rest, encoding=encoding)


# ---- XLSX ----------------------------------------------------------------------------------------------

def _mb(n: int) -> int:
    return max(1, math.ceil(n / MB))


def check_zip(data: bytes) -> zipfile.ZipFile:
    """Open the workbook's zip and refuse it, before any parsing, if it expands too far."""
    try:
        zf = zipfile.ZipFile(io.BytesIO(data))
        infos = zf.infolist()
    except (zipfile.BadZipFile, zipfile.LargeZipFile, ValueError, OSError) as exc:
        raise _refuse("This is not a readable XLSX workbook.", "allowlist.bad_type", ext=".xlsx") from exc
    if len(infos) > XLSX_MAX_MEMBERS:
        raise _refuse(f"The workbook has {len(infos)} parts; the limit is {XLSX_MAX_MEMBERS}.",
                      "allowlist.xlsx_members", n=len(infos), limit=XLSX_MAX_MEMBERS)
    total = sum(i.file_size for i in infos)
    if total > XLSX_MAX_EXPANDED:
        size, limit = max(round(total / MB), XLSX_MAX_EXPANDED // MB + 1), XLSX_MAX_EXPANDED // MB
        raise _refuse(f"The workbook expands to {size} MB; the limit is {limit} MB.", "allowlist.xlsx_expands",
                      size_mb=size, limit_mb=limit)
    for i in infos:
        if i.filename.lower().endswith("sharedstrings.xml") and i.file_size > XLSX_MAX_STRINGS:
            raise _refuse(f"The workbook's text table expands to {_mb(i.file_size)} MB; the limit is "
                          f"{XLSX_MAX_STRINGS // MB} MB.", "allowlist.xlsx_strings", size_mb=_mb(i.file_size),
                          limit_mb=XLSX_MAX_STRINGS // MB)
        if i.file_size > XLSX_RATIO_FLOOR and i.file_size > XLSX_MAX_RATIO * max(i.compress_size, 1):
            ratio = i.file_size // max(i.compress_size, 1)
            raise _refuse(f"The workbook part {i.filename} expands {ratio} times; the limit is {XLSX_MAX_RATIO}.",
                          "allowlist.xlsx_ratio", member=printable(i.filename[:80]), ratio=ratio,
                          limit=XLSX_MAX_RATIO)
    return zf


_FORMULA = re.compile(rb"<(?:\w+:)?f[\s>/]")


def _has_formulas(zf: zipfile.ZipFile, member: str) -> bool:
    tail = b""
    with zf.open(member) as fh:
        while chunk := fh.read(1 << 20):
            if _FORMULA.search(tail + chunk):
                return True
            tail = chunk[-16:]
    return False


def _col(n: int) -> str:
    s = ""
    while n:
        n, r = divmod(n - 1, 26)
        s = chr(65 + r) + s
    return s


def _cell_text(value, number_format: str | None, row: int, col: int):
    if value is None:
        return ""
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, (int, float)):
        if isinstance(value, float) and value.is_integer():
            value = int(value)
        s = str(value)
        if isinstance(value, int) and number_format and re.fullmatch(r"0+", number_format) and value >= 0:
            s = s.zfill(len(number_format))
        return _flagged(s, "number")
    s = value if isinstance(value, str) else str(value)
    if len(s) > MAX_CELL:
        raise _refuse(f"Row {row}, column {_col(col)}: a cell has more than {MAX_CELL} characters.",
                      "allowlist.cell_too_long", row=row, column=_col(col), limit=MAX_CELL)
    return s


def _sheet_rows(data: bytes, data_only: bool, max_rows: int):
    """(row number, row of ReadOnlyCell) of the first sheet, streaming, at most MAX_COLS wide."""
    from openpyxl import load_workbook
    from openpyxl.cell.read_only import EMPTY_CELL

    wb = load_workbook(io.BytesIO(data), read_only=True, data_only=data_only)
    try:
        ws = wb.worksheets[0]
        ws.reset_dimensions()  # a forged <dimension> must not make it pad a million empty rows
        kept = present = 0
        for n, row in enumerate(ws.iter_rows(max_col=MAX_COLS + 1), start=1):
            if any(c is not EMPTY_CELL for c in row):  # a row written in the file, not a gap filled in
                present += 1
                if present > MAX_SHEET_ROWS:
                    raise _refuse(f"The sheet has more than {MAX_SHEET_ROWS} rows, empty formatted rows included.",
                                  "allowlist.sheet_rows", limit=MAX_SHEET_ROWS)
            if any(c.value is not None and c.value != "" for c in row):
                kept += 1
                yield n, row, ws
                if kept > max_rows + 1:  # the header and one row past the cap: enough to refuse
                    break
    finally:
        wb.close()


def read_xlsx(data: bytes, max_rows: int) -> Table:
    zf = check_zip(data)
    try:
        rows: dict[int, list] = {}
        sheet_path = None
        for n, row, ws in _sheet_rows(data, True, max_rows):
            sheet_path = ws._worksheet_path
            cells = [_cell_text(c.value, getattr(c, "number_format", None), n, j)
                     for j, c in enumerate(row, start=1)]
            while cells and cells[-1] == "":
                cells.pop()
            rows[n] = cells
        if sheet_path and _has_formulas(zf, sheet_path):
            for n, row, _ws in _sheet_rows(data, False, max_rows):
                for j, c in enumerate(row):
                    if getattr(c, "data_type", None) == "f":
                        cells = rows.setdefault(n, [])
                        cells.extend([""] * (j + 1 - len(cells)))
                        if cells[j] == "":
                            cells[j] = _flagged("", "formula")
    except Exception as exc:  # openpyxl raises many kinds on a damaged or hostile workbook
        from planners.core.errors import ImportRefused

        if isinstance(exc, ImportRefused):
            raise
        raise _refuse("This is not a readable XLSX workbook.", "allowlist.bad_type", ext=".xlsx") from exc
    finally:
        zf.close()
    ordered = sorted(rows.items())
    if not ordered:
        raise _refuse("The file is empty.", "allowlist.empty")
    (hrow, header), rest = ordered[0], ordered[1:]
    return Table(header=[str(h) for h in header], header_row=hrow, rows=rest, encoding="xlsx")


# ---- a table's header: which column is which field (shared by the allow-list and the people register imports)

Columns = dict[str, tuple[str, str, tuple[str, ...]]]  # field -> (English header, Chinese header, other spellings)


def norm_header(h) -> str:
    """A header as compared: no BOM, spaces folded, lower case, `_` read as a space."""
    return re.sub(r"\s+", " ", str(h or "").replace("\ufeff", "")).strip().lower().replace("_", " ")


def header_index(columns: Columns) -> dict[str, str]:
    """Every accepted spelling of every column's header (normalised) -> its field."""
    return {norm_header(h): f for f, (en, zh, other) in columns.items() for h in (en, zh, *other)}


def header_fields(header: list, columns: Columns, required, index: dict[str, str] | None = None) -> list[str]:
    """Map a file's header to field names ("" for a blank header); refuses unknown, repeated and missing columns,
    each refusal naming the columns and how to fix the file."""
    from planners.core.errors import ImportRefused

    index = index if index is not None else header_index(columns)
    fields, unknown = [], []
    for h in header:
        f = index.get(norm_header(h))
        if f is None and norm_header(h):
            unknown.append(str(h))
        fields.append(f or "")
    if unknown:
        raise ImportRefused(f"Unknown column(s): {', '.join(unknown)}. Use the template's columns.",
                            key="allowlist.unknown_columns", columns="、".join(unknown))
    seen = [f for f in fields if f]
    dup = sorted({f for f in seen if seen.count(f) > 1})
    if dup:
        raise ImportRefused(f"Column(s) given twice: {', '.join(dup)}.", key="allowlist.repeated_columns",
                            columns=", ".join(dup))
    missing = [f for f in required if f not in seen]
    if missing:
        raise ImportRefused(f"Missing column(s): {', '.join(missing)}.", key="allowlist.missing_columns",
                            columns=", ".join(f"{columns[m][0]}/{columns[m][1]}" for m in missing))
    return fields


def template_header(columns: Columns, lang: str = "zh_CN") -> list[str]:
    return [columns[f][1] if lang == "zh_CN" else columns[f][0] for f in columns]


def template_bytes(kind: str, columns: Columns, example: dict, *, lang: str = "zh_CN", sheet: str,
                   example_as_text: bool = False) -> bytes:
    """An import template (header + one example row) as CSV (UTF-8 with BOM) or XLSX, the XLSX with a second
    sheet naming each column's field and headers; `example_as_text`: the example row's cells are text in Excel
    (leading zeros of ID digits kept)."""
    header, row = template_header(columns, lang), [example[f] for f in columns]
    if kind == "xlsx":
        from openpyxl import Workbook

        wb = Workbook()
        ws = wb.active
        ws.title = sheet
        ws.append(header)
        ws.append(row)
        if example_as_text:
            for col in ws.iter_cols(min_row=2, max_row=2):
                for c in col:
                    c.number_format = "@"
        ws2 = wb.create_sheet("columns")
        ws2.append(["field", "English header", "中文表头"])
        for f, (en, zh, _o) in columns.items():
            ws2.append([f, en, zh])
        buf = io.BytesIO()
        wb.save(buf)
        return buf.getvalue()
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\r\n")
    w.writerow(header)
    w.writerow(row)
    return ("\ufeff" + buf.getvalue()).encode("utf-8")
