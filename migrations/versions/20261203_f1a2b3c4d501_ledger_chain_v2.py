"""credit ledger chain version 2

Revision ID: f1a2b3c4d501
Revises: e5e4f5061705
Create Date: 2026-12-03 13:00:00

Placeholder committed first so that issue 17's parts chain their migrations in one line;
its own part (the ledger) fills it in before landing. No database has run it.
"""

from collections.abc import Sequence

revision: str = 'f1a2b3c4d501'
down_revision: str | None = 'e5e4f5061705'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
