"""The common office-document frame for every PDF export (fpdf2 + a CJK font found on the system).

    pdf = OfficePDF(title="...", marking="机密★10年", lang="zh_CN")
    pdf.add_page(); pdf.heading("..."); pdf.para("..."); pdf.table(header, rows, widths)
    data: bytes = pdf.output_bytes()

Text is drawn, never interpreted: there is no markup in what users typed."""
from __future__ import annotations

from fpdf import FPDF
from fpdf.enums import XPos, YPos

from planners.exports.fonts import find_cjk_font
from planners.core.i18n import t

FAMILY = "cjk"


class OfficePDF(FPDF):
    def __init__(self, *, title: str, marking: str = "", lang: str = "zh_CN", orientation: str = "P",
                 footer_note: str = ""):
        super().__init__(orientation=orientation, unit="mm", format="A4")
        font = find_cjk_font()
        self.add_font(FAMILY, "", str(font.regular), collection_font_number=font.collection_index)
        self.add_font(FAMILY, "B", str(font.bold), collection_font_number=font.collection_index)
        self.doc_title, self.marking, self.lang, self.footer_note = title, marking, lang, footer_note
        from planners.base import trail  # every export is anchored: a signed checkpoint, printed in the footer

        self.checkpoint_note = trail.footer_text(trail.for_export())
        self.set_title(title)
        self.set_creator("Conclave")
        self.set_auto_page_break(auto=True, margin=18)
        self.set_margins(18, 20, 18)
        self.alias_nb_pages("{nb}")

    # ---- frame
    def header(self) -> None:
        if self.marking:
            self.set_font(FAMILY, "B", 11)
            self.set_text_color(176, 0, 32)
            self.cell(0, 6, self.marking, align="L", new_x=XPos.LMARGIN, new_y=YPos.NEXT)
            self.set_text_color(0, 0, 0)
        self.ln(2)

    def footer(self) -> None:
        self.set_y(-13)
        self.set_font(FAMILY, "", 8)
        self.set_text_color(90, 90, 90)
        left = self.footer_note or self.doc_title
        self.cell(0, 5, left[:80], align="L")
        self.set_x(self.l_margin)
        self.cell(0, 5, t("exports.page", self.lang, n=self.page_no(), total="{nb}"), align="R")
        if self.checkpoint_note:
            self.set_xy(self.l_margin, -8.5)
            self.set_font(FAMILY, "", 6)
            self.cell(0, 3, t("exports.checkpoint", self.lang, note=self.checkpoint_note), align="L")
        self.set_text_color(0, 0, 0)

    # ---- content helpers
    def title_block(self, title: str, subtitle: str = "") -> None:
        self.set_font(FAMILY, "B", 18)
        self.multi_cell(0, 10, title, align="C", new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        if subtitle:
            self.set_font(FAMILY, "", 10)
            self.multi_cell(0, 6, subtitle, align="C", new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        self.ln(3)

    def heading(self, text: str, size: int = 13) -> None:
        self.ln(2)
        self.set_font(FAMILY, "B", size)
        self.multi_cell(0, 7, text, new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        self.ln(1)

    def para(self, text: str, size: int = 10, bold: bool = False) -> None:
        self.set_font(FAMILY, "B" if bold else "", size)
        self.multi_cell(0, 5.5, text, new_x=XPos.LMARGIN, new_y=YPos.NEXT)

    def facts(self, pairs: list[tuple[str, str]], label_width: float = 38) -> None:
        for label, value in pairs:
            self.set_font(FAMILY, "B", 10)
            self.cell(label_width, 6, label)
            self.set_font(FAMILY, "", 10)
            self.multi_cell(0, 6, value or "—", new_x=XPos.LMARGIN, new_y=YPos.NEXT)

    def table(self, header: list[str], rows: list[list[str]], widths: list[float] | None = None,
              font_size: int = 9) -> None:
        self.set_font(FAMILY, "", font_size)
        with super().table(col_widths=tuple(widths) if widths else None, text_align="LEFT",
                           line_height=font_size * 0.5 + 1.2, first_row_as_headings=True) as tbl:
            r = tbl.row()
            for h in header:
                r.cell(h)
            for row in rows:
                r = tbl.row()
                for cell in row:
                    r.cell("" if cell is None else str(cell))
        self.ln(2)

    def signature_lines(self, labels: list[str]) -> None:
        self.ln(8)
        self.set_font(FAMILY, "", 10)
        for label in labels:
            self.cell(0, 10, f"{label}：______________________    日期 / Date：____________",
                      new_x=XPos.LMARGIN, new_y=YPos.NEXT)

    def output_bytes(self) -> bytes:
        return bytes(self.output())
