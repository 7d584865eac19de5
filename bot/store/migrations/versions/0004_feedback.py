"""Visitors' 👍/👎 on answers (bot/staff/feedback.py): ids, rating and a fixed reason code, no text.

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-02
"""
from alembic import op
import sqlalchemy as sa

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "answer_feedback",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("sender_id", sa.String(255), nullable=False),
        sa.Column("message_id", sa.String(64), nullable=False),
        sa.Column("rating", sa.String(8), nullable=False),
        sa.Column("reason", sa.String(32)),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.UniqueConstraint("sender_id", "message_id", name="uq_feedback_message"),
    )
    op.create_index("ix_answer_feedback_sender_id", "answer_feedback", ["sender_id"])
    op.create_index("ix_answer_feedback_rating", "answer_feedback", ["rating"])


def downgrade() -> None:
    op.drop_table("answer_feedback")
