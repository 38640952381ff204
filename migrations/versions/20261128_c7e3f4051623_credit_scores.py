"""credit score projection

Revision ID: c7e3f4051623
Revises: b6d2e3f40512
Create Date: 2026-11-28 19:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

import market.db


revision: str = 'c7e3f4051623'
down_revision: str | None = 'b6d2e3f40512'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
