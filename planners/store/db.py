"""Engine and sessions.

SQLite (default): WAL, synchronous=NORMAL, busy_timeout, foreign keys on. A transaction that reads then
writes must start with BEGIN IMMEDIATE, or two desks get 'database is locked' when both upgrade a read lock:
every change of state goes through planners.store.uow, the one owner of a transaction. PostgreSQL via DATABASE_URL uses the same code."""
from __future__ import annotations

import os
import threading

from sqlalchemy import create_engine, event, text
from sqlalchemy.engine import Engine

from planners.core.config import database_url

_engines: dict[str, Engine] = {}
_lock = threading.Lock()
BUSY_TIMEOUT_MS = 15000




def is_sqlite(engine_or_url) -> bool:
    """For an engine, a connection (a session's bind in the unit of work) or a URL."""
    dialect = getattr(engine_or_url, "dialect", None)
    if dialect is not None:
        return dialect.name == "sqlite"
    return str(getattr(engine_or_url, "url", engine_or_url)).startswith("sqlite")


def _create_private_sqlite_file(url: str) -> None:
    """Create a new SQLite database file 0600 before SQLite opens it (it holds password hashes and personal
    data); SQLite gives its -wal and -shm files the database file's mode. An existing file is left as it is,
    with a warning when others can read it."""
    from pathlib import Path

    from sqlalchemy.engine import make_url

    name = make_url(url).database
    if not name or name == ":memory:" or name.startswith("file:"):
        return
    path = Path(name)
    if path.exists():
        mode = path.stat().st_mode & 0o777
        if mode & 0o077:
            import logging

            logging.getLogger("conclave.db").warning(
                "The database file %s can be read by other users (mode %04o): run `chmod 600` on it and on its "
                "-wal and -shm files.", path.name, mode)
        return
    path.parent.mkdir(parents=True, exist_ok=True)
    try:
        fd = os.open(str(path), os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:  # another process made it first
        return
    os.close(fd)
    os.chmod(path, 0o600)


def _make_engine(url: str) -> Engine:
    if url.startswith("sqlite"):
        _create_private_sqlite_file(url)
        engine = create_engine(url, connect_args={"timeout": BUSY_TIMEOUT_MS / 1000, "check_same_thread": False})

        @event.listens_for(engine, "connect")
        def _on_connect(dbapi_conn, _record):
            # Let SQLAlchemy, not pysqlite, decide when a transaction begins (so we can say IMMEDIATE).
            dbapi_conn.isolation_level = None
            cur = dbapi_conn.cursor()
            cur.execute("PRAGMA journal_mode=WAL")
            cur.execute("PRAGMA synchronous=NORMAL")
            cur.execute(f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS}")
            cur.execute("PRAGMA foreign_keys=ON")
            cur.close()

        @event.listens_for(engine, "begin")
        def _on_begin(conn):
            mode = conn.get_execution_options().get("sqlite_begin", "DEFERRED")
            conn.exec_driver_sql(f"BEGIN {mode}")

        return engine
    return create_engine(url, pool_pre_ping=True)


def get_engine(url: str | None = None) -> Engine:
    url = url or database_url()
    with _lock:
        eng = _engines.get(url)
        if eng is None:
            eng = _engines[url] = _make_engine(url)
        return eng


def dispose_all() -> None:
    with _lock:
        for eng in _engines.values():
            eng.dispose()
        _engines.clear()


def ping(url: str | None = None) -> None:
    with get_engine(url).connect() as c:
        c.execute(text("SELECT 1"))
