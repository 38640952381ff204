"""notifications

Revision ID: e1a0b1c2d301
Revises: c7e3f4051623
Create Date: 2026-11-28 19:15:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

import market.db


revision: str = 'e1a0b1c2d301'
down_revision: str | None = 'c7e3f4051623'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        'notifications',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('user_id', sa.Integer(), nullable=False),
        sa.Column('message', sqlmodel.sql.sqltypes.AutoString(length=300), nullable=False),
        sa.Column('params', sa.JSON(), nullable=False),
        sa.Column('link', sqlmodel.sql.sqltypes.AutoString(length=300), nullable=True),
        sa.Column('created_at', market.db.UTCDateTime(), nullable=False),
        sa.Column('read_at', market.db.UTCDateTime(), nullable=True),
        sa.ForeignKeyConstraint(['user_id'], ['users.id'], name='fk_notifications_user_id_users'),
        sa.PrimaryKeyConstraint('id'),
    )
    op.create_index('ix_notifications_user_unread', 'notifications', ['user_id', 'read_at'],
                    unique=False)


def downgrade() -> None:
    op.drop_index('ix_notifications_user_unread', table_name='notifications')
    op.drop_table('notifications')
