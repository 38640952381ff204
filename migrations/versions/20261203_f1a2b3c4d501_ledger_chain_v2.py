"""credit ledger chain version 2: every column in the hash, v1 entries anchored

Revision ID: f1a2b3c4d501
Revises: e5e4f5061705
Create Date: 2026-12-03 13:00:00

Version 1 entries left `recorded_at` (and, to the verifier, `subject` and `event_id`) outside
the hash. They are not rewritten: this migration verifies the v1 chain and its checkpoints,
then appends one version 2 anchor entry whose payload commits to the v1 head and to a digest
of every v1 row's columns (`credit.ledger.build_anchor`), so an edit of an old row is caught
from now on. It refuses to anchor a chain that does not verify (that would bless the edit).
`subject` becomes nullable: the anchor records no event. The downgrade removes the anchor
only while no version 2 event follows it.
"""

from collections.abc import Iterator, Sequence
from datetime import UTC, datetime

import sqlalchemy as sa
from alembic import op

import market.db
from credit.checkpoints import SignedCheckpoint, failing_checkpoint
from credit.ledger import (
    ANCHOR_EVENT_ID,
    LedgerEntry,
    Walk,
    build_anchor,
    format_time,
)

revision: str = 'f1a2b3c4d501'
down_revision: str | None = 'e5e4f5061705'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

COLUMNS = ('prev_hash', 'payload', 'entry_hash', 'personal_ref', 'subject', 'event_id')
ledger = sa.table(
    'credit_ledger',
    *(sa.column(name, sa.Text()) for name in COLUMNS),
    sa.column('seq', sa.Integer()),
    sa.column('recorded_at', market.db.UTCDateTime()),
)
head = sa.table('credit_ledger_head', sa.column('id', sa.Integer()),
                sa.column('seq', sa.Integer()), sa.column('entry_hash', sa.Text()))
checkpoints = sa.table('credit_checkpoints', *(sa.column(n) for n in (
    'id', 'seq', 'head_hash', 'signed_at', 'signature', 'public_key')))


def _entries(conn: sa.Connection) -> Iterator[LedgerEntry]:
    """The stored rows in order, streamed: a v1 ledger may hold millions."""
    query = sa.select(ledger).order_by(ledger.c.seq).execution_options(yield_per=5000)
    for row in conn.execute(query).mappings():
        yield LedgerEntry(**{**row, 'recorded_at': format_time(row['recorded_at'])})


def upgrade() -> None:
    with op.batch_alter_table('credit_ledger', schema=None) as batch_op:
        batch_op.alter_column('subject', existing_type=sa.String(length=80), nullable=True)
    conn = op.get_bind()
    marks = [SignedCheckpoint(**row) for row in conn.execute(
        sa.select(checkpoints.c.id, checkpoints.c.seq, checkpoints.c.head_hash,
                  checkpoints.c.signed_at.label('at'), checkpoints.c.signature,
                  checkpoints.c.public_key).order_by(checkpoints.c.id)).mappings()]
    walk, last = Walk(cp.seq for cp in marks), None
    for last in _entries(conn):
        reason = walk.step(last)
        if reason or walk.v2_started:
            raise RuntimeError(f"credit ledger entry {last.seq}: "
                               f"{reason or 'already version 2'}; not anchoring it")
    if last is None:
        return  # nothing of version 1: the chain starts at version 2
    found = failing_checkpoint(walk, marks)
    if found is not None:
        raise RuntimeError(f"credit checkpoint {found.checkpoint_id}: {found.reason}; "
                           "not anchoring the ledger")
    stored = conn.execute(sa.select(head.c.seq, head.c.entry_hash)).one()
    if tuple(stored) != (last.seq, last.entry_hash):
        raise RuntimeError("credit_ledger_head does not match the last entry; not anchoring it")
    anchor = build_anchor(last, walk.v1.hexdigest(), recorded_at=datetime.now(UTC))
    assert anchor.event_id == ANCHOR_EVENT_ID
    conn.execute(sa.insert(ledger).values(
        seq=anchor.seq, prev_hash=anchor.prev_hash, payload=anchor.payload,
        entry_hash=anchor.entry_hash, personal_ref=None, subject=None, event_id=anchor.event_id,
        recorded_at=datetime.fromisoformat(anchor.recorded_at or ''),
    ))
    conn.execute(sa.update(head).values(seq=anchor.seq, entry_hash=anchor.entry_hash))


def downgrade() -> None:
    conn = op.get_bind()
    anchor = conn.execute(sa.select(ledger.c.seq, ledger.c.prev_hash)
                          .where(ledger.c.event_id == ANCHOR_EVENT_ID)).first()
    newer = ledger.c.seq > anchor.seq if anchor else sa.true()
    v2 = conn.execute(sa.select(sa.func.count()).select_from(ledger).where(
        newer, ledger.c.payload.like('%"v":2%'))).scalar_one()
    if v2:
        raise RuntimeError(f"{v2} version 2 credit ledger entries exist; version 1 code cannot "
                           "verify them, so the ledger is not downgraded")
    if anchor is not None:
        conn.execute(sa.delete(ledger).where(ledger.c.seq == anchor.seq))
        conn.execute(sa.update(head).values(seq=anchor.seq - 1, entry_hash=anchor.prev_hash))
    with op.batch_alter_table('credit_ledger', schema=None) as batch_op:
        batch_op.alter_column('subject', existing_type=sa.String(length=80), nullable=False)
