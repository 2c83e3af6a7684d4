"""the unit's people register (涉密人员, issue 13): people, their pledges, trainings, bars (deny list), the
append-only history of every change, and the link from an event's attendee to a person.

Revision ID: 0013_people
Revises: 0011_desk_devices
Create Date: 2026-12-02
"""
import sqlalchemy as sa
from alembic import op

from planners.store.ddl import append_only, no_truncate

revision = "0013_people"
down_revision = "0012_approval_snapshots"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "people",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("name", sa.String(120), nullable=False),
        sa.Column("unit", sa.String(200), nullable=False, server_default=""),
        sa.Column("post", sa.String(120), nullable=False, server_default=""),
        sa.Column("id_type", sa.String(20), nullable=False, server_default="resident_id"),
        sa.Column("id_last4", sa.String(8), nullable=False, server_default=""),
        sa.Column("nationality", sa.String(3), nullable=False, server_default="CN"),
        sa.Column("employer_type", sa.String(30), nullable=False, server_default="state_organ"),
        sa.Column("level", sa.String(20), nullable=False, server_default="secret"),
        sa.Column("vetted_level", sa.String(20), nullable=False, server_default="secret"),
        sa.Column("person_class", sa.String(20), nullable=False, server_default="general"),
        sa.Column("status", sa.String(20), nullable=False, server_default="active"),
        sa.Column("decommission_until", sa.Date, nullable=True),
        sa.Column("vetted_by", sa.String(120), nullable=False, server_default=""),
        sa.Column("vetted_at", sa.Date, nullable=True),
        sa.Column("pledge_until", sa.Date, nullable=True),
        sa.Column("training_until", sa.Date, nullable=True),
        sa.Column("barred_until", sa.Date, nullable=True),
        sa.Column("version", sa.Integer, nullable=False, server_default="1"),
        sa.Column("created_by", sa.String(64), nullable=False, server_default=""),
        sa.Column("created_at", sa.DateTime, nullable=False),
        sa.Column("updated_at", sa.DateTime, nullable=False),
        sqlite_autoincrement=True,
    )
    op.create_index("ix_people_match", "people", ["name", "id_last4"])
    op.create_table(
        "person_history",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("person_id", sa.Integer, nullable=False),
        sa.Column("at", sa.DateTime, nullable=False),
        sa.Column("actor", sa.String(64), nullable=False),
        sa.Column("action", sa.String(40), nullable=False),
        sa.Column("field", sa.String(40), nullable=False, server_default=""),
        sa.Column("before", sa.Text, nullable=False, server_default=""),
        sa.Column("after", sa.Text, nullable=False, server_default=""),
        sa.Column("reason", sa.Text, nullable=False, server_default=""),
        sa.Column("approval_id", sa.Integer, nullable=True),
        sqlite_autoincrement=True,
    )
    op.create_index("ix_person_history_person_id", "person_history", ["person_id"])
    append_only(op, "person_history")
    no_truncate(op, "person_history")
    op.create_table(
        "person_pledges",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("person_id", sa.Integer, sa.ForeignKey("people.id", ondelete="CASCADE"), nullable=False),
        sa.Column("kind", sa.String(30), nullable=False),
        sa.Column("version", sa.String(40), nullable=False, server_default=""),
        sa.Column("signed_on", sa.Date, nullable=False),
        sa.Column("expires_on", sa.Date, nullable=True),
        sa.Column("recorded_by", sa.String(64), nullable=False, server_default=""),
        sa.Column("recorded_at", sa.DateTime, nullable=False),
        sqlite_autoincrement=True,
    )
    op.create_index("ix_person_pledges_person_id", "person_pledges", ["person_id"])
    op.create_table(
        "person_trainings",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("person_id", sa.Integer, sa.ForeignKey("people.id", ondelete="CASCADE"), nullable=False),
        sa.Column("stage", sa.String(20), nullable=False),
        sa.Column("course", sa.String(200), nullable=False, server_default=""),
        sa.Column("taken_on", sa.Date, nullable=False),
        sa.Column("hours", sa.Integer, nullable=False, server_default="0"),
        sa.Column("expires_on", sa.Date, nullable=True),
        sa.Column("recorded_by", sa.String(64), nullable=False, server_default=""),
        sa.Column("recorded_at", sa.DateTime, nullable=False),
        sqlite_autoincrement=True,
    )
    op.create_index("ix_person_trainings_person_id", "person_trainings", ["person_id"])
    op.create_table(
        "person_bars",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("person_id", sa.Integer, sa.ForeignKey("people.id", ondelete="CASCADE"), nullable=False),
        sa.Column("reason", sa.Text, nullable=False),
        sa.Column("ends_on", sa.Date, nullable=False),
        sa.Column("barred_by", sa.String(64), nullable=False),
        sa.Column("barred_at", sa.DateTime, nullable=False),
        sa.Column("lifted_by", sa.String(64), nullable=True),
        sa.Column("lifted_at", sa.DateTime, nullable=True),
        sa.Column("lift_reason", sa.Text, nullable=False, server_default=""),
        sqlite_autoincrement=True,
    )
    op.create_index("ix_person_bars_person_id", "person_bars", ["person_id"])
    op.create_table(
        "attendee_people",
        sa.Column("attendee_id", sa.Integer, sa.ForeignKey("attendees.id", ondelete="CASCADE"), primary_key=True),
        sa.Column("person_id", sa.Integer, sa.ForeignKey("people.id", ondelete="SET NULL"), nullable=True),
        sa.Column("match", sa.String(12), nullable=False, server_default="none"),
        sa.Column("candidates", sa.JSON, nullable=True),
        sa.Column("mismatches", sa.JSON, nullable=True),
        sa.Column("linked_by", sa.String(64), nullable=False, server_default=""),
        sa.Column("linked_at", sa.DateTime, nullable=False),
    )
    op.create_index("ix_attendee_people_person_id", "attendee_people", ["person_id"])


def downgrade() -> None:
    bind = op.get_bind()
    if bind.dialect.name == "postgresql":
        op.execute("DROP TRIGGER IF EXISTS person_history_no_truncate ON person_history")
        op.execute("DROP TRIGGER IF EXISTS person_history_append_only ON person_history")
    else:
        op.execute("DROP TRIGGER IF EXISTS person_history_no_update")
        op.execute("DROP TRIGGER IF EXISTS person_history_no_delete")
    for t in ("attendee_people", "person_bars", "person_trainings", "person_pledges", "person_history", "people"):
        op.drop_table(t)
