"""regulator cases and access log

Revision ID: b6d2e3f40512
Revises: a5c1d2e3f401
Create Date: 2026-11-28 19:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

import market.db


revision: str = 'b6d2e3f40512'
down_revision: str | None = 'a5c1d2e3f401'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
