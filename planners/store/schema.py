"""Create or upgrade the database to the newest schema through Alembic, and refuse what we cannot use."""
from __future__ import annotations

import os
from pathlib import Path

import ast
import re
from functools import lru_cache

from sqlalchemy import text
from sqlalchemy.exc import OperationalError, SQLAlchemyError

from planners.core.config import database_url
from planners.core.errors import SchemaError
from planners.store.db import get_engine

MIGRATIONS = Path(__file__).resolve().parent / "migrations"


def alembic_config(url: str):
    from alembic.config import Config

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
    from alembic.runtime.migration import MigrationContext

    with get_engine(url).connect() as conn:
        return set(MigrationContext.configure(conn).get_current_heads())


def known_revisions() -> set[str]:
    from alembic.script import ScriptDirectory

    script = ScriptDirectory.from_config(alembic_config("sqlite://"))
    return {r.revision for r in script.walk_revisions()}


def head_revisions() -> set[str]:
    from alembic.script import ScriptDirectory

    return set(ScriptDirectory.from_config(alembic_config("sqlite://")).get_heads())


_REVISION_LINE = re.compile(r"^(revision|down_revision)[ \t]*(?::[^=\n]*)?=[ \t]*(.+?)[ \t]*$", re.M)


def _revision_lines(source: str) -> dict | None:
    """`revision = "…"` and `down_revision = …` when each is one line at the margin, as Alembic writes them;
    None when that is not so (a value over several lines, either one twice), and the whole file is parsed."""
    found: dict = {}
    for m in _REVISION_LINE.finditer(source):
        if m.group(1) in found:
            return None
        try:
            found[m.group(1)] = ast.literal_eval(m.group(2).split("  #")[0].strip())
        except (ValueError, SyntaxError):
            return None
    return found if len(found) == 2 else None


def _revision_assignments(source: str) -> dict:
    values = {}
    for node in ast.parse(source).body:
        if isinstance(node, ast.Assign) and len(node.targets) == 1 and isinstance(node.targets[0], ast.Name):
            if node.targets[0].id in ("revision", "down_revision"):
                values[node.targets[0].id] = ast.literal_eval(node.value)
        elif isinstance(node, ast.AnnAssign) and isinstance(node.target, ast.Name) and node.value is not None:
            if node.target.id in ("revision", "down_revision"):
                values[node.target.id] = ast.literal_eval(node.value)
    return values


@lru_cache(maxsize=1)
def _script_heads() -> frozenset[str]:
    """The head revisions, read from the migration files' `revision` / `down_revision` lines as Alembic reads
    them, without importing Alembic (0.2 s of CPU at every command; issue 17). tests/store pins it to Alembic's."""
    revs: set[str] = set()
    downs: set[str] = set()
    for f in (MIGRATIONS / "versions").glob("*.py"):
        source = f.read_text(encoding="utf-8")
        values = _revision_lines(source)
        if values is None:  # not one plain line each: read the file as Python does (15 ms for all of them)
            values = _revision_assignments(source)
        if "revision" not in values:
            continue
        revs.add(values["revision"])
        down = values.get("down_revision")
        downs.update((down,) if isinstance(down, str) else (down or ()))
    return frozenset(revs - downs)


def _already_current(url: str) -> bool:
    """True when the database's alembic_version is exactly the scripts' heads (the common case: nothing to do).
    Anything else, or any doubt, goes the full Alembic way."""
    try:
        with get_engine(url).connect() as conn:
            current = {r[0] for r in conn.execute(text("SELECT version_num FROM alembic_version"))}
    except SQLAlchemyError:
        return False
    return bool(current) and current == _script_heads()


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
    if _already_current(url):
        return
    from alembic import command

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
