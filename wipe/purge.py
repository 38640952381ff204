"""Decide whether a drive's firmware can Purge it and build the commands (never runs them).

Support is read from `hdparm -I` (ATA: SANITIZE feature set, Security feature set) and
`nvme id-ctrl -H` (NVMe: SANICAP, FNA). The choices follow NIST SP 800-88 Rev. 1 Appendix A and
IEEE 2883-2022: Sanitize first; ATA SECURITY ERASE UNIT only for hard disks, where the firmware's
overwrite covers reallocated sectors and is a Purge method; an NVMe Format counts only with
cryptographic erase (SES=2). A plan's `technique` is what goes on the certificate.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from wipe.errors import WipeError

# hdparm needs a user password set before SECURITY ERASE UNIT; the erase clears it again.
ATA_ERASE_PASSWORD = "xunhuan"  # noqa: S105 - a throwaway ATA password, not a secret
NVME_SANACT = {"block_erase": "2", "overwrite": "3", "crypto_erase": "4"}


class PurgeUnsupported(WipeError):
    """The device cannot be purged by its firmware; `reason` says why and what to do."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


@dataclass(frozen=True)
class PurgePlan:
    """Commands to run in order, and what they achieve; `status_command` polls a background job."""

    method: str
    commands: list[list[str]]
    reason: str
    standard_note: str
    technique: str = "block_erase"
    status_command: list[str] | None = field(default=None)


@dataclass(frozen=True)
class AtaCapabilities:
    """What `hdparm -I` says about erasing an ATA drive."""

    sanitize: bool
    block_erase: bool
    crypto_scramble: bool
    overwrite: bool
    security_supported: bool
    enabled: bool
    locked: bool
    frozen: bool
    enhanced_erase: bool
    solid_state: bool | None


@dataclass(frozen=True)
class NvmeCapabilities:
    """What `nvme id-ctrl -H` says about erasing an NVMe controller."""

    sanitize_crypto: bool
    sanitize_block: bool
    sanitize_overwrite: bool
    format_nvm: bool
    format_crypto: bool


def _words(line: str) -> str:
    return " ".join(line.split())


def parse_hdparm_identify(text: str) -> AtaCapabilities:
    """Read the SANITIZE and Security sections of `hdparm -I` output."""
    features: set[str] = set()
    security: list[str] = []
    section = ""
    for raw in text.splitlines():
        if raw and not raw[0].isspace():
            section = raw.split(":")[0].strip()
            continue
        line = _words(raw).lstrip("* ").strip()
        if section == "Commands/features":
            features.add(line)
        elif section == "Security":
            security.append(line)
    rotation = re.search(r"Nominal Media Rotation Rate:\s*(.+)", text)
    solid = None if rotation is None else "Solid State" in rotation.group(1)
    return AtaCapabilities(
        sanitize="SANITIZE feature set" in features,
        block_erase="BLOCK_ERASE_EXT command" in features,
        crypto_scramble="CRYPTO_SCRAMBLE_EXT command" in features,
        overwrite="OVERWRITE_EXT command" in features,
        security_supported="supported" in security,
        enabled="enabled" in security,
        locked="locked" in security,
        frozen="frozen" in security,
        enhanced_erase="supported: enhanced erase" in security,
        solid_state=solid,
    )


def _bit(text: str, name: str, bit: int) -> bool | None:
    match = re.search(rf"^{name}\s*:\s*(0x[0-9a-fA-F]+|\d+)\s*$", text, re.MULTILINE)
    return None if match is None else bool(int(match.group(1), 0) >> bit & 1)


def _decoded(text: str, supported: str, unsupported: str) -> bool | None:
    lines = {_words(m) for m in re.findall(r"^\s*\[\d+:\d+\]\s*:\s*\S+\s+(.+)$", text, re.M)}
    if supported in lines:
        return True
    return False if unsupported in lines else None


def parse_nvme_id_ctrl(text: str) -> NvmeCapabilities:
    """Read SANICAP, FNA and OACS from `nvme id-ctrl -H` (decoded lines, else the raw fields)."""

    def flag(what: str, negated: str, field_name: str, bit: int) -> bool:
        decoded = _decoded(text, what, negated)
        raw = _bit(text, field_name, bit)
        return bool(decoded if decoded is not None else raw)

    return NvmeCapabilities(
        sanitize_crypto=flag(
            "Crypto Erase Sanitize Operation Supported",
            "Crypto Erase Sanitize Operation Not Supported",
            "sanicap",
            0,
        ),
        sanitize_block=flag(
            "Block Erase Sanitize Operation Supported",
            "Block Erase Sanitize Operation Not Supported",
            "sanicap",
            1,
        ),
        sanitize_overwrite=flag(
            "Overwrite Sanitize Operation Supported",
            "Overwrite Sanitize Operation Not Supported",
            "sanicap",
            2,
        ),
        format_nvm=flag("Format NVM Supported", "Format NVM Not Supported", "oacs", 1),
        format_crypto=flag(
            "Crypto Erase Supported as part of Secure Erase",
            "Crypto Erase Not Supported as part of Secure Erase",
            "fna",
            2,
        ),
    )


def _controller_of(path: str) -> str:
    match = re.fullmatch(r"(/dev/nvme\d+)(n\d+)?", path)
    return match.group(1) if match else path


def _plan_nvme(path: str, caps: NvmeCapabilities) -> PurgePlan:
    controller = _controller_of(path)
    status = ["nvme", "sanitize-log", controller]
    note = "NIST SP 800-88 Purge; IEEE 2883-2022 Purge for NVMe"
    # Block erase first: it does not depend on how well the vendor implemented encryption.
    for technique, capable in (
        ("block_erase", caps.sanitize_block),
        ("crypto_erase", caps.sanitize_crypto),
    ):
        if capable:
            command = ["nvme", "sanitize", controller, f"--sanact={NVME_SANACT[technique]}"]
            return PurgePlan(
                f"nvme-sanitize-{technique.replace('_', '-')}",
                [command],
                f"the controller supports Sanitize {technique.replace('_', ' ')}",
                f"{note} (Sanitize, {technique.replace('_', ' ')})",
                technique,
                status,
            )
    if caps.format_nvm and caps.format_crypto:
        namespace = path if path != controller else f"{controller}n1"
        return PurgePlan(
            "nvme-format-crypto-erase",
            [["nvme", "format", namespace, "--ses=2", "--force"]],
            "no Sanitize, but Format NVM supports cryptographic erase",
            f"{note} (Format NVM with Secure Erase Settings 2, cryptographic erase)",
            "crypto_erase",
        )
    if caps.sanitize_overwrite:
        raise PurgeUnsupported(
            "the drive offers only Sanitize overwrite, which does not reach "
            "all flash cells: use the nist-clear profile"
        )
    raise PurgeUnsupported(
        "no NVMe Sanitize and no Format with cryptographic erase: "
        "use the nist-clear profile (Clear), or destroy the drive"
    )


def _plan_ata(path: str, caps: AtaCapabilities, media: str) -> PurgePlan:
    solid = media in ("ssd", "flash") or (media == "unknown" and caps.solid_state is not False)
    if caps.locked:
        raise PurgeUnsupported("the drive is locked with an ATA password: unlock it first")
    sanitize = ["hdparm", "--yes-i-know-what-i-am-doing"]
    status = ["hdparm", "--sanitize-status", path]
    note = "NIST SP 800-88 Purge; IEEE 2883-2022 Purge for ATA"
    # SECURITY FREEZE LOCK blocks the Security feature set only, not the SANITIZE feature set.
    options = [
        ("block_erase", caps.block_erase, "--sanitize-block-erase"),
        ("crypto_erase", caps.crypto_scramble, "--sanitize-crypto-scramble"),
    ]
    if not solid:
        options.insert(0, ("overwrite", caps.overwrite, "--sanitize-overwrite"))
    for technique, capable, flag in options:
        if caps.sanitize and capable:
            # hdparm's default pass count 0 means 16 passes; one firmware pass is the Purge.
            extra = ["hex:00000000"] if technique == "overwrite" else []
            passes = ["--sanitize-overwrite-passes", "1"] if technique == "overwrite" else []
            what = flag.removeprefix("--sanitize-")
            return PurgePlan(
                f"ata-sanitize-{technique.replace('_', '-')}",
                [[*sanitize, *passes, flag, *extra, path]],
                f"the drive supports SANITIZE {what}",
                f"{note} (SANITIZE {what}); if the drive aborts it, the firmware froze SANITIZE "
                "too: suspend/resume the machine or hot-plug the drive",
                technique,
                status,
            )
    if solid:
        raise PurgeUnsupported(
            "no SANITIZE on this flash drive; ATA Security Erase on SSDs is "
            "not trusted as Purge: use the nist-clear profile (Clear)"
        )
    if not caps.security_supported:
        raise PurgeUnsupported(
            "no sanitize or enhanced secure erase on this drive: use the "
            "gb46864 or nist-clear profile (Clear)"
        )
    if caps.frozen:
        raise PurgeUnsupported(
            "drive is frozen: suspend/resume the machine or hot-plug it, then run again"
        )
    if caps.enabled:
        raise PurgeUnsupported("an ATA password is already set on the drive: disable it first")
    mode = "--security-erase-enhanced" if caps.enhanced_erase else "--security-erase"
    user = ["hdparm", "--user-master", "u"]
    return PurgePlan(
        "ata-security-erase-enhanced" if caps.enhanced_erase else "ata-security-erase",
        [
            [*user, "--security-set-pass", ATA_ERASE_PASSWORD, path],
            [*user, mode, ATA_ERASE_PASSWORD, path],
        ],
        "hard disk without SANITIZE: ATA SECURITY ERASE UNIT"
        + (" in enhanced mode" if caps.enhanced_erase else " in normal mode"),
        f"{note} (ATA SECURITY ERASE UNIT on a hard disk); if it is interrupted the drive keeps "
        f"the user password {ATA_ERASE_PASSWORD!r}",
        "overwrite",
    )


def plan_purge(
    device: dict[str, Any], *, hdparm_output: str | None, nvme_output: str | None
) -> PurgePlan:
    """Return how to purge `device` with its own firmware, or raise PurgeUnsupported."""
    media, transport = device.get("media", "unknown"), device.get("transport") or ""
    path = device["path"]
    if media == "loop" or transport == "loop":
        raise PurgeUnsupported("loop devices have no firmware erase: use the nist-clear profile")
    if media == "virtual" or transport in ("virtio", "xen"):
        raise PurgeUnsupported("virtual disks have no firmware erase: purge the backing storage")
    if media == "nvme" or transport == "nvme":
        if not nvme_output:
            raise PurgeUnsupported("no `nvme id-ctrl -H` output: install nvme-cli and run as root")
        return _plan_nvme(path, parse_nvme_id_ctrl(nvme_output))
    if media == "flash" and transport in ("usb", "mmc", "sdio"):
        raise PurgeUnsupported(
            "USB sticks and memory cards have no standard sanitize command: "
            "use the gb46864 or nist-clear profile (Clear)"
        )
    if not hdparm_output or "ATA device" not in hdparm_output:
        raise PurgeUnsupported(
            "no `hdparm -I` output for an ATA drive: install hdparm, run as "
            "root, or connect the drive by SATA rather than a USB bridge"
        )
    return _plan_ata(path, parse_hdparm_identify(hdparm_output), media)
