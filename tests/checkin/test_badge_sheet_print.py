"""Issue 17: the badge sheet is made in a tenth of the time (the font cut once per process to what it draws, the
QR codes drawn as vector modules) and prints the same: every code decodes from the printed page, every text reads
back, a name in a rare character still has its glyph."""
from __future__ import annotations

import io
import shutil
import subprocess

import pytest
import zxingcpp
from PIL import Image

from planners.attendees import badge_sheet
from planners.exports import fonts
from planners.store import uow
from tests.checkin.helpers import CLEARED, make_event
from tests.helpers import pdf_text

PEOPLE = [dict(name=f"王明{i}", unit="市财政局第三处综合科（保密办公室）国际合作交流中心", post="副处长兼保密员",
               id_last4=f"{1000 + i}", **CLEARED) for i in range(9)]
PEOPLE.append(dict(name="赵六", unit="市商务局", id_last4="1009", clearance="confidential", pledge_signed=False))


def _pages(pdf: bytes, dpi: int) -> list[Image.Image]:
    exe = shutil.which("pdftoppm")
    assert exe, "pdftoppm missing: `make test` installs Debian's poppler-utils"
    out = subprocess.run([exe, "-r", str(dpi), "-gray", "-png", "-"], input=pdf, capture_output=True, check=True)
    pages, data = [], out.stdout
    while data:  # pdftoppm writes the pages' PNGs one after another
        img = Image.open(io.BytesIO(data))
        img.load()
        pages.append(img)
        end = data.index(b"IEND") + 8
        data = data[end:]
    return pages


@pytest.fixture
def sheet(db_url, users):
    eid, codes = make_event(db_url, users["organizer"], people=PEOPLE)
    with uow.write_session(db_url) as s:
        data, n = badge_sheet.export(s, eid, "pdf", actor=users["organizer"])
    return data, n, codes


@pytest.mark.parametrize("dpi", [150, 300])
def test_every_badge_on_the_printed_sheet_decodes_to_its_code(sheet, dpi):
    data, n, codes = sheet
    assert n == 10
    got = [r.text for page in _pages(data, dpi) for r in zxingcpp.read_barcodes(page)]
    assert sorted(got) == sorted(codes.values())


def test_the_sheet_reads_back_every_text_and_marks_the_one_not_eligible(sheet):
    data, _n, _codes = sheet
    text = pdf_text(data)
    for i in range(9):
        assert f"王明{i}" in text
    assert "赵六" in text and "副处长兼保密员" in text and "国际合作交流中心" in text and "市商务局" in text
    assert text.count("不符合参会条件") == 1 and "机密" in text and "Attendee" in text


def test_the_codes_are_vector_modules_not_one_image_per_badge(sheet):
    from pypdf import PdfReader

    data, _n, _codes = sheet
    for page in PdfReader(io.BytesIO(data)).pages:
        xobjects = page.get("/Resources", {}).get("/XObject", {})
        assert not xobjects, "a PNG per QR code costs ~1 ms a badge to encode and prints softer"


def test_a_later_sheet_with_a_new_character_still_draws_it(db_url, users, caplog):
    fonts.forget_cuts()
    first, _ = make_event(db_url, users["organizer"], people=PEOPLE[:2])
    rare, _ = make_event(db_url, users["organizer"], title="第二次会议",
                         people=[dict(name="李䶮", unit="龑州市保密局", id_last4="2001", **CLEARED)])
    with uow.write_session(db_url) as s:
        badge_sheet.export(s, first, "pdf", actor=users["organizer"])
        data, _ = badge_sheet.export(s, rare, "pdf", actor=users["organizer"])
    text = pdf_text(data)
    assert "李䶮" in text and "龑州市保密局" in text and "第二次会议" in text
    assert not [r for r in caplog.records if "missing the following glyphs" in r.getMessage()]
