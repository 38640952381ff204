"""Profiles: which passes, which verification, and which standard and level a certificate names.

| profile    | magnetic (HDD)              | flash (SSD, NVMe, USB, SD)  | default verify          |
|------------|-----------------------------|-----------------------------|-------------------------|
| gb46864    | random, one (0xFF), zero    | random                      | sample (HDD), full      |
| nist-clear | zero                        | zero                        | full                    |
| custom     | the --pass list             | the --pass list             | full                    |
| nist-purge | ATA/NVMe sanitize, decided by wipe.purge; never an overwrite                        |

GB 46864-2025 asks magnetic media for three passes, one of them random; the last pass is zero so
the disk leaves blank and anyone can check it with `cmp`. Flash gets one random pass because a
controller that compresses or deduplicates could store a zero pass in almost no cells. After
three passes, NIST's representative sampling (at least 10 %) keeps an HDD's verification short;
a single pass is verified in full. Every overwrite is NIST "clear", on any media: only a
sanitize command can purge, and a certificate never says otherwise.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from wipe.devices import Device
from wipe.errors import ProfileError
from wipe.patterns import ONE, RANDOM, ZERO, Pattern, parse_pattern

PROFILES = ("gb46864", "nist-clear", "nist-purge", "custom")
VERIFY_MODES = ("full", "sample", "none")
GB46864 = "GB 46864-2025"
NIST = "NIST SP 800-88 Rev. 1"


@dataclass(frozen=True)
class Plan:
    """What will be done to one device and what the certificate will call it."""

    profile: str
    standard: str
    level: str
    technique: str
    passes: tuple[Pattern, ...]
    verify: str


def is_magnetic(device: Device) -> bool:
    """Tell whether the magnetic-media rules apply (to loop devices and images if rotational)."""
    if device.media == "hdd":
        return True
    return device.media in ("loop", "virtual", "unknown") and device.rotational


def overwrite_plan(
    profile: str, device: Device, *, passes: Sequence[str] = (), verify: str | None = None
) -> Plan:
    """Choose the passes and verification of an overwrite profile for this device."""
    if profile not in ("gb46864", "nist-clear", "custom"):
        raise ProfileError(f"{profile} is not an overwrite profile")
    if passes and profile != "custom":
        raise ProfileError(f"--pass is for the custom profile; {profile} fixes its own passes")
    if verify is not None and verify not in VERIFY_MODES:
        raise ProfileError(f"unknown verification {verify!r}: use full, sample or none")
    if profile == "custom":
        if not passes:
            raise ProfileError("the custom profile needs at least one --pass")
        return Plan(
            profile,
            NIST,
            "clear",
            "overwrite",
            tuple(parse_pattern(p) for p in passes),
            verify or "full",
        )
    if verify == "none":
        standard = GB46864 if profile == "gb46864" else NIST
        raise ProfileError(f"{standard} requires the clearing to be verified: use full or sample")
    if profile == "nist-clear":
        return Plan(profile, NIST, "clear", "overwrite", (ZERO,), verify or "full")
    if is_magnetic(device):
        return Plan(profile, GB46864, "clear", "overwrite", (RANDOM, ONE, ZERO), verify or "sample")
    return Plan(profile, GB46864, "clear", "overwrite", (RANDOM,), verify or "full")
