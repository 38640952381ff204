"""partner platform api keys, idempotency, audit

Revision ID: a5c1d2e3f401
Revises: 21b8b32b849a
Create Date: 2026-11-28 19:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

import market.db


revision: str = 'a5c1d2e3f401'
down_revision: str | None = '21b8b32b849a'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('api_keys',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('organization_id', sa.Integer(), nullable=False),
    sa.Column('prefix', sqlmodel.sql.sqltypes.AutoString(length=8), nullable=False),
    sa.Column('key_hash', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
    sa.Column('scopes', sqlmodel.sql.sqltypes.AutoString(length=100), nullable=False),
    sa.Column('created_at', market.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('last_used_at', market.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('revoked_at', market.db.UTCDateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['organization_id'], ['organizations.id'], name='fk_api_keys_organization_id'),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('prefix', name='uq_api_keys_prefix'),
    sa.UniqueConstraint('key_hash', name='uq_api_keys_key_hash')
    )
    with op.batch_alter_table('api_keys', schema=None) as batch_op:
        batch_op.create_index('ix_api_keys_organization_id', ['organization_id'], unique=False)

    op.create_table('api_idempotency',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('organization_id', sa.Integer(), nullable=False),
    sa.Column('key', sqlmodel.sql.sqltypes.AutoString(length=100), nullable=False),
    sa.Column('body_sha256', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
    sa.Column('status', sa.Integer(), nullable=False),
    sa.Column('response', sa.Text(), nullable=False),
    sa.Column('created_at', market.db.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['organization_id'], ['organizations.id'], name='fk_api_idempotency_organization_id'),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('organization_id', 'key', name='uq_api_idempotency_org_key')
    )
    op.create_table('api_calls',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('at', market.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('api_key_id', sa.Integer(), nullable=True),
    sa.Column('organization_id', sa.Integer(), nullable=True),
    sa.Column('method', sqlmodel.sql.sqltypes.AutoString(length=10), nullable=False),
    sa.Column('path', sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
    sa.Column('status', sa.Integer(), nullable=False),
    sa.Column('reason', sqlmodel.sql.sqltypes.AutoString(length=40), nullable=True),
    sa.Column('idempotency_key', sqlmodel.sql.sqltypes.AutoString(length=100), nullable=True),
    sa.Column('remote_addr', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=True),
    sa.ForeignKeyConstraint(['api_key_id'], ['api_keys.id'], name='fk_api_calls_api_key_id'),
    sa.ForeignKeyConstraint(['organization_id'], ['organizations.id'], name='fk_api_calls_organization_id'),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('api_calls', schema=None) as batch_op:
        batch_op.create_index('ix_api_calls_at', ['at'], unique=False)
        batch_op.create_index('ix_api_calls_api_key_id', ['api_key_id'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('api_calls', schema=None) as batch_op:
        batch_op.drop_index('ix_api_calls_api_key_id')
        batch_op.drop_index('ix_api_calls_at')

    op.drop_table('api_calls')
    op.drop_table('api_idempotency')
    with op.batch_alter_table('api_keys', schema=None) as batch_op:
        batch_op.drop_index('ix_api_keys_organization_id')

    op.drop_table('api_keys')
