"""`conclave` — the admin command line.

Each area's commands live in `planners/cli/<area>.py` with a `register(main)` function. They are loaded lazily
(issue 17): COMMANDS below names, for each command, the module that registers it, and that module is imported only
when the command runs or `--help` lists it, so `conclave --help` costs Python + click and `conclave scan` loads only
the check-in path. Shared helpers (exit codes, the actor, errors) are in `planners/cli/common.py`.

A new command module: add ONE line per top-level command at the end of COMMANDS, `"NAME": "planners.cli.<area>",`
(the name the module's register() gives it). Keep a command module's own top-level imports light (click and
planners.core); import the area inside the command's function."""
from __future__ import annotations

import atexit
import gc
import json
import sys

import click

from planners.core.errors import DISK_FULL_ERRNOS, ConclaveError, DiskFull

# Command name -> the module whose register(main) defines it (imported on first use; issue 17).
COMMANDS: dict[str, str | tuple[str, ...]] = {  # a tuple: modules loaded in order (the later extend the first)
    "audit": "planners.cli.audit",
    "backup": "planners.cli.audit",
    "restore": "planners.cli.audit",
    "export": "planners.cli.plan",
    "plan": "planners.cli.plan",
    "attendees": "planners.cli.attendees",
    "badges": "planners.cli.attendees",
    "scan": "planners.cli.attendees",
    "desk": ("planners.cli.desk", "planners.cli.sessions"),  # issue 15 adds pack / offline / sync to the group
    "keys": "planners.cli.keys",
    "documents": "planners.cli.documents",
    "briefing": "planners.cli.visits",
    "events": "planners.cli.events",  # issue 11: the group replaces the plain listing below
    "approvals": "planners.cli.approvals",  # issue 11
    "people": "planners.cli.people",  # issue 13
    "trips": "planners.cli.trips",  # issue 14
    "session": ("planners.cli.desk", "planners.cli.sessions"),  # issue 15
    "visits": "planners.cli.visits",  # issue 12: the visits group (report) and the key locations register
    "locations": "planners.cli.visits",  # issue 12
}

# The roles an account may have (planners.base.auth.ROLES; tests/unit/test_cli_lazy.py keeps the two equal):
# repeated here so that `conclave --help` need not import the accounts module and SQLAlchemy.
ROLES = ("organizer", "front_desk", "leader", "admin", "security_officer", "foreign_affairs")


def _wired() -> None:
    """Install the hook table (planners.wiring) before a command touches an area: it imports every area, so it
    is done when a command runs, never for `--help`."""
    import planners.wiring  # noqa: F401  (installs which area answers which hook)


def _module(module_path: str):
    """The CLI module named in COMMANDS, imported here by name, statically (no dynamic import): each import runs only
    when its command is first asked for, so `conclave --help` loads none of the areas."""
    name = module_path.rpartition(".")[2]
    if name == "approvals":
        from planners.cli import approvals as m
    elif name == "attendees":
        from planners.cli import attendees as m
    elif name == "audit":
        from planners.cli import audit as m
    elif name == "desk":
        from planners.cli import desk as m
    elif name == "documents":
        from planners.cli import documents as m
    elif name == "events":
        from planners.cli import events as m
    elif name == "keys":
        from planners.cli import keys as m
    elif name == "people":
        from planners.cli import people as m
    elif name == "plan":
        from planners.cli import plan as m
    elif name == "sessions":
        from planners.cli import sessions as m
    elif name == "trips":
        from planners.cli import trips as m
    elif name == "visits":
        from planners.cli import visits as m
    else:
        raise LookupError(f"{module_path} is not a CLI module: add it to planners/cli/main.py's _module()")
    return m


def _short_process_gc() -> None:
    """issue 17: a command is a short process that makes some 10^6 objects at start-up (SQLAlchemy, the models,
    the areas) and few cycles. CPython's default thresholds ran the cyclic GC over them again and again while
    they were made, and once more over everything at exit: ~0.2 s of a one-shot scan's ~0.9 s of CPU. The young
    generation is collected every 50,000 net allocations instead of 700 (cycles are still collected, in a long
    `scan --stdin` run too); at exit, once the database connections are closed, the collector is frozen and
    the operating system takes the memory back."""
    gc.set_threshold(50_000, 20, 20)
    atexit.register(_exit_without_collecting)


def _exit_without_collecting() -> None:
    # registered first, so run last: after the other exit handlers (the sign-in failure log's flush, weakref
    # finalizers of temporary files); the engines' pooled connections are closed as before (SQLite's WAL
    # checkpoint included), then nothing is left that needs a collection
    db = sys.modules.get("planners.store.db")
    if db is not None:
        db.dispose_all()
    gc.disable()
    gc.freeze()


class _Conclave(click.Group):
    """A full disk or temp folder is a clear refusal at every command, never a traceback. The commands of COMMANDS
    are loaded from their module the first time they are asked for."""

    def main(self, args=None, *rest, **kw):
        if args is None:  # the process itself (the `conclave` script), not a caller's main([...]) nor a CliRunner
            _short_process_gc()
        return super().main(args, *rest, **kw)

    def list_commands(self, ctx):
        return sorted(set(self.commands) | set(COMMANDS))

    def get_command(self, ctx, cmd_name):
        wanted = COMMANDS.get(cmd_name, ())
        for module_path in (wanted,) if isinstance(wanted, str) else wanted:
            if module_path not in self._loaded:
                self._load(module_path)
        return self.commands.get(cmd_name)

    _loaded: set[str] = set()

    def _load(self, module_path: str) -> None:
        # register() adds its commands to what it is given (and may wrap one already there, as `events` does):
        # it gets the commands so far, and what it adds or replaces is taken at once
        scratch = click.Group(commands=dict(self.commands))
        _module(module_path).register(scratch)
        self._loaded.add(module_path)
        for name, cmd in scratch.commands.items():
            if self.commands.get(name) is not cmd:
                self.commands[name] = cmd

    def resolve_command(self, ctx, args):
        _wired()  # a command is about to run (not `conclave` or `conclave --help` alone)
        return super().resolve_command(ctx, args)

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
    from planners.base import auth
    from planners.cli.common import cli_actor, ensure_db
    from planners.core.config import database_url
    from planners.store.uow import write_session

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
    from planners.cli.common import ensure_db, fail
    from planners.store.uow import write_session

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


def _as_option(help_text: str):
    from planners.cli.common import as_option

    return as_option(help_text)


@main.group()
def user() -> None:
    """Accounts."""


@user.command("add")
@click.argument("name")
@click.option("--role", required=True, type=click.Choice(ROLES))
@click.option("--display-name", default="")
@_as_option("the admin account doing it; its password is asked for (or read from CONCLAVE_PASSWORD)")
def user_add(name: str, role: str, display_name: str, as_name: str) -> None:
    """Create an account and print its one-time password (an admin's act: --as ADMIN and its password)."""
    from planners.base import auth
    from planners.cli.common import fail, sign_in
    from planners.store.uow import write_session

    admin = sign_in(as_name, "user add", roles=("admin",))
    try:
        with write_session() as s:
            u, pw = auth.create_user(s, username=name, role=role, actor=admin.username, display_name=display_name)
    except ConclaveError as exc:
        fail(exc)
    click.echo(f"user {u.username} ({role}) one-time password: {pw}")


@user.command("reset-password")
@click.argument("name")
@_as_option("the admin account doing it; its password is asked for (or read from CONCLAVE_PASSWORD)")
def user_reset(name: str, as_name: str) -> None:
    """Give an account a new one-time password (also unlocks it; an admin's act: --as ADMIN and its password)."""
    from planners.base import auth
    from planners.cli.common import fail, sign_in
    from planners.store.uow import write_session

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
    from planners.cli.common import ensure_db
    from planners.core.config import database_url
    from planners.core.levels import Classification
    from planners.store.uow import read as read_session

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



if __name__ == "__main__":  # pragma: no cover
    main()
