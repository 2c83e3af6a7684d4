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
    @click.option("--as", "as_name", required=True, metavar="NAME",
                  help="the visit's organizer, a leader or an admin; its password is asked for (or CONCLAVE_PASSWORD)")
    def briefing_cmd(visit: int, out: Path, lang: str, as_name: str) -> None:
        """Write the host briefing of a visit (VISIT is the event id `conclave events` lists); refused while
        its disclosure scope is not approved."""
        from planners.visits import briefing
        from planners import visits
        from planners.cli.common import EXIT_REFUSED, fail, sign_in
        from planners.core.errors import ConclaveError
        from planners.store.uow import write_session

        fmt = out.suffix.lower().lstrip(".")
        actor = sign_in(as_name, "briefing", lang=lang)
        try:
            with write_session() as s:  # made for this account, checked and audited in one transaction
                v = visits.by_event(s, visit)
                data = briefing.export(s, v.id, fmt, lang, actor=actor)
        except ConclaveError as exc:
            fail(exc, EXIT_REFUSED)
        out.write_bytes(data)
        click.echo(f"briefing for event {visit} written to {out} ({len(data)} bytes)")
