"""The host briefing: one page per visit for every host and escort, from the APPROVED disclosure scope.

Who is coming, the route, what may be discussed with the agreed lines, what must not be discussed, what to do
when asked for more, photography and device rules, whom to call. PDF (OfficePDF) or Word (docxdoc), zh_CN or en.
Refused (ScopeNotApproved) while the scope is not approved. Topics outside the scope do not appear."""
from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from planners.base import audit
from planners.visits import disclosure
from planners import visits
from planners.base.auth import Principal
from planners.core.errors import ValidationFailed, VisitNotApproved
from planners.base.events import local
from planners.core.i18n import pick, t
from planners.core.levels import Classification
from planners.store.models import Event, User
from planners.core import permissions

FORMATS = ("pdf", "docx")


@dataclass(frozen=True, kw_only=True)
class Briefing:
    title: str
    marking: str
    facts: list[tuple[str, str]]
    members: list[list[str]]
    route: list[list[str]]
    allowed: list[tuple[str, str, str]]  # topic, how, agreed line
    forbidden: list[str]
    when_asked: str
    rules: list[str]
    contacts: list[str]


def build(session: Session, visit_id: int, lang: str = "zh_CN") -> Briefing:
    v = visits.get(session, visit_id)
    scope = disclosure.approved_scope(session, visit_id)
    if v.status != "approved":
        raise VisitNotApproved(f"The visit request is {v.status}: the briefing shows only an approved visit. "
                               "Wait for the leader's decision on the changed request.", status=v.status)
    cat = disclosure.topics(session)
    ev = session.get(Event, v.event_id) if v.event_id else None
    s, e = local(v.starts_at, v.tz), local(v.ends_at, v.tz)
    method = lambda m: t(f"disclosure.method_{m}", lang)  # noqa: E731
    allowed, forbidden = [], []
    for i in disclosure.scope_items(session, scope):
        topic = cat[i.topic_code]
        if i.decision == "must_not":
            forbidden.append(topic.label(lang))
        else:
            line = pick(topic.talking_points, lang) if i.decision == "agreed_line" else ""
            how = t(f"disclosure.decision_{i.decision}", lang) + " · " + ("、" if lang == "zh_CN" else ", ").join(method(m) for m in i.methods or [])
            allowed.append((topic.label(lang), how, line or (i.note if i.decision == "agreed_line" else "")))
    device = ev.device_policy if ev else "approved_only"
    rules = [t("briefing.photo_yes" if v.photography_allowed else "briefing.photo_no", lang),
             t(f"briefing.device_{device}", lang), t("briefing.no_custody", lang),
             t("briefing.ceiling", lang, level=Classification.parse(scope.ceiling).label(lang))]
    organizer = session.get(User, v.organizer_id)
    leader = session.scalar(select(User).where(User.username == scope.decided_by))
    contacts = [t("briefing.contact_organizer", lang, name=organizer.display_name or organizer.username),
                t("briefing.contact_leader", lang, name=(leader.display_name or leader.username) if leader
                  else scope.decided_by)]
    contacts += [c.strip() for c in (v.contacts or "").splitlines() if c.strip()]
    facts = [(t("briefing.when", lang), f"{s:%Y-%m-%d %H:%M} – {e:%Y-%m-%d %H:%M} ({v.tz})"),
             (t("briefing.type", lang), t(f"visits.type_{v.visit_type}", lang)),
             (t("briefing.purpose", lang), v.purpose),
             (t("briefing.host_unit", lang), v.host_unit),
             (t("briefing.approved_by", lang), scope.decided_by or "")]
    return Briefing(title=t("briefing.title", lang, title=v.title),
                    marking=Classification.parse(v.level).label(lang), facts=facts,
                    members=[[m["name"], m["nationality"], m.get("organisation", ""), m.get("post", "")]
                             for m in v.members or []],
                    route=[[p["place"], p.get("host", ""), p.get("escort", "")] for p in v.route or []],
                    allowed=allowed, forbidden=forbidden, when_asked=pick(disclosure.when_asked(), lang),
                    rules=rules, contacts=contacts)


def render(session: Session, visit_id: int, fmt: str, lang: str = "zh_CN") -> bytes:
    if fmt not in FORMATS:
        raise ValidationFailed("The briefing is made as .pdf or .docx.", key="briefing.bad_format", field="format")
    b = build(session, visit_id, lang)
    return _pdf(b, lang) if fmt == "pdf" else _docx(b, lang)


def export(session: Session, visit_id: int, fmt: str, lang: str, *, actor: Principal) -> bytes:
    """The briefing for a user, recorded in the audit trail (who made which briefing of which scope)."""
    v = visits.get(session, visit_id)
    permissions.require(actor, "visit.briefing", v)
    data = render(session, visit_id, fmt, lang)
    scope = disclosure.get_scope(session, visit_id)
    audit.record(session, actor=actor.username, action="visit.briefing", object_type="visit", object_id=v.id,
                 event_id=v.event_id, format=fmt, lang=lang, scope_version=scope.version if scope else None)
    return data


def _headers(lang: str) -> dict:
    return {k: t(f"briefing.{k}", lang) for k in (
        "who", "route", "may_discuss", "must_not", "when_asked_h", "rules_h", "contacts_h", "col_name",
        "col_nationality", "col_org", "col_post", "col_place", "col_host", "col_escort", "col_topic", "col_how",
        "col_line", "none")}


def _pdf(b: Briefing, lang: str) -> bytes:
    from fpdf.enums import XPos, YPos

    from planners.exports.pdfdoc import FAMILY, OfficePDF

    def head(text: str) -> None:
        pdf.ln(1)
        pdf.set_font(FAMILY, "B", 10)
        pdf.multi_cell(0, 5.5, text, new_x=XPos.LMARGIN, new_y=YPos.NEXT)

    def line(text: str) -> None:
        pdf.set_font(FAMILY, "", 8.5)
        pdf.multi_cell(0, 4.3, text, align="L", new_x=XPos.LMARGIN, new_y=YPos.NEXT)

    h = _headers(lang)
    pdf = OfficePDF(title=b.title, marking=b.marking, lang=lang, footer_note=b.title)
    pdf.add_page()
    pdf.title_block(b.title)
    for label, value in b.facts:
        pdf.set_font(FAMILY, "B", 9)
        pdf.cell(36 if lang == "en" else 26, 5, label)
        pdf.set_font(FAMILY, "", 9)
        pdf.multi_cell(0, 5, value or "—", new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    head(h["who"])
    pdf.table([h["col_name"], h["col_nationality"], h["col_org"], h["col_post"]], b.members, [40, 22, 64, 48], 7)
    head(h["route"])
    pdf.table([h["col_place"], h["col_host"], h["col_escort"]], b.route or [[h["none"], "", ""]], [74, 50, 50], 7)
    head(h["may_discuss"])
    pdf.table([h["col_topic"], h["col_how"], h["col_line"]], [list(x) for x in b.allowed] or [[h["none"], "", ""]],
              [56, 40, 78], 7)
    head(h["must_not"])
    for x in b.forbidden or [h["none"]]:
        line("• " + x if x != h["none"] else x)
    head(h["when_asked_h"])
    line(b.when_asked)
    head(h["rules_h"])
    for r in b.rules:
        line("• " + r)
    head(h["contacts_h"])
    for c in b.contacts:
        line("• " + c)
    return pdf.output_bytes()


def _docx(b: Briefing, lang: str) -> bytes:
    from planners.exports.docxdoc import add_table, office_docx, to_bytes

    h = _headers(lang)
    doc = office_docx(b.title, b.marking)
    for label, value in b.facts:
        p = doc.add_paragraph()
        p.add_run(f"{label}: ").bold = True
        p.add_run(value or "—")
    doc.add_heading(h["who"], level=2)
    add_table(doc, [h["col_name"], h["col_nationality"], h["col_org"], h["col_post"]], b.members)
    doc.add_heading(h["route"], level=2)
    add_table(doc, [h["col_place"], h["col_host"], h["col_escort"]], b.route or [[h["none"], "", ""]])
    doc.add_heading(h["may_discuss"], level=2)
    add_table(doc, [h["col_topic"], h["col_how"], h["col_line"]], [list(x) for x in b.allowed] or [[h["none"], "", ""]])
    doc.add_heading(h["must_not"], level=2)
    for x in b.forbidden or [h["none"]]:
        doc.add_paragraph(x, style="List Bullet")
    doc.add_heading(h["when_asked_h"], level=2)
    doc.add_paragraph(b.when_asked)
    doc.add_heading(h["rules_h"], level=2)
    for r in b.rules:
        doc.add_paragraph(r, style="List Bullet")
    doc.add_heading(h["contacts_h"], level=2)
    for c in b.contacts:
        doc.add_paragraph(c, style="List Bullet")
    return to_bytes(doc)
