"""The printable plan as Word (python-docx, eastAsia font set): the same content as the PDF."""
from __future__ import annotations

from docx.enum.text import WD_ALIGN_PARAGRAPH

from planners.exports import docxdoc
from planners.plan.content import plan_content
from planners.core.i18n import t


def plan_docx(snap, lang: str = "zh_CN") -> bytes:
    c = plan_content(snap, lang)
    doc = docxdoc.office_docx(c.title, marking=c.marking)
    sub = doc.add_paragraph(c.subtitle)
    sub.alignment = WD_ALIGN_PARAGRAPH.CENTER
    doc.add_heading(t("export.facts", lang), level=1)
    docxdoc.add_table(doc, [t("export.facts", lang), ""], [[k, v or "—"] for k, v in c.facts])
    doc.add_heading(c.venue_heading, level=1)
    if c.venue_verdict:
        doc.add_paragraph().add_run(c.venue_verdict).bold = True
        docxdoc.add_table(doc, c.venue_header, c.venue_rows)
    else:
        doc.add_paragraph(t("export.venue_none", lang))
    for phase, rows in c.phases:
        doc.add_heading(phase, level=1)
        if rows:
            docxdoc.add_table(doc, c.task_header, rows)
        else:
            doc.add_paragraph("—")
    doc.add_paragraph(c.note)
    if c.watermark:  # issue 11: an unapproved plan says so at its head and its foot
        head = doc.paragraphs[0].insert_paragraph_before()
        run = head.add_run(c.watermark)
        run.bold = True
        head.alignment = WD_ALIGN_PARAGRAPH.CENTER
        doc.add_paragraph().add_run(c.watermark).bold = True
        for section in doc.sections:
            section.header.add_paragraph(c.watermark).alignment = WD_ALIGN_PARAGRAPH.CENTER
    if c.approvals:
        doc.add_heading(t("signoff.export_title", lang), level=1)
        for line in c.approvals:
            doc.add_paragraph(line)
    if not any(a.get("approved_current") for a in getattr(snap, "approvals", [])):
        for label in c.signatures:
            doc.add_paragraph(f"{label}：______________________    日期 / Date：____________")
    return docxdoc.to_bytes(doc)
