"""The ledger's integrity in the database: every column covered, checkpoints enforced."""

from __future__ import annotations

import hashlib
from datetime import timedelta
from typing import Any

import pytest
import sqlalchemy as sa
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
from flask import Flask
from flask.testing import FlaskClient
from sqlmodel import Session, col, select

from credit.checkpoints import signed_body
from credit.ledger import COVERAGE, ENTRY_FIELDS, chain_hash
from market.credit import services as credit
from market.credit.models import LEDGER_COLUMNS, CreditCheckpoint, CreditLedgerEntry, CreditScore
from tests.builders import app_session, make_user
from tests.market.test_credit_api import Api
from tests.market.test_credit_ledger import hooked, sell

LEDGER = CreditLedgerEntry.__table__  # type: ignore[attr-defined]
CHECKPOINTS = "/api/v1/credit/checkpoints"
CONSISTENCY = "/api/v1/credit/checkpoints/consistency"


def _sales(app: Flask, n: int) -> None:
    session = hooked(app)
    seller = make_user(session)
    for _ in range(n):
        sell(session, seller, make_user(session))
    session.close()


def _verify(app: Flask) -> Any:
    return app.test_cli_runner().invoke(args=["credit", "verify"])


def _checkpoint(app: Flask) -> CreditCheckpoint:
    result = app.test_cli_runner().invoke(args=["credit", "checkpoint"])
    assert result.exit_code == 0, result.output
    with app_session(app) as session:
        row = session.exec(
            select(CreditCheckpoint).order_by(col(CreditCheckpoint.id).desc())
        ).first()
        assert row is not None
        return row


def test_every_column_of_the_ledger_table_is_covered_by_the_chain() -> None:
    assert set(LEDGER.columns.keys()) == set(LEDGER_COLUMNS)
    assert set(LEDGER_COLUMNS) == set(ENTRY_FIELDS) == set(COVERAGE)


def _forged(column: str, row: dict[str, Any], other_subject: str) -> object:
    forged: dict[str, object] = {
        "seq": 99,
        "prev_hash": "f" * 64,
        "payload": row["payload"].replace('"reservation:', '"reservation:9'),
        "entry_hash": "e" * 64,
        "personal_ref": "ab" * 16,
        "subject": other_subject,  # the testers' attack: point an event at someone else
        "event_id": "xunhuan:forged",
        "recorded_at": row["recorded_at"] + timedelta(days=1),
    }
    return forged[column]


@pytest.mark.parametrize("column", sorted(LEDGER_COLUMNS))
def test_an_sql_edit_of_any_column_is_named_by_verify(
    app: Flask, ctx: Session, column: str
) -> None:
    _sales(app, 3)
    assert _verify(app).exit_code == 0
    other = credit.user_subject(make_user(ctx).id or 0, credit.key_from_config(app.config))
    row = dict(ctx.execute(sa.select(LEDGER).where(LEDGER.c.seq == 2)).mappings().one())
    ctx.execute(
        sa.update(LEDGER).where(LEDGER.c.seq == 2).values({column: _forged(column, row, other)})
    )
    ctx.commit()
    result = _verify(app)
    assert result.exit_code == 1, result.output
    assert "ledger broken at entry 2:" in result.output


def test_a_deleted_tail_with_a_rewound_head_is_caught_by_the_checkpoint(
    app: Flask, ctx: Session
) -> None:
    _sales(app, 3)
    signed = _checkpoint(app)
    assert signed.seq == 3
    second = ctx.execute(sa.select(LEDGER.c.entry_hash).where(LEDGER.c.seq == 2)).scalar_one()
    ctx.execute(sa.text("DELETE FROM credit_ledger WHERE seq = 3"))
    ctx.execute(sa.text("UPDATE credit_ledger_head SET seq = 2, entry_hash = :h"), {"h": second})
    ctx.commit()
    result = _verify(app)
    assert result.exit_code == 1
    assert f"ledger broken at checkpoint {signed.id}:" in result.output
    assert "truncated" in result.output


def _insert_checkpoint(ctx: Session, app: Flask, *, seq: int, head_hash: str) -> int:
    key = credit.load_private_key(credit.checkpoint_key_path(app.config))
    at = "2026-12-03T12:00:00+00:00"
    row = CreditCheckpoint(
        seq=seq,
        head_hash=head_hash,
        signed_at=at,
        signature=key.sign(signed_body(seq, head_hash, at)).hex(),
        public_key=key.public_key().public_bytes_raw().hex(),
    )
    ctx.add(row)
    ctx.commit()
    return row.id or 0


def test_a_forked_checkpoint_is_named(app: Flask, ctx: Session) -> None:
    _sales(app, 3)
    _checkpoint(app)
    forked = _insert_checkpoint(ctx, app, seq=2, head_hash="a" * 64)
    result = _verify(app)
    assert result.exit_code == 1
    assert f"ledger broken at checkpoint {forked}:" in result.output and "forked" in result.output


def test_a_checkpoint_with_a_bad_signature_is_named(app: Flask, ctx: Session) -> None:
    _sales(app, 3)
    signed = _checkpoint(app)
    flipped = ("0" if signed.signature[0] != "0" else "1") + signed.signature[1:]
    ctx.execute(
        sa.text("UPDATE credit_checkpoints SET signature = :s WHERE id = :i"),
        {"s": flipped, "i": signed.id},
    )
    ctx.commit()
    result = _verify(app)
    assert result.exit_code == 1
    assert f"ledger broken at checkpoint {signed.id}: bad signature" in result.output


def test_a_checkpoint_signed_by_another_key_is_named(app: Flask, ctx: Session) -> None:
    _sales(app, 2)
    _checkpoint(app)
    first = ctx.exec(select(CreditCheckpoint).order_by(col(CreditCheckpoint.id))).first()
    assert first is not None
    ctx.commit()
    credit.checkpoint_key_path(app.config).unlink()  # the station key is replaced...
    credit.load_private_key(credit.checkpoint_key_path(app.config))
    result = _verify(app)  # ...so its old checkpoints no longer count as the station's
    assert result.exit_code == 1
    assert f"checkpoint {first.id}: signed by a key that is not the station's" in result.output


def _scores(ctx: Session) -> list[tuple[Any, ...]]:
    rows = ctx.exec(select(CreditScore).order_by(col(CreditScore.subject))).all()
    return [tuple(r.model_dump().values()) for r in rows]


def test_recompute_refuses_a_broken_chain_and_writes_nothing(app: Flask, ctx: Session) -> None:
    _sales(app, 3)
    other = credit.user_subject(make_user(ctx).id or 0, credit.key_from_config(app.config))
    ctx.execute(sa.update(LEDGER).where(LEDGER.c.seq <= 2).values(subject=other))
    ctx.commit()
    before = _scores(ctx)
    ctx.commit()
    result = app.test_cli_runner().invoke(args=["credit", "recompute"])
    assert result.exit_code == 1
    assert "not recomputing scores: ledger broken at entry 1" in result.output
    assert "nothing written" in result.output
    ctx.expire_all()
    assert _scores(ctx) == before
    assert ctx.get(CreditScore, other) is None


def test_the_checkpoint_command_does_not_sign_a_broken_chain(app: Flask, ctx: Session) -> None:
    _sales(app, 2)
    ctx.execute(sa.update(LEDGER).where(LEDGER.c.seq == 2).values(event_id="xunhuan:forged"))
    ctx.commit()
    count = len(ctx.exec(select(CreditCheckpoint)).all())
    ctx.commit()
    result = app.test_cli_runner().invoke(args=["credit", "checkpoint"])
    assert result.exit_code == 1
    assert "not signing: ledger broken at entry 2" in result.output
    assert len(ctx.exec(select(CreditCheckpoint)).all()) == count


def test_recompute_rescores_an_intact_chain(app: Flask, ctx: Session) -> None:
    _sales(app, 2)
    result = app.test_cli_runner().invoke(args=["credit", "recompute"])
    assert result.exit_code == 0, result.output
    assert "recomputed 1 subjects" in result.output


def _outsider_head(held: str, proof: dict[str, Any]) -> str:
    """What a partner computes with hashlib alone, from the head it kept."""
    head = held
    for step in proof["entries"]:
        head = hashlib.sha256((head + step["payload_digest"]).encode()).hexdigest()
    return head


def _outsider_checks_signature(listing: dict[str, Any], cp: dict[str, Any]) -> None:
    key_hex = listing["public_key"]
    assert listing["fingerprint"] == "SHA256:" + hashlib.sha256(bytes.fromhex(key_hex)).hexdigest()
    assert cp["public_key"] == key_hex
    body = f'{{"at":"{cp["at"]}","head_hash":"{cp["head_hash"]}","seq":{cp["seq"]}}}'
    Ed25519PublicKey.from_public_bytes(bytes.fromhex(key_hex)).verify(
        bytes.fromhex(cp["signature"]), body.encode()
    )


def _rechain_from(ctx: Session, seq: int) -> None:
    """A careful forger: edit entry `seq` and recompute every later hash and the head."""
    rows = list(ctx.execute(sa.select(LEDGER).order_by(LEDGER.c.seq)).mappings())
    prev = rows[seq - 2]["entry_hash"] if seq > 1 else "0" * 64
    for row in rows[seq - 1 :]:
        payload = row["payload"]
        if row["seq"] == seq:
            payload = payload.replace('"trade_completed"', '"wipe_certificate"')
        new = chain_hash(prev, payload)
        ctx.execute(
            sa.update(LEDGER)
            .where(LEDGER.c.seq == row["seq"])
            .values(payload=payload, prev_hash=prev, entry_hash=new)
        )
        prev = new
    ctx.execute(sa.text("UPDATE credit_ledger_head SET entry_hash = :h"), {"h": prev})
    ctx.commit()


def test_a_partner_holding_a_checkpoint_proves_the_ledger_grew_and_then_that_it_was_rewritten(
    app: Flask, ctx: Session, client: FlaskClient
) -> None:
    api = Api(client)
    _sales(app, 3)
    _checkpoint(app)
    listing = api.check(client.get(CHECKPOINTS), "get", CHECKPOINTS).get_json()
    held = listing["checkpoints"][0]
    assert held["seq"] == 3
    _outsider_checks_signature(listing, held)
    _sales(app, 2)
    _checkpoint(app)
    newer = api.check(client.get(CHECKPOINTS), "get", CHECKPOINTS).get_json()["checkpoints"][0]
    _outsider_checks_signature(listing, newer)
    url = f"{CONSISTENCY}?from={held['seq']}&to={newer['seq']}"
    proof = api.check(client.get(url), "get", CONSISTENCY).get_json()
    assert [s["seq"] for s in proof["entries"]] == [4, 5]
    assert _outsider_head(held["head_hash"], proof) == newer["head_hash"]
    assert proof["to"]["head_hash"] == newer["head_hash"]

    _rechain_from(ctx, 2)
    assert _verify(app).exit_code == 1  # the station's own check names the checkpoints
    again = api.check(client.get(f"{CONSISTENCY}?from={held['seq']}"), "get", CONSISTENCY)
    forged = again.get_json()
    assert forged["from"]["head_hash"] != held["head_hash"]
    assert _outsider_head(held["head_hash"], forged) != forged["to"]["head_hash"]


def test_an_empty_range_and_the_genesis_are_answered(app: Flask, client: FlaskClient) -> None:
    api = Api(client)
    _sales(app, 1)
    proof = api.check(client.get(f"{CONSISTENCY}?from=0&to=1"), "get", CONSISTENCY).get_json()
    head = proof["to"]["head_hash"]
    assert _outsider_head("0" * 64, proof) == head
    same = api.check(client.get(f"{CONSISTENCY}?from=1&to=1"), "get", CONSISTENCY).get_json()
    assert same["entries"] == [] and same["from"]["head_hash"] == head


@pytest.mark.parametrize(
    ("query", "reason"),
    [
        ("", "missing_parameter"),
        ("from=x", "not_a_whole_number"),
        ("from=-1", "not_a_whole_number"),
        ("from=1.5", "not_a_whole_number"),
        ("from=%EF%BC%91", "not_a_whole_number"),  # a full-width digit
        ("from=0&to=abc", "not_a_whole_number"),
        ("from=0&to=99", "out_of_range"),
        ("from=2&to=1", "from_after_to"),
        ("from=9", "from_after_to"),
    ],
)
def test_bad_ranges_get_a_json_400_with_the_reason(
    app: Flask, client: FlaskClient, query: str, reason: str
) -> None:
    api = Api(client)
    _sales(app, 2)
    answer = api.check(client.get(f"{CONSISTENCY}?{query}"), "get", CONSISTENCY)
    assert answer.status_code == 400 and answer.get_json()["error"] == reason


@pytest.mark.parametrize(
    ("query", "reason"),
    [
        ("limit=0", "out_of_range"),
        ("limit=501", "out_of_range"),
        ("limit=ten", "not_a_whole_number"),
    ],
)
def test_a_bad_checkpoint_limit_gets_a_json_400(
    client: FlaskClient, query: str, reason: str
) -> None:
    api = Api(client)
    answer = api.check(client.get(f"{CHECKPOINTS}?{query}"), "get", CHECKPOINTS)
    assert answer.status_code == 400 and answer.get_json()["error"] == reason


def test_the_public_endpoints_are_rate_limited_per_address(app: Flask, client: FlaskClient) -> None:
    app.config.update(CREDIT_API_READ_LIMIT="2 per minute")
    api = Api(client)
    codes = [api.check(client.get(CHECKPOINTS), "get", CHECKPOINTS).status_code for _ in range(3)]
    assert codes == [200, 200, 429]


def test_the_public_checkpoint_page_shows_the_key_and_the_signed_heads(
    app: Flask, client: FlaskClient
) -> None:
    _sales(app, 2)
    signed = _checkpoint(app)
    html = client.get("/credit/checkpoints").get_data(as_text=True)
    assert "信用账本检查点" in html
    assert signed.head_hash in html and signed.signature in html
    fingerprint = "SHA256:" + hashlib.sha256(bytes.fromhex(signed.public_key)).hexdigest()
    assert fingerprint in html
    from tests.support.auth import csrf_token

    client.post("/lang/en", data={"csrf_token": csrf_token(client)})
    english = client.get("/credit/checkpoints").get_data(as_text=True)
    assert "Credit ledger checkpoints" in english and "信用账本" not in english
