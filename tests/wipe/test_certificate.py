"""Issuing certificates: an honest report in; signed JSON, PDF and a queued upload out."""

from __future__ import annotations

import json
import socket
import uuid
from pathlib import Path
from typing import Any

import pytest

from tests.support.erasure import make_report
from wipe.certificate import (
    SCHEMA,
    TOOL_NAME,
    ReportInvalid,
    tool_version,
    validate_report,
    verify_certificate,
)
from wipe.issue import issue_certificate
from wipe.keys import init_station_key, public_key_pem
from wipe.outbox import Outbox


@pytest.fixture
def key_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.delenv("XUNHUAN_UPLOAD_TOKEN", raising=False)
    directory = tmp_path / "keys"
    init_station_key(directory)
    return directory


def closed_port_url() -> str:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    return f"http://127.0.0.1:{port}"


def test_issued_certificate_is_signed_stored_rendered_and_queued(
    key_dir: Path, tmp_path: Path
) -> None:
    out = tmp_path / "certs"
    cert, path = issue_certificate(make_report(), key_dir=key_dir, out_dir=out, market_url=None)
    assert uuid.UUID(cert["certificate_id"]).version == 4
    assert path == out / f"{cert['certificate_id']}.json"
    assert cert["schema"] == SCHEMA
    assert cert["tool"] == {"name": TOOL_NAME, "version": tool_version()}
    assert cert["host"] == socket.gethostname()
    stored = json.loads(path.read_text(encoding="utf-8"))
    assert stored == cert
    verify_certificate(stored, public_key_pem(key_dir))
    assert path.with_suffix(".pdf").read_bytes().startswith(b"%PDF")
    assert Outbox(out / "outbox").pending() == [cert["certificate_id"]]
    assert not [p for p in out.rglob("*") if p.name.endswith(".tmp")]


def test_the_version_on_the_certificate_is_the_installed_agents() -> None:
    from importlib import metadata

    assert tool_version() == metadata.version("xunhuan")


def test_an_unreachable_marketplace_leaves_the_certificate_queued(
    key_dir: Path, tmp_path: Path
) -> None:
    cert, path = issue_certificate(
        make_report(), key_dir=key_dir, out_dir=tmp_path, market_url=closed_port_url(),
        token="t0ken",
    )  # fmt: skip
    assert path.is_file()
    assert Outbox(tmp_path / "outbox").pending() == [cert["certificate_id"]]


def test_a_report_that_already_carries_a_signature_is_refused(
    key_dir: Path, tmp_path: Path
) -> None:
    report = make_report()
    report["signature"] = {"alg": "Ed25519", "key_id": "x", "value": "y"}
    with pytest.raises(ReportInvalid, match="issued"):
        issue_certificate(report, key_dir=key_dir, out_dir=tmp_path, market_url=None)
    assert not list(tmp_path.glob("*.json"))


def test_every_valid_report_field_set_is_accepted() -> None:
    validate_report(make_report())
    validate_report(make_report(customer=None, asset_tag=None, listing_id=None))
    validate_report(make_report(device__serial=None, device__model=None, listing_id=1842))


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"operator": ""}, "operator"),
        ({"device__size_bytes": "1 TB"}, "device.size_bytes"),
        ({"device__rotational": 1}, "device.rotational"),
        ({"bytes_written": True}, "bytes_written"),
        ({"bytes_written": -1}, "bytes_written"),
        ({"throughput_mib_s": float("nan")}, "throughput_mib_s"),
        ({"device__media": "tape"}, "device.media"),
        ({"level": "destroy"}, "level"),
        ({"technique": "degauss"}, "technique"),
        ({"result": "ok"}, "result"),
        ({"destination": "landfill"}, "destination"),
        ({"verification__mode": "quick"}, "verification.mode"),
        ({"verification__coverage_percent": 120}, "verification.coverage_percent"),
        ({"started_at": "yesterday"}, "started_at"),
        ({"finished_at": "2026-03-02T14:12:31"}, "finished_at"),
        ({"finished_at": "2026-03-01T00:00:00+08:00"}, "finished_at"),
        ({"passes": [{"pattern": "0x00"}]}, "passes[0].random_generator"),
        ({"errors": [{"offset": 0, "length": 512}]}, "errors[0].error"),
        ({"operater": "typo"}, "operater"),
    ],
)
def test_a_bad_report_names_the_field_at_fault(overrides: dict[str, Any], field: str) -> None:
    with pytest.raises(ReportInvalid) as caught:
        validate_report(make_report(**overrides))
    assert caught.value.field == field
    assert field in str(caught.value)


def test_a_missing_field_is_named() -> None:
    report = make_report()
    del report["device"]["serial"]
    with pytest.raises(ReportInvalid, match=r"device\.serial: is required"):
        validate_report(report)


@pytest.mark.parametrize("media", ["ssd", "nvme", "flash"])
def test_overwriting_flash_media_is_never_certified_as_purge(media: str) -> None:
    with pytest.raises(ReportInvalid, match="Clear, never Purge") as caught:
        validate_report(make_report(device__media=media, level="purge"))
    assert caught.value.field == "level"
    validate_report(make_report(device__media=media, level="clear"))


def test_a_host_overwrite_of_a_hard_disk_is_clear_not_purge() -> None:
    with pytest.raises(ReportInvalid, match="host overwrite is Clear"):
        validate_report(make_report(level="purge"))


def test_a_hard_disks_own_firmware_overwrite_may_be_purge() -> None:
    validate_report(make_report(level="purge", profile="nist-purge", passes=[]))


@pytest.mark.parametrize("technique", ["block_erase", "crypto_erase"])
def test_firmware_erase_of_an_ssd_may_be_purge(technique: str) -> None:
    validate_report(make_report(device__media="ssd", technique=technique, level="purge", passes=[]))


def test_a_failed_verification_cannot_pass() -> None:
    with pytest.raises(ReportInvalid, match="mismatches") as caught:
        validate_report(make_report(verification__result="failed", verification__mismatches=4))
    assert caught.value.field == "result"
    validate_report(
        make_report(result="failed", verification__result="failed", verification__mismatches=4)
    )


def test_a_malformed_marketplace_url_is_refused_before_anything_is_signed(
    key_dir: Path, tmp_path: Path
) -> None:
    with pytest.raises(ValueError, match="http"):
        issue_certificate(
            make_report(), key_dir=key_dir, out_dir=tmp_path / "c", market_url="market.test"
        )
    assert not (tmp_path / "c").exists()
