"""Build the erasure report that wipe.certificate signs: plain data, honest about the outcome."""

from __future__ import annotations

from typing import Any

from wipe.devices import Device
from wipe.profiles import Plan
from wipe.runner import EraseOutcome

DESTINATIONS = ("resale", "recycling")


def _result(outcome: EraseOutcome, verify_mode: str, hidden: dict[str, str]) -> str:
    if outcome.aborted:
        return "aborted"
    complete = len(outcome.passes) == outcome.planned_passes and outcome.planned_passes > 0
    errors = any(p.errors for p in outcome.passes) or outcome.verification.errors
    verified = outcome.verification.result == "passed" or (
        verify_mode == "none" and outcome.verification.result == "skipped"
    )
    hidden_left = "present" in (hidden.get("hpa"), hidden.get("dco"))
    return "passed" if complete and verified and not errors and not hidden_left else "failed"


def build_report(
    *,
    device: Device,
    hidden_areas: dict[str, str],
    plan: Plan,
    outcome: EraseOutcome,
    operator: str,
    organization: str | None = None,
    customer: str | None = None,
    asset_tag: str | None = None,
    listing_id: int | None = None,
    destination: str = "resale",
) -> dict[str, Any]:
    """Turn one device's erasure into the report dict (JSON-ready, UTC times ending in Z)."""
    if destination not in DESTINATIONS:
        raise ValueError(f"destination must be one of {DESTINATIONS}")
    passes = [
        {
            "pattern": result.pattern.name,
            "random_generator": result.pattern.random_generator,
            "bytes_written": result.bytes_written,
            "seconds": round(result.seconds, 3),
            "errors": [error.as_dict() for error in result.errors],
        }
        for result in outcome.passes
    ]
    errors = [
        {**error.as_dict(), "error": f"pass {number}: {error.error}"}
        for number, result in enumerate(outcome.passes, 1)
        for error in result.errors
    ] + [error.as_dict() for error in outcome.verification.errors]
    written = sum(result.bytes_written for result in outcome.passes)
    seconds = sum(result.seconds for result in outcome.passes)
    return {
        "operator": operator,
        "organization": organization,
        "customer": customer,
        "asset_tag": asset_tag,
        "listing_id": listing_id,
        "device": device.report_fields(),
        "hidden_areas": dict(hidden_areas),
        "standard": plan.standard,
        "level": plan.level,
        "profile": plan.profile,
        "technique": plan.technique,
        "passes": passes,
        "verification": outcome.verification.as_dict(),
        "started_at": outcome.started_at,
        "finished_at": outcome.finished_at,
        "bytes_written": written,
        "throughput_mib_s": round(written / (1 << 20) / seconds, 1) if seconds > 0 else 0.0,
        "errors": errors,
        "result": _result(outcome, plan.verify, hidden_areas),
        "destination": destination,
    }
