"""school book corners

Revision ID: e4d3e4f50604
Revises: e3c2d3e4f503
Create Date: 2026-11-28 19:15:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

import market.db


revision: str = 'e4d3e4f50604'
down_revision: str | None = 'e3c2d3e4f503'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
