"""Benchmark of the allow-list import against XLSX bombs and the worst files within the upload limit
(issue 19, item 3). Each import runs in its own process, as the CLI does, and reports its peak resident memory
(getrusage ru_maxrss) and time; the target is a peak under 300 MB for every file, refused or imported.

Figures go to bench-results/import_bomb.json."""
from __future__ import annotations

import io
import json
import os
import subprocess
import sys
import time
import zipfile
from pathlib import Path

import pytest

from planners.attendees import allowlist, importfiles
from tests.conftest import ROOT

pytestmark = pytest.mark.bench
RESULTS = ROOT / "bench-results" / "import_bomb.json"
PEAK_LIMIT_MB = 300
MB = 1024 * 1024

NS = b'xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"'
PHRASE = "市人民政府办公厅综合处保密工作领导小组成员单位联络员会议筹备组后勤保障与安全检查及证件核验工作组"

CHILD = r"""
import json, os, resource, sys, time
from pathlib import Path
path, workdir = Path(sys.argv[1]), Path(sys.argv[2])
os.environ["DATABASE_URL"] = f"sqlite:///{workdir / 'bench.db'}"
os.environ["CONCLAVE_KEYS_DIR"] = str(workdir / "keys")
import planners.wiring  # noqa: F401  (an entry point installs the areas' hooks, as app.py and the CLI do)
from planners.attendees import allowlist
from planners.base import auth
from planners.store import db as dbmod, schema
from planners.store import uow
from tests.checkin.helpers import make_event
url = os.environ["DATABASE_URL"]
schema.upgrade(url)
with uow.write_session(url) as s:
    user, _ = auth.create_user(s, username="org", role="organizer", actor="bench", password="Bench-pass-2026!",
                               must_change=False, display_name="org")
    s.flush()
    org = auth.principal(user)
eid, _ = make_event(url, org, n=0)
data = path.read_bytes()
before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
t0 = time.perf_counter()
out = {}
try:
    with uow.write_session(url) as s:
        rep = allowlist.import_file(s, eid, path.name, data, actor=org)
    out.update(outcome="imported" if rep.written else "reported", rows=rep.rows_total, imported=rep.imported,
               problems=len(rep.problems))
except allowlist.ImportRefused as exc:
    out.update(outcome="refused", key=exc.key, message=exc.localized("en"))
out.update(seconds=round(time.perf_counter() - t0, 2), baseline_mb=round(before, 1),
           peak_mb=round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1), upload_kb=len(data) // 1024)
print(json.dumps(out, ensure_ascii=False))
"""


def _save(section: str, figures: dict) -> None:
    RESULTS.parent.mkdir(exist_ok=True)
    data = json.loads(RESULTS.read_text()) if RESULTS.exists() else {}
    data[section] = figures
    RESULTS.write_text(json.dumps(data, indent=2, ensure_ascii=False))
    print(f"\n[bench import-bomb] {section}: {json.dumps(figures, ensure_ascii=False)}")


def _measure(path: Path, tmp: Path) -> dict:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    work = tmp / f"run-{path.stem}"
    work.mkdir()
    r = subprocess.run([sys.executable, "-c", CHILD, str(path), str(work)], capture_output=True, text=True,
                       env=env, timeout=900)
    assert r.returncode == 0, r.stderr[-3000:]
    return json.loads(r.stdout.strip().splitlines()[-1])


def _base_members() -> dict[str, bytes]:
    from openpyxl import Workbook

    wb = Workbook()
    wb.active.append(["姓名", "证件号后四位"])
    buf = io.BytesIO()
    wb.save(buf)
    z = zipfile.ZipFile(buf)
    return {i.filename: z.read(i.filename) for i in z.infolist()}


def _workbook(path: Path, sheet, shared=None, *, streamed: dict | None = None) -> Path:
    """Write an XLSX: sheet/shared are bytes or iterables of bytes chunks, streamed into the zip."""
    members = _base_members()
    if shared is not None:  # declare the shared strings part, as Excel does
        members["[Content_Types].xml"] = members["[Content_Types].xml"].replace(
            b"</Types>", b'<Override PartName="/xl/sharedStrings.xml" ContentType="application/'
            b'vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"/></Types>')
        members["xl/_rels/workbook.xml.rels"] = members["xl/_rels/workbook.xml.rels"].replace(
            b"</Relationships>", b'<Relationship Type="http://schemas.openxmlformats.org/officeDocument/2006/'
            b'relationships/sharedStrings" Target="sharedStrings.xml" Id="rId9"/></Relationships>')
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as z:
        for name, body in members.items():
            if name in ("xl/worksheets/sheet1.xml", "xl/sharedStrings.xml"):
                continue
            z.writestr(name, body)
        for name, body in (("xl/worksheets/sheet1.xml", sheet), ("xl/sharedStrings.xml", shared)):
            if body is None:
                body = members.get(name, b"")
            with z.open(name, "w", force_zip64=True) as fh:
                for chunk in ([body] if isinstance(body, bytes) else body):
                    fh.write(chunk)
    return path


def _esc(s: str) -> bytes:
    return s.replace("&", "&amp;").replace("<", "&lt;").encode("utf-8")


def _worst_accepted(path: Path, n_rows: int, post_len: int = 50, designated_len: int = 58) -> Path:
    """An attendee list at the row cap, every cell a distinct string, as large as the expansion limit allows:
    12 columns, units of 60 characters in the shared strings, post and designated_by inline."""
    header = [allowlist.COLUMNS[f][1] for f in allowlist.COLUMNS]
    consts = ["居民身份证", "CN", "否", "机密", "重要", "是", "参会人员"]
    strings = header + consts
    base = len(strings)
    cols = "ABCDEFGHIJKL"

    def sst():
        yield b'<?xml version="1.0" encoding="UTF-8"?><sst ' + NS + b">"
        for s in strings:
            yield b"<si><t>" + _esc(s) + b"</t></si>"
        for i in range(n_rows):
            yield b"<si><t>" + _esc(f"参会人{i:05d}") + b"</t></si><si><t>" + _esc(f"{i:05d}{PHRASE[:55]}") + b"</t></si>"
        yield b"</sst>"

    def sheet():
        yield b'<?xml version="1.0" encoding="UTF-8"?><worksheet ' + NS + b"><sheetData>"
        yield b'<row r="1">' + b"".join(b'<c r="%s1" t="s"><v>%d</v></c>' % (c.encode(), j)
                                         for j, c in enumerate(cols)) + b"</row>"
        k = {name: len(header) + j for j, name in enumerate(consts)}
        for i in range(n_rows):
            r = i + 2
            name, unit = base + 2 * i, base + 2 * i + 1
            cells = [(b"s", name), (b"s", unit), None, (b"s", k["居民身份证"]), ("n", 1000 + i % 9000),
                     (b"s", k["CN"]), (b"s", k["否"]), (b"s", k["机密"]), (b"s", k["重要"]), (b"s", k["是"]),
                     (b"s", k["参会人员"]), None]
            out = [b'<row r="%d">' % r]
            for j, cell in enumerate(cells):
                ref = b"%s%d" % (cols[j].encode(), r)
                if cell is None:  # post and designated_by: inline, distinct, at their length limits
                    text = f"{i:05d}" + (PHRASE * 3)[:(designated_len if j == 11 else post_len)]
                    out.append(b'<c r="' + ref + b'" t="inlineStr"><is><t>' + _esc(text) + b"</t></is></c>")
                elif cell[0] == "n":
                    out.append(b'<c r="' + ref + b'"><v>%d</v></c>' % cell[1])
                else:
                    out.append(b'<c r="' + ref + b'" t="s"><v>%d</v></c>' % cell[1])
            out.append(b"</row>")
            yield b"".join(out)
        yield b"</sheetData></worksheet>"

    return _workbook(path, sheet(), sst())


def _empty_rows(path: Path, n_rows: int) -> Path:
    """A header, then a million formatted empty rows and one person at the bottom (a used range gone wild)."""
    def sheet():
        yield (b'<?xml version="1.0" encoding="UTF-8"?><worksheet ' + NS + b'><sheetData><row r="1">'
               b'<c r="A1" t="inlineStr"><is><t>name</t></is></c><c r="B1" t="inlineStr"><is><t>id_last4</t></is></c></row>')
        for r in range(2, n_rows):
            yield b'<row r="%d"><c r="A%d" s="0"/></row>' % (r, r)
        yield (b'<row r="%d"><c r="A%d" t="inlineStr"><is><t>Wang Ming</t></is></c><c r="B%d" t="inlineStr">'
               b'<is><t>1234</t></is></c></row></sheetData></worksheet>' % (n_rows, n_rows, n_rows))
    return _workbook(path, sheet())


def _repeat(chunk: bytes, total: int, head: bytes = b"", tail: bytes = b""):
    yield head
    for _ in range(total // len(chunk)):
        yield chunk
    yield tail


def test_xlsx_bombs_and_the_worst_files_within_the_upload_limit_peak_under_300_mb(tmp_path):
    limit = allowlist.MAX_BYTES
    files = {}
    t0 = time.perf_counter()
    files["shared_strings_1GiB"] = _workbook(
        tmp_path / "sst-1g.xlsx", None,
        _repeat(b"<si><t>" + b"A" * 1000 + b"</t></si>", 1024 * MB,
                b'<?xml version="1.0"?><sst ' + NS + b">", b"</sst>"))
    files["whitespace_2GiB"] = _workbook(
        tmp_path / "ws-2g.xlsx", _repeat(b" " * (1 << 20), 2048 * MB,
                                         b'<?xml version="1.0"?><worksheet ' + NS + b"><sheetData>",
                                         b"</sheetData></worksheet>"))
    files["just_over_the_expansion_limit"] = _workbook(
        tmp_path / "over.xlsx", _repeat(b'<row><c t="inlineStr"><is><t>x</t></is></c></row>\n' * 20,
                                        importfiles.XLSX_MAX_EXPANDED + MB,
                                        b'<?xml version="1.0"?><worksheet ' + NS + b"><sheetData>",
                                        b"</sheetData></worksheet>"))
    files["worst_accepted_50000_rows"] = _worst_accepted(tmp_path / "worst.xlsx", allowlist.MAX_ROWS)
    files["a_million_formatted_empty_rows"] = _empty_rows(tmp_path / "empty-rows.xlsx", 1_048_576)
    made = round(time.perf_counter() - t0, 1)
    figures = {"files_built_in_s": made, "upload_limit_kb": limit // 1024,
               "expansion_limit_mb": importfiles.XLSX_MAX_EXPANDED // MB,
               "shared_strings_limit_mb": importfiles.XLSX_MAX_STRINGS // MB}
    for name, path in files.items():
        size = path.stat().st_size
        assert size <= limit, f"{name} is {size} bytes, over the upload limit"
        with zipfile.ZipFile(path) as z:
            expanded = sum(i.file_size for i in z.infolist())
        res = _measure(path, tmp_path)
        res["expanded_mb"] = round(expanded / MB, 1)
        figures[name] = res
    _save("xlsx", figures)
    for name in ("shared_strings_1GiB", "whitespace_2GiB", "just_over_the_expansion_limit"):
        assert figures[name]["outcome"] == "refused" and figures[name]["key"] in (
            "allowlist.xlsx_expands", "allowlist.xlsx_ratio", "allowlist.xlsx_strings"), figures[name]
    assert figures["worst_accepted_50000_rows"]["outcome"] == "imported", figures["worst_accepted_50000_rows"]
    assert figures["worst_accepted_50000_rows"]["imported"] == allowlist.MAX_ROWS
    assert figures["a_million_formatted_empty_rows"]["key"] == "allowlist.sheet_rows"
    over = {n: f["peak_mb"] for n, f in figures.items() if isinstance(f, dict) and f["peak_mb"] >= PEAK_LIMIT_MB}
    assert over == {}, f"peak RSS at or over {PEAK_LIMIT_MB} MB: {over}"
