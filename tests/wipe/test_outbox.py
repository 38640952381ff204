"""Delivery to the marketplace: written locally first, uploaded exactly once, never lost."""

from __future__ import annotations

import json
import socket
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from tests.support.erasure import make_certificate, make_report
from wipe.certificate import sign_certificate
from wipe.cli_certs import sync
from wipe.issue import issue_certificate
from wipe.keys import init_station_key, load_private_key
from wipe.outbox import Outbox, resolve_token

TOKEN = "station-token-1"


@dataclass
class FakeMarket:
    """A marketplace upload endpoint that stores certificates by id, as the real one must."""

    url: str = ""
    stored: dict[str, bytes] = field(default_factory=dict)
    requests: list[dict[str, Any]] = field(default_factory=list)
    answer: tuple[int, dict[str, Any]] | None = None  # forced answer, when set

    def handle(self, path: str, auth: str | None, body: bytes) -> tuple[int, dict[str, Any]]:
        cert_id = json.loads(body)["certificate_id"]
        self.requests.append({"path": path, "auth": auth, "id": cert_id})
        if self.answer is not None:
            return self.answer
        if auth != f"Bearer {TOKEN}":
            return 401, {"error": "bad_token", "reason": "上传令牌无效。"}
        if cert_id in self.stored:
            if self.stored[cert_id] == body:
                return 200, {"id": cert_id, "status": "already_stored"}
            return 409, {"error": "conflict", "reason": "同一证书编号已上传过不同内容。"}
        self.stored[cert_id] = body
        return 201, {"id": cert_id}


@pytest.fixture
def market() -> Iterator[FakeMarket]:
    fake = FakeMarket()

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:  # noqa: N802 - http.server's naming
            body = self.rfile.read(int(self.headers["Content-Length"]))
            status, answer = fake.handle(self.path, self.headers.get("Authorization"), body)
            data = json.dumps(answer).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def log_message(self, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    fake.url = f"http://127.0.0.1:{server.server_address[1]}"
    thread = threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True)
    thread.start()
    try:
        yield fake
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)


def down_url() -> str:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return f"http://127.0.0.1:{sock.getsockname()[1]}"


@pytest.fixture
def signer(tmp_path: Path) -> Any:
    init_station_key(tmp_path / "keys")
    key = load_private_key(tmp_path / "keys")
    counter = iter(range(100))

    def make(**overrides: Any) -> dict[str, Any]:
        cert_id = f"00000000-0000-4000-8000-{next(counter):012d}"
        cert = make_certificate(certificate_id=cert_id, host="station-1", **overrides)
        return sign_certificate(cert, key)

    return make


def test_queued_while_the_marketplace_is_down_then_delivered_once(
    tmp_path: Path, market: FakeMarket, signer: Any
) -> None:
    outbox = Outbox(tmp_path / "outbox")
    first, second = signer(), signer()
    outbox.enqueue(first)
    outbox.enqueue(second)
    offline = outbox.sync(down_url(), TOKEN, timeout=2)
    assert offline.pending == [first["certificate_id"], second["certificate_id"]]
    assert offline.error and "cannot reach" in offline.error
    assert not offline.complete
    online = outbox.sync(market.url, TOKEN)
    assert online.delivered == [first["certificate_id"], second["certificate_id"]]
    assert online.complete and outbox.pending() == []
    assert again_empty(outbox, market)
    assert [r["path"] for r in market.requests] == ["/api/v1/certificates"] * 2
    assert {r["auth"] for r in market.requests} == {f"Bearer {TOKEN}"}
    assert json.loads(market.stored[first["certificate_id"]]) == first


def again_empty(outbox: Outbox, market: FakeMarket) -> bool:
    before = len(market.requests)
    result = outbox.sync(market.url, TOKEN)
    return result.delivered == [] and len(market.requests) == before


def test_a_conflict_moves_the_certificate_to_rejected_with_its_reason(
    tmp_path: Path, market: FakeMarket, signer: Any
) -> None:
    outbox = Outbox(tmp_path / "outbox")
    cert = signer()
    market.stored[cert["certificate_id"]] = b"{}"  # the server holds other content for this id
    outbox.enqueue(cert)
    result = outbox.sync(market.url, TOKEN)
    assert result.rejected == {cert["certificate_id"]: "conflict: 同一证书编号已上传过不同内容。"}
    assert result.complete and outbox.pending() == []
    note = json.loads((outbox.rejected_dir / f"{cert['certificate_id']}.reason.json").read_text())
    assert note["status"] == 409 and note["answer"]["error"] == "conflict"
    assert json.loads((outbox.rejected_dir / f"{cert['certificate_id']}.json").read_text()) == cert


def test_a_crash_between_upload_and_delete_just_sends_again(
    tmp_path: Path, market: FakeMarket, signer: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    outbox = Outbox(tmp_path / "outbox")
    cert = signer()
    outbox.enqueue(cert)

    def power_cut(self: Outbox, cert_id: str) -> None:
        raise KeyboardInterrupt("power cut")

    with monkeypatch.context() as patch:
        patch.setattr(Outbox, "_delivered", power_cut)
        with pytest.raises(KeyboardInterrupt):
            outbox.sync(market.url, TOKEN)
    assert outbox.pending() == [cert["certificate_id"]]  # never deleted before the answer
    result = outbox.sync(market.url, TOKEN)
    assert result.delivered == [cert["certificate_id"]] and outbox.pending() == []
    assert [r["id"] for r in market.requests] == [cert["certificate_id"]] * 2
    assert list(market.stored) == [cert["certificate_id"]]


def test_a_certificate_the_marketplace_finds_tampered_is_rejected_not_retried(
    tmp_path: Path, market: FakeMarket, signer: Any
) -> None:
    outbox = Outbox(tmp_path / "outbox")
    cert = signer()
    outbox.enqueue(cert)
    market.answer = (400, {"error": "bad_signature", "reason": "证书签名无效"})
    result = outbox.sync(market.url, TOKEN)
    assert result.rejected == {cert["certificate_id"]: "bad_signature: 证书签名无效"}
    market.answer = None
    assert outbox.sync(market.url, TOKEN).delivered == []
    assert len(market.requests) == 1


@pytest.mark.parametrize(
    "answer",
    [
        (500, {"error": "InternalServerError", "reason": "database down"}),
        (503, {}),
        (429, {"error": "TooManyRequests", "reason": "slow down"}),
        (404, {}),
        (403, {"error": "unknown_key", "reason": "签名密钥未在本店登记或已吊销。"}),
    ],
)
def test_server_trouble_or_an_unregistered_key_keeps_certificates_queued(
    tmp_path: Path, market: FakeMarket, signer: Any, answer: tuple[int, dict[str, Any]]
) -> None:
    outbox = Outbox(tmp_path / "outbox")
    cert = signer()
    outbox.enqueue(cert)
    market.answer = answer
    result = outbox.sync(market.url, TOKEN)
    assert result.pending == [cert["certificate_id"]] and not result.rejected
    assert outbox.pending() == [cert["certificate_id"]]


def test_a_refused_token_rejects_nothing_and_stops_the_round(
    tmp_path: Path, market: FakeMarket, signer: Any
) -> None:
    outbox = Outbox(tmp_path / "outbox")
    for _ in range(3):
        outbox.enqueue(signer())
    result = outbox.sync(market.url, "wrong-token")
    assert len(result.pending) == 3 and not result.rejected
    assert len(market.requests) == 1
    assert not outbox.rejected_dir.exists()


def test_queueing_the_same_certificate_twice_delivers_it_once(
    tmp_path: Path, market: FakeMarket, signer: Any
) -> None:
    outbox = Outbox(tmp_path / "outbox")
    cert = signer()
    outbox.enqueue(cert)
    outbox.enqueue(cert)
    assert outbox.sync(market.url, TOKEN).delivered == [cert["certificate_id"]]
    assert len(market.requests) == 1


def test_issuing_with_a_reachable_marketplace_uploads_at_once_and_keeps_the_local_copy(
    tmp_path: Path, market: FakeMarket
) -> None:
    init_station_key(tmp_path / "keys")
    cert, path = issue_certificate(
        make_report(), key_dir=tmp_path / "keys", out_dir=tmp_path / "certs",
        market_url=market.url, token=TOKEN,
    )  # fmt: skip
    assert list(market.stored) == [cert["certificate_id"]]
    assert Outbox(tmp_path / "certs" / "outbox").pending() == []
    assert json.loads(path.read_text()) == cert


def test_the_upload_token_comes_from_option_then_environment_then_key_dir(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("XUNHUAN_UPLOAD_TOKEN", raising=False)
    assert resolve_token(None, tmp_path) is None
    (tmp_path / "upload_token").write_text("from-file\n")
    assert resolve_token(None, tmp_path) == "from-file"
    monkeypatch.setenv("XUNHUAN_UPLOAD_TOKEN", "from-env")
    assert resolve_token(None, tmp_path) == "from-env"
    assert resolve_token("from-option", tmp_path) == "from-option"


def test_sync_command_delivers_and_exits_zero_when_nothing_is_left(
    tmp_path: Path, market: FakeMarket, signer: Any
) -> None:
    cert = signer()
    Outbox(tmp_path / "outbox").enqueue(cert)
    args = ["--out", str(tmp_path), "--market", market.url, "--token", TOKEN]
    result = CliRunner().invoke(sync, args)
    assert result.exit_code == 0, result.output
    assert f"delivered: {cert['certificate_id']}" in result.output
    assert "1 delivered, 0 rejected, 0 pending" in result.output


def test_sync_command_exits_one_while_certificates_stay_pending(
    tmp_path: Path, signer: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("XUNHUAN_UPLOAD_TOKEN", TOKEN)
    cert = signer()
    Outbox(tmp_path / "outbox").enqueue(cert)
    result = CliRunner().invoke(sync, ["--out", str(tmp_path), "--market", down_url()])
    assert result.exit_code == 1
    assert f"pending: {cert['certificate_id']}" in result.output
    assert "cannot reach" in result.output


def test_sync_command_without_a_token_explains_where_to_put_one(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("XUNHUAN_UPLOAD_TOKEN", raising=False)
    args = ["--out", str(tmp_path), "--market", "http://127.0.0.1:9", "--key-dir", str(tmp_path)]
    result = CliRunner().invoke(sync, args)
    assert result.exit_code == 2
    assert "upload_token" in result.output


def test_sync_command_refuses_a_non_http_marketplace(tmp_path: Path, signer: Any) -> None:
    Outbox(tmp_path / "outbox").enqueue(signer())
    args = ["--out", str(tmp_path), "--market", "file:///etc", "--token", TOKEN]
    result = CliRunner().invoke(sync, args)
    assert result.exit_code == 2
    assert "http" in result.output
