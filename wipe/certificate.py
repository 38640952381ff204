"""The wipe certificate: its schema, canonical form, Ed25519 signature and issuance.

This module is the one definition of the certificate; the marketplace imports `verify_certificate`
from here. The signature covers the UTF-8 bytes of `json.dumps(certificate_without_signature,
sort_keys=True, separators=(",", ":"), ensure_ascii=False)`, so any Ed25519 tool (openssl,
libsodium) can check it against those bytes.
"""

from __future__ import annotations

import base64
import binascii
import copy
import hashlib
import json
import math
import uuid
from datetime import datetime
from importlib import metadata
from typing import Any

from cryptography.exceptions import InvalidSignature, UnsupportedAlgorithm
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

import wipe

SCHEMA = "xunhuan.wipe-certificate/1"
TOOL_NAME = "xunhuan-wipe-agent"
ALG = "Ed25519"

MEDIA = ("hdd", "ssd", "nvme", "flash", "loop", "virtual", "unknown")
FLASH_MEDIA = ("ssd", "nvme", "flash")
LEVELS = ("clear", "purge")
TECHNIQUES = ("overwrite", "block_erase", "crypto_erase")
RESULTS = ("passed", "failed", "aborted")
DESTINATIONS = ("resale", "recycling")
VERIFY_MODES = ("full", "sample", "none")

# fmt: off
_STR, _OPT_STR = (str,), (str, type(None))
_INT, _NUM = (int,), (int, float)
REPORT_FIELDS: dict[str, tuple[type, ...]] = {
    "operator": _STR, "organization": _STR, "customer": _OPT_STR, "asset_tag": _OPT_STR,
    "listing_id": (str, int, type(None)), "device": (dict,), "hidden_areas": (dict,),
    "standard": _STR, "level": _STR, "profile": _STR, "technique": _STR, "passes": (list,),
    "verification": (dict,), "started_at": _STR, "finished_at": _STR, "bytes_written": _INT,
    "throughput_mib_s": _NUM, "errors": (list,), "result": _STR, "destination": _STR,
}
DEVICE_FIELDS: dict[str, tuple[type, ...]] = {
    "path": _STR, "model": _OPT_STR, "serial": _OPT_STR, "wwn": _OPT_STR, "vendor": _OPT_STR,
    "transport": _OPT_STR, "media": _STR, "rotational": (bool,), "removable": (bool,),
    "size_bytes": _INT, "logical_block_size": _INT, "physical_block_size": _INT,
}
HIDDEN_FIELDS: dict[str, tuple[type, ...]] = {
    "hpa": (str, bool, type(None)), "dco": (str, bool, type(None)), "detail": _OPT_STR,
}
PASS_FIELDS: dict[str, tuple[type, ...]] = {
    "pattern": _STR, "random_generator": _OPT_STR, "bytes_written": _INT, "seconds": _NUM,
    "errors": (int, list),
}
VERIFICATION_FIELDS: dict[str, tuple[type, ...]] = {
    "mode": _STR, "coverage_percent": _NUM, "bytes_verified": _INT,
    "subsections": (int, type(None)), "seed": (str, int, type(None)), "result": _STR,
    "mismatches": _INT,
}
ERROR_FIELDS: dict[str, tuple[type, ...]] = {"offset": _INT, "length": _INT, "error": _STR}
# fmt: on
ISSUED_FIELDS = ("certificate_id", "schema", "tool", "host", "signature")


class ReportInvalid(ValueError):
    """An erasure report that cannot be certified; `field` names the offending field."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(f"{field}: {message}")
        self.field = field


class CertificateInvalid(Exception):
    """A certificate that does not verify; `reason` is a stable code for programs."""

    def __init__(self, reason: str, message: str) -> None:
        super().__init__(message)
        self.reason = reason
        self.message = message


def _check_fields(obj: dict[str, Any], spec: dict[str, tuple[type, ...]], prefix: str) -> None:
    for name, types in spec.items():
        field = f"{prefix}{name}"
        if name not in obj:
            raise ReportInvalid(field, "is required")
        value = obj[name]
        # bool is an int in Python; a flag is never a count and a count is never a flag.
        is_bool = isinstance(value, bool)
        if not isinstance(value, types) or (is_bool and bool not in types):
            wanted = " or ".join("null" if t is type(None) else t.__name__ for t in types)
            raise ReportInvalid(field, f"must be {wanted}, not {type(value).__name__}")
        if isinstance(value, float) and not math.isfinite(value):
            raise ReportInvalid(field, "must be a finite number")
        if isinstance(value, int | float) and not is_bool and value < 0:
            raise ReportInvalid(field, "must not be negative")


def _check_enum(value: str, allowed: tuple[str, ...], field: str) -> None:
    if value not in allowed:
        raise ReportInvalid(field, f"must be one of {', '.join(allowed)}, not {value!r}")


def _parse_time(value: str, field: str) -> datetime:
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError:
        raise ReportInvalid(field, f"is not an ISO 8601 time: {value!r}") from None
    if parsed.tzinfo is None:
        raise ReportInvalid(field, "must carry a UTC offset")
    return parsed


def validate_report(report: dict[str, Any]) -> None:
    """Raise ReportInvalid unless `report` is a complete, honest erasure report."""
    if not isinstance(report, dict):
        raise ReportInvalid("report", "must be a JSON object")
    unknown = sorted(set(report) - set(REPORT_FIELDS) - set(ISSUED_FIELDS))
    if unknown:
        raise ReportInvalid(unknown[0], "is not a certificate field")
    _check_fields(report, REPORT_FIELDS, "")
    for name in ("operator", "organization", "standard", "profile"):
        if not report[name].strip():
            raise ReportInvalid(name, "must not be empty")
    device, verification = report["device"], report["verification"]
    _check_fields(device, DEVICE_FIELDS, "device.")
    _check_fields(report["hidden_areas"], HIDDEN_FIELDS, "hidden_areas.")
    _check_fields(verification, VERIFICATION_FIELDS, "verification.")
    for i, item in enumerate(report["passes"]):
        _check_fields(_as_dict(item, f"passes[{i}]"), PASS_FIELDS, f"passes[{i}].")
    for i, item in enumerate(report["errors"]):
        _check_fields(_as_dict(item, f"errors[{i}]"), ERROR_FIELDS, f"errors[{i}].")
    _check_enum(device["media"], MEDIA, "device.media")
    _check_enum(report["level"], LEVELS, "level")
    _check_enum(report["technique"], TECHNIQUES, "technique")
    _check_enum(report["result"], RESULTS, "result")
    _check_enum(report["destination"], DESTINATIONS, "destination")
    _check_enum(verification["mode"], VERIFY_MODES, "verification.mode")
    if verification["coverage_percent"] > 100:
        raise ReportInvalid("verification.coverage_percent", "must not exceed 100")
    started = _parse_time(report["started_at"], "started_at")
    if _parse_time(report["finished_at"], "finished_at") < started:
        raise ReportInvalid("finished_at", "is before started_at")
    _check_honesty(report)


def _as_dict(item: object, field: str) -> dict[str, Any]:
    if not isinstance(item, dict):
        raise ReportInvalid(field, "must be a JSON object")
    return item


def _check_honesty(report: dict[str, Any]) -> None:
    # NIST SP 800-88: a host overwrite reaches Clear only, and on flash it cannot reach spare
    # blocks at all. A hard disk's own firmware overwrite (ATA SANITIZE OVERWRITE, SECURITY ERASE
    # UNIT) also covers reallocated sectors and is a Purge method; it writes no host passes.
    technique, level, media = report["technique"], report["level"], report["device"]["media"]
    if technique == "overwrite" and level == "purge":
        if media in FLASH_MEDIA:
            raise ReportInvalid("level", "overwriting flash media is Clear, never Purge")
        if media != "hdd" or report["passes"]:
            raise ReportInvalid(
                "level",
                "a host overwrite is Clear, never Purge (only a hard disk's firmware "
                "overwrite, with no host passes, is Purge)",
            )
    if technique == "overwrite" and level == "clear" and not report["passes"]:
        raise ReportInvalid("passes", "an overwrite must list its passes")
    verification = report["verification"]
    if report["result"] == "passed" and (
        verification["result"] == "failed" or verification["mismatches"] > 0
    ):
        raise ReportInvalid("result", "cannot be 'passed' when verification found mismatches")


def tool_version() -> str:
    """Return the agent's version from `wipe.__version__` or the installed package."""
    version = getattr(wipe, "__version__", None)
    if isinstance(version, str):
        return version
    try:
        return metadata.version("xunhuan")
    except metadata.PackageNotFoundError:
        return "0+unknown"


def canonical_bytes(cert: dict[str, Any]) -> bytes:
    """Return the exact bytes the signature covers: sorted compact JSON without `signature`."""
    body = {k: v for k, v in cert.items() if k != "signature"}
    text = json.dumps(
        body, sort_keys=True, separators=(",", ":"), ensure_ascii=False, allow_nan=False
    )
    return text.encode("utf-8")


def key_id_of(public_key: Ed25519PublicKey) -> str:
    """Return the key id: hex of the first 16 bytes of SHA-256 over the raw 32-byte key."""
    raw = public_key.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    return hashlib.sha256(raw).digest()[:16].hex()


def load_public_key_pem(pem: bytes | str) -> Ed25519PublicKey:
    """Parse an Ed25519 public key in PEM (SubjectPublicKeyInfo) form."""
    data = pem.encode("ascii", "replace") if isinstance(pem, str) else pem
    try:
        key = serialization.load_pem_public_key(data)
    except (ValueError, TypeError, UnsupportedAlgorithm) as exc:
        raise CertificateInvalid("bad_key", f"not a PEM public key: {exc}") from None
    if not isinstance(key, Ed25519PublicKey):
        raise CertificateInvalid("bad_key", "the public key is not an Ed25519 key")
    return key


def sign_certificate(cert: dict[str, Any], private_key: Ed25519PrivateKey) -> dict[str, Any]:
    """Return a copy of `cert` carrying an Ed25519 signature over its canonical bytes."""
    signed = {k: v for k, v in copy.deepcopy(cert).items() if k != "signature"}
    value = private_key.sign(canonical_bytes(signed))
    signed["signature"] = {
        "alg": ALG,
        "key_id": key_id_of(private_key.public_key()),
        "value": base64.b64encode(value).decode("ascii"),
    }
    return signed


def verify_certificate(cert: dict[str, Any], public_key_pem: bytes | str) -> None:
    """Raise CertificateInvalid unless `cert` is well formed and signed by this public key."""
    if not isinstance(cert, dict):
        raise CertificateInvalid("bad_format", "a certificate is a JSON object")
    signature = cert.get("signature")
    if not isinstance(signature, dict) or not all(
        isinstance(signature.get(k), str) for k in ("alg", "key_id", "value")
    ):
        raise CertificateInvalid("bad_format", "the certificate carries no signature object")
    if signature["alg"] != ALG:
        raise CertificateInvalid("unsupported_alg", f"unsupported algorithm {signature['alg']!r}")
    key = load_public_key_pem(public_key_pem)
    if signature["key_id"] != key_id_of(key):
        raise CertificateInvalid(
            "wrong_key", f"signed by key {signature['key_id']}, not by key {key_id_of(key)}"
        )
    try:
        raw = base64.b64decode(signature["value"], validate=True)
    except (binascii.Error, ValueError):
        raise CertificateInvalid("bad_format", "the signature value is not base64") from None
    if len(raw) != 64:
        raise CertificateInvalid("bad_format", "an Ed25519 signature is 64 bytes")
    try:
        key.verify(raw, canonical_bytes(cert))
    except InvalidSignature:
        raise CertificateInvalid(
            "bad_signature", "the signature does not match: the certificate was changed"
        ) from None
    except (TypeError, ValueError) as exc:
        raise CertificateInvalid("bad_format", f"cannot be put in canonical form: {exc}") from None
    _check_issued(cert)


def _check_issued(cert: dict[str, Any]) -> None:
    if cert.get("schema") != SCHEMA:
        raise CertificateInvalid("unsupported_schema", f"unknown schema {cert.get('schema')!r}")
    tool = cert.get("tool")
    try:
        uuid.UUID(str(cert.get("certificate_id")))
        if not isinstance(cert.get("host"), str) or not isinstance(tool, dict):
            raise ValueError("host and tool are required")
        if not all(isinstance(tool.get(k), str) for k in ("name", "version")):
            raise ValueError("tool needs a name and a version")
        validate_report(cert)
    except (ReportInvalid, ValueError) as exc:
        raise CertificateInvalid("bad_format", f"signed but malformed: {exc}") from None
