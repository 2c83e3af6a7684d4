"""The register's exports: CSV, and the PDF 涉密人员名册 marked with its level.

The 名册 says who is cleared for what: it is marked with the highest level among the people it lists (the
project's own proposal: a list of 涉密人员 is at least as sensitive as the highest clearance it reveals; set
`level` to mark it otherwise). Only ID type and last digits are ever exported."""
from __future__ import annotations

from sqlalchemy.orm import Session

from planners.base import audit
from planners.core import permissions
from planners.core.i18n import t
from planners.core.levels import Classification
from planners.exports.tables import to_csv
from planners.people import register

COLUMNS = ("id", "name", "unit", "post", "id_type", "id_last4", "nationality", "employer_type", "level",
           "person_class", "status", "decommission_until", "pledge_until", "training_until", "barred_until",
           "vetted_by", "vetted_at")


def _cell(p, f: str, lang: str) -> str:
    v = getattr(p, f)
    if v is None:
        return ""
    if f == "level":
        return Classification(v).label(lang)
    if f in ("id_type", "employer_type", "person_class", "status"):
        return t(f"people.{f}.{v}", lang)
    if f in ("pledge_until", "training_until") and v.year == 9999:
        return t("people.no_end", lang)
    return v.isoformat() if hasattr(v, "isoformat") else str(v)


def rows(session: Session, lang: str = "zh_CN") -> list[dict]:
    return [{t(f"people.col.{f}", lang): _cell(p, f, lang) for f in COLUMNS} for p in register.all_people(session)]


def marking_level(session: Session) -> Classification:
    levels = [Classification(p.level) for p in register.all_people(session)]
    return max(levels, key=lambda c: c.rank) if levels else Classification.SECRET


def export(session: Session, fmt: str, *, actor, lang: str = "zh_CN", level: str | None = None) -> tuple[bytes, str]:
    """(bytes, file name) of the register as `csv` or `pdf`; recorded in the audit trail."""
    permissions.require(actor, "people.see_all")
    lvl = Classification.parse(level) if level else marking_level(session)
    data_rows = rows(session, lang)
    if fmt == "csv":
        data = to_csv(data_rows, [t(f"people.col.{f}", lang) for f in COLUMNS])
        name = "people-register.csv"
    elif fmt == "pdf":
        from planners.exports.pdfdoc import OfficePDF

        pdf = OfficePDF(title=t("people.pdf_title", lang), marking=lvl.label(lang), lang=lang, orientation="L")
        pdf.add_page()
        pdf.title_block(t("people.pdf_title", lang), t("people.pdf_subtitle", lang, n=len(data_rows)))
        cols = ("name", "unit", "post", "id_last4", "level", "person_class", "status", "pledge_until",
                "training_until", "barred_until")
        header = [t(f"people.col.{f}", lang) for f in cols]
        body = [[r[t(f"people.col.{f}", lang)] for f in cols] for r in data_rows]
        pdf.table(header, body, widths=[26, 40, 30, 18, 16, 18, 18, 24, 24, 24], font_size=8)
        pdf.signature_lines([t("people.pdf_signed", lang)])
        data = pdf.output_bytes()
        name = "people-register.pdf"
    else:
        raise ValueError("fmt must be csv or pdf")
    audit.record(session, actor=getattr(actor, "username", str(actor)), action="people.export",
                 object_type="people", object_id="", format=fmt, rows=len(data_rows), marking=lvl.value)
    return data, name
