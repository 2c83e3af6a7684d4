"""The plan as an iCalendar file: one VEVENT per dated task, each with a VALARM before its due time, in the
event's time zone (VTIMEZONE included), UTF-8 Chinese summaries. Tasks marked not applicable are left out."""
from __future__ import annotations

from datetime import timedelta, timezone

from icalendar import Alarm, Calendar
from icalendar import Event as VEvent

from planners.base.events import local
from planners.core.i18n import t
from planners.core.sources import cite, due_text
from planners.core.clock import utcnow
from planners.exports.safe_text import clean_snapshot

PRODID = "-//Conclave//Security plan//ZH"
TASK_MINUTES = 30


def calendar_tasks(snap):
    return [x for x in snap.tasks if x.due_at is not None and x.status != "na"]


def plan_ics(snap, lang: str = "zh_CN") -> bytes:
    snap = clean_snapshot(snap)  # a content line carries no raw line break or control character
    cal = Calendar()
    cal.add("prodid", PRODID)
    cal.add("version", "2.0")
    cal.add("calscale", "GREGORIAN")
    cal.add("method", "PUBLISH")
    cal.add("x-wr-calname", t("export.title", lang, title=snap.title))
    cal.add("x-wr-timezone", snap.tz)
    stamp = utcnow().replace(tzinfo=timezone.utc)
    for task in calendar_tasks(snap):
        phase = t(f"plan.phase_{task.phase}", lang)
        summary = f"[{phase}] {task.rule_id} {task.text[lang]}"
        start = local(task.due_at, snap.tz)
        ev = VEvent()
        ev.add("uid", f"conclave-event{snap.event_id}-task{task.id}@conclave.invalid")
        ev.add("dtstamp", stamp)
        ev.add("dtstart", start)
        ev.add("dtend", start + timedelta(minutes=TASK_MINUTES))
        ev.add("summary", summary)
        sep = "：" if lang == "zh_CN" else ": "  # issue 16: full-width in Chinese, due and source as read
        desc = [f"{t('plan.owner', lang)}{sep}{t('role.' + task.owner, lang)}",
                f"{t('plan.due', lang)}{sep}{due_text(task.due_expr, lang)}",
                f"{t('export.col_status', lang)}{sep}{t(f'plan.status_{task.status}', lang)}",
                f"{t('export.col_source', lang)}{sep}{cite(task.source, lang).main or task.source}",
                t("export.no_content", lang)]
        ev.add("description", "\n".join(desc))
        ev.add("categories", [phase])
        ev.add("status", "CONFIRMED")
        ev.add("transp", "TRANSPARENT")
        alarm = Alarm()
        alarm.add("action", "DISPLAY")
        alarm.add("description", t("export.alarm", lang, task=summary))
        alarm.add("trigger", -timedelta(minutes=task.alarm_minutes))
        ev.add_component(alarm)
        cal.add_component(ev)
    cal.add_missing_timezones()
    return cal.to_ical()
