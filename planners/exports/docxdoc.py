"""The common frame for Word exports (python-docx), with the East Asian font set so Chinese renders in Word
and WPS. `doc = office_docx(title, marking)`; then doc.add_heading / add_paragraph / add_table_rows(...)."""
from __future__ import annotations

import io

from docx import Document
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.oxml.ns import qn
from docx.shared import Pt, RGBColor

from planners.core.textsafe import one_line, xml_text

EAST_ASIA_FONT = "SimSun"  # 宋体: present on every Chinese office desktop; Word substitutes where missing
LATIN_FONT = "Times New Roman"


def _set_fonts(style) -> None:
    style.font.name = LATIN_FONT
    rpr = style.element.get_or_add_rPr()
    rfonts = rpr.find(qn("w:rFonts"))
    if rfonts is None:
        rfonts = rpr.makeelement(qn("w:rFonts"), {})
        rpr.append(rfonts)
    rfonts.set(qn("w:eastAsia"), EAST_ASIA_FONT)
    rfonts.set(qn("w:ascii"), LATIN_FONT)
    rfonts.set(qn("w:hAnsi"), LATIN_FONT)


def office_docx(title: str, marking: str = "", page_label: str = "") -> Document:
    doc = Document()
    for name in ("Normal", "Title", "Heading 1", "Heading 2", "Heading 3", "Table Grid"):
        try:
            _set_fonts(doc.styles[name])
        except KeyError:
            pass
    doc.styles["Normal"].font.size = Pt(10.5)
    section = doc.sections[0]
    title, marking, page_label = one_line(title), one_line(marking), one_line(page_label)
    if marking:
        hp = section.header.paragraphs[0]
        run = hp.add_run(marking)
        run.bold = True
        run.font.color.rgb = RGBColor(0xB0, 0x00, 0x20)
    fp = section.footer.paragraphs[0]
    fp.alignment = WD_ALIGN_PARAGRAPH.CENTER
    if page_label:
        fp.add_run(page_label + " ")
    _page_field(fp)
    h = doc.add_heading(title, level=0)
    h.alignment = WD_ALIGN_PARAGRAPH.CENTER
    return doc


def _page_field(paragraph) -> None:
    run = paragraph.add_run()
    for tag, text in (("begin", None), (None, "PAGE"), ("end", None)):
        if tag:
            el = run._r.makeelement(qn("w:fldChar"), {qn("w:fldCharType"): tag})
        else:
            el = run._r.makeelement(qn("w:instrText"), {qn("xml:space"): "preserve"})
            el.text = text
        run._r.append(el)


def add_table(doc, header: list[str], rows: list[list[str]]):
    table = doc.add_table(rows=1, cols=len(header))
    table.style = "Table Grid"
    for cell, text in zip(table.rows[0].cells, header):
        cell.text = ""
        cell.paragraphs[0].add_run(xml_text(text)).bold = True
    for row in rows:
        cells = table.add_row().cells
        for cell, text in zip(cells, row):
            cell.text = xml_text(text)  # XML 1.0 carries no control character: dropped, never a crash
    return table


def to_bytes(doc) -> bytes:
    buf = io.BytesIO()
    doc.save(buf)
    return buf.getvalue()
