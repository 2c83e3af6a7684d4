"""Storage: SQLAlchemy 2 models, engines (db), the unit of work that owns every transaction and maps driver
errors (uow), the desk's driver-level statement compiler (fastsql), Alembic migrations, and the working files of
a backup (workfiles)."""
