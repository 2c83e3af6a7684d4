"""Storage: SQLAlchemy 2 models, engine/sessions, Alembic migrations."""
