"""`conclave export EVENT --format ics|pdf|docx|csv --out FILE` and `conclave plan build EVENT`."""
from __future__ import annotations

from pathlib import Path

import click

from planners.core.errors import ConclaveError
from planners.plan.export import FORMATS, render

def register(main) -> None:
    from planners.cli.common import cli_actor, ensure_db, fail

    @main.command("export")
    @click.argument("event", type=int)
    @click.option("--format", "fmt", required=True, type=click.Choice(FORMATS), help="ics, pdf, docx or csv")
    @click.option("--out", "out", required=True, type=click.Path(dir_okay=False, path_type=Path))
    @click.option("--lang", default="zh_CN", type=click.Choice(("zh_CN", "en")))
    def export_cmd(event: int, fmt: str, out: Path, lang: str) -> None:
        """Export an event's security plan (build it first with `conclave plan build EVENT`)."""
        from planners.base import audit
        from planners import plan as timeline
        from planners.store.uow import read as read_session, write_session

        ensure_db()
        try:
            with read_session() as s:
                snap = timeline.snapshot(s, event)
            data = render(snap, fmt, lang)
        except ConclaveError as exc:
            fail(exc)
        out.write_bytes(data)
        with write_session() as s:
            audit.record(s, actor=cli_actor(), action="plan.export", object_type="event", object_id=event,
                         event_id=event, format=fmt, lang=lang, tasks=len(snap.tasks))
        click.echo(f"{fmt} plan of event {event} written to {out} ({len(snap.tasks)} tasks, {len(data)} bytes)")

    @main.group("plan")
    def plan_group() -> None:
        """The before / during / after plan of an event."""

    @plan_group.command("build")
    @click.argument("event", type=int)
    def plan_build(event: int) -> None:
        """Build or rebuild the plan of an event from data/rules/plan.yaml (keeps what was done)."""
        from planners import plan as timeline
        from planners.store.uow import write_session

        ensure_db()
        try:
            with write_session() as s:
                r = timeline.build_plan(s, event, actor=cli_actor())
        except ConclaveError as exc:
            fail(exc)
        click.echo(f"plan of event {event}: {r.total} tasks ({r.added} added, {r.updated} updated, "
                   f"{r.retired} no longer apply, {r.kept_done} marked kept)")
