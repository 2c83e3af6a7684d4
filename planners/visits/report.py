"""The post-visit report (外事接待总结): filed by the visit's organizer once the visit has ended, to the leader (who
approves it through the leader queue, kind `visit_report`) and to the foreign-affairs office (role
foreign_affairs, told on its home page). One report a visit; a returned one is corrected and filed again.

What it says: who came; every topic of the approved disclosure scope with what happened to it (within the scope,
above the scope, not discussed) — a topic outside the scope can only have been discussed above it —; every
logged request for information with its answer; the materials handed over, each checked against the scope (a
material on a topic whose scope does not allow documents is above the scope); gifts received and where they
went; incidents. Exported as PDF or Word, zh_CN or en. The visit's event cannot close before it is approved."""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from planners.base import approvals, audit
from planners.base.auth import Principal
from planners.core import permissions
from planners.core.clock import local, utcnow
from planners.core.errors import (InvalidTransition, NotFound, ReportAlreadyFiled, ReportTooEarly, ValidationFailed,
                                  VisitNotApproved)
from planners.core.findings import Finding, Severity
from planners.core.i18n import both, pick, t
from planners.core.levels import Classification
from planners.store.models_visits import VisitReport, VisitRequest
from planners.visits import disclosure

KIND = "visit_report"
OUTCOMES = ("within", "above", "not_discussed")
FORMATS = ("pdf", "docx")
RECIPIENTS = ("leader", "foreign_affairs")


@dataclass(kw_only=True)
class Material:
    what: str
    topic: str = ""  # the scope topic it belongs to ("" = none)
    to_whom: str = ""


@dataclass(kw_only=True)
class Gift:
    what: str
    giver: str = ""
    where_went: str = ""


@dataclass(kw_only=True)
class ReportInput:
    outcomes: dict[str, str]  # topic code -> within / above / not_discussed
    notes: dict[str, str] = field(default_factory=dict)  # topic code -> a short non-secret note
    extra_topics: list[str] = field(default_factory=list)  # discussed although not in the scope (above it)
    materials: list[Material] = field(default_factory=list)
    gifts: list[Gift] = field(default_factory=list)
    incidents: list[str] = field(default_factory=list)
    summary: str = ""


def get_report(session: Session, visit_id: int) -> VisitReport | None:
    return session.scalar(select(VisitReport).where(VisitReport.visit_id == visit_id))


def _visit(session: Session, visit_id: int) -> VisitRequest:
    v = session.get(VisitRequest, visit_id)
    if v is None:
        raise NotFound(f"No visit request {visit_id}.", key="visits.not_found", id=visit_id)
    return v


def _finding(code: str, reason: dict) -> Finding:
    c = disclosure.check(code)
    return Finding(rule=c["id"], severity=Severity.WARNING, source=c["source"], reason=reason, data={"check": code})


def compose(session: Session, v: VisitRequest, data: ReportInput) -> tuple[dict, list[Finding]]:
    """The report's content checked against the approved scope, and the findings the leader sees (pure reading)."""
    scope = disclosure.approved_scope(session, v.id)
    cat = disclosure.topics(session)
    items = {i.topic_code: i for i in disclosure.scope_items(session, scope)}
    findings: list[Finding] = []
    topics = []
    for code, item in items.items():
        outcome = (data.outcomes or {}).get(code)
        title = cat[code].title if code in cat else {"en": code, "zh_CN": code}
        if outcome not in OUTCOMES:
            raise ValidationFailed(f"Say what happened to the topic “{title['en']}”: within the scope, above it, or "
                                   "not discussed.", key="vplan.report_outcome_missing", field="outcomes",
                                   topic=title["zh_CN"])
        if item.decision == "must_not" and outcome == "within":
            raise ValidationFailed(f"“{title['en']}” was a must-not topic: if it was discussed, it was above the "
                                   "scope.", key="vplan.report_must_not_within", field="outcomes",
                                   topic=title["zh_CN"])
        if outcome == "above":
            findings.append(_finding("topic_above_scope", both("vplan.finding_topic_above", topic=title)))
        topics.append({"code": code, "title": title, "decision": item.decision, "outcome": outcome,
                       "note": (data.notes or {}).get(code, "").strip()})
    for code in data.extra_topics or []:
        if code in items:
            continue
        title = cat[code].title if code in cat else {"en": code, "zh_CN": code}
        findings.append(_finding("topic_above_scope", both("vplan.finding_topic_above", topic=title)))
        topics.append({"code": code, "title": title, "decision": "not_in_scope", "outcome": "above",
                       "note": (data.notes or {}).get(code, "").strip()})
    from planners.visits.during import deviations, handed_over

    materials = [{"what": m["what"], "topic": m["topic"], "to_whom": m["to_whom"], "within": True,
                  "at": m["at"], "recorded": True} for m in handed_over(v)]  # recorded one by one (VD5)
    for i, m in enumerate(data.materials or [], 1):
        if not m.what.strip():
            raise ValidationFailed(f"Material {i}: say what was handed over.", key="vplan.report_material_what",
                                   field="materials", line=i)
        item = items.get(m.topic)
        within = item is not None and item.decision != "must_not" and "documents" in (item.methods or [])
        if not within:
            findings.append(_finding("material_above_scope", both("vplan.finding_material_above", what=m.what.strip())))
        materials.append({"what": m.what.strip(), "topic": m.topic, "to_whom": m.to_whom.strip(), "within": within})
    gifts = []
    for i, g in enumerate(data.gifts or [], 1):
        if not (g.what.strip() and g.where_went.strip()):
            raise ValidationFailed(f"Gift {i}: say what it is and where it went.", key="vplan.report_gift_incomplete",
                                   field="gifts", line=i)
        gifts.append({"what": g.what.strip(), "giver": g.giver.strip(), "where_went": g.where_went.strip()})
    requests = [{"at": r.at.isoformat(timespec="minutes"), "asked_by": r.asked_by, "what": r.what,
                 "answer": r.answer} for r in disclosure.info_requests(session, v.id)]
    content = {
        "visit": {"title": v.title, "type": v.visit_type, "host_unit": v.host_unit, "tz": v.tz,
                  "start": v.starts_at.isoformat(), "end": v.ends_at.isoformat(), "level": v.level},
        **who_came(session, v),
        "deviations": [{"at": d["at"], "where": d["where"], "noticed_by": d["noticed_by"], "action": d["action"]}
                       for d in deviations(v)],
        "scope": {"version": scope.version, "ceiling": scope.ceiling, "approved_by": scope.decided_by or ""},
        "topics": topics, "info_requests": requests, "materials": materials, "gifts": gifts,
        "incidents": [x.strip() for x in data.incidents or [] if x.strip()], "summary": (data.summary or "").strip(),
        "recipients": list(RECIPIENTS),
    }
    return content, findings


def who_came(session: Session, v: VisitRequest) -> dict:
    """Who came: the delegation members who checked in at the desk when the visit's event used it (an attendance
    row), else the delegation list; `members_source` says which ("desk" / "list")."""
    from planners.store.models import Attendee
    from planners.store.models_checkin import Attendance

    def row(name, nationality, org, post):
        return [name, nationality, org, post]

    listed = [row(m["name"], m["nationality"], m.get("organisation", ""), m.get("post", "")) for m in v.members or []]
    if v.event_id:
        came = session.execute(select(Attendee).join(Attendance, Attendance.attendee_id == Attendee.id)
                               .where(Attendance.event_id == v.event_id, Attendee.event_role == "visitor")
                               .order_by(Attendance.first_in_at, Attendee.id)).scalars().all()
        used = session.scalar(select(Attendance.id).where(Attendance.event_id == v.event_id).limit(1)) is not None
        if used:
            return {"members": [row(a.name, a.nationality or "", a.unit or "", a.post or "") for a in came],
                    "members_source": "desk", "members_listed": len(listed)}
    return {"members": listed, "members_source": "list", "members_listed": len(listed)}


def file_report(session: Session, visit_id: int, data: ReportInput, *, actor: Principal,
                now: datetime | None = None) -> VisitReport:
    """File the report to the leader and the foreign-affairs office (refused before the visit ended, or twice)."""
    v = _visit(session, visit_id)
    permissions.require(actor, "visit.report_file", v)
    if v.status != "approved":
        raise VisitNotApproved(f"The visit request is {v.status}: only an approved visit is reported.",
                               status=v.status)
    now = now or utcnow()
    if now < v.ends_at:
        end = local(v.ends_at, v.tz).strftime("%Y-%m-%d %H:%M")
        raise ReportTooEarly(f"The visit ends at {end}: file the report after it has ended.", end=end)
    existing = get_report(session, visit_id)
    if existing is not None and existing.status in ("submitted", "approved"):
        raise ReportAlreadyFiled(f"The report of this visit was filed already ({existing.status}); a visit has one "
                                 "report. Wait for the leader, who may return it for correction.",
                                 status=existing.status)
    content, findings = compose(session, v, data)
    if existing is None:
        rep = VisitReport(visit_id=v.id, status="submitted", content=content, filed_by=actor.username, filed_at=now)
        session.add(rep)
    else:
        rep = existing
        rep.status, rep.content, rep.filed_by, rep.filed_at = "submitted", content, actor.username, now
        rep.decided_by = rep.decided_at = None
        rep.version += 1
    session.flush()
    above = sum(1 for x in content["topics"] if x["outcome"] == "above")
    approvals.request(session, kind=KIND, object_type="visit_report", object_id=rep.id, event_id=v.event_id,
                      title=both("vplan.report_approval_title", title=v.title), requested_by=actor,
                      findings=findings, payload={"visit": v.title, "topics_reported": len(content["topics"]),
                                                  "above_scope": above,
                                                  "info_requests": len(content["info_requests"]),
                                                  "materials": len(content["materials"]),
                                                  "gifts": len(content["gifts"]),
                                                  "incidents": len(content["incidents"]),
                                                  "recipients": "审批领导、外事部门"})
    audit.record(session, actor=actor.username, action="visit.report_filed", object_type="visit_report",
                 object_id=rep.id, event_id=v.event_id, visit=v.id, version=rep.version, topics=len(content["topics"]),
                 above_scope=above, findings=len(findings))
    return rep


def apply_report_decision(session: Session, item, leader: Principal) -> None:
    """`on_decision` for kind visit_report: approved closes the report; returned or rejected lets it be filed again.
    An approved report marks the plan's VA3 task done."""
    rep = session.get(VisitReport, int(item.object_id))
    if rep is None:
        return
    rep.status = item.status if item.status == "approved" else "returned"
    rep.decided_by, rep.decided_at, rep.last_comment = leader.username, utcnow(), item.comment
    session.flush()
    audit.record(session, actor=leader.username, action=f"visit.report_{item.status}", object_type="visit_report",
                 object_id=rep.id, event_id=item.event_id, comment=item.comment)
    if rep.status == "approved" and item.event_id:
        from planners.plan.build import tasks as plan_tasks
        from planners.plan.board import mark_task

        for task in plan_tasks(session, item.event_id):
            if task.rule_id == "VA3" and task.status == "open":
                mark_task(session, task.id, "done", actor=leader)


# ---------------------------------------------------------------- reading and the exports

def may_read(actor: Principal, v: VisitRequest) -> bool:
    return permissions.allowed(actor, "visit.report_read", v)


def outcome_label(outcome: str, lang: str) -> str:
    return t(f"vplan.outcome_{outcome}", lang)


def _lines(content: dict, lang: str) -> dict:
    vis = content["visit"]
    s, e = (local(datetime.fromisoformat(vis[k]), vis["tz"]) for k in ("start", "end"))
    cat_decision = lambda d: t(f"disclosure.decision_{d}", lang) if d != "not_in_scope" \
        else t("vplan.not_in_scope", lang)  # noqa: E731
    return {
        "title": t("vplan.report_title", lang, title=vis["title"]),
        "marking": Classification.parse(vis["level"]).label(lang),
        "facts": [(t("briefing.when", lang), f"{s:%Y-%m-%d %H:%M} – {e:%Y-%m-%d %H:%M} ({vis['tz']})"),
                  (t("briefing.type", lang), t(f"visits.type_{vis['type']}", lang)),
                  (t("briefing.host_unit", lang), vis["host_unit"]),
                  (t("vplan.report_scope_h", lang), t("vplan.report_scope_line", lang,
                                                       ceiling=Classification.parse(content["scope"]["ceiling"])
                                                       .label(lang), version=content["scope"]["version"],
                                                       leader=content["scope"]["approved_by"])),
                  (t("vplan.report_to", lang), t("vplan.report_recipients", lang))],
        "topics": [[pick(x["title"], lang), cat_decision(x["decision"]), outcome_label(x["outcome"], lang),
                    x.get("note", "")] for x in content["topics"]],
        "requests": [[x["at"].replace("T", " "), x["asked_by"], x["what"], x["answer"]]
                     for x in content["info_requests"]],
        "materials": [[x["what"], x["topic"], x["to_whom"], t("vplan.within" if x["within"] else "vplan.above", lang)]
                      for x in content["materials"]],
        "gifts": [[x["what"], x["giver"], x["where_went"]] for x in content["gifts"]],
        "incidents": content["incidents"], "summary": content["summary"], "members": content["members"],
        "who_note": (t("vduring.who_came_desk", lang, n=len(content["members"]),
                       total=content.get("members_listed", len(content["members"])))
                     if content.get("members_source") == "desk" else
                     t("vduring.who_came_list", lang) if content.get("members_source") == "list" else ""),
        "deviations": [[x["at"].replace("T", " "), x["where"], x["noticed_by"], x["action"]]
                       for x in content.get("deviations") or []],
    }


def _h(lang: str) -> dict:
    keys = ("who", "topics_h", "requests_h", "materials_h", "gifts_h", "incidents_h", "summary_h", "col_topic",
            "col_decision", "col_outcome", "col_note", "col_at", "col_asked_by", "col_what", "col_answer",
            "col_material", "col_scope_topic", "col_to_whom", "col_in_scope", "col_gift", "col_giver", "col_where",
            "empty")
    out = {k: t(f"vplan.report_{k}", lang) for k in keys}
    out.update({k: t(f"briefing.{k}", lang) for k in ("col_name", "col_nationality", "col_org", "col_post")})
    return out


def render(content: dict, fmt: str, lang: str = "zh_CN") -> bytes:
    if fmt not in FORMATS:
        raise ValidationFailed("The report is made as .pdf or .docx.", key="vplan.report_bad_format", field="format")
    b, h = _lines(content, lang), _h(lang)
    none = [h["empty"]]
    sections = [
        (h["who"], [h["col_name"], h["col_nationality"], h["col_org"], h["col_post"]], b["members"], [40, 22, 64, 48]),
        (h["topics_h"], [h["col_topic"], h["col_decision"], h["col_outcome"], h["col_note"]], b["topics"],
         [56, 34, 30, 54]),
        (h["requests_h"], [h["col_at"], h["col_asked_by"], h["col_what"], h["col_answer"]], b["requests"],
         [30, 36, 54, 54]),
        (h["materials_h"], [h["col_material"], h["col_scope_topic"], h["col_to_whom"], h["col_in_scope"]],
         b["materials"], [64, 40, 40, 30]),
        (h["gifts_h"], [h["col_gift"], h["col_giver"], h["col_where"]], b["gifts"], [64, 50, 60]),
        (t("vduring.report_deviations_h", lang), [h["col_at"], t("vduring.col_where", lang),
                                                   t("vduring.col_noticed_by", lang), t("vduring.col_action", lang)],
         b["deviations"], [30, 44, 36, 64]),
    ]
    if fmt == "pdf":
        from fpdf.enums import XPos, YPos

        from planners.exports.pdfdoc import FAMILY, OfficePDF

        pdf = OfficePDF(title=b["title"], marking=b["marking"], lang=lang, footer_note=b["title"])
        pdf.add_page()
        pdf.title_block(b["title"])
        for label, value in b["facts"]:
            pdf.set_font(FAMILY, "B", 9)
            pdf.cell(36 if lang == "en" else 26, 5, label)
            pdf.set_font(FAMILY, "", 9)
            pdf.multi_cell(0, 5, value or "—", new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        for head, cols, rows, widths in sections:
            pdf.ln(1)
            pdf.set_font(FAMILY, "B", 10)
            pdf.multi_cell(0, 5.5, head, new_x=XPos.LMARGIN, new_y=YPos.NEXT)
            if head == h["who"] and b["who_note"]:
                pdf.set_font(FAMILY, "", 8.5)
                pdf.multi_cell(0, 4.3, b["who_note"], new_x=XPos.LMARGIN, new_y=YPos.NEXT)
            pdf.table(cols, rows or [none + [""] * (len(cols) - 1)], widths, 7)
        for head, items in ((h["incidents_h"], b["incidents"]), (h["summary_h"], [b["summary"]] if b["summary"]
                                                                 else [])):
            pdf.ln(1)
            pdf.set_font(FAMILY, "B", 10)
            pdf.multi_cell(0, 5.5, head, new_x=XPos.LMARGIN, new_y=YPos.NEXT)
            pdf.set_font(FAMILY, "", 8.5)
            for x in items or none:
                pdf.multi_cell(0, 4.3, x, align="L", new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        return pdf.output_bytes()
    from planners.exports.docxdoc import add_table, office_docx, to_bytes

    doc = office_docx(b["title"], b["marking"])
    for label, value in b["facts"]:
        p = doc.add_paragraph()
        p.add_run(f"{label}: ").bold = True
        p.add_run(value or "—")
    for head, cols, rows, _w in sections:
        doc.add_heading(head, level=2)
        if head == h["who"] and b["who_note"]:
            doc.add_paragraph(b["who_note"])
        add_table(doc, cols, rows or [none + [""] * (len(cols) - 1)])
    for head, items in ((h["incidents_h"], b["incidents"]), (h["summary_h"], [b["summary"]] if b["summary"] else [])):
        doc.add_heading(head, level=2)
        for x in items or none:
            doc.add_paragraph(x)
    return to_bytes(doc)


def export(session: Session, visit_id: int, fmt: str, lang: str, *, actor: Principal) -> bytes:
    """The filed report for a reader (organizer, leader, foreign-affairs office), recorded in the audit trail."""
    v = _visit(session, visit_id)
    permissions.require(actor, "visit.report_read", v)
    rep = get_report(session, visit_id)
    if rep is None:
        raise InvalidTransition("No report was filed for this visit yet.", key="vplan.report_none")
    data = render(rep.content, fmt, lang)
    audit.record(session, actor=actor.username, action="visit.report_export", object_type="visit_report",
                 object_id=rep.id, event_id=v.event_id, format=fmt, lang=lang, version=rep.version)
    return data


# ---------------------------------------------------------------- table forms (issue 16: the report form's editors)

MATERIAL_COLUMNS = ("what", "topic", "to_whom")
GIFT_COLUMNS = ("what", "giver", "where_went")


def materials_from_rows(rows: list[dict], topics) -> list[Material]:
    """The materials table, checked cell by cell (planners.visits.tables): what was handed over is required; its
    topic, when given, is one of `topics` (the codes the form offers: the catalogue). Empty rows are skipped."""
    from planners.visits.tables import blank, cell, cell_error

    known = set(topics)
    out = []
    for i, row in enumerate([r for r in rows or [] if not blank(r, MATERIAL_COLUMNS)], 1):
        if not cell(row, "what"):
            raise cell_error("materials", i, "what", "required", f"Materials row {i}: say what was handed over.",
                             labels="visits16")
        topic = cell(row, "topic")
        if topic and topic not in known:
            raise cell_error("materials", i, "topic", "choice", f"Materials row {i}: choose the topic from the list.",
                             labels="visits16")
        out.append(Material(what=cell(row, "what"), topic=topic, to_whom=cell(row, "to_whom")))
    return out


def gifts_from_rows(rows: list[dict]) -> list[Gift]:
    """The gifts table, checked cell by cell: the gift and where it went (registered, kept, handed in) are
    required. Empty rows are skipped."""
    from planners.visits.tables import blank, cell, cell_error

    out = []
    for i, row in enumerate([r for r in rows or [] if not blank(r, GIFT_COLUMNS)], 1):
        for col, say in (("what", "say what the gift is"), ("where_went", "say where it went (e.g. registered and "
                                                                          "kept by the office)")):
            if not cell(row, col):
                raise cell_error("gifts", i, col, "required", f"Gifts row {i}: {say}.", labels="visits16")
        out.append(Gift(what=cell(row, "what"), giver=cell(row, "giver"), where_went=cell(row, "where_went")))
    return out
