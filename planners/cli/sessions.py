"""Issue 15 on the command line: `conclave session add|list`, `conclave desk pack|offline|sync`,
`conclave paper EVENT` (the paper fallback's PDF sheets).

`desk pack`, `desk sync` and `paper` are server commands (the administrator who owns the keys folder and the
database; the audit trail names the OS user). `desk offline` runs on the desk's own machine from a pack alone: it
needs no database and no network."""
from __future__ import annotations

import json
import subprocess
import sys
from datetime import datetime
from pathlib import Path

import click

LANGS = click.Choice(["zh_CN", "en"])


def _refused(exc, lang: str) -> None:
    from planners.cli.common import EXIT_REFUSED

    click.echo(f"refused: {exc.localized(lang)}", err=True)
    sys.exit(EXIT_REFUSED)


def register(main) -> None:
    desk_group = main.commands["desk"]

    @desk_group.command("pack")
    @click.argument("event_id", type=int)
    @click.option("--out", "out", required=True, type=click.Path(dir_okay=False), help="the pack file to write")
    @click.option("--lang", type=LANGS, default="en", show_default=True)
    def pack_cmd(event_id: int, out: str, lang: str) -> None:
        """Write the signed offline desk pack of EVENT_ID (valid for rule O1's hours)."""
        from planners.checkin import offline
        from planners.cli.common import cli_actor, ensure_db
        from planners.core.errors import ConclaveError
        from planners.store.uow import write_session

        ensure_db()
        try:
            with write_session() as s:
                data = offline.make_pack(s, event_id, actor=cli_actor())
        except ConclaveError as exc:
            _refused(exc, lang)
        Path(out).write_bytes(data)
        p = offline.read_pack(data)
        from planners.core.i18n import t

        click.echo(t("offline.pack_made", lang, event=p.body["event"]["title"], people=len(p.body["people"]),
                     sessions=len(p.body["sessions"]), until=p.valid_until.isoformat(timespec="minutes") + "Z",
                     file=out, fingerprint=p.fingerprint))

    @desk_group.command("offline")
    @click.argument("pack_file", type=click.Path(dir_okay=False))
    @click.option("--log", "log", default=None, help="the local log (SQLite file); default: PACK_FILE.log")
    @click.option("--scan", "code", default=None, help="decide this one code and exit (scripted use)")
    @click.option("--session", "door", default=None, help="the session's id (its door); default: main entrance")
    @click.option("--exit", "is_exit", is_flag=True, help="check out instead of in")
    @click.option("--desk", default="offline", show_default=True, help="this desk's registered name")
    @click.option("--json", "as_json", is_flag=True)
    @click.option("--port", default=8502, show_default=True, help="the local page's port")
    @click.option("--lang", type=LANGS, default="en", show_default=True)
    def offline_cmd(pack_file: str, log: str | None, code: str | None, door: str | None, is_exit: bool, desk: str,
                    as_json: bool, port: int, lang: str) -> None:
        """Serve the offline desk page from PACK_FILE (or, with --scan, decide one scan); every scan goes to the
        local append-only log. Exit 0 for ok / exit_ok, 3 for a refusal or a refused pack."""
        from planners.checkin import offline
        from planners.cli.common import EXIT_REFUSED, echo_verdict
        from planners.core.errors import ConclaveError

        log = log or f"{pack_file}.log"
        try:
            d = offline.open_desk(pack_file, log, desk=desk)
        except ConclaveError as exc:
            _refused(exc, lang)
        if code is None:
            d.close()
            app = Path(__file__).resolve().parents[2] / "offline_app.py"
            cmd = [sys.executable, "-m", "streamlit", "run", str(app), "--server.port", str(port),
                   "--server.address", "127.0.0.1", "--browser.gatherUsageStats", "false", "--",
                   str(Path(pack_file).resolve()), str(Path(log).resolve()), desk]
            sys.exit(subprocess.call(cmd))
        try:
            v = d.decide(code, door=door or offline.MAIN, direction="out" if is_exit else "in")
        except ConclaveError as exc:
            _refused(exc, lang)
        finally:
            d.close()
        out = v.as_json(lang)
        out["offline"] = True
        echo_verdict(out, as_json, prefix="OFFLINE ")
        sys.exit(0 if v.ok else EXIT_REFUSED)

    @desk_group.command("sync")
    @click.argument("log", required=False)
    @click.option("--paper", "paper", default=None, type=click.Path(dir_okay=False),
                  help="a CSV of paper entries (attendee_id, time, desk[, session_id, direction])")
    @click.option("--event", "event_id", type=int, default=None, help="the event of --paper")
    @click.option("--json", "as_json", is_flag=True)
    @click.option("--lang", type=LANGS, default="en", show_default=True)
    def sync_cmd(log: str | None, paper: str | None, event_id: int | None, as_json: bool, lang: str) -> None:
        """Merge an offline desk's LOG (or a --paper CSV) into the server; a second sync changes nothing."""
        from planners.checkin import sync
        from planners.cli.common import cli_actor, ensure_db
        from planners.core.errors import ConclaveError

        ensure_db()
        if (log is None) == (paper is None) or (paper is not None and event_id is None):
            click.echo("give either LOG, or --paper FILE --event ID", err=True)
            sys.exit(2)
        try:
            if log is not None:
                res = sync.sync_log(log, actor=cli_actor())
            else:
                res = sync.sync_paper(Path(paper).read_bytes(), event_id, actor=cli_actor())
        except ConclaveError as exc:
            _refused(exc, lang)
        if as_json:
            click.echo(json.dumps({"event_id": res.event_id, **res.counts,
                                   "conflicts": [{"attendee_id": c["attendee_id"], "at": c["at"].isoformat(),
                                                  "server_reason": c["server_reason"]} for c in res.conflicts]}))
        else:
            click.echo(res.message()[lang])
            for c in res.conflicts:
                click.echo(f"  ! conflict: attendee {c['attendee_id']} at {c['at']:%Y-%m-%d %H:%M:%S} "
                           f"({c['server_reason']})")

    @main.group("session")
    def session_group() -> None:
        """Sessions of an event (their own room, level and list)."""

    @session_group.command("add")
    @click.argument("event_id", type=int)
    @click.option("--title", required=True)
    @click.option("--start", required=True, help="office time, YYYY-MM-DD HH:MM")
    @click.option("--end", required=True, help="office time, YYYY-MM-DD HH:MM")
    @click.option("--level", required=True)
    @click.option("--room", default="")
    @click.option("--venue", "venue_id", type=int, default=None)
    @click.option("--devices", default="lockers", type=click.Choice(["lockers", "approved_only", "none"]))
    @click.option("--scope", default="", help="knowledge scope: who may know (never the content)")
    @click.option("--admit", default="", help="attendee ids admitted, comma-separated; 'all' for the whole list")
    @click.option("--lang", type=LANGS, default="en", show_default=True)
    @click.option("--as", "as_name", required=True, metavar="NAME", help="the organizer's account")
    def add_cmd(event_id, title, start, end, level, room, venue_id, devices, scope, admit, lang, as_name) -> None:
        """Add a session to EVENT_ID. Exit 3 when refused (outside the event's dates, above its level, …)."""
        from sqlalchemy import select

        from planners.checkin import sessions as ss
        from planners.cli.common import sign_in
        from planners.core.clock import zone
        from planners.core.errors import ConclaveError
        from planners.store.models import Attendee, Event
        from planners.store.uow import write_session

        actor = sign_in(as_name, "session add", roles=("organizer", "admin"), lang=lang)
        try:
            with write_session() as s:
                ev = s.get(Event, event_id)
                if ev is None:
                    from planners.core.errors import NotFound

                    raise NotFound("no event", key="events.not_found", id=event_id)
                tz = zone(ev.tz)
                ids = (tuple(s.scalars(select(Attendee.id).where(Attendee.event_id == ev.id))) if admit == "all"
                       else tuple(int(x) for x in admit.split(",") if x.strip()))
                row = ss.create_session(s, event_id, ss.SessionInput(
                    title=title, start=datetime.strptime(start, "%Y-%m-%d %H:%M").replace(tzinfo=tz),
                    end=datetime.strptime(end, "%Y-%m-%d %H:%M").replace(tzinfo=tz), level=level, room=room,
                    venue_id=venue_id, device_policy=devices, knowledge_scope=scope, admitted=ids), actor=actor)
                sid = row.id
        except ConclaveError as exc:
            _refused(exc, lang)
        except ValueError as exc:
            click.echo(f"error: {exc}", err=True)
            sys.exit(2)
        click.echo(f"session {sid} added")

    @session_group.command("list")
    @click.argument("event_id", type=int)
    @click.option("--json", "as_json", is_flag=True)
    @click.option("--lang", type=LANGS, default="en", show_default=True)
    def list_cmd(event_id: int, as_json: bool, lang: str) -> None:
        """The sessions of EVENT_ID."""
        from planners.checkin import sessions as ss
        from planners.cli.common import ensure_db
        from planners.store.uow import read

        ensure_db()
        with read() as s:
            rows = ss.session_rows(s, event_id, lang)
        if as_json:
            click.echo(json.dumps(rows, ensure_ascii=False, indent=2))
            return
        for r in rows:
            click.echo(f"{r['id']:>4}  {r['title']}  {r['level']}  {r['start']}–{r['end']}  {r['room']}  "
                       f"{r['admitted']} / {r['inside']}")
