"""`conclave trips`: outbound trips (issue 14).

    conclave trips [--json]                          every trip (id, title, destinations, start, end, status)
    conclave trips show ID --json                    travellers with vetting findings, briefing and pledge state,
                                                     carry list with verdicts, debrief due and state
    conclave trips briefing ID --out FILE.pdf|.docx --as NAME [--lang en]   the pre-departure briefing sheet

The listing and `show` are read-only server commands (like `conclave events`); the briefing is made as an account
(its organizer, a leader, the security officer or an admin) and audited. Refusals exit 3 with the reason."""
from __future__ import annotations

import json
from pathlib import Path

import click


def _row(trip) -> dict:
    return {"id": trip.id, "title": trip.title, "destinations": list(trip.destinations or []),
            "start": trip.starts_on.isoformat(), "end": trip.ends_on.isoformat(), "status": trip.status}


def register(main) -> None:
    @main.group("trips", invoke_without_command=True)
    @click.option("--json", "as_json", is_flag=True, help="print JSON")
    @click.pass_context
    def trips_cmd(ctx, as_json: bool) -> None:
        """Outbound trips (出国（境）); with no sub-command, list them."""
        if ctx.invoked_subcommand is not None:
            return
        from planners import trips
        from planners.cli.common import ensure_db
        from planners.store.uow import read

        ensure_db()
        with read() as s:
            rows = [_row(t) for t in trips.all_trips(s)]
        if as_json:
            click.echo(json.dumps(rows, ensure_ascii=False, indent=2))
            return
        for r in rows:
            click.echo(f"{r['id']:>4}  {r['start']} – {r['end']}  {','.join(r['destinations']):<8} "
                       f"{r['status']:<10} {r['title']}")

    @trips_cmd.command("show")
    @click.argument("trip_id", type=int)
    @click.option("--json", "as_json", is_flag=True, help="print JSON")
    def show_cmd(trip_id: int, as_json: bool) -> None:
        """One trip: travellers with vetting findings, briefing and pledge, carry list with verdicts, debrief."""
        from planners.cli.common import EXIT_REFUSED, ensure_db, fail
        from planners.core.errors import ConclaveError
        from planners.store.uow import read
        from planners.trips.summary import summary

        ensure_db()
        try:
            with read() as s:
                data = summary(s, trip_id)
        except ConclaveError as exc:
            fail(exc, EXIT_REFUSED)
        if as_json:
            click.echo(json.dumps(data, ensure_ascii=False, indent=2))
            return
        click.echo(f"#{data['id']} {data['title']} [{data['status']}] {data['start']} – {data['end']} "
                   f"{','.join(data['destinations'])}")
        for x in data["travellers"]:
            click.echo(f"  {x['name']}: briefed {x['briefed_on'] or '-'}, pledge {'yes' if x['pledge'] else 'no'}; "
                       + "; ".join(f"{f['rule']}" for f in x["findings"]))
        for c in data["carry"]:
            click.echo(f"  carry: {c['traveller']} {c['item']} {c['code'] or ''} -> {c['verdict']} ({c['rule']})")
        d = data["debrief"]
        click.echo(f"  debrief due {d['due']}: {'done ' + d['held_on'] if d['done'] else ('OVERDUE' if d['overdue'] else 'open')}")

    @trips_cmd.command("briefing")
    @click.argument("trip_id", type=int)
    @click.option("--out", "out", required=True, type=click.Path(dir_okay=False, path_type=Path),
                  help="FILE.pdf or FILE.docx")
    @click.option("--lang", type=click.Choice(["zh_CN", "en"]), default="zh_CN", show_default=True)
    @click.option("--as", "as_name", required=True, metavar="NAME",
                  help="the trip's organizer, a leader, the security officer or an admin; password from the terminal "
                       "or CONCLAVE_PASSWORD")
    def briefing_cmd(trip_id: int, out: Path, lang: str, as_name: str) -> None:
        """Write the pre-departure briefing sheet of an approved trip."""
        from planners.cli.common import EXIT_REFUSED, fail, sign_in
        from planners.core.errors import ConclaveError
        from planners.store.uow import write_session
        from planners.trips import export

        fmt = out.suffix.lower().lstrip(".")
        actor = sign_in(as_name, "trips briefing", lang=lang)
        try:
            with write_session() as s:
                data = export.export(s, trip_id, "briefing", fmt, lang, actor=actor)
        except ConclaveError as exc:
            fail(exc, EXIT_REFUSED)
        out.write_bytes(data)
        click.echo(f"briefing for trip {trip_id} written to {out} ({len(data)} bytes)")
