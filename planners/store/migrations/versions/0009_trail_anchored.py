"""trail anchored: the door log (`scans`) chained like the audit trail; TRUNCATE refused on PostgreSQL

Adds scans.seq (place in the chain), scans.prev_hash and scans.hash, chains the scans recorded before this
revision (in id order, with planners.base.audit.scan_hash), and adds a statement-level BEFORE TRUNCATE trigger on
every append-only table on PostgreSQL (row triggers do not see TRUNCATE).

Revision ID: 0009_trail_anchored
Revises: 0008_ids_never_reused
Create Date: 2026-12-01
"""
from alembic import op
import sqlalchemy as sa

from planners.store.ddl import append_only, no_truncate

revision = "0009_trail_anchored"
down_revision = "0008_ids_never_reused"
branch_labels = None
depends_on = None

APPEND_ONLY = ("audit_entries", "scans", "plan_marks", "custody_entries", "visit_info_requests")
_FIELDS = ("event_id", "attendee_id", "desk", "actor", "at", "direction", "method", "raw", "raw_hash", "status",
           "reason", "duplicate_of")


def _drop_append_only(dialect: str, table: str) -> None:
    if dialect == "sqlite":
        for verb in ("update", "delete"):
            op.execute(f"DROP TRIGGER IF EXISTS {table}_no_{verb}")
    else:
        op.execute(f"DROP TRIGGER IF EXISTS {table}_append_only ON {table}")


def upgrade() -> None:
    from planners.base.audit import GENESIS, scan_hash

    bind = op.get_bind()
    dialect = bind.dialect.name
    op.add_column("scans", sa.Column("seq", sa.Integer, nullable=True))
    op.add_column("scans", sa.Column("prev_hash", sa.String(64), nullable=False, server_default=""))
    op.add_column("scans", sa.Column("hash", sa.String(64), nullable=False, server_default=""))
    scans = sa.table("scans", sa.column("id", sa.Integer), sa.column("seq", sa.Integer),
                     sa.column("prev_hash", sa.String), sa.column("hash", sa.String),
                     sa.column("event_id", sa.Integer), sa.column("attendee_id", sa.Integer),
                     sa.column("desk", sa.String), sa.column("actor", sa.String), sa.column("at", sa.DateTime),
                     sa.column("direction", sa.String), sa.column("method", sa.String), sa.column("raw", sa.String),
                     sa.column("raw_hash", sa.String), sa.column("status", sa.String),
                     sa.column("reason", sa.String), sa.column("duplicate_of", sa.Integer))
    rows = bind.execute(sa.select(scans).order_by(scans.c.id)).mappings().all()
    if rows:
        _drop_append_only(dialect, "scans")
        prev = GENESIS
        for seq, r in enumerate(rows, start=1):
            h = scan_hash(id=r["id"], seq=seq, prev_hash=prev, **{k: r[k] for k in _FIELDS})
            bind.execute(scans.update().where(scans.c.id == r["id"]).values(seq=seq, prev_hash=prev, hash=h))
            prev = h
        append_only(op, "scans")
    op.create_index("ix_scans_seq", "scans", ["seq"], unique=True)
    if dialect == "postgresql":
        existing = {r[0] for r in bind.execute(sa.text(
            "SELECT tablename FROM pg_tables WHERE schemaname = current_schema()"))}
        for t in APPEND_ONLY:
            if t in existing:
                no_truncate(op, t)


def downgrade() -> None:
    bind = op.get_bind()
    if bind.dialect.name == "postgresql":
        for t in APPEND_ONLY:
            op.execute(f"DROP TRIGGER IF EXISTS {t}_no_truncate ON {t}")
    op.drop_index("ix_scans_seq", "scans")
    with op.batch_alter_table("scans") as b:
        for c in ("hash", "prev_hash", "seq"):
            b.drop_column(c)
