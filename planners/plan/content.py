"""What the printable plan says, in one language: shared by the PDF and the Word export (and the CSV)."""
from __future__ import annotations

from dataclasses import dataclass

from planners.base.events import local
from planners.core.i18n import t
from planners.core.levels import Classification
from planners.core.sources import cite, due_text
from planners.plan.rules import PHASES

FMT = "%Y-%m-%d %H:%M"


@dataclass(frozen=True)
class PlanContent:
    title: str
    subtitle: str
    marking: str
    facts: list[tuple[str, str]]
    venue_heading: str
    venue_verdict: str  # "" when no venue
    venue_header: list[str]
    venue_rows: list[list[str]]
    task_header: list[str]
    phases: list[tuple[str, list[list[str]]]]
    signatures: list[str]
    note: str
    approvals: list[str] = ()  # issue 11: who approved which version when, with the hash
    watermark: str = ""  # 未经审批 / NOT APPROVED while the current plan is not approved


def _due(task, tz: str, lang: str | None = None) -> str:
    if task.due_at:
        return local(task.due_at, tz).strftime(FMT)
    return due_text(task.due_expr, lang) if lang else task.due_expr  # T-3d → 会前3天 (issue 16)


def _src(source: str, lang: str) -> str:
    """A rule's source in a printed plan: the reader's own form (第四十五条第一项), foreign references left out."""
    c = cite(source, lang)
    return c.main or (t("sources.foreign_only_print", lang) if c.foreign else source)


def task_text(task, lang: str) -> str:
    extra = []
    if task.mandatory:
        extra.append(t("plan.mandatory", lang))
    if task.proposal:
        extra.append(t("plan.proposal", lang))
    return task.text[lang] + (f" ({', '.join(extra)})" if extra else "")


def status_text(task, lang: str) -> str:
    s = t(f"plan.status_{task.status}", lang)
    return f"{s}: {task.reason}" if task.status == "na" and task.reason else s


def plan_content(snap, lang: str = "zh_CN") -> PlanContent:
    from planners.exports.safe_text import clean_snapshot

    snap = clean_snapshot(snap)  # Word and PDF: no control characters, one line per field
    level = Classification(snap.level)
    marking = level.marking(snap.retention or None, lang)
    yes, no = t("export.answer_yes", lang), t("export.answer_no", lang)
    start, end = local(snap.start, snap.tz), local(snap.end, snap.tz)
    a = snap.venue
    facts = [
        (t("export.fact_title", lang), snap.title),
        (t("export.fact_kind", lang), t("kind." + snap.kind, lang)),
        (t("export.fact_level", lang), marking),
        (t("export.fact_when", lang), f"{start.strftime(FMT)} – {end.strftime(FMT)} ({snap.tz})"),
        (t("export.fact_venue", lang), a.venue_name if a else t("export.venue_none", lang)),
        (t("export.fact_host", lang), snap.host_unit),
        (t("export.fact_organizer", lang), snap.organizer),
        (t("export.fact_relay", lang), snap.relay_scope or t("plan.relay_not_decided", lang)),
        (t("export.fact_devices", lang), t("device_policy." + snap.device_policy, lang)),
        (t("export.fact_foreign", lang), yes if snap.foreign_participants else no),
        (t("export.fact_documents", lang), yes if snap.documents_issued else no),
    ]
    venue_rows = []
    verdict = ""
    if a is not None:
        verdict = f"{t(f'venues.verdict_{a.verdict}', lang)} — " + t("venues.verdict_line", lang, venue=a.venue_name,
                                                                         level=level.label(lang))
        for f in a.findings:
            venue_rows.append([f.rule, f.text(lang), t(f"venues.req_{f.data['requirement']}", lang),
                               "✓" if f.met else "×", _src(f.source, lang)])
    header = [t("export.col_no", lang), t("export.col_rule", lang), t("export.col_task", lang),
              t("export.col_owner", lang), t("export.col_due", lang), t("export.col_status", lang),
              t("export.col_source", lang)]
    phases = []
    for p in PHASES:
        rows = [[str(i), x.rule_id, task_text(x, lang), t("role." + x.owner, lang), _due(x, snap.tz, lang),
                 status_text(x, lang), _src(x.source, lang)] for i, x in enumerate(snap.phase(p), 1)]
        phases.append((t(f"plan.phase_{p}", lang), rows))
    return PlanContent(
        title=t("export.title", lang, title=snap.title),
        subtitle=t("export.subtitle", lang, host=snap.host_unit or "—", date=start.strftime("%Y-%m-%d")),
        marking=marking if level.is_state_secret else level.label(lang),
        facts=facts, venue_heading=t("export.venue", lang), venue_verdict=verdict,
        venue_header=[t("export.col_rule", lang), t("export.col_finding", lang), t("export.col_requirement", lang),
                      t("export.col_met", lang), t("export.col_source", lang)],
        venue_rows=venue_rows, task_header=header, phases=phases,
        signatures=[t("export.sign_organizer", lang), t("export.sign_leader", lang)],
        note=t("export.no_content", lang), approvals=approval_lines(snap, lang),
        watermark="" if _plan_approved(snap) else t("signoff.watermark", lang))


def _plan_approved(snap) -> bool:
    return any(a["kind"] == "security_plan" and a["approved_current"] for a in getattr(snap, "approvals", []))


def approval_lines(snap, lang: str) -> list[str]:
    """Issue 11: each kind's approval as a line (who, which version, when, SHA-256), or 'not approved'."""
    out = []
    for a in getattr(snap, "approvals", []):
        kind = t(f"signoff.kind_{a['kind']}", lang)
        if a["approved_by"] and a["approved_current"]:
            for who in a["approved_by"]:
                out.append(t("signoff.export_approved", lang, kind=kind, version=a["approved_version"],
                             who=who["by"], at=who["at"].replace("T", " "), hash=a["approved_hash"]))
        else:
            out.append(t("signoff.export_not_approved", lang, kind=kind, status=t(f"signoff.status_{a['status']}",
                                                                                  lang)))
    return out


CSV_COLUMNS = ("event", "phase", "rule", "task", "owner", "due", "due_expr", "mandatory", "proposal", "status",
               "reason", "marked_by", "source")


def plan_csv(snap, lang: str = "zh_CN") -> bytes:
    """The task list as CSV in the reader's language (issue 16): headers, phases, owners, states and 是/否 from
    the catalogue (cells starting with = + - @ neutralised)."""
    from planners.exports.tables import to_csv

    yes, no = t("values.yes", lang), t("values.no", lang)
    rows = [{"event": snap.title, "phase": t(f"plan.phase_{x.phase}", lang), "rule": x.rule_id,
             "task": x.text[lang], "owner": t("role." + x.owner, lang), "due": _due(x, snap.tz),
             "due_expr": x.due_expr, "mandatory": yes if x.mandatory else no,
             "proposal": yes if x.proposal else no, "status": t(f"plan.status_{x.status}", lang),
             "reason": x.reason, "marked_by": x.marked_by or "", "source": x.source} for x in snap.tasks]
    header = {c: t(f"export.csv_{c}", lang) for c in CSV_COLUMNS}
    return to_csv([{header[c]: r[c] for c in CSV_COLUMNS} for r in rows], list(header.values()))
