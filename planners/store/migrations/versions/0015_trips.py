"""trips: outbound trips (出国（境）), their travellers, carry list and return debrief (issue 14)

Revision ID: 0015_trips
Revises: 0013_people
Create Date: 2026-12-02
"""
from alembic import op
import sqlalchemy as sa

revision = "0015_trips"
down_revision = "0014_visit_plan"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "trips",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("title", sa.String(200), nullable=False),
        sa.Column("purpose", sa.Text, nullable=False, server_default=""),
        sa.Column("inviting_party", sa.String(200), nullable=False, server_default=""),
        sa.Column("unit", sa.String(200), nullable=False, server_default=""),
        sa.Column("destinations", sa.JSON, nullable=False),
        sa.Column("starts_on", sa.Date, nullable=False),
        sa.Column("ends_on", sa.Date, nullable=False),
        sa.Column("itinerary", sa.JSON, nullable=False),
        sa.Column("scope", sa.JSON, nullable=False),
        sa.Column("organizer_id", sa.Integer, sa.ForeignKey("users.id"), nullable=False),
        sa.Column("created_by", sa.String(64), nullable=False),
        sa.Column("status", sa.String(20), nullable=False, server_default="draft"),
        sa.Column("last_comment", sa.Text, nullable=False, server_default=""),
        sa.Column("decided_by", sa.String(64), nullable=True),
        sa.Column("approved_by", sa.JSON, nullable=False),
        sa.Column("departed_on", sa.Date, nullable=True),
        sa.Column("back_on", sa.Date, nullable=True),
        sa.Column("version", sa.Integer, nullable=False, server_default="1"),
        sa.Column("created_at", sa.DateTime, nullable=False),
        sa.Column("updated_at", sa.DateTime, nullable=False),
        sqlite_autoincrement=True,
    )
    op.create_table(
        "trip_travellers",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("trip_id", sa.Integer, sa.ForeignKey("trips.id", ondelete="CASCADE"), nullable=False),
        sa.Column("person_id", sa.Integer, nullable=False),
        sa.Column("name", sa.String(120), nullable=False, server_default=""),
        sa.Column("role", sa.String(60), nullable=False, server_default=""),
        sa.Column("briefed_on", sa.Date, nullable=True),
        sa.Column("briefed_by", sa.String(120), nullable=False, server_default=""),
        sa.Column("recorded_by", sa.String(64), nullable=False, server_default=""),
        sa.UniqueConstraint("trip_id", "person_id", name="uq_trip_traveller"),
        sqlite_autoincrement=True,
    )
    op.create_index("ix_trip_travellers_trip_id", "trip_travellers", ["trip_id"])
    op.create_index("ix_trip_travellers_person_id", "trip_travellers", ["person_id"])
    op.create_table(
        "trip_carry_items",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("trip_id", sa.Integer, sa.ForeignKey("trips.id", ondelete="CASCADE"), nullable=False),
        sa.Column("person_id", sa.Integer, nullable=False),
        sa.Column("kind", sa.String(20), nullable=False),
        sa.Column("label", sa.String(200), nullable=False, server_default=""),
        sa.Column("copy_code", sa.String(60), nullable=False, server_default=""),
        sa.Column("copy_id", sa.Integer, nullable=True),
        sa.Column("level", sa.String(20), nullable=False, server_default="public"),
        sa.Column("classified_device", sa.Boolean, nullable=False, server_default=sa.false()),
        sa.Column("verdict", sa.String(20), nullable=False),
        sa.Column("rule", sa.String(40), nullable=False, server_default=""),
        sa.Column("out_at", sa.DateTime, nullable=True),
        sa.Column("back_at", sa.DateTime, nullable=True),
        sa.Column("recorded_by", sa.String(64), nullable=False, server_default=""),
        sa.Column("created_at", sa.DateTime, nullable=False),
        sqlite_autoincrement=True,
    )
    op.create_index("ix_trip_carry_items_trip_id", "trip_carry_items", ["trip_id"])
    op.create_table(
        "trip_debriefs",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("trip_id", sa.Integer, sa.ForeignKey("trips.id", ondelete="CASCADE"), nullable=False),
        sa.Column("held_on", sa.Date, nullable=False),
        sa.Column("contacts", sa.Text, nullable=False, server_default=""),
        sa.Column("approaches", sa.JSON, nullable=False),
        sa.Column("gifts", sa.Text, nullable=False, server_default=""),
        sa.Column("incidents", sa.Text, nullable=False, server_default=""),
        sa.Column("deviations", sa.Text, nullable=False, server_default=""),
        sa.Column("recorded_by", sa.String(64), nullable=False),
        sa.Column("recorded_at", sa.DateTime, nullable=False),
        sa.UniqueConstraint("trip_id", name="uq_trip_debriefs_trip"),
        sqlite_autoincrement=True,
    )


def downgrade() -> None:
    op.drop_table("trip_debriefs")
    op.drop_table("trip_carry_items")
    op.drop_table("trip_travellers")
    op.drop_table("trips")
