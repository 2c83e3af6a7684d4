"""The common frame for Word exports (python-docx), laid out after GB/T 9704-2012 (党政机关公文格式):
A4 (210 × 297 mm) with its margins (top 37 mm, bottom 35 mm, left 28 mm, right 26 mm), the title in 2号
方正小标宋简体, the body in 3号仿宋, first-level headings in 黑体 and second-level in 楷体.

The document names the fonts it asks for; the office PC that opens it draws them where they are installed. Where
one is not (方正小标宋简体 is a separate purchase; 仿宋/黑体/楷体 come with Windows), Word and WPS use the
fallback this document names for it: in its font table (`w:altName`, `w:family`) and in its properties'
comments, so whoever wonders why a title looks like 宋体 can read what was asked for and what replaced it.
`doc = office_docx(title, marking)`; then doc.add_heading / add_paragraph / add_table(...)."""
from __future__ import annotations

import io

from docx import Document
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.oxml.ns import qn
from docx.shared import Mm, Pt, RGBColor

from planners.core.textsafe import one_line, xml_text

# GB/T 9704-2012: the fonts by role, their size (pt: 2号 = 22, 3号 = 16, 小四 = 12) and the fallback named
TITLE_FONT, BODY_FONT, HEADING1_FONT, HEADING2_FONT = "方正小标宋简体", "仿宋", "黑体", "楷体"
FALLBACK = {TITLE_FONT: "宋体", BODY_FONT: "宋体", HEADING1_FONT: "宋体", HEADING2_FONT: "宋体"}
STYLE_FONTS = {"Title": (TITLE_FONT, 22), "Normal": (BODY_FONT, 16), "Heading 1": (HEADING1_FONT, 16),
               "Heading 2": (HEADING2_FONT, 16), "Heading 3": (BODY_FONT, 16), "Table Grid": (BODY_FONT, 12)}
TABLE_PT = 12  # tables in 小四: a plan's tables stay readable on A4
EAST_ASIA_FONT = BODY_FONT
LATIN_FONT = "Times New Roman"
A4 = (Mm(210), Mm(297))
MARGINS = {"top_margin": Mm(37), "bottom_margin": Mm(35), "left_margin": Mm(28), "right_margin": Mm(26)}


def _set_fonts(style, east_asia: str = EAST_ASIA_FONT) -> None:
    style.font.name = LATIN_FONT
    rpr = style.element.get_or_add_rPr()
    rfonts = rpr.find(qn("w:rFonts"))
    if rfonts is None:
        rfonts = rpr.makeelement(qn("w:rFonts"), {})
        rpr.append(rfonts)
    rfonts.set(qn("w:eastAsia"), east_asia)
    rfonts.set(qn("w:ascii"), LATIN_FONT)
    rfonts.set(qn("w:hAnsi"), LATIN_FONT)
    for theme in ("w:eastAsiaTheme", "w:asciiTheme", "w:hAnsiTheme"):  # a theme font would win over the name
        rfonts.attrib.pop(qn(theme), None)


def _name_fallbacks(doc) -> None:
    """Each font asked for, with its fallback, in the document's font table (what Word and WPS read)."""
    from lxml import etree

    W = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
    part = next((p for p in doc.part.package.iter_parts() if str(p.partname) == "/word/fontTable.xml"), None)
    if part is None:
        return
    root = etree.fromstring(part.blob)
    for name, alt in FALLBACK.items():
        font = etree.SubElement(root, f"{{{W}}}font", {f"{{{W}}}name": name})
        etree.SubElement(font, f"{{{W}}}altName", {f"{{{W}}}val": alt})
        etree.SubElement(font, f"{{{W}}}charset", {f"{{{W}}}val": "86"})  # GB2312
        etree.SubElement(font, f"{{{W}}}family", {f"{{{W}}}val": "roman" if name != HEADING1_FONT else "modern"})
    part._blob = etree.tostring(root, xml_declaration=True, encoding="UTF-8", standalone=True)


def fonts_note() -> str:
    return "GB/T 9704-2012: " + "; ".join(f"{role} {font} (fallback {FALLBACK[font]})" for role, font in (
        ("title", TITLE_FONT), ("body", BODY_FONT), ("heading 1", HEADING1_FONT), ("heading 2", HEADING2_FONT)))


def office_docx(title: str, marking: str = "", page_label: str = "") -> Document:
    doc = Document()
    for name, (font, size) in STYLE_FONTS.items():
        try:
            style = doc.styles[name]
        except KeyError:
            continue
        _set_fonts(style, font)
        style.font.size = Pt(size)
        if name.startswith("Heading") or name == "Title":
            style.font.color.rgb = RGBColor(0, 0, 0)
    _name_fallbacks(doc)
    doc.core_properties.comments = fonts_note()
    section = doc.sections[0]
    section.page_width, section.page_height = A4
    for k, v in MARGINS.items():
        setattr(section, k, v)
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
        run = cell.paragraphs[0].add_run(xml_text(text))
        run.bold, run.font.size = True, Pt(TABLE_PT)
    for row in rows:
        cells = table.add_row().cells
        for cell, text in zip(cells, row):  # a new cell holds one empty paragraph
            # XML 1.0 carries no control character: dropped, never a crash
            cell.paragraphs[0].add_run(xml_text(text)).font.size = Pt(TABLE_PT)
    return table


def to_bytes(doc) -> bytes:
    buf = io.BytesIO()
    doc.save(buf)
    return buf.getvalue()
