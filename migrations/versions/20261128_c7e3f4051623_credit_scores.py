"""credit score projection

Revision ID: c7e3f4051623
Revises: b6d2e3f40512
Create Date: 2026-11-28 19:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

import market.db


revision: str = 'c7e3f4051623'
down_revision: str | None = 'b6d2e3f40512'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        'credit_scores',
        sa.Column('subject', sqlmodel.sql.sqltypes.AutoString(length=80), nullable=False),
        sa.Column('grade', sqlmodel.sql.sqltypes.AutoString(length=1), nullable=False),
        sa.Column('formula_grade', sqlmodel.sql.sqltypes.AutoString(length=1), nullable=False),
        sa.Column('score', sa.Float(), nullable=False),
        sa.Column('confidence', sa.Float(), nullable=False),
        sa.Column('reasons', sa.JSON(), nullable=False),
        sa.Column('formula_version', sqlmodel.sql.sqltypes.AutoString(length=40), nullable=False),
        sa.Column('events', sa.Integer(), nullable=False),
        sa.Column('as_of', market.db.UTCDateTime(), nullable=False),
        sa.Column('stale_after', market.db.UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint('subject'),
    )
    op.create_index(op.f('ix_credit_scores_stale_after'), 'credit_scores', ['stale_after'],
                    unique=False)


def downgrade() -> None:
    op.drop_index(op.f('ix_credit_scores_stale_after'), table_name='credit_scores')
    op.drop_table('credit_scores')
