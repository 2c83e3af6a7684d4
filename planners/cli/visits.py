"""`conclave briefing VISIT --out FILE.pdf|FILE.docx`: the host briefing of a visit (VISIT = its event id)."""
from __future__ import annotations

from pathlib import Path

import click


def register(main) -> None:
    @main.command("briefing")
    @click.argument("visit", type=int)
    @click.option("--out", "out", required=True, type=click.Path(dir_okay=False, path_type=Path),
                  help="FILE.pdf or FILE.docx")
    @click.option("--lang", type=click.Choice(["zh_CN", "en"]), default="zh_CN", show_default=True)
    def briefing_cmd(visit: int, out: Path, lang: str) -> None:
        """Write the host briefing of a visit (VISIT is the event id `conclave events` lists); refused while
        its disclosure scope is not approved."""
        from planners.base import audit
        from planners.visits import briefing
        from planners import visits
        from planners.cli.common import EXIT_REFUSED, cli_actor, ensure_db, fail
        from planners.core.errors import ConclaveError
        from planners.store.uow import read as read_session, write_session

        fmt = out.suffix.lower().lstrip(".")
        ensure_db()
        try:
            with read_session() as s:
                v = visits.by_event(s, visit)
                data = briefing.render(s, v.id, fmt, lang)
        except ConclaveError as exc:
            fail(exc, EXIT_REFUSED)
        out.write_bytes(data)
        with write_session() as s:
            audit.record(s, actor=cli_actor(), action="visit.briefing", object_type="visit", object_id=v.id,
                         event_id=visit, format=fmt, lang=lang)
        click.echo(f"briefing for event {visit} written to {out} ({len(data)} bytes)")
