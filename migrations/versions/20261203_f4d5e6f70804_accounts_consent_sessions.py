"""consent, verified identifiers, sessions that end

Revision ID: f4d5e6f70804
Revises: f3c4d5e6f703
Create Date: 2026-12-03 13:00:00

`users` gains the privacy notice version consented to and when, the time the mobile or e-mail
was proven with a one-time code, and a deletion time. Accounts that existed before carry no
consent and are asked for it at their next login; they count as unverified (the column stays
empty) but keep logging in, since nobody can take their number any more.
`user_sessions` holds one row per login (only hashes of the browser's tokens);
`pending_registrations` holds registrations waiting for their code.
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

import market.db

revision: str = 'f4d5e6f70804'
down_revision: str | None = 'f3c4d5e6f703'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.add_column(sa.Column(
            'consent_version', sqlmodel.sql.sqltypes.AutoString(length=20), nullable=True))
        batch_op.add_column(sa.Column('consented_at', market.db.UTCDateTime(), nullable=True))
        batch_op.add_column(
            sa.Column('identifier_verified_at', market.db.UTCDateTime(), nullable=True))
        batch_op.add_column(sa.Column('deleted_at', market.db.UTCDateTime(), nullable=True))

    op.create_table(
        'user_sessions',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('token_hash', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column('user_id', sa.Integer(), nullable=False),
        sa.Column('created_at', market.db.UTCDateTime(), nullable=False),
        sa.Column('last_seen_at', market.db.UTCDateTime(), nullable=False),
        sa.Column('user_agent', sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
        sa.Column('ip_masked', sqlmodel.sql.sqltypes.AutoString(length=48), nullable=False),
        sa.Column('remember', sa.Boolean(), nullable=False),
        sa.Column('remember_hash', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=True),
        sa.Column('remember_expires_at', market.db.UTCDateTime(), nullable=True),
        sa.Column('ended_at', market.db.UTCDateTime(), nullable=True),
        sa.ForeignKeyConstraint(['user_id'], ['users.id'], name='fk_user_sessions_user_id_users'),
        sa.PrimaryKeyConstraint('id'),
        sa.UniqueConstraint('token_hash', name='uq_user_sessions_token_hash'),
        sa.UniqueConstraint('remember_hash', name='uq_user_sessions_remember_hash'),
    )
    op.create_index('ix_user_sessions_user_id', 'user_sessions', ['user_id'], unique=False)

    op.create_table(
        'pending_registrations',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('identifier_kind', sqlmodel.sql.sqltypes.AutoString(length=6), nullable=False),
        sa.Column('identifier', sqlmodel.sql.sqltypes.AutoString(length=254), nullable=False),
        sa.Column('display_name', sqlmodel.sql.sqltypes.AutoString(length=40), nullable=False),
        sa.Column('home_street', sqlmodel.sql.sqltypes.AutoString(length=8), nullable=True),
        sa.Column('password_hash', sqlmodel.sql.sqltypes.AutoString(length=255), nullable=False),
        sa.Column('consent_version', sqlmodel.sql.sqltypes.AutoString(length=20), nullable=False),
        sa.Column('consented_at', market.db.UTCDateTime(), nullable=False),
        sa.Column('code_hash', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column('code_expires_at', market.db.UTCDateTime(), nullable=False),
        sa.Column('attempts', sa.Integer(), nullable=False),
        sa.Column('sends', sa.Integer(), nullable=False),
        sa.Column('last_sent_at', market.db.UTCDateTime(), nullable=False),
        sa.Column('created_at', market.db.UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint('id'),
    )
    op.create_index('ix_pending_registrations_identifier', 'pending_registrations',
                    ['identifier'], unique=False)


def downgrade() -> None:
    op.drop_index('ix_pending_registrations_identifier', table_name='pending_registrations')
    op.drop_table('pending_registrations')
    op.drop_index('ix_user_sessions_user_id', table_name='user_sessions')
    op.drop_table('user_sessions')
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.drop_column('deleted_at')
        batch_op.drop_column('identifier_verified_at')
        batch_op.drop_column('consented_at')
        batch_op.drop_column('consent_version')
