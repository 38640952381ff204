"""rate limit counters every worker shares

Revision ID: f6f708091a06
Revises: f5e6f7080905
Create Date: 2026-12-03 20:00:00

`rate_limit_counters` holds Flask-Limiter's fixed-window counters (market/ratelimit.py), so a
limit counts the requests of every gunicorn worker, not of one.
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision: str = 'f6f708091a06'
down_revision: str | None = 'f5e6f7080905'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        'rate_limit_counters',
        sa.Column('key', sqlmodel.sql.sqltypes.AutoString(length=255), nullable=False),
        sa.Column('count', sa.Integer(), nullable=False),
        sa.Column('expires_at', sa.Float(), nullable=False),
        sa.PrimaryKeyConstraint('key'),
    )
    op.create_index(
        'ix_rate_limit_counters_expires_at', 'rate_limit_counters', ['expires_at'], unique=False
    )


def downgrade() -> None:
    op.drop_index('ix_rate_limit_counters_expires_at', table_name='rate_limit_counters')
    op.drop_table('rate_limit_counters')
