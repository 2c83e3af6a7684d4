from __future__ import annotations

from alembic import context

from planners.store import models, models_checkin, models_documents, models_plan, models_visits  # noqa: F401
from planners.store import models_signoff  # noqa: F401  # issue 11
from planners.store import models_people  # noqa: F401  # issue 13
from planners.store import models_trips  # noqa: F401  issue 14
from planners.store import models_sessions  # noqa: F401  issue 15
from planners.store.models import Base

target_metadata = Base.metadata
config = context.config


def run_migrations_online() -> None:
    connection = config.attributes.get("connection")
    if connection is None:
        from planners.store.db import get_engine

        with get_engine(config.get_main_option("sqlalchemy.url")).connect() as conn:
            _run(conn)
    else:
        _run(connection)


def _run(connection) -> None:
    context.configure(connection=connection, target_metadata=target_metadata, render_as_batch=True)
    with context.begin_transaction():
        context.run_migrations()


run_migrations_online()
