"""desks are registered devices: the desks table (issue 18, item 1)

A scan used to carry a desk name typed at the desk; the duplicate rule trusted it, so eight desks typing the
same name replayed each other's green verdicts. A desk is now registered by an admin (name, location, kind:
`desk` for a screen, `script` for the command line) and scan / manual look-up / undo refuse a name that is not
registered. Desk names already in the scan log are registered here (kind `desk`, location empty), so undo and
the lists keep working on an upgraded database; an admin reviews them with `conclave desk list`.

Revision ID: 0011_desk_devices
Revises: 0010_otp_validity
Create Date: 2026-12-01
"""
from datetime import UTC, datetime

import sqlalchemy as sa
from alembic import op

revision = "0011_desk_devices"
down_revision = "0010_otp_validity"
branch_labels = None
depends_on = None


def upgrade() -> None:
    desks = op.create_table(
        "desks",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("name", sa.String(64), nullable=False),
        sa.Column("location", sa.String(120), nullable=False, server_default=""),
        sa.Column("kind", sa.String(10), nullable=False, server_default="desk"),
        sa.Column("registered_by", sa.String(64), nullable=False, server_default=""),
        sa.Column("registered_at", sa.DateTime, nullable=False),
        sa.UniqueConstraint("name", name="uq_desks_name"),
        sqlite_autoincrement=True,
    )
    conn = op.get_bind()
    names = [r[0] for r in conn.execute(sa.text("SELECT DISTINCT desk FROM scans WHERE desk <> ''"))]
    if names:
        at = datetime.now(UTC).replace(tzinfo=None)
        op.bulk_insert(desks, [{"name": n[:64], "location": "", "kind": "desk", "registered_by": "migration",
                                "registered_at": at} for n in sorted(set(names))])


def downgrade() -> None:
    op.drop_table("desks")
