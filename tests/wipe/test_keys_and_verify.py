"""Station keys, signatures that any Ed25519 tool accepts, and `wipe-agent keys|verify`."""

from __future__ import annotations

import base64
import hashlib
import json
import os
import shutil
import stat
import subprocess
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from hypothesis import given, settings
from hypothesis import strategies as st

from tests.support.erasure import CERT_ID, make_certificate
from tests.support.requirements import need
from wipe.certificate import (
    CertificateInvalid,
    canonical_bytes,
    key_id_of,
    load_public_key_pem,
    sign_certificate,
    verify_certificate,
)
from wipe.cli_certs import keys, verify
from wipe.files import certificate_json
from wipe.keys import (
    PRIVATE_KEY_FILE,
    StationKeyError,
    StationKeyExists,
    StationKeyMissing,
    init_station_key,
    load_private_key,
    public_key_pem,
)


@pytest.fixture
def key_dir(tmp_path: Path) -> Path:
    directory = tmp_path / "keys"
    init_station_key(directory)
    return directory


@pytest.fixture
def signed(key_dir: Path) -> dict[str, Any]:
    return sign_certificate(make_certificate(), load_private_key(key_dir))


def test_station_key_is_private_to_its_owner(key_dir: Path) -> None:
    mode = stat.S_IMODE((key_dir / PRIVATE_KEY_FILE).stat().st_mode)
    assert mode == 0o600
    assert b"BEGIN PRIVATE KEY" in (key_dir / PRIVATE_KEY_FILE).read_bytes()  # PKCS8


def test_station_key_stays_private_even_with_a_permissive_umask(tmp_path: Path) -> None:
    old = os.umask(0)
    try:
        path = init_station_key(tmp_path / "keys")
    finally:
        os.umask(old)
    assert stat.S_IMODE(path.stat().st_mode) == 0o600


def test_an_existing_station_key_is_not_overwritten_without_force(key_dir: Path) -> None:
    before = public_key_pem(key_dir)
    with pytest.raises(StationKeyExists, match="--force"):
        init_station_key(key_dir)
    assert public_key_pem(key_dir) == before
    init_station_key(key_dir, force=True)
    assert public_key_pem(key_dir) != before
    assert stat.S_IMODE((key_dir / PRIVATE_KEY_FILE).stat().st_mode) == 0o600


def test_a_key_readable_by_others_is_refused(key_dir: Path) -> None:
    (key_dir / PRIVATE_KEY_FILE).chmod(0o644)
    with pytest.raises(StationKeyError, match="chmod 600"):
        load_private_key(key_dir)


def test_signing_without_a_station_key_says_how_to_make_one(tmp_path: Path) -> None:
    with pytest.raises(StationKeyMissing, match="keys init"):
        load_private_key(tmp_path)


def test_default_key_dir_follows_xunhuan_wipe_home(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("XUNHUAN_WIPE_HOME", str(tmp_path / "home"))
    result = CliRunner().invoke(keys, ["init"])
    assert result.exit_code == 0, result.output
    assert (tmp_path / "home" / PRIVATE_KEY_FILE).is_file()


def test_key_id_is_the_first_16_bytes_of_sha256_of_the_raw_public_key(key_dir: Path) -> None:
    public = load_private_key(key_dir).public_key()
    raw = public.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    assert key_id_of(public) == hashlib.sha256(raw).hexdigest()[:32]


def test_signature_covers_sorted_compact_utf8_json_without_the_signature(
    signed: dict[str, Any], key_dir: Path
) -> None:
    body = {k: v for k, v in signed.items() if k != "signature"}
    expected = json.dumps(body, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    assert canonical_bytes(signed) == expected.encode("utf-8")
    assert "王磊".encode() in canonical_bytes(signed)  # Chinese stays UTF-8, not \u escapes
    public = load_private_key(key_dir).public_key()
    public.verify(base64.b64decode(signed["signature"]["value"]), expected.encode("utf-8"))
    assert signed["signature"]["alg"] == "Ed25519"
    assert signed["signature"]["key_id"] == key_id_of(public)


def test_a_signed_certificate_verifies_against_its_station_key(
    signed: dict[str, Any], key_dir: Path
) -> None:
    verify_certificate(signed, public_key_pem(key_dir))
    reloaded = json.loads(certificate_json(signed))  # as read back from the file
    verify_certificate(reloaded, public_key_pem(key_dir).encode())


@pytest.mark.parametrize(
    "change",
    [
        lambda c: c.update(result="failed"),
        lambda c: c["device"].update(serial=c["device"]["serial"][:-1] + "9"),
        lambda c: c["verification"].update(coverage_percent=100),
        lambda c: c.update(level="purge"),
        lambda c: c.update(listing_id="L-9999"),
    ],
    ids=["result", "serial-digit", "coverage", "level", "listing"],
)
def test_any_changed_field_breaks_the_signature(
    signed: dict[str, Any], key_dir: Path, change: Any
) -> None:
    tampered = json.loads(json.dumps(signed))
    change(tampered)
    with pytest.raises(CertificateInvalid) as caught:
        verify_certificate(tampered, public_key_pem(key_dir))
    assert caught.value.reason == "bad_signature"


def test_a_certificate_from_another_station_is_the_wrong_key(
    signed: dict[str, Any], tmp_path: Path
) -> None:
    other = tmp_path / "other"
    init_station_key(other)
    with pytest.raises(CertificateInvalid) as caught:
        verify_certificate(signed, public_key_pem(other))
    assert caught.value.reason == "wrong_key"


@pytest.mark.parametrize(
    ("mangle", "reason"),
    [
        (lambda c: c.pop("signature"), "bad_format"),
        (lambda c: c["signature"].update(value="not base64!"), "bad_format"),
        (lambda c: c["signature"].update(value=base64.b64encode(b"short").decode()), "bad_format"),
        (lambda c: c["signature"].update(alg="RSA-SHA256"), "unsupported_alg"),
    ],
    ids=["no-signature", "not-base64", "short", "rsa"],
)
def test_malformed_signatures_name_their_problem(
    signed: dict[str, Any], key_dir: Path, mangle: Any, reason: str
) -> None:
    mangle(signed)
    with pytest.raises(CertificateInvalid) as caught:
        verify_certificate(signed, public_key_pem(key_dir))
    assert caught.value.reason == reason


def test_a_validly_signed_certificate_with_a_broken_schema_is_still_refused(
    key_dir: Path,
) -> None:
    cert = make_certificate()
    del cert["operator"]
    signed = sign_certificate(cert, load_private_key(key_dir))
    with pytest.raises(CertificateInvalid) as caught:
        verify_certificate(signed, public_key_pem(key_dir))
    assert caught.value.reason == "bad_format"
    assert "operator" in caught.value.message


@pytest.mark.parametrize("pem", ["", "-----BEGIN PUBLIC KEY-----\nAAAA\n-----END PUBLIC KEY-----"])
def test_a_garbage_public_key_is_a_bad_key(pem: str) -> None:
    with pytest.raises(CertificateInvalid) as caught:
        load_public_key_pem(pem)
    assert caught.value.reason == "bad_key"


@settings(max_examples=40, deadline=None)
@given(operator=st.text(min_size=1).filter(str.strip), customer=st.none() | st.text())
def test_any_unicode_names_round_trip_through_sign_and_verify(operator: str, customer: Any) -> None:
    key = Ed25519PrivateKey.generate()
    pem = key.public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    cert = sign_certificate(make_certificate(operator=operator, customer=customer), key)
    verify_certificate(json.loads(certificate_json(cert)), pem)


def _openssl_verify(tmp_path: Path, pem: str, data: bytes, signature: bytes) -> bool:
    (tmp_path / "pub.pem").write_text(pem)
    (tmp_path / "canonical.bin").write_bytes(data)
    (tmp_path / "sig.bin").write_bytes(signature)
    done = subprocess.run(
        ["openssl", "pkeyutl", "-verify", "-pubin", "-inkey", "pub.pem", "-rawin",
         "-in", "canonical.bin", "-sigfile", "sig.bin"],
        cwd=tmp_path, capture_output=True, text=True, check=False,
    )  # fmt: skip
    return done.returncode == 0 and "Signature Verified Successfully" in done.stdout


def test_openssl_verifies_the_signature_and_rejects_a_tampered_copy(
    signed: dict[str, Any], key_dir: Path, tmp_path: Path
) -> None:
    need(shutil.which("openssl") is not None, "openssl", "apt-get install openssl")
    pem = public_key_pem(key_dir)
    signature = base64.b64decode(signed["signature"]["value"])
    assert _openssl_verify(tmp_path, pem, canonical_bytes(signed), signature)
    tampered = json.loads(json.dumps(signed))
    tampered["result"] = "passed" if signed["result"] == "failed" else "failed"
    assert not _openssl_verify(tmp_path, pem, canonical_bytes(tampered), signature)
    tampered = json.loads(json.dumps(signed))
    tampered["device"]["serial"] = tampered["device"]["serial"].replace("4", "5", 1)
    assert not _openssl_verify(tmp_path, pem, canonical_bytes(tampered), signature)


def test_a_signature_made_by_openssl_verifies_here(key_dir: Path, tmp_path: Path) -> None:
    need(shutil.which("openssl") is not None, "openssl", "apt-get install openssl")
    cert = make_certificate(result="failed", verification__result="failed",
                            verification__mismatches=3)  # fmt: skip
    (tmp_path / "canonical.bin").write_bytes(canonical_bytes(cert))
    subprocess.run(
        ["openssl", "pkeyutl", "-sign", "-inkey", str(key_dir / PRIVATE_KEY_FILE), "-rawin",
         "-in", "canonical.bin", "-out", "sig.bin"],
        cwd=tmp_path, check=True, capture_output=True,
    )  # fmt: skip
    public = load_public_key_pem(public_key_pem(key_dir))
    cert["signature"] = {
        "alg": "Ed25519",
        "key_id": key_id_of(public),
        "value": base64.b64encode((tmp_path / "sig.bin").read_bytes()).decode(),
    }
    verify_certificate(cert, public_key_pem(key_dir))


def test_keys_show_prints_the_public_key_and_its_id(key_dir: Path) -> None:
    result = CliRunner().invoke(keys, ["show", "--key-dir", str(key_dir)])
    assert result.exit_code == 0
    assert public_key_pem(key_dir) in result.output
    key_id = key_id_of(load_public_key_pem(public_key_pem(key_dir)))
    assert f"key id: {key_id}" in result.output


def test_keys_init_twice_fails_and_keeps_the_key(key_dir: Path) -> None:
    before = public_key_pem(key_dir)
    result = CliRunner().invoke(keys, ["init", "--key-dir", str(key_dir)])
    assert result.exit_code == 1
    assert "already exists" in result.output
    assert public_key_pem(key_dir) == before


def _write(tmp_path: Path, cert: dict[str, Any]) -> Path:
    path = tmp_path / "cert.json"
    path.write_bytes(certificate_json(cert))
    return path


def test_verify_command_accepts_a_genuine_certificate(
    signed: dict[str, Any], key_dir: Path, tmp_path: Path
) -> None:
    (tmp_path / "station.pem").write_text(public_key_pem(key_dir))
    path = _write(tmp_path, signed)
    by_pubkey = CliRunner().invoke(verify, [str(path), "--pubkey", str(tmp_path / "station.pem")])
    own_key = CliRunner().invoke(verify, [str(path), "--key-dir", str(key_dir)])
    assert by_pubkey.exit_code == 0 and own_key.exit_code == 0
    assert CERT_ID in by_pubkey.output


def test_verify_command_reports_a_changed_field(
    signed: dict[str, Any], key_dir: Path, tmp_path: Path
) -> None:
    signed["result"] = "failed"
    result = CliRunner().invoke(verify, [str(_write(tmp_path, signed)), "--key-dir", str(key_dir)])
    assert result.exit_code == 1
    assert "bad_signature" in result.output and "changed" in result.output


def test_verify_command_reports_a_wrong_key(signed: dict[str, Any], tmp_path: Path) -> None:
    init_station_key(tmp_path / "other")
    path = _write(tmp_path, signed)
    result = CliRunner().invoke(verify, [str(path), "--key-dir", str(tmp_path / "other")])
    assert result.exit_code == 1
    assert "wrong_key" in result.output


def test_verify_command_reports_a_file_that_is_not_a_certificate(
    key_dir: Path, tmp_path: Path
) -> None:
    path = tmp_path / "cert.json"
    path.write_text("{not json")
    result = CliRunner().invoke(verify, [str(path), "--key-dir", str(key_dir)])
    assert result.exit_code == 1
    assert "bad_format" in result.output
