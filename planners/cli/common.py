"""What every command module of `conclave` shares: the refusal exit code, the acting OS user, errors."""
from __future__ import annotations

import getpass
import sys

import click

from planners.core.errors import ConclaveError
from planners.store import schema

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
