"""one-time passwords expire: users.password_expires_at

A one-time password (a new account's, or one given by a reset) is valid for auth.ONE_TIME_PASSWORD_HOURS;
after that the sign-in is refused and an admin gives a new one. Accounts that still wait for their first
change of password when this migration runs get the full validity from now, not from their creation.

Revision ID: 0010_otp_validity
Revises: 0009_trail_anchored
Create Date: 2026-12-01
"""
from datetime import UTC, datetime, timedelta

import sqlalchemy as sa
from alembic import op

revision = "0010_otp_validity"
down_revision = "0009_trail_anchored"
branch_labels = None
depends_on = None

VALIDITY_HOURS = 72  # auth.ONE_TIME_PASSWORD_HOURS when this migration was written


def upgrade() -> None:
    op.add_column("users", sa.Column("password_expires_at", sa.DateTime, nullable=True))
    until = datetime.now(UTC).replace(tzinfo=None) + timedelta(hours=VALIDITY_HOURS)
    users = sa.table("users", sa.column("must_change_password", sa.Boolean),
                     sa.column("password_expires_at", sa.DateTime))
    op.execute(users.update().where(users.c.must_change_password == sa.true()).values(password_expires_at=until))


def downgrade() -> None:
    with op.batch_alter_table("users") as batch:
        batch.drop_column("password_expires_at")
