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
    pass


def downgrade() -> None:
    pass
