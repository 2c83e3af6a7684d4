"""What every command module of `conclave` shares: the refusal exit code, the acting OS user, errors, and the
sign-in of the commands that act as a person (`--as NAME` and that account's password)."""
from __future__ import annotations

import getpass
import os
import pwd
import sys

import click

from planners.core.errors import ConclaveError

EXIT_REFUSED = 3
PASSWORD_ENV = "CONCLAVE_PASSWORD"


def os_user() -> str:
    """The real OS user running this process, from its uid: $LOGNAME and $USER are whatever the caller set."""
    uid = os.getuid()
    try:
        return pwd.getpwuid(uid).pw_name
    except KeyError:  # a uid without a passwd entry (a container): the number is still the truth
        return f"uid{uid}"


def cli_actor() -> str:
    return f"cli:{os_user()}"


def fail(exc: ConclaveError, code: int = 2) -> None:
    click.echo(f"error: {exc}", err=True)
    sys.exit(code)


def ensure_db() -> None:
    from planners.store import schema

    try:
        schema.upgrade()
    except ConclaveError as exc:
        fail(exc)


def as_option(help_text: str = "the account this command acts as; its password is asked for "
                               f"(or read from {PASSWORD_ENV})"):
    return click.option("--as", "as_name", required=True, metavar="NAME", help=help_text)


def _refuse(key: str, lang: str, **params) -> None:
    from planners.core.i18n import t

    click.echo(f"refused: {t(key, lang, **params)}", err=True)
    sys.exit(EXIT_REFUSED)


def _has_terminal() -> bool:
    return sys.stdin.isatty()


def _password(name: str, command: str, lang: str) -> str:
    pw = os.environ.get(PASSWORD_ENV)
    if pw is not None:
        return pw
    if not _has_terminal():
        _refuse("cli.password_needed", lang, command=command, name=name)
    try:
        return getpass.getpass(f"password of {name}: ")
    except (EOFError, KeyboardInterrupt):
        _refuse("cli.password_needed", lang, command=command, name=name)


def sign_in(name: str, command: str, *, roles: tuple[str, ...] | None = None, lang: str = "en"):
    """Sign NAME in as the web page does (planners.base.auth.sign_in: argon2, failures counted, lockout after
    five, audited), or exit 3 before anything is changed. From here on every audit entry this process writes
    carries `through: cli:<OS user>` next to the account, its actor (until the command ends)."""
    from planners.base import audit, auth

    ensure_db()
    password = _password(name, command, lang)
    try:
        p = auth.sign_in(name, password, client=cli_actor())
    except ConclaveError as exc:
        click.echo(f"refused: {exc.localized(lang)}", err=True)
        sys.exit(EXIT_REFUSED)
    if p.must_change_password:
        _refuse("cli.must_change", lang, name=p.username)
    if roles is not None and p.role not in roles:
        _refuse("cli.role_needed", lang, command=command, name=p.username, role=p.role, roles=", ".join(roles))
    ctx = click.get_current_context(silent=True)
    cm = audit.acting_through(cli_actor())
    cm.__enter__()
    if ctx is not None:
        ctx.find_root().call_on_close(lambda: cm.__exit__(None, None, None))
    return p


def echo_verdict(out: dict, as_json: bool, *, prefix: str = "") -> None:
    """A desk verdict (Verdict.as_json) on stdout: one JSON line, or the verdict's line and what needs attention."""
    import json

    if as_json:
        click.echo(json.dumps(out, ensure_ascii=False))
        return
    click.echo(f"{prefix}{out['status'].upper()} {out['reason']}: {out['message']} — {out['todo']}")
    for a in out["require_attention"]:
        click.echo(f"  ! {a['text']}")
