"""`conclave audit verify|checkpoint`, `conclave backup`, `conclave restore`: the trail anchored outside the
database (planners.base.trail) and signed backups (planners.base.backup). Reading commands open the database read-only,
so an auditor can check a write-protected evidence copy."""
from __future__ import annotations

import json
import os
import sys
from pathlib import Path

import click

from planners.core.config import database_url
from planners.core.errors import ConclaveError

# The areas (SQLAlchemy, the trail, backups) are imported inside each command: `conclave --help` lists these
# commands without loading them (issue 17).

EXIT_REFUSED = 3


def _fail(msg: str, code: int = 2) -> None:
    click.echo(f"error: {msg}", err=True)
    sys.exit(code)


def _writable(url: str) -> bool:
    from planners.base import trail

    path = trail.sqlite_path(url)
    if path is None:
        return True
    return (not path.exists() and os.access(path.parent, os.W_OK)) or (
        os.access(path, os.W_OK) and os.access(path.parent, os.W_OK))


def _readonly_engine(url: str):
    """The database, opened only to read; refuses a database whose schema predates the chained door log."""
    from sqlalchemy import text
    from sqlalchemy.exc import SQLAlchemyError

    from planners.base import trail
    from planners.store.schema import head_revisions, known_revisions

    try:
        engine = trail.readonly_engine(url)
        with engine.connect() as conn:
            revs = {r[0] for r in conn.execute(text("SELECT version_num FROM alembic_version"))}
    except (ConclaveError, SQLAlchemyError) as exc:
        _fail(f"cannot read the database: {getattr(exc, 'orig', exc)}")
    if revs - known_revisions():
        _fail(f"the database was written by a newer Conclave (schema {', '.join(sorted(revs - known_revisions()))}).")
    if revs != head_revisions():
        _fail("the database's schema is older than this Conclave: run `conclave init` on a writable copy first.")
    return engine


def register(main: click.Group) -> None:
    from planners.cli.common import cli_actor, ensure_db

    @main.group("audit")
    def audit_group() -> None:
        """The audit trail and the door log, anchored by signed checkpoints outside the database."""

    @audit_group.command("verify")
    @click.option("--against", "against", type=click.Path(dir_okay=False, path_type=Path), default=None,
                  help="a checkpoint file (e.g. from a USB stick) instead of the configured one")
    def audit_verify(against: Path | None) -> None:
        """Check both chains, the append-only triggers and every checkpoint; exit 3 if completeness is not proven."""
        from sqlalchemy.orm import Session

        from planners.base import audit, trail

        engine = _readonly_engine(database_url())
        try:
            with Session(engine) as s:
                rep = audit.verify_trail(s, against=against)
        except ConclaveError as exc:
            _fail(str(exc), EXIT_REFUSED)
        finally:
            engine.dispose()
        if rep.ok:
            click.echo(f"audit trail intact: {rep.audit.checked} entries, head {rep.audit.head}")
            click.echo(f"door log intact: {rep.scans.checked} scans, head {rep.scans.head}")
            click.echo(f"proven complete against {rep.checkpoints} signed checkpoint(s); the latest: "
                       f"{trail.describe(rep.latest)}")
            return
        click.echo("audit trail NOT PROVEN:", err=True)
        for p in rep.problems:
            click.echo(f"  - {p}", err=True)
        sys.exit(EXIT_REFUSED)

    @audit_group.command("checkpoint")
    @click.option("--out", "out", type=click.Path(dir_okay=False, path_type=Path), default=None,
                  help="also append the checkpoint to FILE (a USB stick, a file to print)")
    def audit_checkpoint(out: Path | None) -> None:
        """Sign the current heads of the audit trail and the door log and append them to the checkpoint file."""
        from planners.base import trail

        engine = _readonly_engine(database_url())
        try:
            c = trail.write(engine, reason="manual", out=out)
        except (ConclaveError, OSError) as exc:
            _fail(str(exc))
        finally:
            engine.dispose()
        click.echo(f"checkpoint written to {trail.checkpoints_path()}" + (f" and {out}" if out else ""))
        click.echo(json.dumps(c, ensure_ascii=False))

    @main.command("backup")
    @click.argument("file", type=click.Path(dir_okay=False, path_type=Path))
    def backup_cmd(file: Path) -> None:
        """Write a consistent, signed copy of the database (0600) and a checkpoint of it."""
        from planners.base import audit, backup as backup_mod
        from planners.store.uow import write_session

        url = database_url()
        writable = _writable(url)
        if writable:
            ensure_db()
        try:
            m = backup_mod.backup(url, file)
        except (ConclaveError, OSError) as exc:
            _fail(str(exc))
        if writable:
            with write_session() as s:
                audit.record(s, actor=cli_actor(), action="db.backup", object_type="file", object_id=file.name,
                             sha256=m["sha256"])
        else:
            click.echo("the database is read-only: this backup is not recorded in its audit trail", err=True)
        if not m["trail"]["intact"]:
            click.echo("warning: the database's trail is not intact; the backup keeps it as it is:", err=True)
            for p in m["trail"]["problems"]:
                click.echo(f"  - {p}", err=True)
        click.echo(f"backup written to {file} (sha256 {m['sha256']}, {m['size']} bytes, signed, "
                   f"{m['trail']['audit']['count']} audit entries)")

    @main.command("restore")
    @click.argument("file", type=click.Path(dir_okay=False, path_type=Path))
    @click.option("--force", is_flag=True, help="restore although the signature, chain or checkpoints refuse it")
    @click.option("--reason", default="", help="why the refusal is overridden (required with --force; audited)")
    def restore_cmd(file: Path, force: bool, reason: str) -> None:
        """Replace the database with a backup, after checking its size, checksum, schema, signature, chains and
        the current checkpoints."""
        from planners.base import backup as backup_mod

        url = database_url()
        try:
            m = backup_mod.restore(url, file, force=force, reason=reason)
            backup_mod.after_restore(url, m, actor=cli_actor(), file_name=file.name)
        except ConclaveError as exc:
            _fail(str(exc), EXIT_REFUSED)
        if m["forced"]:
            click.echo("restored although: " + "; ".join(m["overridden"]) + f" (forced: {m['reason']})", err=True)
        click.echo(f"restored {file} (made {m['created_utc']} UTC, sha256 {m['sha256']})")
