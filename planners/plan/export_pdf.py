"""The printable plan as PDF (fpdf2 + a CJK font found on the system): title block with the level marking
(机密★10年), event facts, venue verdict with findings, the three phases as tables, signature lines, page numbers."""
from __future__ import annotations

import dataclasses
import threading

from fontTools import ttLib
from fpdf.enums import TextEmphasis
from fpdf.fonts import SubsetMap, TTFFont

from planners.exports.pdfdoc import OfficePDF
from planners.plan.content import plan_content

TASK_WIDTHS = [8, 14, 66, 18, 24, 18, 26]
VENUE_WIDTHS = [12, 88, 26, 10, 38]


# Reading a CJK font (Noto Sans CJK: 65 000 glyphs, CFF) costs ~0.9 s per face. The measured fields of a face
# (widths, cmap, glyph ids, descriptor) never change, so they are read once per process and shared; every
# document still opens its own lazy fontTools handle, because fpdf2 subsets that handle in place on output.
_SHARED = ("type", "name", "desc", "glyph_ids", "sp", "ss", "up", "ut", "cw", "ttffile", "scale", "cmap",
           "is_compressed", "is_cff", "is_cid_keyed", "is_symbol", "cff_ros", "collection_font_number",
           "palette_index", "unicode_range")
_FACES: dict[tuple, dict] = {}
_LOCK = threading.Lock()


def _open(fname, index: int):
    # recalcBBoxes=False: the subset keeps the face's bounding box instead of running every glyph's charstring
    # to recompute it (a third of the output time); a PDF reader takes the box from the font descriptor anyway.
    return ttLib.TTFont(fname, recalcTimestamp=False, recalcBBoxes=False, fontNumber=index, lazy=True)


class _PlanPDF(OfficePDF):
    watermark = ""  # issue 11: drawn across every page while the plan is not approved

    def header(self) -> None:
        super().header()
        if self.watermark:
            from planners.exports.pdfdoc import FAMILY

            x, y = self.get_x(), self.get_y()
            self.set_font(FAMILY, "B", 54)
            self.set_text_color(215, 215, 215)
            # horizontal (not rotated), so a reader's text extraction and a screen reader find it too
            self.text(self.w / 2 - self.get_string_width(self.watermark) / 2, self.h / 2, self.watermark)
            self.set_text_color(0, 0, 0)
            self.set_xy(x, y)

    def add_font(self, family=None, style="", fname=None, *, collection_font_number: int = 0, **kw):
        style_key = "".join(sorted(style.upper()))
        fontkey = f"{family.lower()}{style_key}"
        key = (str(fname), collection_font_number)
        with _LOCK:
            face = _FACES.get(key)
        if face is None or kw:
            super().add_font(family, style, fname, collection_font_number=collection_font_number, **kw)
            font = self.fonts[fontkey]
            font.ttfont = _open(fname, collection_font_number)
            if not kw and not getattr(font, "color_font", None):
                with _LOCK:
                    _FACES[key] = {k: getattr(font, k) for k in _SHARED if hasattr(font, k)}
            return
        font = TTFFont.__new__(TTFFont)
        for k, v in face.items():
            setattr(font, k, v)
        font.i = len(self.fonts) + 1
        font.fontkey = fontkey
        font.ttfont = _open(fname, collection_font_number)
        font._hbfont = None
        font.biggest_size_pt = 0
        font.missing_glyphs = []
        font.emphasis = TextEmphasis.coerce(style_key)
        font.subset = SubsetMap(font)
        font.color_font = None
        self.fonts[fontkey] = font
        if font.is_cff and font.is_cid_keyed:
            self._set_min_pdf_version("1.6")


def _chars(x) -> set[str]:
    """Every character of a content value (text, numbers, nested lists, dicts, dataclasses)."""
    if x is None:
        return set()
    if isinstance(x, str):
        return set(x)
    if isinstance(x, dict):
        return _chars(list(x.keys())) | _chars(list(x.values()))
    if isinstance(x, (list, tuple, set, frozenset)):
        return set().union(*(_chars(v) for v in x))
    if dataclasses.is_dataclass(x):
        return _chars([getattr(x, f.name) for f in dataclasses.fields(x)])
    return set(str(x))


def _fixed_chars(lang: str) -> set[str]:
    """What the plan draws besides its content: the approvals heading, the signature line's own text (ASCII and
    the frame's texts are added by OfficePDF and fonts.cut_font)."""
    from planners.core.i18n import t

    return set(t("signoff.export_title", lang)) | set("：______    日期 / Date：")


def plan_pdf(snap, lang: str = "zh_CN") -> bytes:
    c = plan_content(snap, lang)
    # issue 17: the plan knows every character it draws, so its faces are cut to them once per process
    # (fonts.cut_font) and fpdf2 no longer subsets the whole CJK face on output (1.3 s -> see the plan bench)
    pdf = _PlanPDF(title=c.title, marking=c.marking, lang=lang, chars=_chars(c) | _fixed_chars(lang))
    pdf.watermark = c.watermark
    pdf.add_page()
    pdf.title_block(c.title, c.subtitle)
    pdf.facts(c.facts, label_width=44)
    pdf.heading(c.venue_heading)
    if c.venue_verdict:
        pdf.para(c.venue_verdict, bold=True)
        pdf.table(c.venue_header, c.venue_rows, VENUE_WIDTHS, font_size=8)
    else:
        pdf.para("—")
    for phase, rows in c.phases:
        pdf.heading(phase)
        if rows:
            pdf.table(c.task_header, rows, TASK_WIDTHS, font_size=8)
        else:
            pdf.para("—")
    pdf.para(c.note, size=8)
    if c.approvals:  # issue 11: the decision itself instead of blank lines
        from planners.core.i18n import t

        pdf.heading(t("signoff.export_title", lang))
        for line in c.approvals:
            pdf.para(line, size=9)
    if not any(a.get("approved_current") for a in getattr(snap, "approvals", [])):
        pdf.signature_lines(c.signatures)
    return pdf.output_bytes()
