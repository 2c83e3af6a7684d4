"""The common office-document frame for every PDF export (fpdf2 + a CJK font found on the system).

    pdf = OfficePDF(title="...", marking="机密★10年", lang="zh_CN")
    pdf.add_page(); pdf.heading("..."); pdf.para("..."); pdf.table(header, rows, widths)
    data: bytes = pdf.output_bytes()

Text is drawn, never interpreted: there is no markup in what users typed."""
from __future__ import annotations

from fpdf import FPDF
from fpdf.enums import XPos, YPos

from planners.exports.fonts import cut_font, find_cjk_font
from planners.core.i18n import t

FAMILY = "cjk"


class OfficePDF(FPDF):
    def __init__(self, *, title: str, marking: str = "", lang: str = "zh_CN", orientation: str = "P",
                 footer_note: str = "", chars: str | set[str] | frozenset[str] | None = None):
        """`chars`: every character the document will draw, if the caller knows them up front (the badge sheet):
        the font is then embedded from a face cut to them once per process (fonts.cut_font), which saves ~0.3 s of
        CPU per face and document; the frame's own texts (marking, title, page numbers, checkpoint) are added here."""
        super().__init__(orientation=orientation, unit="mm", format="A4")
        self.doc_title, self.marking, self.lang, self.footer_note = title, marking, lang, footer_note
        from planners.base import trail  # every export is anchored: a signed checkpoint, printed in the footer

        self.checkpoint_note = trail.footer_text(trail.for_export())
        font = find_cjk_font()
        regular, bold, index = str(font.regular), str(font.bold), font.collection_index
        if chars is not None:  # issue 17
            frame = (marking, title, footer_note, self.checkpoint_note, t("exports.page", lang, n=0, total="{nb}"),
                     t("exports.checkpoint", lang, note=""))
            need = set(chars).union(*frame)
            regular, bold = str(cut_font(font.regular, index, need)), str(cut_font(font.bold, index, need))
            index = 0
        self.add_font(FAMILY, "", regular, collection_font_number=index)
        self.add_font(FAMILY, "B", bold, collection_font_number=index)
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

    def qr(self, text: str, x: float, y: float, size: float, *, ec_level: str = "M") -> None:
        """The QR code of `text` in a `size` × `size` mm square at (x, y), quiet zone included, drawn as vector
        modules (issue 17): one filled path of the dark runs of each row. Crisp at any print resolution (an
        upscaled PNG is smoothed by some viewers), a quarter of the bytes, and cheaper: 0.56 ms a code against
        0.74 ms for a PNG through fpdf2, output included. The modules are zxing-cpp's, as in the PNG it replaces
        (segno 1.6.6 takes 4.6 ms to encode a code, zxing-cpp 0.18 ms). fpdf2 (pinned) has no public call for a raw
        path; `_out` is what its own rect() writes with."""
        import numpy as np
        import zxingcpp

        bc = zxingcpp.create_barcode(text, zxingcpp.BarcodeFormat.QRCode, ec_level=ec_level)
        dark = np.asarray(bc.to_image(scale=1, add_quiet_zones=True)) < 128
        rows, n = dark.shape
        edge = np.diff(np.pad(dark, ((0, 0), (1, 1))).astype(np.int8), axis=1)  # +1: a dark run starts, -1: it ends
        r0, a = np.nonzero(edge == 1)
        _, b = np.nonzero(edge == -1)  # row-major order: the k-th end closes the k-th start
        # in module units, y up from the symbol's top edge: one matrix (cm) puts it on the page, so the
        # rectangles are small integers (short to write, exact on the grid)
        runs = " ".join(f"{x} {y} {w} 1 re" for x, y, w in zip(a.tolist(), (-1 - r0).tolist(), (b - a).tolist()))
        m = size / n * self.k
        if runs:
            self._out(f"q {m:.4f} 0 0 {m:.4f} {x * self.k:.2f} {(self.h - y) * self.k:.2f} cm 0 g {runs} f Q")

    def output_bytes(self) -> bytes:
        return bytes(self.output())
