"""device wipe gate and disclosure caps

Revision ID: f2b3c4d5e602
Revises: f1a2b3c4d501
Create Date: 2026-12-03 13:00:00

Placeholder committed first so that issue 17's parts chain their migrations in one line;
its own part (the wipe gate) fills it in before landing. No database has run it.
"""

from collections.abc import Sequence

revision: str = 'f2b3c4d5e602'
down_revision: str | None = 'f1a2b3c4d501'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
