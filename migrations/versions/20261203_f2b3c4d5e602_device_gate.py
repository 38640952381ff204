"""device wipe gate: a listing's no-personal-data reason

Revision ID: f2b3c4d5e602
Revises: f1a2b3c4d501
Create Date: 2026-12-03 13:00:00

A device listing is published only with a passed wipe certificate or with a reason why the
item stores no personal data (market.listings.devices.REASONS); the reason and the seller's
note (how the storage was removed or destroyed) are shown on the listing.
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision: str = 'f2b3c4d5e602'
down_revision: str | None = 'f1a2b3c4d501'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table('listings', schema=None) as batch_op:
        batch_op.add_column(sa.Column(
            'no_data_reason', sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False,
            server_default='',
        ))
        batch_op.add_column(sa.Column(
            'no_data_note', sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False,
            server_default='',
        ))


def downgrade() -> None:
    with op.batch_alter_table('listings', schema=None) as batch_op:
        batch_op.drop_column('no_data_note')
        batch_op.drop_column('no_data_reason')
