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
    pass


def downgrade() -> None:
    pass
