"""`conclave` — the admin command line.

Areas add their commands in `planners/cli_<area>.py` with a `register(main)` function; they are found here."""
from __future__ import annotations

import getpass
import importlib
import json
import pkgutil
import sys

import click

import planners
from planners import auth
from planners.config import database_url
from planners.errors import ConclaveError
from planners.levels import Classification
from planners.store import schema
from planners.store.db import read_session, write_session

EXIT_REFUSED = 3


def cli_actor() -> str:
    try:
        return f"cli:{getpass.getuser()}"
    except Exception:  # pragma: no cover - no passwd entry
        return "cli"


def fail(exc: ConclaveError, code: int = 2) -> None:
    click.echo(f"error: {exc}", err=True)
    sys.exit(code)


def ensure_db() -> None:
    try:
        schema.upgrade()
    except ConclaveError as exc:
        fail(exc)


@click.group()
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
    from planners import demo as demo_mod

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
        click.echo("demo accounts exist already; `conclave user reset-password NAME` gives a new one-time password")


@main.group()
def user() -> None:
    """Accounts."""


@user.command("add")
@click.argument("name")
@click.option("--role", required=True, type=click.Choice(auth.ROLES))
@click.option("--display-name", default="")
def user_add(name: str, role: str, display_name: str) -> None:
    """Create an account and print its one-time password."""
    ensure_db()
    try:
        with write_session() as s:
            u, pw = auth.create_user(s, username=name, role=role, actor=cli_actor(), display_name=display_name)
    except ConclaveError as exc:
        fail(exc)
    click.echo(f"user {u.username} ({role}) one-time password: {pw}")


@user.command("reset-password")
@click.argument("name")
def user_reset(name: str) -> None:
    """Give an account a new one-time password (also unlocks it)."""
    ensure_db()
    try:
        with write_session() as s:
            pw = auth.reset_password(s, username=name, actor=cli_actor())
    except ConclaveError as exc:
        fail(exc)
    click.echo(f"user {name} one-time password: {pw}")


@main.command("events")
@click.option("--json", "as_json", is_flag=True, help="print a JSON list")
def events_cmd(as_json: bool) -> None:
    """List events."""
    from sqlalchemy import select

    from planners.events import local
    from planners.store.models import Event

    ensure_db()
    with read_session() as s:
        rows = [
            {"id": e.id, "title": e.title, "kind": e.kind, "level": e.level,
             "start": local(e.starts_at, e.tz).isoformat(), "end": local(e.ends_at, e.tz).isoformat(),
             "tz": e.tz, "status": e.status, "venue": e.venue.name if e.venue else None}
            for e in s.scalars(select(Event).order_by(Event.starts_at)).unique()
        ]
    if as_json:
        click.echo(json.dumps(rows, ensure_ascii=False, indent=2))
        return
    for r in rows:
        lvl = Classification(r["level"]).label("zh_CN")
        click.echo(f"{r['id']:>4}  {r['start'][:16]}  {r['status']:<11} {lvl:<4} {r['kind']:<13} {r['title']}")


def _register_area_commands() -> None:
    for mod in pkgutil.iter_modules(planners.__path__):
        if mod.name.startswith("cli_"):
            importlib.import_module(f"planners.{mod.name}").register(main)


_register_area_commands()

if __name__ == "__main__":  # pragma: no cover
    main()
