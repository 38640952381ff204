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
    pass


def downgrade() -> None:
    pass
