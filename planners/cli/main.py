"""`conclave` — the admin command line.

Each area's commands live in `planners/cli/<area>.py` with a `register(main)` function; this module lists them
explicitly at its end. Shared helpers (exit codes, the actor, errors) are in `planners/cli/common.py`."""
from __future__ import annotations

import json
import sys

import click

from planners.base import auth
from planners.core.config import database_url
from planners.core.errors import ConclaveError
from planners.core.levels import Classification
from planners.store.uow import read as read_session, write_session
from planners.cli import attendees as cli_attendees, audit as cli_audit, desk as cli_desk, documents as cli_documents, keys as cli_keys, plan as cli_plan, visits as cli_visits
from planners.cli import people as cli_people  # issue 13
import planners.wiring  # noqa: F401  (installs which area answers which hook)
from planners.cli.common import as_option, cli_actor, ensure_db, fail, sign_in
from planners.core.errors import DISK_FULL_ERRNOS, DiskFull

class _Conclave(click.Group):
    """A full disk or temp folder is a clear refusal at every command, never a traceback."""

    def invoke(self, ctx):
        try:
            return super().invoke(ctx)
        except OSError as exc:
            if exc.errno not in DISK_FULL_ERRNOS:
                raise
            click.echo(f"error: {DiskFull(str(exc), detail=exc.strerror or '')}", err=True)
            sys.exit(2)


@click.group(cls=_Conclave)
def main() -> None:
    """Conclave: plan and run the security of classified meetings and foreign visits."""


@main.command()
def init() -> None:
    """Create or upgrade the database; create the first admin and print its one-time password."""
    ensure_db()
    with write_session() as s:
        if auth.list_users(s):
            click.echo(f"database ready at {database_url().split('@')[-1]} (accounts exist already)")
            return
        user, pw = auth.create_user(s, username="admin", role="admin", actor=cli_actor(),
                                    display_name="Administrator")
    click.echo(f"database ready at {database_url().split('@')[-1]}")
    click.echo(f"first admin: admin  one-time password: {pw}  (change it at first sign-in)")


@main.command()
def demo() -> None:
    """Load the demo scenario (running it twice changes nothing)."""
    from planners.base import demo as demo_mod

    ensure_db()
    try:
        with write_session() as s:
            ctx = demo_mod.load(s)
    except ConclaveError as exc:
        fail(exc)
    if not ctx.created:
        click.echo("demo scenario already loaded; nothing changed")
    else:
        click.echo(f"demo scenario loaded: {len(ctx.created)} objects")
    if ctx.passwords:
        click.echo("demo accounts (one-time passwords, shown once; change at first sign-in):")
        for name, pw in ctx.passwords.items():
            click.echo(f"  {name:<10} {ctx.users[name].role:<11} {pw}")
    else:
        click.echo("demo accounts exist already; `conclave user reset-password NAME --as ADMIN` gives a new one-time password")


@main.group()
def user() -> None:
    """Accounts."""


@user.command("add")
@click.argument("name")
@click.option("--role", required=True, type=click.Choice(auth.ROLES))
@click.option("--display-name", default="")
@as_option("the admin account doing it; its password is asked for (or read from CONCLAVE_PASSWORD)")
def user_add(name: str, role: str, display_name: str, as_name: str) -> None:
    """Create an account and print its one-time password (an admin's act: --as ADMIN and its password)."""
    admin = sign_in(as_name, "user add", roles=("admin",))
    try:
        with write_session() as s:
            u, pw = auth.create_user(s, username=name, role=role, actor=admin.username, display_name=display_name)
    except ConclaveError as exc:
        fail(exc)
    click.echo(f"user {u.username} ({role}) one-time password: {pw}")


@user.command("reset-password")
@click.argument("name")
@as_option("the admin account doing it; its password is asked for (or read from CONCLAVE_PASSWORD)")
def user_reset(name: str, as_name: str) -> None:
    """Give an account a new one-time password (also unlocks it; an admin's act: --as ADMIN and its password)."""
    admin = sign_in(as_name, "user reset-password", roles=("admin",))
    try:
        with write_session() as s:
            pw = auth.reset_password(s, username=name, actor=admin.username)
    except ConclaveError as exc:
        fail(exc)
    click.echo(f"user {name} one-time password: {pw}")


@main.command("events")
@click.option("--json", "as_json", is_flag=True, help="print a JSON list")
def events_cmd(as_json: bool) -> None:
    """List events."""
    from sqlalchemy import select

    from planners.base.events import local
    from planners.store.models import Event

    from sqlalchemy.orm import Session

    from planners.base import trail
    from planners.cli.audit import _readonly_engine

    def listed(s):
        return [
            {"id": e.id, "title": e.title, "kind": e.kind, "level": e.level,
             "start": local(e.starts_at, e.tz).isoformat(), "end": local(e.ends_at, e.tz).isoformat(),
             "tz": e.tz, "status": e.status, "venue": e.venue.name if e.venue else None}
            for e in s.scalars(select(Event).order_by(Event.starts_at)).unique()
        ]

    url = database_url()
    path = trail.sqlite_path(url)
    if path is not None and path.exists():  # only reading: a write-protected evidence copy lists too
        engine = _readonly_engine(url)
        try:
            with Session(engine) as s:
                rows = listed(s)
        finally:
            engine.dispose()
    else:
        ensure_db()
        with read_session() as s:
            rows = listed(s)
    if as_json:
        click.echo(json.dumps(rows, ensure_ascii=False, indent=2))
        return
    for r in rows:
        lvl = Classification(r["level"]).label("zh_CN")
        click.echo(f"{r['id']:>4}  {r['start'][:16]}  {r['status']:<11} {lvl:<4} {r['kind']:<13} {r['title']}")


from planners.cli import trips as cli_trips  # noqa: E402  issue 14
for _area in (cli_audit, cli_plan, cli_attendees, cli_desk, cli_keys, cli_documents, cli_visits,
              cli_people,  # issue 13
              cli_trips):  # issue 14
    _area.register(main)

if __name__ == "__main__":  # pragma: no cover
    main()
