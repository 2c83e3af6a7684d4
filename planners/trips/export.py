"""Exports of a trip: the approval form (出国（境）审批表-style), the pre-departure briefing sheet, the return debrief
report (PDF through exports.pdfdoc with its CJK font, Word through exports.docxdoc; zh_CN or en), and an .ics of
the trip's deadlines (briefing, departure, debrief due). Each export is audited; none carries content."""
from __future__ import annotations

from datetime import timedelta

from sqlalchemy.orm import Session

from planners.base import audit
from planners.base.auth import Principal
from planners.core import permissions
from planners.core.errors import InvalidTransition, ValidationFailed
from planners.core.i18n import t
from planners.core.levels import Classification
from planners.trips import briefing, carry, debrief, requests
from planners.trips import rules as trip_rules
from planners.trips import travellers as reg

FORMATS = ("pdf", "docx")
KINDS = ("form", "briefing", "debrief")
Block = tuple  # ("facts", pairs) | ("heading", text) | ("table", header, rows) | ("bullets", items) | ("para", text)


def _sep(lang: str) -> str:
    return "、" if lang == "zh_CN" else ", "


def _findings_rows(session: Session, trip, lang: str) -> list[list[str]]:
    return [[f.rule, f.text(lang), f.source] for f in requests.findings_for(session, trip)]


def _travellers(session: Session, trip, lang: str) -> list[list[str]]:
    rows = []
    for x in requests.travellers_of(session, trip.id):
        p = reg.person(session, x.person_id)
        st = briefing.traveller_state(session, trip, x)
        rows.append([x.name, x.role, Classification.parse(p.level).label(lang),
                     t(f"trips.class_{p.person_class}", lang),
                     st["briefed_on"] or "—", t("trips.answer_yes" if st["pledge"] else "trips.answer_no", lang)])
    return rows


def _carry_rows(session: Session, trip, lang: str) -> list[list[str]]:
    names = {x.person_id: x.name for x in requests.travellers_of(session, trip.id)}
    return [[names.get(ci.person_id, "?"), ci.label, ci.copy_code or "—", t(f"trips.verdict_{ci.verdict}", lang),
             carry.item_finding(ci, "").rule] for ci in carry.items_of(session, trip.id)]


def form_blocks(session: Session, trip, lang: str) -> tuple[str, list[Block]]:
    h = lambda k: t(f"trips.{k}", lang)
    facts = [(h("col_dates"), f"{trip.starts_on:%Y-%m-%d} – {trip.ends_on:%Y-%m-%d}"),
             (h("col_destinations"), _sep(lang).join(trip_rules.country_name(c, lang) for c in trip.destinations)),
             (h("field_inviting"), trip.inviting_party), (h("field_unit"), trip.unit),
             (h("field_purpose"), trip.purpose), (h("col_status"), h(f"status_{trip.status}"))]
    scope_allowed, forbidden = briefing.scope_lines(session, trip, lang)
    blocks: list[Block] = [
        ("facts", facts),
        ("heading", h("form_travellers")),
        ("table", [h("col_traveller"), h("col_role"), h("col_level"), h("col_class"), h("col_briefed"),
                   h("col_pledge")], _travellers(session, trip, lang)),
        ("heading", h("form_findings")),
        ("table", [h("col_rule"), h("findings"), h("col_source")],
         _findings_rows(session, trip, lang) or [[h("nothing"), "", ""]]),
        ("heading", h("form_itinerary")),
        ("table", [h("col_day"), h("col_place"), h("col_host"), h("col_meeting")],
         [[s["day"], s["place"], s.get("host", ""), s.get("meeting", "")] for s in trip.itinerary or []]
         or [[h("nothing"), "", "", ""]]),
        ("heading", h("form_scope") + f" ({h('ceiling')}: "
         f"{Classification.parse((trip.scope or {}).get('ceiling', 'internal')).label(lang)})"),
        ("table", [h("col_topic"), h("col_how"), h("col_line")], [list(x) for x in scope_allowed]
         + [[x, t("disclosure.decision_must_not", lang), ""] for x in forbidden] or [[h("nothing"), "", ""]]),
        ("heading", h("form_carry")),
        ("table", [h("col_traveller"), h("col_item"), h("col_code"), h("col_verdict"), h("col_rule")],
         _carry_rows(session, trip, lang) or [[h("nothing"), "", "", "", ""]]),
        ("heading", h("form_decision")),
        ("facts", [(h("approved_by"), _sep(lang).join(trip.approved_by or []) or "—"),
                   (t("trips.leader_comment", lang, comment=""), trip.last_comment or "—")]),
    ]
    return t("trips.form_title", lang, title=trip.title), blocks


def briefing_blocks(session: Session, trip, lang: str) -> tuple[str, list[Block]]:
    sh = briefing.build(session, trip.id, lang)
    h = lambda k: t(f"trips.{k}", lang)
    blocks: list[Block] = [
        ("facts", sh.facts),
        ("heading", h("form_travellers")),
        ("table", [h("col_traveller"), h("col_role"), h("col_briefed")], sh.travellers),
        ("heading", h("form_itinerary")),
        ("table", [h("col_day"), h("col_place"), h("col_host"), h("col_meeting")],
         sh.itinerary or [[h("nothing"), "", "", ""]]),
        ("heading", h("sheet_sections")),
        ("bullets", [f"{rid}: {text}" for rid, text in sh.sections]),
        ("heading", h("form_carry")),
        ("table", [h("col_traveller"), h("col_item"), h("col_code"), h("col_verdict"), h("col_rule")],
         sh.carry or [[h("nothing"), "", "", "", ""]]),
        ("heading", h("sheet_may")),
        ("table", [h("col_topic"), h("col_how"), h("col_line")], [list(x) for x in sh.allowed]
         or [[h("nothing"), "", ""]]),
        ("heading", h("sheet_must_not")),
        ("bullets", sh.forbidden or [h("nothing")]),
        ("heading", h("sheet_when_asked")),
        ("para", sh.when_asked),
    ]
    return sh.title, blocks


def debrief_blocks(session: Session, trip, lang: str) -> tuple[str, list[Block]]:
    d = debrief.get(session, trip.id)
    if d is None:
        raise InvalidTransition("The trip has no debrief yet.", key="trips.bad_transition",
                                status=t(f"trips.status_{trip.status}", lang), action="debrief")
    h = lambda k: t(f"trips.{k}", lang)
    nothing = h("nothing")
    blocks: list[Block] = [
        ("facts", [(h("col_dates"), f"{trip.departed_on or trip.starts_on} – {trip.back_on or trip.ends_on}"),
                   (h("col_destinations"), _sep(lang).join(trip_rules.country_name(c, lang)
                                                           for c in trip.destinations)),
                   (h("debrief_held_on"), d.held_on.isoformat()), (h("debrief_due"),
                                                                   requests.debrief_due(trip).isoformat())]),
        ("heading", h("debrief_contacts")), ("para", d.contacts or nothing),
        ("heading", h("debrief_approaches")),
        ("table", [h("col_asked_by"), h("col_what"), h("col_answer")],
         [[a["asked_by"], a["what"], a["answer"]] for a in d.approaches or []] or [[nothing, "", ""]]),
        ("heading", h("debrief_gifts")), ("para", d.gifts or nothing),
        ("heading", h("debrief_incidents")), ("para", d.incidents or nothing),
        ("heading", h("debrief_deviations")), ("para", d.deviations or nothing),
        ("heading", h("form_carry")),
        ("table", [h("col_traveller"), h("col_item"), h("col_code"), h("col_verdict"), h("col_rule")],
         _carry_rows(session, trip, lang) or [[nothing, "", "", "", ""]]),
    ]
    return t("trips.debrief_title", lang, title=trip.title), blocks


def _pdf(title: str, blocks: list[Block], lang: str) -> bytes:
    from planners.exports.pdfdoc import OfficePDF

    pdf = OfficePDF(title=title, marking=Classification.INTERNAL.label(lang), lang=lang, footer_note=title)
    pdf.add_page()
    pdf.title_block(title)
    for b in blocks:
        if b[0] == "facts":
            pdf.facts([(k, v or "—") for k, v in b[1]], label_width=40 if lang == "en" else 30)
        elif b[0] == "heading":
            pdf.heading(b[1], size=11)
        elif b[0] == "table":
            n = len(b[1])
            pdf.table(b[1], [[str(c) for c in r] for r in b[2]], [174 / n] * n, 7)
        elif b[0] == "bullets":
            for x in b[1]:
                pdf.para("• " + x, size=9)
        else:
            pdf.para(b[1], size=9)
    return pdf.output_bytes()


def _docx(title: str, blocks: list[Block], lang: str) -> bytes:
    from planners.exports.docxdoc import add_table, office_docx, to_bytes

    doc = office_docx(title, Classification.INTERNAL.label(lang))
    for b in blocks:
        if b[0] == "facts":
            for k, v in b[1]:
                p = doc.add_paragraph()
                p.add_run(f"{k}: ").bold = True
                p.add_run(v or "—")
        elif b[0] == "heading":
            doc.add_heading(b[1], level=2)
        elif b[0] == "table":
            add_table(doc, b[1], [[str(c) for c in r] for r in b[2]])
        elif b[0] == "bullets":
            for x in b[1]:
                doc.add_paragraph(x, style="List Bullet")
        else:
            doc.add_paragraph(b[1])
    return to_bytes(doc)


def render(session: Session, trip_id: int, kind: str, fmt: str, lang: str = "zh_CN") -> bytes:
    if fmt not in FORMATS:
        raise ValidationFailed("Exports are made as .pdf or .docx.", key="briefing.bad_format", field="format")
    if kind not in KINDS:
        raise ValidationFailed("Choose the approval form, the briefing sheet or the debrief report.",
                               key="trips.bad_export", field="kind")
    trip = requests.get(session, trip_id)
    title, blocks = {"form": form_blocks, "briefing": briefing_blocks, "debrief": debrief_blocks}[kind](
        session, trip, lang)
    return _pdf(title, blocks, lang) if fmt == "pdf" else _docx(title, blocks, lang)


def export(session: Session, trip_id: int, kind: str, fmt: str, lang: str, *, actor: Principal) -> bytes:
    trip = requests.get(session, trip_id)
    permissions.require(actor, "trip.see", trip)
    data = render(session, trip_id, kind, fmt, lang)
    audit.record(session, actor=actor.username, action=f"trip.export_{kind}", object_type="trip", object_id=trip.id,
                 format=fmt, lang=lang)
    return data


def ics(session: Session, trip_id: int, lang: str = "zh_CN", *, actor: Principal) -> bytes:
    """The trip's deadlines: the briefing (the day before departure at the latest), departure, debrief due."""
    from icalendar import Alarm, Calendar
    from icalendar import Event as VEvent

    from planners.core.clock import utcnow

    trip = requests.get(session, trip_id)
    permissions.require(actor, "trip.see", trip)
    cal = Calendar()
    cal.add("prodid", "-//Conclave//trips//")
    cal.add("version", "2.0")
    cal.add("x-wr-calname", trip.title)
    for key, day in (("briefing", trip.starts_on - timedelta(days=1)), ("departure", trip.starts_on),
                     ("debrief", requests.debrief_due(trip))):
        ev = VEvent()
        ev.add("uid", f"conclave-trip{trip.id}-{key}@conclave.invalid")
        ev.add("dtstamp", utcnow())
        ev.add("dtstart", day)
        ev.add("dtend", day + timedelta(days=1))
        ev.add("summary", t(f"trips.ics_{key}", lang, title=trip.title))
        alarm = Alarm()
        alarm.add("action", "DISPLAY")
        alarm.add("description", t(f"trips.ics_{key}", lang, title=trip.title))
        alarm.add("trigger", timedelta(days=-1))
        ev.add_component(alarm)
        cal.add_component(ev)
    audit.record(session, actor=actor.username, action="trip.export_ics", object_type="trip", object_id=trip.id)
    return cal.to_ical()

