"""Demo condition answers and signed wipe certificates, so demo devices are listed lawfully."""

from __future__ import annotations

import hashlib
import uuid
from datetime import timedelta
from typing import Any

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from sqlmodel import Session

from market.accounts.models import User
from market.certificates import services as certificates
from market.listings.assessment import assess
from market.listings.catalog import Grade
from market.listings.devices import detect
from market.listings.grading import ORDER, Checklist, checklist_for
from market.listings.models import Listing
from wipe.certificate import sign_certificate

DISCLOSURE_TEXT = {
    "serial": "DEMO-{id:06d}",
    "repairs": "无",
    "highlighting": "无",
    "fibre": "棉 100%",
    "size": "L",
    "dimensions": "120×60×75 cm",
    "material": "实木",
}
YES = {"activation_lock_off", "cleaned", "safety_checked"}


def answers_for(checklist: Checklist, target: Grade) -> dict[str, str]:
    """Answers whose worst cap is as close to `target` as the checklist allows."""
    answers = {}
    for question in checklist.questions:
        allowed = [o for o in question.options if ORDER.index(o.cap) <= ORDER.index(target)]
        if question.key == "new" and target is not Grade.N:
            allowed = [o for o in allowed if o.cap is not Grade.N]
        best = max(allowed, key=lambda o: ORDER.index(o.cap)) if allowed else question.options[0]
        answers[question.key] = best.value
    return answers


# A battery percent in the band of the battery answer, so the two agree.
BATTERY_PERCENT = {"90": 92, "85": 87, "80": 82, "low": 76, "none": 0}


def disclosures_for(
    checklist: Checklist, listing_id: int, answers: dict[str, str] | None = None
) -> dict[str, Any]:
    values: dict[str, Any] = {}
    for item in checklist.disclosures:
        if item.kind == "yesno":
            values[item.key] = "yes" if item.key in YES else "no"
        elif item.kind == "percent":
            values[item.key] = BATTERY_PERCENT.get((answers or {}).get("battery", "90"), 92)
        elif item.kind == "number":
            values[item.key] = 3
        else:
            values[item.key] = DISCLOSURE_TEXT.get(item.key, "无").format(id=listing_id)
    return values


def grade_listing(listing: Listing) -> None:
    """Fill a demo listing's checklist and disclosures; its grade then follows from them."""
    checklist = checklist_for(listing.category)
    listing.condition = answers_for(checklist, Grade(listing.grade))
    listing.disclosures = disclosures_for(checklist, listing.id or 0, listing.condition)
    graded = assess(checklist, listing.condition, listing.disclosures, strict=True)
    listing.grade = graded.grade.value


def is_device(listing: Listing) -> bool:
    """Whether the wipe gate would ask `listing` for a certificate."""
    return bool(
        detect(
            category=listing.category,
            title=listing.title,
            description=listing.description,
            disclosures=listing.disclosures,
        )
    )


def demo_station_key() -> Ed25519PrivateKey:
    """A fixed key for the demo only: it is public, so its certificates prove nothing."""
    return Ed25519PrivateKey.from_private_bytes(hashlib.sha256(b"xunhuan demo station").digest())


def certify_devices(*, session: Session, staff: User, listings: list[Listing]) -> int:
    """Register the demo station for the staff's shop and certify each device listing."""
    key = demo_station_key()
    pem = key.public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    station, _token = certificates.register_station_key(
        session=session, user=staff, label="演示工作站", public_key_pem=pem.decode()
    )
    count = 0
    for listing in listings:
        if not is_device(listing):
            continue
        body = sign_certificate(_report(listing, staff), key)
        certificates.accept_certificate(session=session, station=station, body=body)
        count += 1
    return count


def _report(listing: Listing, staff: User) -> dict[str, Any]:
    finished = (listing.published_at or listing.created_at) - timedelta(hours=1)
    started = finished - timedelta(minutes=12)
    size = 128 * 1024**3
    stamp = "%Y-%m-%dT%H:%M:%SZ"
    return {
        "certificate_id": str(uuid.uuid5(uuid.NAMESPACE_URL, f"xunhuan-demo/{listing.id}")),
        "schema": "xunhuan.wipe-certificate/1",
        "tool": {"name": "xunhuan-wipe-agent", "version": "demo"},
        "host": "demo-station",
        "operator": staff.display_name,
        "organization": "长虹社区寄卖店",
        "customer": None,
        "asset_tag": f"DEMO-{listing.id:04d}",
        "listing_id": listing.id,
        "device": {
            "path": "/dev/sdb",
            "model": listing.title[:40],
            "serial": f"DEMO{listing.id:08d}",
            "wwn": None,
            "vendor": None,
            "transport": "usb",
            "media": "flash",
            "rotational": False,
            "removable": True,
            "size_bytes": size,
            "logical_block_size": 512,
            "physical_block_size": 4096,
        },
        "hidden_areas": {"hpa": "not_applicable", "dco": "not_applicable", "detail": "demo"},
        "standard": "GB 46864-2025",
        "level": "clear",
        "profile": "gb46864",
        "technique": "overwrite",
        "passes": [
            {
                "pattern": "random",
                "random_generator": "AES-256-CTR",
                "bytes_written": size,
                "seconds": 600.0,
                "errors": [],
            }
        ],
        "verification": {
            "mode": "sample",
            "coverage_percent": 10.0,
            "bytes_verified": size // 10,
            "subsections": 1000,
            "seed": "00" * 16,
            "result": "passed",
            "mismatches": 0,
        },
        "started_at": started.strftime(stamp),
        "finished_at": finished.strftime(stamp),
        "bytes_written": size,
        "throughput_mib_s": 218.5,
        "errors": [],
        "result": "passed",
        "destination": "resale",
    }
