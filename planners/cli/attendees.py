"""CLI of the allow-list, badges and front desk: `conclave attendees …`, `conclave badges`, `conclave scan`."""
from __future__ import annotations

import sys
from pathlib import Path

import click

from planners.core.errors import ConclaveError
from planners.core.textsafe import printable

EXIT_REFUSED = 3


def _cli():
    from planners.cli import common

    return common


def register(main) -> None:
    @main.group("attendees")
    def attendees() -> None:
        """The allow-list of an event."""

    @attendees.command("template")
    @click.option("--out", "out", required=True, type=click.Path(dir_okay=False, path_type=Path),
                  help="FILE.csv or FILE.xlsx")
    @click.option("--lang", default="zh_CN", type=click.Choice(["zh_CN", "en"]), help="header language")
    def template(out: Path, lang: str) -> None:
        """Write the import template (both languages' headers are accepted on import)."""
        from planners.attendees import allowlist

        kind = out.suffix.lower().lstrip(".")
        if kind not in ("csv", "xlsx"):
            click.echo("error: --out must end in .csv or .xlsx", err=True)
            sys.exit(2)
        out.write_bytes(allowlist.template_bytes(kind, lang))
        click.echo(f"template written to {out}")

    @attendees.command("import")
    @click.argument("event_id", type=int)
    @click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
    @click.option("--dry-run", is_flag=True, help="check only, write nothing")
    @click.option("--valid-only", is_flag=True, help="import the valid rows only, skipping rows in error")
    @click.option("--lang", default="en", type=click.Choice(["zh_CN", "en"]))
    @_cli().as_option("the event's organizer (or an admin); its password is asked for (or CONCLAVE_PASSWORD)")
    def import_cmd(event_id: int, file: Path, dry_run: bool, valid_only: bool, lang: str, as_name: str) -> None:
        """Import attendees from CSV/XLSX: prints the report; exit 0 imported, 3 refused (nothing written)."""
        from planners.attendees import allowlist
        from planners.store.uow import write_session

        cli = _cli()
        actor = cli.sign_in(as_name, "attendees import", lang=lang)
        try:
            with write_session() as s:
                rep = allowlist.import_file(s, event_id, file.name, file.read_bytes(), actor=actor,
                                            valid_only=valid_only, dry_run=dry_run)
        except ConclaveError as exc:
            click.echo(printable(f"refused: {exc.localized(lang)}"), err=True)
            sys.exit(EXIT_REFUSED)
        for line in rep.lines(lang):  # names, values and file names from the file: never raw to the terminal
            click.echo(printable(line))
        if dry_run:
            click.echo("dry run: nothing written")
            sys.exit(0 if not rep.problems else EXIT_REFUSED)
        if not rep.written:
            click.echo("refused: nothing written (fix the rows above, or use --valid-only)", err=True)
            sys.exit(EXIT_REFUSED)

    @main.command("badges")
    @click.argument("event_id", type=int)
    @click.option("--out", "out", required=True, type=click.Path(dir_okay=False, path_type=Path),
                  help="FILE.pdf (badge sheet) or FILE.csv (mail merge: name, unit, code)")
    @click.option("--eligible-only", is_flag=True, default=False,
                  help="leave out whoever is not eligible now (by default they are included, marked on the sheet)")
    @_cli().as_option("the event's organizer (or an admin); its password is asked for (or CONCLAVE_PASSWORD)")
    def badges(event_id: int, out: Path, as_name: str, eligible_only: bool = False) -> None:
        """Issue the event's badges as a PDF sheet or a CSV for mail merge."""
        from planners.attendees import badge_sheet as badge_export
        from planners.store.uow import write_session

        cli = _cli()
        kind = out.suffix.lower().lstrip(".")
        if kind not in ("pdf", "csv"):
            click.echo("error: --out must end in .pdf or .csv", err=True)
            sys.exit(2)
        actor = cli.sign_in(as_name, "badges")
        try:
            with write_session() as s:
                data, n = badge_export.export(s, event_id, kind, actor=actor, eligible_only=eligible_only)
        except ConclaveError as exc:
            click.echo(f"error: {exc}", err=True)
            sys.exit(EXIT_REFUSED)
        out.write_bytes(data)
        click.echo(f"{n} badge{'' if n == 1 else 's'} written to {out}")

    @main.command("scan")
    @click.argument("event_id", type=int)
    @click.argument("code", required=False)
    @click.option("--desk", required=True,
                  help="a registered desk (`conclave desk register NAME --kind script`), e.g. 'north door'")
    @click.option("--exit", "is_exit", is_flag=True, help="check out instead of in")
    @click.option("--stdin", "from_stdin", is_flag=True,
                  help="a scripted desk: sign in once, then scan one code per line of standard input until it ends")
    @click.option("--json", "as_json", is_flag=True, help="print the verdict as JSON (with --stdin: one JSON line each)")
    @click.option("--lang", default="en", type=click.Choice(["zh_CN", "en"]))
    @_cli().as_option("the front desk's account; its password is asked for (or read from CONCLAVE_PASSWORD)")
    def scan_cmd(event_id: int, code: str | None, desk: str, is_exit: bool, from_stdin: bool, as_json: bool,
                 lang: str, as_name: str) -> None:
        """Scan one code at a registered desk: exit 0 for ok / exit_ok, 3 for a refusal (a second scan of a badge
        already inside, `same_badge_again` or `already_checked_in`, included), 2 for an unregistered desk.

        With --stdin instead of CODE: sign in once, then read one code per line and print each
        verdict as it is made (one JSON line each with --json), skipping blank lines; a refused code prints its
        refusal and the next line is read. Each code is the one-shot scan: the same verdict, scan log and audit
        entries. The account is looked at again before every code (deactivated, locked or no longer a desk:
        exit 3, nothing more recorded). Exit 0 when every code was admitted (or let out), 3 when any was
        refused, 2 at an error (unregistered desk, unknown event, scan not recorded: the run stops there). Ctrl-C
        ends the run as the end of input does. The password comes from CONCLAVE_PASSWORD, or is asked for when
        standard input is a terminal."""
        from planners.core.permissions import DESK_ROLES

        if from_stdin == (code is not None):
            raise click.UsageError("give either CODE or --stdin (codes one per line on standard input)")
        cli = _cli()
        actor = cli.sign_in(as_name, "scan", roles=DESK_ROLES, lang=lang)
        direction = "out" if is_exit else "in"
        if not from_stdin:
            sys.exit(0 if _scan_one(event_id, code, desk, direction, actor, as_json, lang) else EXIT_REFUSED)
        all_ok = True
        done = 0
        try:
            for line in iter(sys.stdin.readline, ""):
                line = line.strip()
                if not line:
                    continue
                if not _still_a_desk(actor, DESK_ROLES):
                    cli._refuse("cli.stdin_signed_out", lang, name=actor.username, done=done)
                all_ok = _scan_one(event_id, line, desk, direction, actor, as_json, lang) and all_ok
                done += 1
        except KeyboardInterrupt:  # Ctrl-C at a terminal ends the run as the end of input does (a scan is atomic)
            pass
        sys.exit(0 if all_ok else EXIT_REFUSED)


def _scan_one(event_id: int, code: str, desk: str, direction: str, actor, as_json: bool, lang: str) -> bool:
    """One code scanned, its verdict printed (and flushed): True when admitted. The one-shot `conclave scan` and
    each line of `--stdin` are this."""
    from planners import checkin
    from planners.cli.common import echo_verdict

    try:
        v = checkin.scan(event_id, code, desk=desk, actor=actor, direction=direction)
    except ConclaveError as exc:
        click.echo(f"error: {exc}", err=True)
        sys.exit(2)
    echo_verdict(v.as_json(lang), as_json)
    sys.stdout.flush()
    return v.ok


def _still_a_desk(actor, roles: tuple[str, ...]) -> bool:
    """The account as the web page re-reads it on every run (planners.base.auth.load_principal): still active,
    not locked, still of a desk role. A long scripted run must not outlive a deactivation."""
    from planners.base import auth

    return auth.role_while_usable(actor.id) in roles
