"""join the four area branches (plan, check-in, documents, visits) into one head

The areas were built side by side, each branching from 0002_approvals. This empty revision joins them so
that the next schema change has a single parent.

Revision ID: 0007_join_areas
Revises: 0003_plan, 0004_checkin, 0005_documents, 0006_visits
Create Date: 2026-11-27
"""

revision = "0007_join_areas"
down_revision = ("0003_plan", "0004_checkin", "0005_documents", "0006_visits")
branch_labels = None
depends_on = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
