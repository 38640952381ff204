from __future__ import annotations

from dataclasses import replace

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from credit.checkpoints import (
    SignedCheckpoint,
    consistency_proof,
    make_checkpoint,
    recompute_head,
    verify_checkpoint,
    verify_ledger,
)
from credit.errors import ProofUnavailable
from credit.events import canonical_json
from credit.ledger import (
    COVERAGE,
    ENTRY_FIELDS,
    GENESIS_HASH,
    InMemoryLedger,
    LedgerEntry,
    Walk,
    append_event,
    build_anchor,
    chain_hash,
    link_hash,
    payload_digest,
    verify_chain,
)
from tests.credit.builders import NOW, rating, trade


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
    ledger.entries[1] = replace(
        entry, payload=payload, entry_hash=chain_hash(entry.prev_hash, payload)
    )
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


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("seq", 9),
        ("personal_ref", "ff" * 16),
        ("subject", "o:91110000600037341L"),
        ("event_id", "forged"),
        ("recorded_at", "2020-01-01T00:00:00+00:00"),
    ],
)
def test_a_column_beside_the_payload_that_disagrees_with_it_is_named(
    ledger: InMemoryLedger, field: str, value: object
) -> None:
    ledger.entries[1] = replace(ledger.entries[1], **{field: value})
    result = verify_chain(ledger)
    assert (result.ok, result.first_broken_seq) == (False, 2)


def test_every_entry_field_is_declared_covered() -> None:
    assert set(COVERAGE) == set(ENTRY_FIELDS)


def test_the_v2_hash_commits_to_the_payload_digest(ledger: InMemoryLedger) -> None:
    entry = ledger.entries[3]
    assert entry.entry_hash == link_hash(entry.prev_hash, payload_digest(entry.payload))
    body = entry.body()
    assert (body["v"], body["seq"], body["recorded_at"]) == (2, 4, entry.recorded_at)


def _v1(n: int) -> InMemoryLedger:
    repo, prev = InMemoryLedger(), GENESIS_HASH
    for i in range(n):
        event = trade(i)
        payload = canonical_json({"event": event.to_dict(), "personal_ref": None})
        entry = LedgerEntry(
            i + 1,
            prev,
            payload,
            chain_hash(prev, payload),
            None,
            event.subject,
            event.event_id,
            f"2026-11-0{i + 1}T00:00:00+00:00",
        )
        repo.entries.append(entry)
        prev = entry.entry_hash
    return repo


def _anchored(n: int) -> InMemoryLedger:
    repo = _v1(n)
    walk = Walk()
    assert walk.run(repo.entries) is not None  # v1 alone: "without a version 2 anchor"
    repo.entries.append(build_anchor(repo.entries[-1], walk.v1.hexdigest(), recorded_at=NOW))
    append_event(repo, rating(0))
    return repo


def test_v1_entries_verify_behind_their_anchor_and_an_edit_of_their_time_is_caught() -> None:
    repo = _anchored(3)
    assert verify_chain(repo).ok
    repo.entries[1] = replace(repo.entries[1], recorded_at="2020-01-01T00:00:00+00:00")
    result = verify_chain(repo)
    assert (result.ok, result.first_broken_seq) == (False, 4)
    assert "anchor" in (result.reason or "")


def test_a_v1_entry_after_v2_or_a_second_anchor_is_refused() -> None:
    repo = _anchored(2)
    walk = Walk()
    walk.run(repo.entries[:2])
    second = build_anchor(repo.entries[-1], walk.v1.hexdigest(), recorded_at=NOW)
    repo.entries.append(second)
    assert verify_chain(repo).first_broken_seq == 5


def test_checkpoints_are_checked_in_the_same_walk(ledger: InMemoryLedger) -> None:
    key = Ed25519PrivateKey.generate()
    public = key.public_key().public_bytes_raw().hex()
    signed = make_checkpoint(ledger, key)
    mark = SignedCheckpoint(
        7, signed["seq"], signed["head_hash"], signed["at"], signed["signature"], public
    )
    assert verify_ledger(ledger, [mark], trusted_keys=[public]).ok
    assert verify_ledger(ledger, [mark], trusted_keys=["00" * 32]).checkpoint_id == 7
    del ledger.entries[-1]
    result = verify_ledger(ledger, [mark])
    assert (result.ok, result.checkpoint_id) == (False, 7) and "truncated" in (result.reason or "")


def test_a_consistency_proof_recomputes_the_newer_head_and_not_after_a_rewrite(
    ledger: InMemoryLedger,
) -> None:
    held = ledger.entries[1].entry_hash
    proof = consistency_proof(ledger.entries[1:], 2, 5)
    digests = [s["payload_digest"] for s in proof["entries"]]
    head = ledger.entries[-1].entry_hash
    assert recompute_head(held, digests) == proof["to"]["head_hash"] == head
    prev = ledger.entries[0].entry_hash
    for i in range(1, 5):  # rewrite entry 2 and re-chain everything after it
        entry = ledger.entries[i]
        payload = entry.payload.replace("t1", "t8") if i == 1 else entry.payload
        ledger.entries[i] = replace(
            entry, prev_hash=prev, payload=payload, entry_hash=chain_hash(prev, payload)
        )
        prev = ledger.entries[i].entry_hash
    forged = consistency_proof(ledger.entries[1:], 2, 5)
    again = [s["payload_digest"] for s in forged["entries"]]
    assert recompute_head(held, again) != forged["to"]["head_hash"]


def test_no_digest_proof_spans_v1_entries() -> None:
    repo = _anchored(3)
    with pytest.raises(ProofUnavailable):
        consistency_proof(repo.entries, 0, 5)
    proof = consistency_proof(repo.entries[2:], 3, 5)
    steps = [s["payload_digest"] for s in proof["entries"]]
    assert recompute_head(repo.entries[2].entry_hash, steps) == repo.entries[-1].entry_hash
