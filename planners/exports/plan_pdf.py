"""The printable plan as PDF (fpdf2 + a CJK font found on the system): title block with the level marking
(机密★10年), event facts, venue verdict with findings, the three phases as tables, signature lines, page numbers."""
from __future__ import annotations

from planners.exports.pdfdoc import OfficePDF
from planners.exports.plan_content import plan_content

TASK_WIDTHS = [8, 14, 66, 18, 24, 18, 26]
VENUE_WIDTHS = [12, 88, 26, 10, 38]


def plan_pdf(snap, lang: str = "zh_CN") -> bytes:
    c = plan_content(snap, lang)
    pdf = OfficePDF(title=c.title, marking=c.marking, lang=lang)
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
    pdf.signature_lines(c.signatures)
    return pdf.output_bytes()
