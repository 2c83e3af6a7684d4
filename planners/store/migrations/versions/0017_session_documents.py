"""documents issued per session (issue 15): the custody entry names the session a copy was issued for

A nullable `custody_entries.session_id`: set on an `issued` entry made at a session's door / for a session, empty
otherwise (every entry written before this revision, and every movement that is not an issue). ADD COLUMN changes
no row, so the append-only triggers are untouched. No foreign key: like `attendee_id`, the ledger keeps the number
even if a session is deleted later (the ledger is never rewritten).

Revision ID: 0017_session_documents
Revises: 0016_sessions
Create Date: 2026-12-02
"""
import sqlalchemy as sa
from alembic import op

revision = "0017_session_documents"
down_revision = "0016_sessions"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("custody_entries", sa.Column("session_id", sa.Integer, nullable=True))
    op.create_index("ix_custody_session", "custody_entries", ["session_id"])


def downgrade() -> None:
    op.drop_index("ix_custody_session", "custody_entries")
    # a plain DROP COLUMN (SQLite >= 3.35): a batch copy of the table would drop its append-only triggers
    op.execute("ALTER TABLE custody_entries DROP COLUMN session_id")
