"""`conclave desk register NAME` / `conclave desk list`: the registered desks (issue 18, item 1).

A desk is a registered device. The desk page binds a browser session to one; `conclave scan --desk NAME` is a
scripted desk and names one too. Register a scripted desk once (`--kind script`) and give its name to every
`conclave scan` the script runs: the scan log and the audit trail then say which device admitted whom, and the
one-green-per-badge rule does not depend on the name, so several scripts sharing one desk cannot admit twice."""
from __future__ import annotations

import json
import sys

import click


def register(main) -> None:
    @main.group("desk")
    def desk_group() -> None:
        """Registered desks (the devices that scan badges)."""

    @desk_group.command("register")
    @click.argument("name")
    @click.option("--location", default="", help="where the desk stands, e.g. 'north door, ground floor'")
    @click.option("--kind", type=click.Choice(["desk", "script"]), default="desk", show_default=True,
                  help="desk: a screen on the front desk page; script: `conclave scan --desk NAME`")
    @click.option("--lang", type=click.Choice(["zh_CN", "en"]), default="en", show_default=True)
    def register_cmd(name: str, location: str, kind: str, lang: str) -> None:
        """Register the desk NAME. Exit 3 when refused (a bad or taken name)."""
        from planners.checkin import devices
        from planners.cli.common import EXIT_REFUSED, cli_actor, ensure_db
        from planners.core.errors import ConclaveError
        from planners.store.uow import write_session

        ensure_db()
        try:
            with write_session() as s:
                d = devices.register_desk(s, name, location=location, kind=kind, actor=cli_actor())
                shown = (d.name, d.kind, d.location)
        except ConclaveError as exc:
            click.echo(f"error: {exc.localized(lang)}", err=True)
            sys.exit(EXIT_REFUSED)
        click.echo(f"desk {shown[0]} registered ({shown[1]}{', ' + shown[2] if shown[2] else ''})")

    @desk_group.command("list")
    @click.option("--json", "as_json", is_flag=True, help="print a JSON list")
    def list_cmd(as_json: bool) -> None:
        """List the registered desks."""
        from planners.checkin import devices
        from planners.cli.common import ensure_db
        from planners.store.uow import read

        ensure_db()
        with read() as s:
            rows = [{"id": d.id, "name": d.name, "location": d.location, "kind": d.kind,
                     "registered_by": d.registered_by, "registered_at": d.registered_at.isoformat(timespec="seconds")}
                    for d in devices.list_desks(s)]
        if as_json:
            click.echo(json.dumps(rows, ensure_ascii=False, indent=2))
            return
        if not rows:
            click.echo("no desk registered yet: `conclave desk register NAME`")
        for r in rows:
            click.echo(f"{r['id']:>4}  {r['kind']:<6}  {r['name']:<24} {r['location']}")
