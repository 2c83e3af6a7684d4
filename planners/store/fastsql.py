"""Statements run on the database driver itself, for the one path that has to keep up with a queue: the front desk.

Measured on this project's machine (tests/bench): a SQLAlchemy Core statement costs ~50 µs and a Core write
transaction ~180 µs, where the sqlite3 driver takes ~3 µs and ~30 µs. A scan is ten statements, so Core alone
would spend the whole 2 ms budget. Nothing is hand-rolled that SQLAlchemy does: each statement is written once
as SQLAlchemy `text()`, compiled by SQLAlchemy for the engine's dialect (parameter style, casts), and every value
goes through its column's own SQLAlchemy type processors — what this module stores and reads is exactly what
the ORM stores and reads (times, booleans, JSON).

The transaction is the unit of work's (planners.store.uow): `with uow.write(url) as work: work.tx.run(...)` —
BEGIN IMMEDIATE on SQLite, one transaction on PostgreSQL, commit at the end, rollback on any error, driver
errors mapped to RaceLost / StoreFailed there. Re-measured with the unit of work: a driver-gear transaction
costs ~45 µs of CPU against ~120 µs through a SQLAlchemy connection and ~280 µs with an ORM session, so the
desk keeps this gear."""
from __future__ import annotations

import re
from collections import namedtuple
from operator import itemgetter
from typing import Any

from sqlalchemy import Table, bindparam, text
from sqlalchemy.engine import Dialect


_first = itemgetter(0)
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

    def compiled(self, dialect: Dialect, key: str | None = None) -> tuple:
        key = key or f"{dialect.name}+{dialect.driver}"
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
        self._dkey = f"{dialect.name}+{dialect.driver}"  # the compiled statements' key, made once (issue 17)

    def _run(self, stmt: Statement, params: dict[str, Any]):
        sql, order, procs = stmt.compiled(self.dialect, self._dkey)
        if order is not None:  # positional: processed and ordered in one pass
            if procs:
                args = [procs[n](v) if v is not None and n in procs else v for n in order for v in (params[n],)]
            else:
                args = [params[n] for n in order]
        elif procs:
            args = {k: (procs[k](v) if k in procs and v is not None else v) for k, v in params.items()}
        else:
            args = params
        self.cur.execute(sql, args)
        return self.cur

    def _shape(self, stmt: Statement, description) -> tuple:
        """(row class, value processors or None) for this statement's result columns, made once per dialect."""
        names = tuple(map(_first, description))
        key = (self._dkey, names)
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
        if one:
            r = cur.fetchone()
            raw = [] if r is None else [r]
        else:
            raw = cur.fetchall()
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
