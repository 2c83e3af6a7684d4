"""Badges: an A4 sheet of badges (PDF), one badge as PNG, and a CSV for mail merge.

Each badge shows the event title, the person's name, unit and role (Chinese and English), a colour band for
the event's level, and the signed QR code. The codes are issued (and the event's key made) on first export."""
from __future__ import annotations

import io

import numpy as np
import zxingcpp
from PIL import Image, ImageDraw, ImageFont
from sqlalchemy import select

from planners.exports.fonts import find_cjk_font
from planners.exports.tables import to_csv
from planners.core.i18n import t
from planners.core.levels import Classification
from planners.store.models import Attendee, Event

LEVEL_COLORS = {  # band colour per level (RGB)
    "top_secret": (176, 0, 32), "confidential": (214, 102, 0), "secret": (230, 180, 0),
    "work_secret": (30, 90, 170), "internal": (20, 130, 70), "public": (110, 110, 110),
}
CARD_W, CARD_H = 90.0, 64.0  # mm
COLS, ROWS = 2, 4  # 8 badges per A4 page
MARGIN_X, MARGIN_Y, GAP = 12.0, 14.0, 6.0


def qr_image(code: str, scale: int = 4) -> Image.Image:
    """The QR code of `code` as a PIL image (zxing-cpp writer, error correction M, quiet zone)."""
    bc = zxingcpp.create_barcode(code, zxingcpp.BarcodeFormat.QRCode, ec_level="M")
    return Image.fromarray(np.array(bc.to_image(scale=scale, add_quiet_zones=True)))


def role_text(role: str) -> str:
    key = f"badges.role.{role}"
    return t(key, "zh_CN") + " " + t(key, "en")


def level_text(level: str) -> str:
    c = Classification(level)
    return f"{c.label('zh_CN')} {c.label('en')}"


def not_eligible(session, event: Event) -> dict[int, str]:
    """{attendee id: status} of the event's attendees who are not eligible now (ineligible, or waiting for a
    leader's exception): the people an "eligible only" sheet leaves out and a full sheet marks (issue 16)."""
    from planners.attendees import eligibility

    return not_eligible_in(eligibility.for_event(session, event))


def not_eligible_in(judged: dict) -> dict[int, str]:
    """not_eligible of eligibilities already judged ({attendee id: Eligibility})."""
    from planners.attendees import eligibility

    return {aid: el.status for aid, el in judged.items() if el.status != eligibility.ELIGIBLE}


def mark_text() -> str:
    return t("badges.not_eligible_mark", "zh_CN") + " " + t("badges.not_eligible_mark", "en")


def sheet_pdf(event: Event, pairs: list[tuple[Attendee, str]], marked: frozenset[int] | set[int] = frozenset()) -> bytes:
    """An A4 sheet, 8 badges a page, cut lines around each; the badges of `marked` attendees (not eligible) carry
    a red band saying so, so that nobody hands them out by mistake."""
    from planners.exports.pdfdoc import FAMILY, OfficePDF

    # every text the sheet draws is known here, so the font is embedded from a face cut to it (issue 17)
    texts = [level_text(event.level), event.title[:60], mark_text(), t("badges.none", "zh_CN"), t("badges.none", "en")]
    texts += [role_text(r) for r in {a.event_role for a, _ in pairs}]
    texts += [f"{a.name[:16]}{(a.unit or '')[:40]}{(a.post or '')[:30]}" for a, _ in pairs]
    pdf = OfficePDF(title=f"{event.title} — badges", lang="zh_CN", chars=set("".join(texts)))
    pdf.set_auto_page_break(False)
    pdf.footer = lambda: None  # badges carry no page frame
    pdf.header = lambda: None
    color = LEVEL_COLORS.get(event.level, (110, 110, 110))
    per_page = COLS * ROWS
    for i, (a, code) in enumerate(pairs):
        if i % per_page == 0:
            pdf.add_page()
        slot = i % per_page
        x = MARGIN_X + (slot % COLS) * (CARD_W + GAP)
        y = MARGIN_Y + (slot // COLS) * (CARD_H + GAP)
        pdf.set_draw_color(160, 160, 160)
        pdf.set_line_width(0.2)
        pdf.rect(x, y, CARD_W, CARD_H)
        pdf.set_fill_color(*color)
        pdf.rect(x, y, CARD_W, 8, style="F")
        pdf.set_text_color(255, 255, 255)
        pdf.set_font(FAMILY, "B", 9)
        pdf.set_xy(x + 2, y + 1.5)
        pdf.cell(CARD_W - 4, 5, level_text(event.level), align="L")
        pdf.set_text_color(0, 0, 0)
        pdf.set_font(FAMILY, "", 7.5)
        pdf.set_xy(x + 3, y + 10)
        pdf.multi_cell(CARD_W - 6, 3.6, event.title[:60], align="L")
        pdf.set_font(FAMILY, "B", 16)
        pdf.set_xy(x + 3, y + 20)
        pdf.cell(CARD_W - 40, 8, a.name[:16], align="L")
        pdf.set_font(FAMILY, "", 8)
        pdf.set_xy(x + 3, y + 30)
        pdf.multi_cell(CARD_W - 42, 3.8, (a.unit or "")[:40], align="L")
        pdf.set_xy(x + 3, y + 40)
        pdf.multi_cell(CARD_W - 42, 3.8, (a.post or "")[:30], align="L")
        pdf.set_font(FAMILY, "B", 8.5)
        pdf.set_xy(x + 3, y + CARD_H - 9)
        pdf.cell(CARD_W - 42, 5, role_text(a.event_role), align="L")
        if a.id in marked:
            pdf.set_fill_color(176, 0, 32)
            pdf.rect(x + 3, y + 49, CARD_W - 42, 5, style="F")
            pdf.set_text_color(255, 255, 255)
            pdf.set_font(FAMILY, "B", 7)
            pdf.set_xy(x + 3, y + 49)
            pdf.cell(CARD_W - 42, 5, mark_text(), align="C")
            pdf.set_text_color(0, 0, 0)
        pdf.qr(code, x + CARD_W - 37, y + 17, 34)
        pdf.set_font(FAMILY, "", 6)
        pdf.set_xy(x + CARD_W - 37, y + 52)
        pdf.cell(34, 3, f"#{a.id}", align="C")
    if not pairs:
        pdf.add_page()
        pdf.set_font(FAMILY, "", 12)
        pdf.cell(0, 10, t("badges.none", "zh_CN") + " / " + t("badges.none", "en"))
    return pdf.output_bytes()


def badge_png(event: Event, attendee: Attendee, code: str, *, scale: int = 4) -> bytes:
    """One badge as a PNG (about 90 × 64 mm at 8 px/mm)."""
    px = 8
    w, h = int(CARD_W * px), int(CARD_H * px)
    img = Image.new("RGB", (w, h), "white")
    d = ImageDraw.Draw(img)
    font = find_cjk_font()

    def f(size: int, bold: bool = False):
        return ImageFont.truetype(str(font.bold if bold else font.regular), size, index=font.collection_index)

    d.rectangle([0, 0, w - 1, 8 * px], fill=LEVEL_COLORS.get(event.level, (110, 110, 110)))
    d.text((2 * px, 1.2 * px), level_text(event.level), fill="white", font=f(36, True))
    d.text((3 * px, 10 * px), event.title[:40], fill="black", font=f(24))
    d.text((3 * px, 20 * px), attendee.name[:16], fill="black", font=f(64, True))
    d.text((3 * px, 31 * px), (attendee.unit or "")[:20], fill="black", font=f(28))
    d.text((3 * px, 37 * px), (attendee.post or "")[:20], fill="black", font=f(28))
    d.text((3 * px, (CARD_H - 9) * px), role_text(attendee.event_role), fill="black", font=f(30, True))
    qr = qr_image(code, scale).convert("RGB").resize((34 * px, 34 * px), Image.NEAREST)
    img.paste(qr, (int((CARD_W - 37) * px), 17 * px))
    d.rectangle([0, 0, w - 1, h - 1], outline=(160, 160, 160))
    buf = io.BytesIO()
    img.save(buf, "PNG")
    return buf.getvalue()


def mail_merge_csv(event: Event, pairs: list[tuple[Attendee, str]]) -> bytes:
    rows = [{"name": a.name, "unit": a.unit, "post": a.post, "role": a.event_role, "event": event.title,
             "attendee_id": a.id, "code": code} for a, code in pairs]
    return to_csv(rows, ["name", "unit", "post", "role", "event", "attendee_id", "code"])


def export(session, event_id: int, kind: str, *, actor, attendee_ids: list[int] | None = None,
           eligible_only: bool = False) -> tuple[bytes, int]:
    """Issue the codes and build the file: kind 'pdf' (sheet) or 'csv' (mail merge). Returns (bytes, count).
    `eligible_only`: leave out (and issue no badge to) whoever is not eligible now; otherwise they are included
    and their badges marked on the sheet."""
    from planners.attendees import badges as tokens

    ev = session.get(Event, event_id)
    others = not_eligible(session, ev) if ev is not None else {}
    if eligible_only:
        if attendee_ids is None:
            attendee_ids = list(session.scalars(select(Attendee.id).where(Attendee.event_id == event_id)))
        attendee_ids = [i for i in attendee_ids if i not in others]
    pairs = tokens.codes_for_event(session, event_id, actor=actor, attendee_ids=attendee_ids)
    if kind == "pdf":
        return sheet_pdf(ev, pairs, marked=set(others)), len(pairs)
    if kind == "csv":
        return mail_merge_csv(ev, pairs), len(pairs)
    raise ValueError(f"unknown badge export kind {kind!r}")
