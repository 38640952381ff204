"""The one sample erasure report, as the engine hands it over, and the certificate made of it.

The wipe agent's tests and the marketplace's tests both start from `REPORT`; the marketplace
signs it with `sign_independently`, which follows the issue's rules without the agent's code.
"""

from __future__ import annotations

import base64
import copy
import hashlib
import json
from typing import Any

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

GIB = 2**30

# A second drive for tests that need a solid-state disk (the marketplace's counter station).
SSD: dict[str, Any] = {
    "path": "/dev/sdb",
    "model": "Samsung SSD 860 EVO 500GB",
    "serial": "S3Z1NB0K123456X",
    "wwn": None,
    "vendor": "ATA",
    "transport": "sata",
    "media": "ssd",
    "rotational": False,
    "removable": False,
    "size_bytes": 500_107_862_016,
    "logical_block_size": 512,
    "physical_block_size": 512,
}

# What a counter station's run over `SSD` changes in the sample: one random pass, read in full.
SSD_RUN: dict[str, Any] = {
    "device": SSD,
    "passes": [
        {
            "pattern": "random",
            "random_generator": "AES-256-CTR",
            "bytes_written": 500_107_862_016,
            "seconds": 900.0,
            "errors": [],
        }
    ],
    "verification": {
        "mode": "full",
        "coverage_percent": 100.0,
        "bytes_verified": 500_107_862_016,
        "subsections": None,
        "seed": None,
        "result": "passed",
        "mismatches": 0,
    },
    "started_at": "2026-11-28T08:00:00Z",
    "finished_at": "2026-11-28T08:30:00Z",
    "bytes_written": 500_107_862_016,
    "throughput_mib_s": 530.0,
}

REPORT: dict[str, Any] = {
    "operator": "王磊",
    "organization": "循环二手 南开店",
    "customer": "李女士",
    "asset_tag": "NK-2026-0042",
    "listing_id": "L-1842",
    "device": {
        "path": "/dev/sdb",
        "model": "ST1000LM024 HN-M101MBB",
        "serial": "S2ZTJ9BD407382",
        "wwn": "0x50004cf20d9a1b2c",
        "vendor": "Seagate",
        "transport": "sata",
        "media": "hdd",
        "rotational": True,
        "removable": False,
        "size_bytes": 1_000_204_886_016,
        "logical_block_size": 512,
        "physical_block_size": 4096,
    },
    "hidden_areas": {  # as `wipe.identify.hidden_areas` words a clean drive
        "hpa": "absent",
        "dco": "absent",
        "detail": "max sectors 1953525168, native 1953525168, DCO real max 1953525168",
    },
    "standard": "GB 46864-2025",
    "level": "clear",
    "profile": "gb46864",
    "technique": "overwrite",
    "passes": [
        {
            "pattern": "random",
            "random_generator": "AES-256-CTR",
            "bytes_written": 1_000_204_886_016,
            "seconds": 6210.5,
            "errors": [],
        },
        {
            "pattern": "0x00",
            "random_generator": None,
            "bytes_written": 1_000_204_886_016,
            "seconds": 6188.2,
            "errors": [],
        },
        {
            "pattern": "random",
            "random_generator": "AES-256-CTR",
            "bytes_written": 1_000_204_886_016,
            "seconds": 6201.9,
            "errors": [],
        },
    ],
    "verification": {
        "mode": "sample",
        "coverage_percent": 10.2,
        "bytes_verified": 102_020_898_373,
        "subsections": 1000,
        "seed": "9f1c2ab4",
        "result": "passed",
        "mismatches": 0,
    },
    "started_at": "2026-03-02T09:00:00+08:00",
    "finished_at": "2026-03-02T14:12:31+08:00",
    "bytes_written": 3_000_614_658_048,
    "throughput_mib_s": 153.4,
    "errors": [],
    "result": "passed",
    "destination": "resale",
}


def make_report(**overrides: Any) -> dict[str, Any]:
    """Return a fresh valid report; `device__serial="X"` style keys override nested fields."""
    report = copy.deepcopy(REPORT)
    for key, value in overrides.items():
        target = report
        *parents, leaf = key.split("__")
        for parent in parents:
            target = target[parent]
        target[leaf] = copy.deepcopy(value)
    return report


CERT_ID = "3f2b8c1e-9d4a-4c8e-8f6a-2b1d7e5c9a10"
HOST = "nankai-station-1"


def make_certificate(
    *, certificate_id: str = CERT_ID, host: str = HOST, **overrides: Any
) -> dict[str, Any]:
    """The report as `issue_certificate` completes it, before signing."""
    from wipe.certificate import SCHEMA

    cert = make_report(**overrides)
    cert.update(
        certificate_id=certificate_id,
        schema=SCHEMA,
        tool={"name": "xunhuan-wipe-agent", "version": "0.1.0"},
        host=host,
    )
    return cert


def sign_independently(key: Ed25519PrivateKey, cert: dict[str, Any]) -> dict[str, Any]:
    """Sign `cert` exactly as the issue specifies (sorted compact UTF-8 JSON, Ed25519, the key id
    the first 32 hex digits of the SHA-256 of the raw public key), without the agent's code."""
    raw = key.public_key().public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    body = copy.deepcopy(cert)
    canonical = json.dumps(body, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    body["signature"] = {
        "alg": "Ed25519",
        "key_id": hashlib.sha256(raw).hexdigest()[:32],
        "value": base64.b64encode(key.sign(canonical.encode())).decode(),
    }
    return body
