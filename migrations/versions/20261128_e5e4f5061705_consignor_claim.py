"""consignor claim codes

Revision ID: e5e4f5061705
Revises: e4d3e4f50604
Create Date: 2026-11-28 20:30:00

A walk-in consignor links their record to an account only with the claim code printed on
their agreement; the code is kept as its SHA-256 and cleared once used.
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision: str = 'e5e4f5061705'
down_revision: str | None = 'e4d3e4f50604'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table('consignors', schema=None) as batch_op:
        batch_op.add_column(
            sa.Column('claim_code_hash', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=True)
        )
        batch_op.create_index('ix_consignors_claim_code_hash', ['claim_code_hash'], unique=True)


def downgrade() -> None:
    with op.batch_alter_table('consignors', schema=None) as batch_op:
        batch_op.drop_index('ix_consignors_claim_code_hash')
        batch_op.drop_column('claim_code_hash')
