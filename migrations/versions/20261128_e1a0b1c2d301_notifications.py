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
    pass


def downgrade() -> None:
    pass
