"""Statements run on the database driver itself, for the one path that has to keep up with a queue: the front desk.

Measured on this project's machine (tests/bench): a SQLAlchemy Core statement costs ~50 µs and a Core write
transaction ~180 µs, where the sqlite3 driver takes ~3 µs and ~30 µs. A scan is ten statements, so Core alone
would spend the whole 2 ms budget. Nothing is hand-rolled that SQLAlchemy does: each statement is written once
as SQLAlchemy `text()`, compiled by SQLAlchemy for the engine's dialect (parameter style, casts), and every value
goes through its column's own SQLAlchemy type processors — what this module stores and reads is exactly what
the ORM stores and reads (times, booleans, JSON).

Use `write_tx(url)` like `write_session`: BEGIN IMMEDIATE on SQLite, one transaction on PostgreSQL, commit at the
end, rollback on any error, the connection back to SQLAlchemy's pool. `RETRYABLE` are the driver's errors a
caller retries (a lost race on a unique key, a lock or deadlock)."""
from __future__ import annotations

import re
from collections import namedtuple
from contextlib import contextmanager
from typing import Any, Iterator

from sqlalchemy import Table, bindparam, text
from sqlalchemy.engine import Dialect

from planners.store.db import get_engine

_BIND_NAME = re.compile(r"(?<![:\w\x5c]):(\w+)(?!:)")  # how SQLAlchemy's text() finds :name parameters


class Statement:
    """One SQL statement with `:name` parameters. Parameter and result columns are typed by the columns of
    the same name in `tables`; `returning_id` makes an INSERT give the new row's id."""

    def __init__(self, sql: str, *tables: Table, returning_id: bool = False):
        self.sql = " ".join(sql.split())
        self.types = {}
        for t in reversed(tables):  # the first table named wins a shared column name
            self.types.update({c.name: c.type for c in t.columns})
        self.returning_id = returning_id
        self._compiled: dict[str, tuple] = {}
        self.shapes: dict[tuple, tuple] = {}

    def compiled(self, dialect: Dialect) -> tuple:
        key = f"{dialect.name}+{dialect.driver}"
        got = self._compiled.get(key)
        if got is None:
            sql = self.sql + (" RETURNING id" if self.returning_id and dialect.name != "sqlite" else "")
            names = list(dict.fromkeys(_BIND_NAME.findall(sql)))
            clause = text(sql).bindparams(*[bindparam(n, type_=self.types[n]) for n in names if n in self.types])
            c = clause.compile(dialect=dialect)
            procs = {}
            for n in names:
                typ = self.types.get(n)
                p = typ.dialect_impl(dialect).bind_processor(dialect) if typ is not None else None
                if p is not None:
                    procs[n] = p
            got = self._compiled[key] = (c.string, list(c.positiontup) if c.positiontup else None, procs)
        return got


class Tx:
    """A write transaction on a driver connection; rows come back as named tuples with processed values."""

    def __init__(self, dbapi_conn, dialect: Dialect, url: str = "", engine=None):
        self.dbapi_conn = dbapi_conn
        self.engine = engine  # for work after the commit (planners.base.trail's checkpoints)
        self.after_commit: list = []  # callables run once the transaction has committed
        self.url = url  # the database's address (for caches per database), never printed
        self.dialect = dialect
        self.sqlite = dialect.name == "sqlite"
        self.cur = dbapi_conn.cursor()

    def _run(self, stmt: Statement, params: dict[str, Any]):
        sql, order, procs = stmt.compiled(self.dialect)
        if procs:
            params = {k: (procs[k](v) if k in procs and v is not None else v) for k, v in params.items()}
        self.cur.execute(sql, [params[n] for n in order] if order is not None else params)
        return self.cur

    def _shape(self, stmt: Statement, description) -> tuple:
        """(row class, value processors or None) for this statement's result columns, made once per dialect."""
        names = tuple(d[0] for d in description)
        key = (self.dialect.name, self.dialect.driver, names)
        got = stmt.shapes.get(key)
        if got is None:
            procs = []
            for n in names:
                typ = stmt.types.get(n)
                p = typ.dialect_impl(self.dialect).result_processor(self.dialect, None) if typ is not None else None
                procs.append(p)
            got = stmt.shapes[key] = (namedtuple("Row", names, rename=True), procs if any(procs) else None)
        return got

    def one(self, stmt: Statement, **params):
        """The first row, or None."""
        rows = self._rows(stmt, params, one=True)
        return rows[0] if rows else None

    def all(self, stmt: Statement, **params) -> list:
        return self._rows(stmt, params, one=False)

    def _rows(self, stmt: Statement, params: dict[str, Any], *, one: bool) -> list:
        cur = self._run(stmt, params)
        raw = cur.fetchmany(1) if one else cur.fetchall()
        if not raw:
            return []
        cls, procs = self._shape(stmt, cur.description)
        if procs is None:
            return [cls(*r) for r in raw]
        return [cls(*[p(v) if p is not None and v is not None else v for p, v in zip(procs, r)]) for r in raw]

    def scalar(self, stmt: Statement, **params):
        row = self.one(stmt, **params)
        return None if row is None else row[0]

    def run(self, stmt: Statement, **params) -> int | None:
        """Execute; for a `returning_id` statement, the new row's id."""
        cur = self._run(stmt, params)
        if not stmt.returning_id:
            return None
        if self.sqlite:
            return cur.lastrowid
        return cur.fetchone()[0]


@contextmanager
def write_tx(url: str | None = None) -> Iterator[Tx]:
    """One all-or-nothing write transaction on the driver (see the module's docstring)."""
    engine = get_engine(url)
    raw = engine.raw_connection()  # from SQLAlchemy's pool, with the engine's connect-time settings
    try:
        tx = Tx(raw.driver_connection, engine.dialect, str(engine.url), engine)
        if tx.sqlite:
            tx.cur.execute("BEGIN IMMEDIATE")
        try:
            yield tx
        except BaseException:
            raw.rollback()
            raise
        if tx.sqlite:
            tx.cur.execute("COMMIT")
        else:
            raw.commit()
    finally:
        raw.close()
    for fn in tx.after_commit:
        fn()


def retryable(engine_url: str | None = None) -> tuple[type[BaseException], ...]:
    """The driver's exception classes for a lost race: a unique key taken meanwhile, a lock, a deadlock."""
    dbapi = get_engine(engine_url).dialect.loaded_dbapi
    return (dbapi.IntegrityError, dbapi.OperationalError)


def driver_error(engine_url: str | None = None) -> type[BaseException]:
    """The driver's base exception class (any database failure)."""
    return get_engine(engine_url).dialect.loaded_dbapi.Error
