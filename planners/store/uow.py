"""The unit of work: the one owner of a transaction (cosmicpython's `unit_of_work.py`).

`write(url)` opens one all-or-nothing change of state and yields a `Work` with two gears on the **same
connection and the same transaction**:

- `work.session`: the ORM session (created when first asked for), for the areas' ordinary changes;
- `work.tx`: the driver gear (planners.store.fastsql), for the front desk's hot path, where the ORM's unit of
  work cost ~10 ms a scan against ~1 ms on the driver (`make bench`).

A change made through one gear is seen by the other (the session is flushed before the driver gear is
used). On SQLite the transaction starts with BEGIN IMMEDIATE, so a read-then-write never fails on upgrading
a read lock; on PostgreSQL rows are locked where the area asks (`FOR UPDATE`). Commit at the end, rollback on
any error.

Errors of the database driver become Conclave errors here and nowhere else (httpx's
`map_httpcore_exceptions`): a lost race (a unique key taken meanwhile, a lock, a deadlock) is `RaceLost`,
any other database failure is `StoreFailed`; both carry the driver's first line for the log.
"""
from __future__ import annotations

from contextlib import contextmanager
from typing import Iterator

from sqlalchemy import exc as sa_exc
from sqlalchemy.engine import Connection
from sqlalchemy.orm import Session

from planners.core.errors import RaceLost, StoreFailed
from planners.store.db import get_engine, is_sqlite
from planners.store.fastsql import Tx


class Work:
    """One transaction, with its two gears (see the module's docstring)."""

    def __init__(self, conn: Connection):
        self._conn = conn
        self._session: Session | None = None
        self._tx: Tx | None = None

    @property
    def session(self) -> Session:
        if self._session is None:
            self._session = Session(bind=self._conn, expire_on_commit=False)
        return self._session

    @property
    def tx(self) -> Tx:
        if self._session is not None:
            self._session.flush()  # what the ORM changed is visible to the driver gear
        if self._tx is None:
            self._tx = Tx(self._conn.connection.driver_connection, self._conn.dialect, str(self._conn.engine.url),
                          self._conn.engine)
        return self._tx

    def after_commit(self) -> list:
        """What the gears asked to run once the transaction has committed (e.g. an audit checkpoint)."""
        out = list(self._tx.after_commit) if self._tx is not None else []
        if self._session is not None:
            out += self._session.info.pop("after_commit", [])
        return out

    def _close(self) -> None:
        if self._session is not None:
            self._session.close()


def _first_line(exc: BaseException) -> str:
    orig = getattr(exc, "orig", None) or exc
    return (str(orig).splitlines() or [type(orig).__name__])[0][:160]


# A lost race, by the driver's own words: SQLite's messages, PostgreSQL's SQLSTATE codes (unique violation,
# serialization failure, deadlock, lock not available).
_SQLITE_RACE = ("database is locked", "database table is locked", "unique constraint failed")
_PG_RACE = ("23505", "40001", "40P01", "55P03")


def is_race(orig: BaseException) -> bool:
    state = getattr(orig, "sqlstate", None) or getattr(getattr(orig, "diag", None), "sqlstate", None)
    if state:
        return state in _PG_RACE
    return any(w in str(orig).lower() for w in _SQLITE_RACE)


def map_driver_error(exc: BaseException, url: str) -> BaseException | None:
    """The Conclave error for a driver (or SQLAlchemy-wrapped driver) error; None if `exc` is not one."""
    dbapi = get_engine(url).dialect.loaded_dbapi
    orig = exc.orig if isinstance(exc, sa_exc.DBAPIError) else exc
    if isinstance(orig, (dbapi.IntegrityError, dbapi.OperationalError)) and is_race(orig):
        return RaceLost(f"The database refused the change: {_first_line(exc)}", detail=_first_line(exc))
    if isinstance(orig, dbapi.Error) or isinstance(exc, sa_exc.DBAPIError):
        return StoreFailed(f"The database failed: {_first_line(exc)}", detail=_first_line(exc))
    return None


@contextmanager
def write(url: str | None = None) -> Iterator[Work]:
    """One all-or-nothing change of state (see the module's docstring)."""
    engine = get_engine(url)
    if is_sqlite(engine):
        engine = engine.execution_options(sqlite_begin="IMMEDIATE")
    target = str(engine.url)
    try:
        with engine.connect() as conn:
            work = Work(conn)
            try:
                with conn.begin():
                    yield work
                    if work._session is not None:
                        work._session.flush()
                then = work.after_commit()
            finally:
                work._close()
        for fn in then:
            fn()
    except (sa_exc.DBAPIError, get_engine(target).dialect.loaded_dbapi.Error) as exc:
        mapped = map_driver_error(exc, target)
        if mapped is None:
            raise
        raise mapped from exc


@contextmanager
def write_session(url: str | None = None) -> Iterator[Session]:
    """`write(url)` with only the ORM gear: what most changes of state need."""
    with write(url) as work:
        yield work.session


@contextmanager
def read(url: str | None = None) -> Iterator[Session]:
    """A session for reading. Nothing it does is committed; loaded objects stay readable after it closes."""
    with Session(get_engine(url), expire_on_commit=False) as s:
        yield s
