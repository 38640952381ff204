"""The chain v2 migration re-chains honestly: v1 entries stay, an anchor covers their columns."""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from flask import Flask
from flask.testing import FlaskClient

from credit.checkpoints import make_checkpoint
from credit.events import canonical_json
from credit.ledger import GENESIS_HASH, InMemoryLedger, LedgerEntry
from market import create_app
from market.credit import services as credit
from market.db import make_engine
from market.migrate import downgrade, upgrade
from tests.builders import app_session
from tests.credit.builders import NOW, trade
from tests.market.test_credit_api import Api
from tests.support.pg import PostgresCluster
from tests.support.requirements import need

BEFORE = "e5e4f5061705"
CONSISTENCY = "/api/v1/credit/checkpoints/consistency"


@pytest.fixture(params=["sqlite", "postgresql"])
def v1_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A database at the revision before chain v2."""
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path / 'v1.db'}"
        upgrade(url, BEFORE)
        yield url
        return
    cluster: PostgresCluster | None = request.getfixturevalue("pg_cluster")
    need(cluster is not None, "PostgreSQL server", "apt-get install postgresql")
    assert cluster is not None
    url = cluster.create_database("ledger_v1")
    upgrade(url, BEFORE)
    yield url
    cluster.drop_database("ledger_v1")


def _v1_rows(n: int) -> list[dict[str, Any]]:
    """Entries as the version 1 code wrote them: sha256(prev_hash + payload), no time inside."""
    rows, prev = [], GENESIS_HASH
    for i in range(n):
        event = trade(i)
        payload = canonical_json({"event": event.to_dict(), "personal_ref": None})
        entry_hash = hashlib.sha256((prev + payload).encode()).hexdigest()
        rows.append(
            {
                "seq": i + 1,
                "prev_hash": prev,
                "payload": payload,
                "entry_hash": entry_hash,
                "personal_ref": None,
                "subject": event.subject,
                "event_id": event.event_id,
                "recorded_at": NOW + timedelta(minutes=i),
            }
        )
        prev = entry_hash
    return rows


def _write_v1(url: str, tmp_path: Path, n: int = 3) -> dict[str, Any]:
    """Fill the v1 database; sign a v1 checkpoint with the station key; return it."""
    rows = _v1_rows(n)
    engine = make_engine(url)
    meta = sa.MetaData()
    meta.reflect(engine, only=["credit_ledger", "credit_ledger_head", "credit_checkpoints"])
    ledger, head = meta.tables["credit_ledger"], meta.tables["credit_ledger_head"]
    key = credit.load_private_key(tmp_path / "data" / "credit_checkpoint_key.pem")
    memory = InMemoryLedger()
    memory.entries = [
        LedgerEntry(r["seq"], r["prev_hash"], r["payload"], r["entry_hash"]) for r in rows
    ]
    signed = make_checkpoint(memory, key)
    with engine.begin() as conn:
        conn.execute(sa.insert(ledger), rows)
        conn.execute(sa.update(head).values(seq=n, entry_hash=rows[-1]["entry_hash"]))
        conn.execute(
            sa.insert(meta.tables["credit_checkpoints"]).values(
                seq=signed["seq"],
                head_hash=signed["head_hash"],
                signed_at=signed["at"],
                signature=signed["signature"],
                public_key=key.public_key().public_bytes_raw().hex(),
            )
        )
    engine.dispose()
    return signed


@pytest.fixture
def migrated(v1_url: str, tmp_path: Path) -> Iterator[tuple[Flask, dict[str, Any]]]:
    signed = _write_v1(v1_url, tmp_path)
    upgrade(v1_url)
    app = create_app({"DATABASE_URL": v1_url, "DATA_DIR": str(tmp_path / "data")})
    yield app, signed
    app.extensions["xunhuan.engine"].dispose()


def _verify(app: Flask) -> Any:
    return app.test_cli_runner().invoke(args=["credit", "verify"])


def _rows(app: Flask) -> list[dict[str, Any]]:
    with app.extensions["xunhuan.engine"].connect() as conn:
        query = sa.text("SELECT seq, subject, event_id, prev_hash FROM credit_ledger ORDER BY seq")
        return [dict(r) for r in conn.execute(query).mappings()]


def test_the_upgrade_keeps_v1_entries_and_appends_an_anchor_that_verifies(
    migrated: tuple[Flask, dict[str, Any]],
) -> None:
    app, signed = migrated
    rows = _rows(app)
    assert [r["seq"] for r in rows] == [1, 2, 3, 4]
    assert rows[3]["subject"] is None and rows[3]["event_id"] == "ledger:chain-v2"
    assert rows[3]["prev_hash"] == signed["head_hash"]  # the anchor extends the old head
    result = _verify(app)
    assert result.exit_code == 0, result.output  # the v1 checkpoint still holds: no rewrite
    assert "4 entries" in result.output
    with app.app_context(), app_session(app) as session:
        credit.append_events(session, [(trade(9), None)])
        session.commit()
    assert _verify(app).exit_code == 0


@pytest.mark.parametrize(
    ("column", "forged", "named"),
    [
        (
            "recorded_at",
            NOW - timedelta(days=400),
            "entry 4",
        ),  # unhashed in v1: the anchor's digest
        ("subject", "o:91350100M000100Y43x", "entry 2"),
        ("event_id", "trade-forged", "entry 2"),
    ],
)
def test_an_edit_of_an_old_rows_column_is_caught_after_the_upgrade(
    migrated: tuple[Flask, dict[str, Any]], column: str, forged: object, named: str
) -> None:
    app, _signed = migrated
    engine = app.extensions["xunhuan.engine"]
    ledger = sa.Table("credit_ledger", sa.MetaData(), autoload_with=engine)
    with engine.begin() as conn:
        conn.execute(sa.update(ledger).where(ledger.c.seq == 2).values({column: forged}))
    result = _verify(app)
    assert result.exit_code == 1
    assert f"ledger broken at {named}:" in result.output


def test_a_proof_from_the_v1_head_reaches_the_anchor_and_none_starts_inside_v1(
    migrated: tuple[Flask, dict[str, Any]],
) -> None:
    app, signed = migrated
    client: FlaskClient = app.test_client()
    api = Api(client)
    proof = api.check(client.get(f"{CONSISTENCY}?from=3"), "get", CONSISTENCY).get_json()
    head = signed["head_hash"]
    for step in proof["entries"]:
        head = hashlib.sha256((head + step["payload_digest"]).encode()).hexdigest()
    assert head == proof["to"]["head_hash"] and proof["to"]["seq"] == 4
    inside = api.check(client.get(f"{CONSISTENCY}?from=1"), "get", CONSISTENCY)
    assert inside.status_code == 400 and inside.get_json()["error"] == "no_digest_proof"


def test_the_upgrade_refuses_to_anchor_an_edited_v1_chain(v1_url: str, tmp_path: Path) -> None:
    _write_v1(v1_url, tmp_path)
    engine = make_engine(v1_url)
    with engine.begin() as conn:
        conn.execute(
            sa.text("UPDATE credit_ledger SET payload = replace(payload, 't1', 't7') WHERE seq = 2")
        )
    engine.dispose()
    with pytest.raises(RuntimeError, match="entry 2"):
        upgrade(v1_url)


def test_the_downgrade_removes_only_the_anchor_and_refuses_once_v2_events_follow(
    v1_url: str, migrated: tuple[Flask, dict[str, Any]]
) -> None:
    app, signed = migrated
    app.extensions["xunhuan.engine"].dispose()
    downgrade(v1_url, BEFORE)
    engine = make_engine(v1_url)
    with engine.connect() as conn:
        seqs = list(conn.execute(sa.text("SELECT seq FROM credit_ledger ORDER BY seq")).scalars())
        head = conn.execute(sa.text("SELECT seq, entry_hash FROM credit_ledger_head")).one()
    engine.dispose()
    assert seqs == [1, 2, 3] and tuple(head) == (3, signed["head_hash"])
    upgrade(v1_url)
    with app.app_context(), app_session(app) as session:
        credit.append_events(session, [(trade(9), None)])
        session.commit()
    app.extensions["xunhuan.engine"].dispose()
    with pytest.raises(RuntimeError, match="version 2"):
        downgrade(v1_url, BEFORE)


def test_the_upgrade_refuses_a_v1_chain_its_checkpoint_does_not_hold(
    v1_url: str, tmp_path: Path
) -> None:
    _write_v1(v1_url, tmp_path)
    engine = make_engine(v1_url)
    with engine.begin() as conn:
        second = conn.execute(sa.text("SELECT entry_hash FROM credit_ledger WHERE seq = 2"))
        conn.execute(
            sa.text("UPDATE credit_ledger_head SET seq = 2, entry_hash = :h"),
            {"h": second.scalar_one()},
        )
        conn.execute(sa.text("DELETE FROM credit_ledger WHERE seq = 3"))
    engine.dispose()
    with pytest.raises(RuntimeError, match="checkpoint 1: .*truncated"):
        upgrade(v1_url)
