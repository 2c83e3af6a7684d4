"""Create or upgrade the database to the newest schema through Alembic, and refuse what we cannot use."""
from __future__ import annotations

import os
from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy.exc import OperationalError

from planners.core.config import database_url
from planners.core.errors import SchemaError
from planners.store.db import get_engine

MIGRATIONS = Path(__file__).resolve().parent / "migrations"


def alembic_config(url: str) -> Config:
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    cfg.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    return cfg


def _sqlite_path(url: str) -> Path | None:
    if url.startswith("sqlite:///") and ":memory:" not in url:
        return Path(url[len("sqlite:///"):])
    return None


def _check_file(url: str) -> None:
    path = _sqlite_path(url)
    if path is None:
        return
    folder = path.parent
    if not folder.exists():
        folder.mkdir(parents=True, exist_ok=True)
    if path.exists() and not os.access(path, os.W_OK):
        raise SchemaError(
            f"The database file {path} is read-only. Nothing was changed. Give the app's user write access "
            f"(chmod u+w {path}) or point DATABASE_URL at a writable database.",
            key="error.db_readonly", path=str(path),
        )
    if not os.access(folder, os.W_OK):
        raise SchemaError(
            f"The folder {folder} is not writable, so SQLite cannot keep its journal there. Nothing was changed. "
            f"Make it writable or set DATABASE_URL.", key="error.db_readonly", path=str(folder),
        )


def current_revisions(url: str | None = None) -> set[str]:
    with get_engine(url).connect() as conn:
        return set(MigrationContext.configure(conn).get_current_heads())


def known_revisions() -> set[str]:
    script = ScriptDirectory.from_config(alembic_config("sqlite://"))
    return {r.revision for r in script.walk_revisions()}


def head_revisions() -> set[str]:
    return set(ScriptDirectory.from_config(alembic_config("sqlite://")).get_heads())


def check_newer(url: str) -> None:
    unknown = current_revisions(url) - known_revisions()
    if unknown:
        raise SchemaError(
            f"The database at {url.split('@')[-1]} was written by a newer Conclave (schema {', '.join(sorted(unknown))}). "
            "Nothing was changed. Upgrade Conclave to the version that wrote it, or restore a backup made by this version.",
            key="error.db_newer", revisions=", ".join(sorted(unknown)),
        )


def upgrade(url: str | None = None) -> None:
    """Bring the database to the newest schema. Safe to call on every start."""
    url = url or database_url()
    _check_file(url)
    if _sqlite_path(url) is not None:  # working files of a backup or restore killed outright (issue 18, item 7)
        from planners.store.workfiles import cleanup_leftovers

        cleanup_leftovers(_sqlite_path(url).parent)
    try:
        check_newer(url)
        if current_revisions(url) == head_revisions():
            return
        engine = get_engine(url)
        with engine.connect() as conn:
            sqlite = engine.dialect.name == "sqlite"
            if sqlite:  # a migration that rebuilds a parent table must not cascade its DROP (0008)
                conn.connection.driver_connection.execute("PRAGMA foreign_keys=OFF")
            try:
                with conn.begin():
                    cfg = alembic_config(url)
                    cfg.attributes["connection"] = conn
                    command.upgrade(cfg, "heads")
                    if sqlite:
                        broken = conn.exec_driver_sql("PRAGMA foreign_key_check").fetchall()
                        if broken:
                            raise SchemaError(
                                f"The upgrade would leave {len(broken)} rows pointing at missing rows "
                                f"(first: {tuple(broken[0])}). Nothing was changed.", key="error.db_open",
                                detail=f"foreign_key_check: {tuple(broken[0])}")
            finally:
                if sqlite:
                    conn.connection.driver_connection.execute("PRAGMA foreign_keys=ON")
    except OperationalError as exc:
        raise SchemaError(
            f"Cannot open or upgrade the database at {url.split('@')[-1]}: {exc.orig}. Nothing was changed. "
            "Check that the file or server exists and is writable, then run `conclave init`.",
            key="error.db_open", detail=str(exc.orig),
        ) from exc


def is_current(url: str | None = None) -> bool:
    return current_revisions(url) == head_revisions()
