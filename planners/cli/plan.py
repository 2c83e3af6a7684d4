"""`conclave export EVENT --format ics|pdf|docx|csv --out FILE` and `conclave plan build EVENT`."""
from __future__ import annotations

from pathlib import Path

import click

from planners.core.errors import ConclaveError

# planners.plan.export.FORMATS, repeated so that `conclave --help` need not import the plan area (issue 17;
# tests/unit/test_cli_lazy.py keeps the two equal).
FORMATS = ("ics", "pdf", "docx", "csv")

def register(main) -> None:
    from planners.cli.common import as_option, fail, sign_in

    @main.command("export")
    @click.argument("event", type=int)
    @click.option("--format", "fmt", required=True, type=click.Choice(FORMATS), help="ics, pdf, docx or csv")
    @click.option("--out", "out", required=True, type=click.Path(dir_okay=False, path_type=Path))
    @click.option("--lang", default="zh_CN", type=click.Choice(("zh_CN", "en")))
    @as_option("an account that may see the event (its organizer, a leader, an admin); its password is asked for "
               "(or read from CONCLAVE_PASSWORD)")
    def export_cmd(event: int, fmt: str, out: Path, lang: str, as_name: str) -> None:
        """Export an event's security plan (build it first with `conclave plan build EVENT`)."""
        from planners.base import audit
        from planners import plan as timeline
        from planners.base.events import get_event
        from planners.plan.export import render
        from planners.core import permissions
        from planners.store.uow import read as read_session, write_session

        actor = sign_in(as_name, "export", lang=lang)
        try:
            with read_session() as s:
                permissions.require(actor, "event.see", get_event(s, event))
                snap = timeline.snapshot(s, event)
            data = render(snap, fmt, lang)
        except ConclaveError as exc:
            fail(exc)
        out.write_bytes(data)
        with write_session() as s:
            audit.record(s, actor=actor.username, action="plan.export", object_type="event", object_id=event,
                         event_id=event, format=fmt, lang=lang, tasks=len(snap.tasks))
        click.echo(f"{fmt} plan of event {event} written to {out} ({len(snap.tasks)} tasks, {len(data)} bytes)")

    @main.group("plan")
    def plan_group() -> None:
        """The before / during / after plan of an event."""

    @plan_group.command("build")
    @click.argument("event", type=int)
    @as_option("the event's organizer, a leader or an admin; its password is asked for (or CONCLAVE_PASSWORD)")
    def plan_build(event: int, as_name: str) -> None:
        """Build or rebuild the plan of an event from data/rules/plan.yaml (keeps what was done)."""
        from planners import plan as timeline
        from planners.store.uow import write_session

        from planners.base.events import get_event
        from planners.core import permissions

        actor = sign_in(as_name, "plan build")
        try:
            with write_session() as s:
                permissions.require(actor, "plan.build", get_event(s, event))
                r = timeline.build_plan(s, event, actor=actor)
        except ConclaveError as exc:
            fail(exc)
        click.echo(f"plan of event {event}: {r.total} tasks ({r.added} added, {r.updated} updated, "
                   f"{r.retired} no longer apply, {r.kept_done} marked kept)")
