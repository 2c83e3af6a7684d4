"""`conclave events create|show` (issue 11): an event created from a script, and its status, readiness (every
blocking finding) and approvals (state, version, hash). `conclave events [--json]` still lists the events."""
from __future__ import annotations

import json
from datetime import datetime

import click

from planners.core.errors import ConclaveError


def _event_json(s, ev) -> dict:
    from planners.base.events import local, not_ready_findings
    from planners.plan import signoff

    found = not_ready_findings(s, ev)
    return {"id": ev.id, "title": ev.title, "kind": ev.kind, "level": ev.level, "status": ev.status,
            "start": local(ev.starts_at, ev.tz).isoformat(), "end": local(ev.ends_at, ev.tz).isoformat(),
            "tz": ev.tz, "venue_id": ev.venue_id, "organizer": ev.organizer.username if ev.organizer else None,
            "readiness": {"desk_admits": not found and ev.status in ("ready", "in_progress"),
                          "blocking": [{"rule": f.rule, "source": f.source, "en": f.reason["en"],
                                        "zh_CN": f.reason["zh_CN"]} for f in found]},
            "approvals": [signoff.state(s, ev, k) for k in signoff.KINDS]}


def _iso(value: str, name: str) -> datetime:
    try:
        return datetime.fromisoformat(value)
    except ValueError:
        raise click.BadParameter(f"{value!r} is not an ISO date and time, e.g. 2026-12-09T09:00", param_hint=name)


def register(main) -> None:
    from planners.cli.common import EXIT_REFUSED, ensure_db, fail, sign_in

    listing = main.commands.pop("events")  # `conclave events [--json]` (cli/main.py) becomes the group's default

    @main.group("events", invoke_without_command=True)
    @click.option("--json", "as_json", is_flag=True, help="print a JSON list")
    @click.pass_context
    def events_group(ctx, as_json: bool) -> None:
        """List events (`events --json`), create one, or show one with its readiness and approvals."""
        if ctx.invoked_subcommand is None:
            ctx.invoke(listing, as_json=as_json)

    @events_group.command("create")
    @click.option("--title", required=True, help="a non-secret short title")
    @click.option("--kind", required=True, type=click.Choice(("meeting", "foreign_visit")))
    @click.option("--level", required=True, help="secret / confidential / top_secret … or 秘密 / 机密 / 绝密")
    @click.option("--start", required=True, help="ISO date and time (office time unless it carries an offset)")
    @click.option("--end", required=True, help="ISO date and time")
    @click.option("--venue", "venue_id", type=int, default=None, help="a venue id")
    @click.option("--tz", default="Asia/Shanghai", show_default=True)
    @click.option("--organizer", required=True, metavar="USER",
                  help="the organizer account that creates it; its password is asked for (or CONCLAVE_PASSWORD)")
    @click.option("--json", "as_json", is_flag=True, help="print the event as JSON")
    def events_create(title, kind, level, start, end, venue_id, tz, organizer, as_json) -> None:
        """Create an event as its organizer; prints the new id."""
        from planners.base.events import EventInput, create_event
        from planners.store.uow import read as read_session, write_session

        actor = sign_in(organizer, "events create", roles=("organizer", "admin"))
        try:
            with write_session() as s:
                ev = create_event(s, EventInput(title=title, kind=kind, level=level, start=_iso(start, "--start"),
                                                end=_iso(end, "--end"), tz=tz, venue_id=venue_id), actor=actor)
                eid = ev.id
            with read_session() as s:
                from planners.base.events import get_event

                body = _event_json(s, get_event(s, eid))
        except ConclaveError as exc:
            fail(exc, EXIT_REFUSED)
        click.echo(json.dumps(body, ensure_ascii=False, indent=2) if as_json else str(eid))

    @events_group.command("show")
    @click.argument("event", type=int)
    @click.option("--json", "as_json", is_flag=True, help="print JSON")
    @click.option("--lang", default="en", type=click.Choice(("en", "zh_CN")))
    def events_show(event: int, as_json: bool, lang: str) -> None:
        """An event's status, readiness with every blocking finding, and approvals (state, version, hash)."""
        from planners.base.events import get_event
        from planners.store.uow import read as read_session

        ensure_db()
        try:
            with read_session() as s:
                body = _event_json(s, get_event(s, event))
        except ConclaveError as exc:
            fail(exc, EXIT_REFUSED)
        if as_json:
            click.echo(json.dumps(body, ensure_ascii=False, indent=2))
            return
        click.echo(f"{body['id']}  {body['title']}  {body['level']}  {body['status']}")
        for a in body["approvals"]:
            click.echo(f"  {a['kind']:<14} {a['status']:<14} v{a['version'] or '-'}  "
                       f"approved v{a['approved_version'] or '-'} {(a['approved_hash'] or '')[:16]}")
        for f in body["readiness"]["blocking"]:
            click.echo(f"  blocks: [{f['rule']}] {f[lang]}")
