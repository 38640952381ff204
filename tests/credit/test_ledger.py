from __future__ import annotations

from dataclasses import replace

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from credit.checkpoints import make_checkpoint, verify_checkpoint
from credit.ledger import InMemoryLedger, append_event, chain_hash, verify_chain
from tests.credit.builders import rating, trade


@pytest.fixture
def ledger() -> InMemoryLedger:
    repo = InMemoryLedger()
    for i in range(5):
        append_event(repo, trade(i), {"name": f"张{i}", "phone": "13812345678"})
    return repo


def test_an_intact_chain_verifies_with_its_head_hash(ledger: InMemoryLedger) -> None:
    result = verify_chain(ledger)
    assert result.ok and result.head_hash == ledger.entries[-1].entry_hash


def test_an_edited_payload_is_named(ledger: InMemoryLedger) -> None:
    entry = ledger.entries[2]
    ledger.entries[2] = replace(entry, payload=entry.payload.replace("trade_completed", "rating"))
    result = verify_chain(ledger)
    assert (result.ok, result.first_broken_seq) == (False, 3)


def test_an_edit_with_a_recomputed_hash_breaks_the_next_link(ledger: InMemoryLedger) -> None:
    entry = ledger.entries[1]
    payload = entry.payload.replace("t1", "t9")
    ledger.entries[1] = replace(entry, payload=payload,
                                entry_hash=chain_hash(entry.prev_hash, payload))
    assert verify_chain(ledger).first_broken_seq == 3


def test_a_deleted_entry_is_named(ledger: InMemoryLedger) -> None:
    del ledger.entries[1]
    assert verify_chain(ledger).first_broken_seq == 2


def test_swapped_entries_are_named(ledger: InMemoryLedger) -> None:
    ledger.entries[2], ledger.entries[3] = ledger.entries[3], ledger.entries[2]
    assert verify_chain(ledger).first_broken_seq == 3


def test_erasing_personal_data_keeps_the_chain_valid(ledger: InMemoryLedger) -> None:
    ref = ledger.entries[0].personal_ref
    assert ref is not None and ledger.get_personal(ref) == {"name": "张0", "phone": "13812345678"}
    assert "张0" not in ledger.entries[0].payload
    assert ledger.erase_personal(ref)
    assert ledger.get_personal(ref) is None
    assert verify_chain(ledger).ok
    assert ledger.entries[0].event() == trade(0)


def test_a_checkpoint_verifies_and_a_forged_one_does_not(ledger: InMemoryLedger) -> None:
    key = Ed25519PrivateKey.generate()
    checkpoint = make_checkpoint(ledger, key)
    assert verify_checkpoint(checkpoint, key.public_key(), ledger).ok
    append_event(ledger, rating(0))
    assert verify_checkpoint(checkpoint, key.public_key(), ledger).ok  # the chain only grows
    forged = make_checkpoint(ledger, Ed25519PrivateKey.generate())
    assert not verify_checkpoint(forged, key.public_key(), ledger).ok
    moved = {**checkpoint, "seq": checkpoint["seq"] - 1}
    assert verify_checkpoint(moved, key.public_key(), ledger).reason == "bad signature"


def test_a_truncated_ledger_fails_its_checkpoint(ledger: InMemoryLedger) -> None:
    key = Ed25519PrivateKey.generate()
    checkpoint = make_checkpoint(ledger, key)
    del ledger.entries[-1]  # dropping the tail leaves a valid chain; the checkpoint notices
    assert verify_chain(ledger).ok
    assert not verify_checkpoint(checkpoint, key.public_key(), ledger).ok
