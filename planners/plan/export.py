"""The plan in each export format: calendar (.ics), printable PDF and Word, CSV. The heavy format libraries
load only when their format is asked for."""
from __future__ import annotations

FORMATS = ("ics", "pdf", "docx", "csv")


def render(snap, fmt: str, lang: str) -> bytes:
    """The plan in one of the export formats (ValueError for an unknown one)."""
    if fmt == "ics":
        from planners.plan.calendar import plan_ics

        return plan_ics(snap, lang)
    if fmt == "pdf":
        from planners.plan.export_pdf import plan_pdf

        return plan_pdf(snap, lang)
    if fmt == "docx":
        from planners.plan.export_docx import plan_docx

        return plan_docx(snap, lang)
    if fmt == "csv":
        from planners.plan.content import plan_csv

        return plan_csv(snap, lang)
    raise ValueError(f"unknown format {fmt!r}: use {', '.join(FORMATS)}")
