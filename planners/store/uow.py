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

from planners.core.errors import DiskFull, RaceLost, StoreFailed
from planners.store.db import get_engine, is_sqlite
from planners.store.fastsql import Tx


class Work:
    """One transaction, with its two gears (see the module's docstring).

    The gear asked for first opens the transaction: the ORM session opens a SQLAlchemy connection (the driver
    gear then runs on that same connection); the driver gear alone opens the pooled driver connection directly,
    which the front desk's scan needs: through a SQLAlchemy connection a transaction costs ~120 µs of CPU
    against ~30 µs (measured; `make bench`). After the driver gear, ask for no session: do ORM work first."""

    def __init__(self, engine):
        self._engine = engine
        self._conn: Connection | None = None
        self._conn_tx = None
        self._raw = None
        self._session: Session | None = None
        self._tx: Tx | None = None

    @property
    def session(self) -> Session:
        if self._session is None:
            if self._raw is not None:
                raise RuntimeError("ask for work.session before work.tx: the driver gear runs alone")
            self._conn = self._engine.connect()
            self._conn_tx = self._conn.begin()
            self._session = Session(bind=self._conn, expire_on_commit=False)
        return self._session

    @property
    def tx(self) -> Tx:
        if self._tx is None:
            if self._conn is not None:
                self._session.flush()  # what the ORM changed is visible to the driver gear
                driver = self._conn.connection.driver_connection
            else:
                self._raw = self._engine.raw_connection()  # pooled, with the engine's connect-time settings
                driver = self._raw.driver_connection
            self._tx = Tx(driver, self._engine.dialect, _url_of(self._engine), self._engine)
            if self._raw is not None and self._tx.sqlite:
                self._tx.cur.execute("BEGIN IMMEDIATE")
        elif self._session is not None:
            self._session.flush()
        return self._tx

    def _commit(self) -> None:
        if self._conn is not None:
            self._session.flush()
            self._conn_tx.commit()
        elif self._raw is not None:
            if self._tx.sqlite:
                self._tx.cur.execute("COMMIT")
            else:
                self._raw.commit()

    def _rollback(self) -> None:
        if self._conn is not None:
            self._conn_tx.rollback()
        elif self._raw is not None:
            self._raw.rollback()

    def after_commit(self) -> list:
        """What the gears asked to run once the transaction has committed (e.g. an audit checkpoint)."""
        out = list(self._tx.after_commit) if self._tx is not None else []
        if self._session is not None:
            out += self._session.info.pop("after_commit", [])
        return out

    def _close(self) -> None:
        if self._session is not None:
            self._session.close()
        if self._conn is not None:
            self._conn.close()
        if self._raw is not None:
            self._raw.close()


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
    if "disk is full" in str(orig).lower() or getattr(orig, "sqlstate", None) == "53100":
        return DiskFull(f"The disk is full: {_first_line(exc)}", detail=_first_line(exc))
    if isinstance(orig, (dbapi.IntegrityError, dbapi.OperationalError)) and is_race(orig):
        return RaceLost(f"The database refused the change: {_first_line(exc)}", detail=_first_line(exc))
    if isinstance(orig, dbapi.Error) or isinstance(exc, sa_exc.DBAPIError):
        return StoreFailed(f"The database failed: {_first_line(exc)}", detail=_first_line(exc))
    return None


_URLS: dict[int, tuple] = {}  # id(engine) -> (that engine, its address as text)


def _url_of(engine) -> str:
    """str(engine.url), made once per engine: SQLAlchemy renders it anew on each call (~0.1 ms of a scan's CPU
    for the two a write asked for; issue 17)."""
    got = _URLS.get(id(engine))
    if got is None or got[0] is not engine:
        got = _URLS[id(engine)] = (engine, str(engine.url))
    return got[1]


_WRITE_ENGINES: dict[int, tuple] = {}  # id(engine) -> (that engine, its IMMEDIATE twin)


def _write_engine(engine):
    """The engine for writing: on SQLite, one whose connections begin IMMEDIATE (made once per engine). The
    cache holds the parent engine itself beside its twin (an OptionEngine's `.engine` is the twin, not the
    parent, so comparing that missed on every write and rebuilt the twin: ~0.1 ms of CPU per transaction)."""
    if not is_sqlite(engine):
        return engine
    got = _WRITE_ENGINES.get(id(engine))
    if got is None or got[0] is not engine:
        got = _WRITE_ENGINES[id(engine)] = (engine, engine.execution_options(sqlite_begin="IMMEDIATE"))
    return got[1]


@contextmanager
def write(url: str | None = None) -> Iterator[Work]:
    """One all-or-nothing change of state (see the module's docstring)."""
    engine = _write_engine(get_engine(url))
    work = Work(engine)
    try:
        try:
            yield work
            work._commit()
        except BaseException:
            work._rollback()
            raise
        then = work.after_commit()
    except (sa_exc.DBAPIError, engine.dialect.loaded_dbapi.Error) as exc:
        mapped = map_driver_error(exc, _url_of(engine))
        if mapped is None:
            raise
        raise mapped from exc
    finally:
        work._close()
    _COMMITTED[0] += 1  # issue 17: a screen's cached reads are keyed on this (planners.base.work.data_version)
    for fn in then:
        fn()


_COMMITTED = [0]  # write transactions committed by this process


def committed() -> int:
    """How many write transactions this process has committed (any gear, any database)."""
    return _COMMITTED[0]


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
