"""login throttles and password resets

Revision ID: f5e6f7080905
Revises: f4d5e6f70804
Create Date: 2026-12-03 20:00:00

`login_throttles` counts failed logins per identifier (an HMAC of it) for every worker, and
locks with backoff; `password_resets` holds resets waiting for their SMS code.
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

import market.db

revision: str = 'f5e6f7080905'
down_revision: str | None = 'f4d5e6f70804'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        'login_throttles',
        sa.Column('key', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column('failures', sa.Integer(), nullable=False),
        sa.Column('last_failure_at', market.db.UTCDateTime(), nullable=False),
        sa.Column('locked_until', market.db.UTCDateTime(), nullable=True),
        sa.PrimaryKeyConstraint('key'),
    )
    op.create_table(
        'password_resets',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('key', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column('user_id', sa.Integer(), nullable=True),
        sa.Column('code_hash', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column('code_expires_at', market.db.UTCDateTime(), nullable=False),
        sa.Column('attempts', sa.Integer(), nullable=False),
        sa.Column('created_at', market.db.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(['user_id'], ['users.id'],
                                name='fk_password_resets_user_id_users'),
        sa.PrimaryKeyConstraint('id'),
    )
    op.create_index('ix_password_resets_key', 'password_resets', ['key'], unique=False)
    op.create_index('ix_password_resets_user_id', 'password_resets', ['user_id'], unique=False)


def downgrade() -> None:
    op.drop_index('ix_password_resets_user_id', table_name='password_resets')
    op.drop_index('ix_password_resets_key', table_name='password_resets')
    op.drop_table('password_resets')
    op.drop_table('login_throttles')
