"""The documents area's printouts: copy labels with QR codes, the destruction record, the loss report,
and the reconciliation as CSV."""
from __future__ import annotations


from sqlalchemy.orm import Session

from planners.core.errors import NotFound
from planners.base.events import get_event, local
from planners.core.i18n import pick, t
from planners.store.models_documents import Destruction, LossIncident
from planners.documents.reconcile import Reconciliation, reconcile
from planners.documents.register import copies_of, get_document
from planners.documents.rules import copy_code, copy_label, doc_marking, rules

# ---------------------------------------------------------------- exports (PDF: labels, destruction, loss)

def _qr_image(text: str):
    import qrcode

    qr = qrcode.QRCode(error_correction=qrcode.constants.ERROR_CORRECT_M, box_size=6, border=2)
    qr.add_data(text)
    qr.make(fit=True)
    return qr.make_image(fill_color="black", back_color="white").get_image()


def label_sheet_pdf(session: Session, document_id: int, *, lang: str = "zh_CN",
                    numbers: list[int] | None = None) -> bytes:
    """A sheet of labels, one per copy: QR code (event, document, copy), marking, control number, 第 N 份 / 共 M 份.
    No content. Raises NoCJKFont when the system has no CJK font."""
    from planners.exports.pdfdoc import FAMILY, OfficePDF

    d = get_document(session, document_id)
    copies = copies_of(session, d.id)
    total = len(copies)
    mark = doc_marking(d)
    pdf = OfficePDF(title=t("documents.labels_title", lang, control=d.control_no), marking=mark, lang=lang)
    pdf.set_auto_page_break(False)
    cols, rows_per_page, w, h = 2, 6, 87.0, 40.0
    x0, y0 = 18.0, 30.0
    chosen = [c for c in copies if numbers is None or c.number in numbers]
    for i, c in enumerate(chosen):
        slot = i % (cols * rows_per_page)
        if slot == 0:
            pdf.add_page()
        x = x0 + (slot % cols) * (w + 2)
        y = y0 + (slot // cols) * (h + 3)
        code = copy_code(d.event_id, d.id, c.number)
        pdf.set_draw_color(120, 120, 120)
        pdf.rect(x, y, w, h)
        pdf.image(_qr_image(code), x=x + 2, y=y + 2, w=h - 4, h=h - 4)
        tx = x + h
        pdf.set_xy(tx, y + 3)
        pdf.set_font(FAMILY, "B", 11)
        pdf.set_text_color(176, 0, 32)
        pdf.cell(w - h - 2, 6, mark)
        pdf.set_text_color(0, 0, 0)
        pdf.set_font(FAMILY, "", 9)
        for j, line in enumerate([d.control_no, d.short_title[:18], copy_label(c.number, total, lang), code]):
            pdf.set_xy(tx, y + 11 + j * 6)
            pdf.cell(w - h - 2, 5, line)
    if not chosen:
        pdf.add_page()
    return pdf.output_bytes()


def destruction_pdf(session: Session, destruction_id: int, *, lang: str = "zh_CN") -> bytes:
    from planners.exports.pdfdoc import OfficePDF

    d = session.get(Destruction, destruction_id)
    if d is None:
        raise NotFound("No such destruction record.", key="documents.destruction_not_found")
    ev = get_event(session, d.event_id)
    rec = {r.copy_id: r for r in reconcile(session, ev.id).rows}
    r = rules()["destruction"]
    pdf = OfficePDF(title=t("documents.destruction_record", lang), lang=lang)
    pdf.add_page()
    pdf.title_block(t("documents.destruction_record", lang), f"{ev.title} · #{d.id}")
    fmt = "%Y-%m-%d %H:%M"
    pdf.facts([
        (t("documents.count", lang), str(len(d.copy_ids))),
        (t("documents.method", lang), t(f"documents.method_{d.method}", lang)),
        (t("documents.witness1", lang), d.witness1),
        (t("documents.witness2", lang), d.witness2),
        (t("documents.requested_by", lang), d.requested_by),
        (t("documents.requested_at", lang), local(d.requested_at, ev.tz).strftime(fmt)),
        (t("documents.decided_by", lang), d.decided_by or "—"),
        (t("documents.status", lang), t(f"documents.destruction_status.{d.status}", lang)),
        (t("documents.done_at", lang), local(d.done_at, ev.tz).strftime(fmt) if d.done_at else "—"),
        (t("documents.reason", lang), d.reason or "—"),
    ])
    pdf.heading(t("documents.copies", lang))
    pdf.table([t("documents.control_no", lang), t("documents.marking", lang), t("documents.copy", lang),
               t("documents.code", lang)],
              [[rec[c].control_no, rec[c].marking, copy_label(rec[c].number, rec[c].total, lang), rec[c].code]
               for c in d.copy_ids if c in rec], widths=[45, 40, 40, 49])
    pdf.para(f"{pick(r['text'], lang)} — {r['source']}", size=8)
    pdf.signature_lines([t("documents.witness1", lang), t("documents.witness2", lang),
                         t("documents.approver", lang)])
    return pdf.output_bytes()


def incident_pdf(session: Session, incident_id: int, *, lang: str = "zh_CN") -> bytes:
    from planners.exports.pdfdoc import OfficePDF

    inc = session.get(LossIncident, incident_id)
    if inc is None:
        raise NotFound("No such incident.", key="documents.incident_not_found")
    ev = get_event(session, inc.event_id)
    row = next(r for r in reconcile(session, ev.id).rows if r.copy_id == inc.copy_id)
    r = rules()["loss_report"]
    fmt = "%Y-%m-%d %H:%M"
    pdf = OfficePDF(title=t("documents.loss_report", lang), lang=lang)
    pdf.add_page()
    pdf.title_block(t("documents.loss_report", lang), f"{ev.title} · #{inc.id}")
    pdf.facts([
        (t("documents.control_no", lang), row.control_no),
        (t("documents.marking", lang), row.marking),
        (t("documents.copy", lang), copy_label(row.number, row.total, lang)),
        (t("documents.code", lang), row.code),
        (t("documents.holder", lang), inc.holder_name or "—"),
        (t("documents.declared_at", lang), local(inc.declared_at, ev.tz).strftime(fmt)),
        (t("documents.deadline", lang), local(inc.deadline_at, ev.tz).strftime(fmt)),
        (t("documents.what", lang), inc.what),
        (t("documents.when", lang), inc.when_text),
        (t("documents.where", lang), inc.where),
        (t("documents.measures", lang), inc.measures),
        (t("documents.reported_to", lang), inc.reported_to),
        (t("documents.reported_at", lang), local(inc.reported_at, ev.tz).strftime(fmt) if inc.reported_at else "—"),
    ], label_width=42)
    pdf.para(f"{pick(r['text'], lang)} — {r['source']}", size=8)
    pdf.signature_lines([t("documents.reporter", lang), t("documents.unit_head", lang)])
    return pdf.output_bytes()


def reconciliation_csv(rec: Reconciliation, lang: str = "zh_CN") -> bytes:
    from planners.exports.tables import to_csv

    return to_csv([{**r.as_json(), "state": t(f"documents.state.{r.state}", lang)} for r in rec.rows])
