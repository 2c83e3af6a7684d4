"""The audit trail as a readable log (issue 16): office time, people's names, actions and details in the reader's
language, filters by human action names and by date. The trail itself (planners.base.audit) is unchanged; this
reads it. Action names live in data/locales/*/audit.yaml (`audit_view.action.<code with _ for .>`); an action
without its own name is named by its area and its last word, so a new action is readable before it is named."""
from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from planners.core.clock import local, zone
from planners.core.i18n import catalogue, t
from planners.store.models import AuditEntry, Event, User

OFFICE_TZ = "Asia/Shanghai"
COLUMNS = ("time", "actor", "action", "object", "event", "details")
HIDDEN_DETAILS = {"hash", "prev_hash", "password", "password_hash"}  # never shown, whatever an area wrote


def _key(code: str) -> str:
    return "audit_view.action." + code.replace(".", "_")


def action_label(code: str, lang: str) -> str:
    cat = catalogue(lang)
    if _key(code) in cat:
        return cat[_key(code)]
    area, _, rest = code.partition(".")
    area_name = cat.get(f"audit_view.area.{area}", area)
    return f"{area_name} · {rest}" if rest else area_name


def field_label(name: str, lang: str) -> str:
    return catalogue(lang).get(f"audit_view.field.{name}", name)


def _value(v, lang: str) -> str:
    if isinstance(v, bool):
        return t("audit_view.flag_yes" if v else "audit_view.flag_no", lang)
    if v is None or v == "":
        return "—"
    if isinstance(v, dict):
        return "，".join(f"{field_label(k, lang)}：{_value(x, lang)}" for k, x in v.items()) if lang == "zh_CN" \
            else ", ".join(f"{field_label(k, lang)}: {_value(x, lang)}" for k, x in v.items())
    if isinstance(v, (list, tuple)):
        return ("、" if lang == "zh_CN" else ", ").join(_value(x, lang) for x in v)
    return str(v)


def details_text(raw: str, lang: str) -> str:
    """The entry's JSON details as "field: value" lines in the reader's language."""
    try:
        data = json.loads(raw or "{}")
    except ValueError:
        return raw or ""
    if not isinstance(data, dict):
        return _value(data, lang)
    sep = "：" if lang == "zh_CN" else ": "
    return "；".join(f"{field_label(k, lang)}{sep}{_value(v, lang)}" for k, v in data.items()
                    if k not in HIDDEN_DETAILS) if lang == "zh_CN" else \
        "; ".join(f"{field_label(k, lang)}{sep}{_value(v, lang)}" for k, v in data.items() if k not in HIDDEN_DETAILS)


def actions_in_log(session: Session) -> list[str]:
    """Every action code the trail holds, for the filter (named by action_label)."""
    return sorted(session.scalars(select(AuditEntry.action).distinct()))


@dataclass(frozen=True)
class Filter:
    event_id: int | None = None
    actor: str | None = None
    actions: tuple[str, ...] = ()
    since: date | None = None  # office dates, both included
    until: date | None = None


def _utc(d: date, tz: str) -> datetime:
    return datetime.combine(d, time(0), tzinfo=zone(tz)).astimezone(zone("UTC")).replace(tzinfo=None)


def search(session: Session, f: Filter, *, limit: int = 5000, tz: str = OFFICE_TZ) -> list[AuditEntry]:
    q = select(AuditEntry).order_by(AuditEntry.id.desc()).limit(limit)
    if f.event_id is not None:
        q = q.where(AuditEntry.event_id == f.event_id)
    if f.actor:
        q = q.where(AuditEntry.actor == f.actor)
    if f.actions:
        q = q.where(AuditEntry.action.in_(f.actions))
    if f.since is not None:
        q = q.where(AuditEntry.ts >= _utc(f.since, tz))
    if f.until is not None:
        q = q.where(AuditEntry.ts < _utc(f.until + timedelta(days=1), tz))
    return list(session.scalars(q))


def readable_rows(session: Session, entries: list[AuditEntry], lang: str, *, tz: str = OFFICE_TZ) -> list[dict]:
    """One row per entry with the reader's column names: office time, the person's name (and account), the
    action's name, the object, the event's title, the details as text."""
    names = {u.username: u.display_name for u in session.scalars(select(User))}
    titles = dict(session.execute(select(Event.id, Event.title)).all())
    col = {c: t(f"audit_view.col.{c}", lang) for c in COLUMNS}
    out = []
    for e in entries:
        who = names.get(e.actor)
        actor = f"{who}（{e.actor}）" if who and who != e.actor and lang == "zh_CN" else \
            (f"{who} ({e.actor})" if who and who != e.actor else e.actor)
        obj = field_label(e.object_type, lang) + (f" {e.object_id}" if e.object_id else "") if e.object_type else "—"
        out.append({col["time"]: local(e.ts, tz).strftime("%Y-%m-%d %H:%M:%S"), col["actor"]: actor,
                    col["action"]: action_label(e.action, lang), col["object"]: obj,
                    col["event"]: titles.get(e.event_id, "—") if e.event_id is not None else "—",
                    col["details"]: details_text(e.details, lang)})
    return out
