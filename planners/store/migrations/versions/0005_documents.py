"""documents: register, numbered copies, append-only custody ledger, destructions, loss incidents

Revision ID: 0005_documents
Revises: 0002_approvals
Create Date: 2026-11-27
"""
from alembic import op
import sqlalchemy as sa

from planners.store.ddl import append_only

revision = "0005_documents"
down_revision = "0002_approvals"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "documents",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("event_id", sa.Integer, sa.ForeignKey("events.id", ondelete="CASCADE"), nullable=False),
        sa.Column("control_no", sa.String(60), nullable=False),
        sa.Column("short_title", sa.String(200), nullable=False),
        sa.Column("carrier", sa.String(30), nullable=False),
        sa.Column("level", sa.String(20), nullable=False),
        sa.Column("retention_kind", sa.String(12), nullable=False, server_default=""),
        sa.Column("retention", sa.String(120), nullable=False, server_default=""),
        sa.Column("proposed_by", sa.String(120), nullable=False, server_default=""),
        sa.Column("approved_by", sa.String(120), nullable=False, server_default=""),
        sa.Column("basis", sa.String(300), nullable=False, server_default=""),
        sa.Column("scope", sa.JSON, nullable=False),
        sa.Column("classified_on", sa.Date, nullable=False),
        sa.Column("copies_count", sa.Integer, nullable=False),
        sa.Column("created_by", sa.String(64), nullable=False),
        sa.Column("created_at", sa.DateTime, nullable=False),
        sa.UniqueConstraint("event_id", "control_no", name="uq_documents_event_control"),
        sa.CheckConstraint("copies_count >= 1", name="ck_documents_copies_positive"),
    )
    op.create_index("ix_documents_event_id", "documents", ["event_id"])
    op.create_table(
        "document_copies",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("document_id", sa.Integer, sa.ForeignKey("documents.id", ondelete="CASCADE"), nullable=False),
        sa.Column("event_id", sa.Integer, sa.ForeignKey("events.id", ondelete="CASCADE"), nullable=False),
        sa.Column("number", sa.Integer, nullable=False),
        sa.Column("origin", sa.String(12), nullable=False, server_default="original"),
        sa.Column("approval_id", sa.Integer, nullable=True),
        sa.Column("created_at", sa.DateTime, nullable=False),
        sa.UniqueConstraint("document_id", "number", name="uq_copies_document_number"),
    )
    op.create_index("ix_document_copies_event_id", "document_copies", ["event_id"])
    op.create_index("ix_copies_document", "document_copies", ["document_id"])
    op.create_table(
        "custody_entries",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("event_id", sa.Integer, nullable=False),
        sa.Column("copy_id", sa.Integer, sa.ForeignKey("document_copies.id"), nullable=False),
        sa.Column("seq", sa.Integer, nullable=False),
        sa.Column("action", sa.String(20), nullable=False),
        sa.Column("attendee_id", sa.Integer, nullable=True),
        sa.Column("holder_name", sa.String(120), nullable=False, server_default=""),
        sa.Column("actor", sa.String(64), nullable=False),
        sa.Column("desk", sa.String(60), nullable=False, server_default=""),
        sa.Column("acknowledgement", sa.String(300), nullable=False, server_default=""),
        sa.Column("ref", sa.String(60), nullable=False, server_default=""),
        sa.Column("at", sa.DateTime, nullable=False),
        sa.UniqueConstraint("copy_id", "seq", name="uq_custody_copy_seq"),
    )
    op.create_index("ix_custody_entries_event_id", "custody_entries", ["event_id"])
    op.create_index("ix_custody_event_copy", "custody_entries", ["event_id", "copy_id", "seq"])
    append_only(op, "custody_entries")
    op.create_table(
        "document_destructions",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("event_id", sa.Integer, sa.ForeignKey("events.id", ondelete="CASCADE"), nullable=False),
        sa.Column("copy_ids", sa.JSON, nullable=False),
        sa.Column("method", sa.String(40), nullable=False),
        sa.Column("witness1", sa.String(120), nullable=False),
        sa.Column("witness2", sa.String(120), nullable=False),
        sa.Column("reason", sa.String(300), nullable=False, server_default=""),
        sa.Column("requested_by", sa.String(64), nullable=False),
        sa.Column("requested_at", sa.DateTime, nullable=False),
        sa.Column("status", sa.String(20), nullable=False, server_default="pending"),
        sa.Column("decided_by", sa.String(64), nullable=True),
        sa.Column("done_by", sa.String(64), nullable=True),
        sa.Column("done_at", sa.DateTime, nullable=True),
    )
    op.create_index("ix_document_destructions_event_id", "document_destructions", ["event_id"])
    op.create_table(
        "document_loss_incidents",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("event_id", sa.Integer, sa.ForeignKey("events.id", ondelete="CASCADE"), nullable=False),
        sa.Column("copy_id", sa.Integer, sa.ForeignKey("document_copies.id"), nullable=False),
        sa.Column("declared_by", sa.String(64), nullable=False),
        sa.Column("declared_at", sa.DateTime, nullable=False),
        sa.Column("deadline_at", sa.DateTime, nullable=False),
        sa.Column("holder_name", sa.String(120), nullable=False, server_default=""),
        sa.Column("what", sa.Text, nullable=False, server_default=""),
        sa.Column("when_text", sa.String(120), nullable=False, server_default=""),
        sa.Column("where", sa.String(200), nullable=False, server_default=""),
        sa.Column("measures", sa.Text, nullable=False, server_default=""),
        sa.Column("reported_at", sa.DateTime, nullable=True),
        sa.Column("reported_by", sa.String(64), nullable=True),
        sa.Column("reported_to", sa.String(200), nullable=False, server_default=""),
    )
    op.create_index("ix_document_loss_incidents_event_id", "document_loss_incidents", ["event_id"])


def downgrade() -> None:
    for t in ("document_loss_incidents", "document_destructions", "custody_entries", "document_copies",
              "documents"):
        op.drop_table(t)
