"""A complete erasure report as the engine hands it over, and the unsigned certificate of it."""

from __future__ import annotations

import copy
from typing import Any

GIB = 2**30

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
    "hidden_areas": {"hpa": "none", "dco": "none", "detail": "hdparm -N: max sectors = native"},
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
            "errors": 0,
        },
        {
            "pattern": "0x00",
            "random_generator": None,
            "bytes_written": 1_000_204_886_016,
            "seconds": 6188.2,
            "errors": 0,
        },
        {
            "pattern": "random",
            "random_generator": "AES-256-CTR",
            "bytes_written": 1_000_204_886_016,
            "seconds": 6201.9,
            "errors": 0,
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
        target[leaf] = value
    return report


CERT_ID = "3f2b8c1e-9d4a-4c8e-8f6a-2b1d7e5c9a10"
HOST = "nankai-station-1"


def make_certificate(**overrides: Any) -> dict[str, Any]:
    """The report as `issue_certificate` completes it, before signing."""
    from wipe.certificate import SCHEMA

    cert = make_report(**overrides)
    cert.update(
        certificate_id=CERT_ID,
        schema=SCHEMA,
        tool={"name": "xunhuan-wipe-agent", "version": "0.1.0"},
        host=HOST,
    )
    return cert
