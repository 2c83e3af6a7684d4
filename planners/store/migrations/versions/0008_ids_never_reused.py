"""ids are never reused: AUTOINCREMENT on every SQLite table with a surrogate id (issue 18, item 2)

Without AUTOINCREMENT, SQLite hands out max(id) + 1: delete the newest attendee, add another, and the deleted
person's badge (which carries the attendee id) names the new person. The same holds for every id a token, a
ledger (custody, scans, attendance) or the audit trail points to. SQLite cannot add AUTOINCREMENT to an existing
table, so each table is rebuilt the documented way (https://sqlite.org/lang_altertable.html#otheralter): a new
table made from the stored CREATE TABLE text with `id INTEGER NOT NULL PRIMARY KEY AUTOINCREMENT`, every row
copied with its id, the old table dropped, the new one renamed, then its indexes and triggers (the append-only
ones of planners.store.ddl) created again from their stored text. Foreign keys must be off while this runs (a
DROP TABLE of a parent would otherwise cascade): planners.store.schema.upgrade turns them off around the
migration and runs PRAGMA foreign_key_check before committing.

PostgreSQL: identity/serial sequences never hand out a number twice, so nothing to rebuild.

On both databases a leader's exception is bound to the person it was granted to (issue 18, item 3):
attendee_exceptions gains `fingerprint` (identity and the facts of the lifted rules, see
planners.attendees.eligibility) and `voided_at`. Exceptions granted before this revision are bound to the attendee
row as it is now.

Revision ID: 0008_ids_never_reused
Revises: 0007_join_areas
Create Date: 2026-12-01
"""
import re

import sqlalchemy as sa
from alembic import op

revision = "0008_ids_never_reused"
down_revision = "0007_join_areas"
branch_labels = None
depends_on = None

# Every table whose rows have a surrogate integer id (append-only ledgers included: attendance and scans point
# at scan ids, and an id must not come back even if a ledger's last row were removed behind the app's back).
TABLES = (
    "users", "venues", "events", "attendees", "audit_entries", "approvals", "approval_steps",
    "plan_tasks", "plan_marks",
    "badges", "attendance", "scans", "attendee_exceptions",
    "documents", "document_copies", "custody_entries", "document_destructions", "document_loss_incidents",
    "visit_requests", "disclosure_topics", "disclosure_scopes", "disclosure_scope_items", "visit_info_requests",
)

_ID_COL = re.compile(r"(\(\s*)id INTEGER NOT NULL(\s*,)")
_PK = re.compile(r",\s*PRIMARY KEY \(id\)")


def autoincrement_sql(create_sql: str, new_name: str, old_name: str) -> str:
    """The CREATE TABLE text of `old_name` turned into one of `new_name` whose id is AUTOINCREMENT."""
    head = re.compile(r"^CREATE TABLE\s+\"?" + re.escape(old_name) + r"\"?\s*")
    sql, n0 = head.subn(f"CREATE TABLE {new_name} ", create_sql, count=1)
    sql, n1 = _ID_COL.subn(r"\1id INTEGER NOT NULL PRIMARY KEY AUTOINCREMENT\2", sql, count=1)
    sql, n2 = _PK.subn("", sql, count=1)
    if (n0, n1, n2) != (1, 1, 1):
        raise RuntimeError(f"0008_ids_never_reused: cannot read the definition of table {old_name}: {create_sql!r}")
    return sql


def _rebuild(conn, table: str) -> None:
    row = conn.exec_driver_sql("SELECT sql FROM sqlite_master WHERE type = 'table' AND name = ?",
                               (table,)).fetchone()
    if row is None or "AUTOINCREMENT" in row[0].upper():
        return
    extras = [r[0] for r in conn.exec_driver_sql(
        "SELECT sql FROM sqlite_master WHERE type IN ('index', 'trigger') AND tbl_name = ? AND sql IS NOT NULL "
        "ORDER BY type, name", (table,))]
    count = conn.exec_driver_sql(f'SELECT COUNT(*) FROM "{table}"').scalar()
    tmp = f"_new_{table}"
    conn.exec_driver_sql(autoincrement_sql(row[0], tmp, table))
    cols = ", ".join(f'"{r[1]}"' for r in conn.exec_driver_sql(f'PRAGMA table_info("{table}")'))
    conn.exec_driver_sql(f'INSERT INTO "{tmp}" ({cols}) SELECT {cols} FROM "{table}"')
    conn.exec_driver_sql(f'DROP TABLE "{table}"')
    conn.exec_driver_sql(f'ALTER TABLE "{tmp}" RENAME TO "{table}"')
    for sql in extras:
        conn.exec_driver_sql(sql)
    after = conn.exec_driver_sql(f'SELECT COUNT(*) FROM "{table}"').scalar()
    if after != count:
        raise RuntimeError(f"0008_ids_never_reused: {table} had {count} rows, the rebuilt table {after}")


def _bind_exceptions(conn) -> None:
    from planners.attendees.eligibility import fingerprint

    op.add_column("attendee_exceptions", sa.Column("fingerprint", sa.String(80), nullable=False, server_default=""))
    op.add_column("attendee_exceptions", sa.Column("voided_at", sa.DateTime, nullable=True))
    rows = conn.execute(sa.text(
        "SELECT x.id, x.rules, a.name, a.unit, a.id_type, a.id_last4, a.nationality, a.foreign_invested_staff, "
        "a.clearance, a.pledge_signed, a.designated_by FROM attendee_exceptions x "
        "JOIN attendees a ON a.id = x.attendee_id")).mappings().all()
    for r in rows:
        rules = r["rules"]
        if isinstance(rules, str):
            import json

            rules = json.loads(rules)
        conn.execute(sa.text("UPDATE attendee_exceptions SET fingerprint = :f WHERE id = :id"),
                     {"f": fingerprint(r, rules or []), "id": r["id"]})


def upgrade() -> None:
    conn = op.get_bind()
    if conn.dialect.name != "sqlite":
        _bind_exceptions(conn)
        return
    _bind_exceptions(conn)
    if conn.exec_driver_sql("PRAGMA foreign_keys").scalar():
        raise RuntimeError(
            "0008_ids_never_reused rebuilds tables and must run with foreign keys off (a dropped parent table "
            "would cascade its deletes): run it through `conclave init` / planners.store.schema.upgrade.")
    for table in TABLES:
        _rebuild(conn, table)


def downgrade() -> None:
    # AUTOINCREMENT is compatible with the older schema: nothing to undo.
    pass
