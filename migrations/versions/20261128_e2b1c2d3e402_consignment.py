"""consignment shops

Revision ID: e2b1c2d3e402
Revises: e1a0b1c2d301
Create Date: 2026-11-28 19:15:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

import market.db


revision: str = 'e2b1c2d3e402'
down_revision: str | None = 'e1a0b1c2d301'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('consignment_shops',
    sa.Column('organization_id', sa.Integer(), nullable=False),
    sa.Column('opening_hours', sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
    sa.Column('description', sqlmodel.sql.sqltypes.AutoString(length=500), nullable=False),
    sa.Column('minimum_payout_fen', sa.Integer(), nullable=False),
    sa.Column('default_rate_bp', sa.Integer(), nullable=False),
    sa.Column('tiers', sa.JSON(), nullable=False),
    sa.Column('category_rates', sa.JSON(), nullable=False),
    sa.Column('term_days', sa.Integer(), nullable=False),
    sa.Column('steps', sa.JSON(), nullable=False),
    sa.Column('end_action', sqlmodel.sql.sqltypes.AutoString(length=12), nullable=False),
    sa.Column('updated_at', market.db.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['organization_id'], ['organizations.id'], name='fk_consignment_shops_organization_id'),
    sa.PrimaryKeyConstraint('organization_id', name='pk_consignment_shops')
    )

    op.create_table('consignors',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('organization_id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=True),
    sa.Column('mobile', sqlmodel.sql.sqltypes.AutoString(length=11), nullable=True),
    sa.Column('name', sqlmodel.sql.sqltypes.AutoString(length=40), nullable=False),
    sa.Column('rate_bp', sa.Integer(), nullable=True),
    sa.Column('created_at', market.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('claimed_at', market.db.UTCDateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['organization_id'], ['organizations.id'], name='fk_consignors_organization_id'),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name='fk_consignors_user_id'),
    sa.PrimaryKeyConstraint('id', name='pk_consignors'),
    sa.UniqueConstraint('organization_id', 'mobile', name='uq_consignors_shop_mobile'),
    sa.UniqueConstraint('organization_id', 'user_id', name='uq_consignors_shop_user')
    )
    op.create_index('ix_consignors_organization_id', 'consignors', ['organization_id'], unique=False)
    op.create_index('ix_consignors_user_id', 'consignors', ['user_id'], unique=False)
    op.create_index('ix_consignors_mobile', 'consignors', ['mobile'], unique=False)

    op.create_table('consignment_items',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('organization_id', sa.Integer(), nullable=False),
    sa.Column('consignor_id', sa.Integer(), nullable=False),
    sa.Column('listing_id', sa.Integer(), nullable=False),
    sa.Column('intake_by', sa.Integer(), nullable=False),
    sa.Column('intake_at', market.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('list_price_fen', sa.Integer(), nullable=False),
    sa.Column('category', sqlmodel.sql.sqltypes.AutoString(length=24), nullable=False),
    sa.Column('term_days', sa.Integer(), nullable=False),
    sa.Column('end_action', sqlmodel.sql.sqltypes.AutoString(length=12), nullable=False),
    sa.Column('split', sa.JSON(), nullable=False),
    sa.Column('steps', sa.JSON(), nullable=False),
    sa.Column('do_not_discount', sa.Boolean(), nullable=False),
    sa.Column('floor_fen', sa.Integer(), nullable=True),
    sa.Column('accepted_at', market.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('status', sqlmodel.sql.sqltypes.AutoString(length=12), nullable=False),
    sa.Column('expires_at', market.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('ended_at', market.db.UTCDateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['organization_id'], ['organizations.id'], name='fk_consignment_items_organization_id'),
    sa.ForeignKeyConstraint(['consignor_id'], ['consignors.id'], name='fk_consignment_items_consignor_id'),
    sa.ForeignKeyConstraint(['listing_id'], ['listings.id'], name='fk_consignment_items_listing_id'),
    sa.ForeignKeyConstraint(['intake_by'], ['users.id'], name='fk_consignment_items_intake_by'),
    sa.PrimaryKeyConstraint('id', name='pk_consignment_items'),
    sa.UniqueConstraint('listing_id', name='uq_consignment_items_listing_id')
    )
    op.create_index('ix_consignment_items_organization_id', 'consignment_items', ['organization_id'], unique=False)
    op.create_index('ix_consignment_items_consignor_id', 'consignment_items', ['consignor_id'], unique=False)
    op.create_index('ix_consignment_items_status', 'consignment_items', ['status'], unique=False)
    op.create_index('ix_consignment_items_expires_at', 'consignment_items', ['expires_at'], unique=False)

    op.create_table('consignment_sales',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('item_id', sa.Integer(), nullable=False),
    sa.Column('organization_id', sa.Integer(), nullable=False),
    sa.Column('consignor_id', sa.Integer(), nullable=False),
    sa.Column('price_fen', sa.Integer(), nullable=False),
    sa.Column('rate_bp', sa.Integer(), nullable=False),
    sa.Column('rate_source', sqlmodel.sql.sqltypes.AutoString(length=12), nullable=False),
    sa.Column('shop_fen', sa.Integer(), nullable=False),
    sa.Column('consignor_fen', sa.Integer(), nullable=False),
    sa.Column('channel', sqlmodel.sql.sqltypes.AutoString(length=8), nullable=False),
    sa.Column('reservation_id', sa.Integer(), nullable=True),
    sa.Column('recorded_by', sa.Integer(), nullable=True),
    sa.Column('sold_at', market.db.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['item_id'], ['consignment_items.id'], name='fk_consignment_sales_item_id'),
    sa.ForeignKeyConstraint(['organization_id'], ['organizations.id'], name='fk_consignment_sales_organization_id'),
    sa.ForeignKeyConstraint(['consignor_id'], ['consignors.id'], name='fk_consignment_sales_consignor_id'),
    sa.ForeignKeyConstraint(['reservation_id'], ['reservations.id'], name='fk_consignment_sales_reservation_id'),
    sa.ForeignKeyConstraint(['recorded_by'], ['users.id'], name='fk_consignment_sales_recorded_by'),
    sa.PrimaryKeyConstraint('id', name='pk_consignment_sales'),
    sa.UniqueConstraint('item_id', name='uq_consignment_sales_item_id')
    )
    op.create_index('ix_consignment_sales_organization_id', 'consignment_sales', ['organization_id'], unique=False)
    op.create_index('ix_consignment_sales_consignor_id', 'consignment_sales', ['consignor_id'], unique=False)

    op.create_table('consignment_payouts',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('organization_id', sa.Integer(), nullable=False),
    sa.Column('consignor_id', sa.Integer(), nullable=False),
    sa.Column('amount_fen', sa.Integer(), nullable=False),
    sa.Column('method', sqlmodel.sql.sqltypes.AutoString(length=8), nullable=False),
    sa.Column('reference', sqlmodel.sql.sqltypes.AutoString(length=60), nullable=False),
    sa.Column('paid_by', sa.Integer(), nullable=False),
    sa.Column('paid_at', market.db.UTCDateTime(timezone=True), nullable=False),
    sa.CheckConstraint('amount_fen > 0', name='ck_consignment_payouts_positive'),
    sa.ForeignKeyConstraint(['organization_id'], ['organizations.id'], name='fk_consignment_payouts_organization_id'),
    sa.ForeignKeyConstraint(['consignor_id'], ['consignors.id'], name='fk_consignment_payouts_consignor_id'),
    sa.ForeignKeyConstraint(['paid_by'], ['users.id'], name='fk_consignment_payouts_paid_by'),
    sa.PrimaryKeyConstraint('id', name='pk_consignment_payouts')
    )
    op.create_index('ix_consignment_payouts_organization_id', 'consignment_payouts', ['organization_id'], unique=False)
    op.create_index('ix_consignment_payouts_consignor_id', 'consignment_payouts', ['consignor_id'], unique=False)


def downgrade() -> None:
    op.drop_index('ix_consignment_payouts_consignor_id', table_name='consignment_payouts')
    op.drop_index('ix_consignment_payouts_organization_id', table_name='consignment_payouts')
    op.drop_table('consignment_payouts')
    op.drop_index('ix_consignment_sales_consignor_id', table_name='consignment_sales')
    op.drop_index('ix_consignment_sales_organization_id', table_name='consignment_sales')
    op.drop_table('consignment_sales')
    op.drop_index('ix_consignment_items_expires_at', table_name='consignment_items')
    op.drop_index('ix_consignment_items_status', table_name='consignment_items')
    op.drop_index('ix_consignment_items_consignor_id', table_name='consignment_items')
    op.drop_index('ix_consignment_items_organization_id', table_name='consignment_items')
    op.drop_table('consignment_items')
    op.drop_index('ix_consignors_mobile', table_name='consignors')
    op.drop_index('ix_consignors_user_id', table_name='consignors')
    op.drop_index('ix_consignors_organization_id', table_name='consignors')
    op.drop_table('consignors')
    op.drop_table('consignment_shops')
