"""The ledger's integrity in the database: verification against the signed checkpoints, the
station's public key, the published checkpoints and consistency proofs between heads.

Verification trusts nothing the database says about itself: every column is compared with the
hashed payload, the head row with the chain, and each checkpoint's signature with the station
key (the key file in the data dir, when it exists). A rewrite that also deleted the checkpoint
rows is caught by an outsider who kept a published checkpoint, not here.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import sqlalchemy as sa
from cryptography.hazmat.primitives import serialization
from sqlmodel import Session, col, select

from credit.checkpoints import SignedCheckpoint, consistency_proof, fingerprint, verify_ledger
from credit.errors import LedgerBroken
from credit.ledger import VerifyResult
from market.credit.models import CreditCheckpoint
from market.credit.repository import SqlLedger

MAX_PROOF_ENTRIES = 10_000
MAX_LISTED = 500


def station_public_key(key_path: Path) -> str | None:
    """The station's raw Ed25519 public key, hex; None before the first checkpoint key exists."""
    if not key_path.exists():
        return None
    key = serialization.load_pem_private_key(key_path.read_bytes(), password=None)
    return (
        key.public_key()
        .public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
        .hex()
    )


def stored_checkpoints(session: Session) -> list[SignedCheckpoint]:
    """Every stored checkpoint, oldest first."""
    rows = session.exec(select(CreditCheckpoint).order_by(col(CreditCheckpoint.id)))
    return [_signed(row) for row in rows]


def _signed(row: CreditCheckpoint) -> SignedCheckpoint:
    return SignedCheckpoint(
        row.id or 0, row.seq, row.head_hash, row.signed_at, row.signature, row.public_key
    )


def verify(*, session: Session, station_key: str | None = None) -> VerifyResult:
    """Walk the chain, then check the head row and every checkpoint against it.

    `station_key` (hex): a checkpoint signed by another key fails.
    """
    ledger = SqlLedger(session)
    trusted = [station_key] if station_key else None
    result = verify_ledger(ledger, stored_checkpoints(session), trusted_keys=trusted)
    if not result.ok:
        return result
    head = ledger.stored_head()
    if (head.seq, head.entry_hash) != (result.length, result.head_hash):
        return VerifyResult(
            False,
            result.head_hash,
            min(head.seq, result.length) + 1,
            f"the head records {head.seq} entries ending {head.entry_hash[:12]}, "
            f"the chain holds {result.length} ending {result.head_hash[:12]}",
            result.length,
        )
    return result


def require_intact(*, session: Session, station_key: str | None = None) -> VerifyResult:
    """The verified result, or LedgerBroken: nothing may be derived from a broken chain."""
    result = verify(session=session, station_key=station_key)
    if not result.ok:
        raise LedgerBroken(describe(result))
    return result


def describe(result: VerifyResult) -> str:
    """The one-line finding of a failed verification: which checkpoint or entry, and why."""
    where = (
        f"checkpoint {result.checkpoint_id}"
        if result.checkpoint_id is not None
        else f"entry {result.first_broken_seq}"
    )
    return f"ledger broken at {where}: {result.reason}"


def published(session: Session, *, key: str | None, limit: int) -> dict[str, Any]:
    """The newest `limit` checkpoints with the station key and its fingerprint (newest first)."""
    rows = session.exec(
        select(CreditCheckpoint).order_by(col(CreditCheckpoint.id).desc()).limit(limit)
    )
    total = session.exec(select(sa.func.count()).select_from(CreditCheckpoint)).one()
    return {
        "public_key": key,
        "fingerprint": fingerprint(key) if key else None,
        "algorithm": "Ed25519 over the canonical JSON {at, head_hash, seq} "
        "(sorted keys, no spaces)",
        "head_seq": SqlLedger(session).head_seq(),
        "total": total,
        "checkpoints": [
            {
                "id": row.id,
                "seq": row.seq,
                "head_hash": row.head_hash,
                "at": row.signed_at,
                "signature": row.signature,
                "public_key": row.public_key,
            }
            for row in rows
        ],
    }


def proof(session: Session, *, first: int, last: int) -> dict[str, Any]:
    """The consistency proof from the head at `first` to the head at `last` (bounds checked)."""
    entries = SqlLedger(session).iter_entries(after=max(first - 1, 0), upto=last)
    return consistency_proof(entries, first, last)
