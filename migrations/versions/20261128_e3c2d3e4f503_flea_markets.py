"""flea-market days

Revision ID: e3c2d3e4f503
Revises: e2b1c2d3e402
Create Date: 2026-11-28 19:15:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

import market.db


revision: str = 'e3c2d3e4f503'
down_revision: str | None = 'e2b1c2d3e402'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('market_days',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('organization_id', sa.Integer(), nullable=False),
    sa.Column('title', sqlmodel.sql.sqltypes.AutoString(length=80), nullable=False),
    sa.Column('market_date', sa.Date(), nullable=False),
    sa.Column('opens_at', market.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('closes_at', market.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('apply_by', market.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('street', sqlmodel.sql.sqltypes.AutoString(length=8), nullable=False),
    sa.Column('place', sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
    sa.Column('stalls', sa.Integer(), nullable=False),
    sa.Column('fee_fen', sa.Integer(), nullable=False),
    sa.Column('rules', sqlmodel.sql.sqltypes.AutoString(length=2000), nullable=False),
    sa.Column('min_grade', sqlmodel.sql.sqltypes.AutoString(length=1), nullable=True),
    sa.Column('status', sqlmodel.sql.sqltypes.AutoString(length=12), nullable=False),
    sa.Column('created_by', sa.Integer(), nullable=False),
    sa.Column('created_at', market.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('updated_at', market.db.UTCDateTime(timezone=True), nullable=False),
    sa.CheckConstraint('stalls BETWEEN 1 AND 500', name='ck_market_days_stalls'),
    sa.CheckConstraint('fee_fen >= 0', name='ck_market_days_fee'),
    sa.CheckConstraint('closes_at > opens_at', name='ck_market_days_hours'),
    sa.ForeignKeyConstraint(['organization_id'], ['organizations.id'], name='fk_market_days_organization_id'),
    sa.ForeignKeyConstraint(['created_by'], ['users.id'], name='fk_market_days_created_by'),
    sa.PrimaryKeyConstraint('id', name='pk_market_days')
    )
    op.create_index('ix_market_days_organization_id', 'market_days', ['organization_id'], unique=False)
    op.create_index('ix_market_days_status_date', 'market_days', ['status', 'market_date'], unique=False)

    op.create_table('stall_applications',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('market_day_id', sa.Integer(), nullable=False),
    sa.Column('applicant_id', sa.Integer(), nullable=False),
    sa.Column('status', sqlmodel.sql.sqltypes.AutoString(length=12), nullable=False),
    sa.Column('stall_no', sa.Integer(), nullable=True),
    sa.Column('note', sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
    sa.Column('applied_at', market.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('decided_at', market.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('cancelled_at', market.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('checked_in_at', market.db.UTCDateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['market_day_id'], ['market_days.id'], name='fk_stall_applications_market_day_id'),
    sa.ForeignKeyConstraint(['applicant_id'], ['users.id'], name='fk_stall_applications_applicant_id'),
    sa.PrimaryKeyConstraint('id', name='pk_stall_applications'),
    sa.UniqueConstraint('market_day_id', 'applicant_id', name='uq_stall_applications_day_applicant')
    )
    op.create_index('ix_stall_applications_market_day_id', 'stall_applications', ['market_day_id'], unique=False)
    op.create_index('ix_stall_applications_applicant_id', 'stall_applications', ['applicant_id'], unique=False)
    op.create_index('uq_stall_applications_one_holder_per_stall', 'stall_applications', ['market_day_id', 'stall_no'], unique=True, sqlite_where=sa.text("status = 'approved'"), postgresql_where=sa.text("status = 'approved'"))

    op.create_table('stall_listings',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('application_id', sa.Integer(), nullable=False),
    sa.Column('listing_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['application_id'], ['stall_applications.id'], name='fk_stall_listings_application_id'),
    sa.ForeignKeyConstraint(['listing_id'], ['listings.id'], name='fk_stall_listings_listing_id'),
    sa.PrimaryKeyConstraint('id', name='pk_stall_listings'),
    sa.UniqueConstraint('application_id', 'listing_id', name='uq_stall_listings_application_listing')
    )
    op.create_index('ix_stall_listings_application_id', 'stall_listings', ['application_id'], unique=False)
    op.create_index('ix_stall_listings_listing_id', 'stall_listings', ['listing_id'], unique=False)


def downgrade() -> None:
    op.drop_index('ix_stall_listings_listing_id', table_name='stall_listings')
    op.drop_index('ix_stall_listings_application_id', table_name='stall_listings')
    op.drop_table('stall_listings')
    op.drop_index('uq_stall_applications_one_holder_per_stall', table_name='stall_applications')
    op.drop_index('ix_stall_applications_applicant_id', table_name='stall_applications')
    op.drop_index('ix_stall_applications_market_day_id', table_name='stall_applications')
    op.drop_table('stall_applications')
    op.drop_index('ix_market_days_status_date', table_name='market_days')
    op.drop_index('ix_market_days_organization_id', table_name='market_days')
    op.drop_table('market_days')
