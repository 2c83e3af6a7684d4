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

    # issue 12: the post-visit report and the key locations register
    @main.group("visits")
    def visits_group() -> None:
        """Foreign visits: the post-visit report (外事接待总结)."""

    @visits_group.command("report")
    @click.argument("visit", type=int)
    @click.option("--out", "out", required=True, type=click.Path(dir_okay=False, path_type=Path),
                  help="FILE.pdf or FILE.docx")
    @click.option("--lang", type=click.Choice(["zh_CN", "en"]), default="zh_CN", show_default=True)
    @click.option("--as", "as_name", required=True, metavar="NAME",
                  help="the visit's organizer, a leader or the foreign-affairs office; its password is asked for "
                       "(or CONCLAVE_PASSWORD)")
    def report_cmd(visit: int, out: Path, lang: str, as_name: str) -> None:
        """Write the filed post-visit report of a visit (VISIT is the event id `conclave events` lists)."""
        from planners import visits
        from planners.cli.common import EXIT_REFUSED, fail, sign_in
        from planners.core.errors import ConclaveError
        from planners.store.uow import write_session
        from planners.visits import report

        fmt = out.suffix.lower().lstrip(".")
        actor = sign_in(as_name, "visits report", lang=lang)
        try:
            with write_session() as s:
                v = visits.by_event(s, visit)
                data = report.export(s, v.id, fmt, lang, actor=actor)
        except ConclaveError as exc:
            fail(exc, EXIT_REFUSED)
        out.write_bytes(data)
        click.echo(f"post-visit report for event {visit} written to {out} ({len(data)} bytes)")

    @main.command("locations")
    @click.option("--json", "as_json", is_flag=True, help="print a JSON list")
    def locations_cmd(as_json: bool) -> None:
        """List the key departments and locations (要害部门部位) a visit's route is checked against."""
        import json

        from planners.cli.common import ensure_db
        from planners.store.uow import read as read_session
        from planners.visits import locations

        ensure_db()
        with read_session() as s:
            rows = locations.location_rows(s)
        if as_json:
            click.echo(json.dumps(rows, ensure_ascii=False, indent=2))
            return
        if not rows:
            click.echo("no key locations registered")
        for r in rows:
            bar = "no foreign visitors" if r["no_foreign_visitors"] else "visitors allowed"
            wait = f"  (waiting: {r['pending']})" if r["pending"] else ""
            click.echo(f"{r['id']:>4}  {r['status']:<9} {r['level']:<13} {r['name']}  [{bar}; {r['responsible']}]{wait}")
