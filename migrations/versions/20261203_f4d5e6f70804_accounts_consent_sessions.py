"""consent, verified mobiles, sessions that end

Revision ID: f4d5e6f70804
Revises: f3c4d5e6f703
Create Date: 2026-12-03 13:00:00

Placeholder committed first so that issue 17's parts chain their migrations in one line;
its own part (accounts) fills it in before landing. No database has run it.
"""

from collections.abc import Sequence

revision: str = 'f4d5e6f70804'
down_revision: str | None = 'f3c4d5e6f703'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
