"""Ask hdparm, nvme-cli and smartctl about a drive, when installed, and read hidden areas."""

from __future__ import annotations

import json
import re
import shutil
import subprocess  # noqa: S404 - fixed argv lists of known tools, never a shell
from dataclasses import dataclass

TOOL_TIMEOUT = 10.0
# Buses without ATA's Host Protected Area and Device Configuration Overlay.
NO_HIDDEN_AREAS = frozenset({"loop", "virtio", "nvme", "file", "xen", "nbd", "mmc"})
ATA_LIKE = frozenset({"sata", "ata", "usb", "scsi", "sas", "unknown"})


@dataclass(frozen=True)
class Identity:
    """What a drive says about itself; None where it did not say."""

    model: str | None = None
    serial: str | None = None
    wwn: str | None = None
    firmware: str | None = None
    rotational: bool | None = None


def run_tool(argv: list[str], timeout: float = TOOL_TIMEOUT) -> str | None:
    """Run a read-only query tool and return its output, or None if absent, slow or failing."""
    if shutil.which(argv[0]) is None:
        return None
    try:
        done = subprocess.run(  # noqa: S603 - argv is a fixed tool name and a device path
            argv,
            capture_output=True,
            text=True,
            timeout=timeout,
            check=False,
            env={"LC_ALL": "C", "PATH": "/usr/sbin:/usr/bin:/sbin:/bin"},
        )
    except (OSError, subprocess.TimeoutExpired):
        return None
    return done.stdout + done.stderr if done.returncode == 0 else None


def _field(text: str, *labels: str) -> str | None:
    for label in labels:
        match = re.search(rf"^[ \t]*{re.escape(label)}[ \t]+(\S.*?)[ \t]*$", text, re.MULTILINE)
        if match:
            return match.group(1)
    return None


def _rotation(value: str | None) -> bool | None:
    if value is None:
        return None
    if "solid state" in value.lower():
        return False
    return True if re.search(r"\d+\s*rpm|^\d+$", value.strip(), re.IGNORECASE) else None


def parse_hdparm_identify(text: str) -> Identity:
    """Read model, serial, WWN, firmware and rotation from `hdparm -I`."""
    wwn = _field(text, "Logical Unit WWN Device Identifier:")
    return Identity(
        model=_field(text, "Model Number:"),
        serial=_field(text, "Serial Number:"),
        wwn=wwn.lower() if wwn else None,
        firmware=_field(text, "Firmware Revision:"),
        rotational=_rotation(_field(text, "Nominal Media Rotation Rate:")),
    )


def parse_smartctl_info(text: str) -> Identity:
    """Read model, serial, WWN, firmware and rotation from `smartctl -i` (ATA, NVMe or SCSI)."""
    wwn = _field(text, "LU WWN Device Id:", "Logical Unit id:")
    return Identity(
        model=_field(text, "Device Model:", "Model Number:", "Product:"),
        serial=_field(text, "Serial Number:", "Serial number:"),
        wwn=wwn.replace(" ", "").lower() if wwn else None,
        firmware=_field(text, "Firmware Version:", "Revision:"),
        rotational=_rotation(_field(text, "Rotation Rate:")),
    )


def parse_nvme_id_ctrl(text: str) -> Identity:
    """Read model, serial and firmware from `nvme id-ctrl -o json`."""
    try:
        data = json.loads(text)
    except ValueError:
        return Identity()

    def clean(key: str) -> str | None:
        value = str(data.get(key, "")).strip()
        return value or None

    return Identity(model=clean("mn"), serial=clean("sn"), firmware=clean("fr"), rotational=False)


def identify(path: str, transport: str) -> Identity:
    """Ask the drive through whichever of hdparm, nvme-cli and smartctl is installed."""
    found = Identity()
    if transport == "nvme":
        output = run_tool(["nvme", "id-ctrl", path, "-o", "json"])
        found = parse_nvme_id_ctrl(output) if output else found
    elif transport in ATA_LIKE:
        output = run_tool(["hdparm", "-I", path])
        found = parse_hdparm_identify(output) if output else found
    if transport in ATA_LIKE | {"nvme"} and (found.model is None or found.serial is None):
        output = run_tool(["smartctl", "-i", path])
        if output:
            found = _merge(found, parse_smartctl_info(output))
    return found


def _merge(first: Identity, second: Identity) -> Identity:
    """Keep what the first tool said and fill its gaps from the second."""
    return Identity(
        model=first.model or second.model,
        serial=first.serial or second.serial,
        wwn=first.wwn or second.wwn,
        firmware=first.firmware or second.firmware,
        rotational=second.rotational if first.rotational is None else first.rotational,
    )


def parse_hdparm_max_sectors(text: str) -> tuple[int, int] | None:
    """Read (current, native) max sectors from `hdparm -N`."""
    match = re.search(r"max sectors\s*=\s*(\d+)/(\d+)", text)
    return (int(match.group(1)), int(match.group(2))) if match else None


def parse_dco_real_max(text: str) -> int | None:
    """Read the factory max sectors from `hdparm --dco-identify`."""
    match = re.search(r"Real max sectors:\s*(\d+)", text)
    return int(match.group(1)) if match else None


def hidden_areas(path: str, transport: str) -> dict[str, str]:
    """Report HPA and DCO as not_applicable, absent, present or unknown, with the evidence."""
    if transport in NO_HIDDEN_AREAS:
        return {
            "hpa": "not_applicable",
            "dco": "not_applicable",
            "detail": f"{transport} devices have no ATA hidden areas",
        }
    if run_tool(["hdparm", "-V"]) is None:
        return {"hpa": "unknown", "dco": "unknown", "detail": "hdparm is not installed"}
    sectors = parse_hdparm_max_sectors(run_tool(["hdparm", "-N", path]) or "")
    if sectors is None:
        return {
            "hpa": "unknown",
            "dco": "unknown",
            "detail": "the drive did not answer READ NATIVE MAX (hdparm -N)",
        }
    current, native = sectors
    hpa = "present" if current < native else "absent"
    detail = f"max sectors {current}, native {native}"
    real = parse_dco_real_max(run_tool(["hdparm", "--dco-identify", path]) or "")
    if real is None:
        dco = "unknown"
        detail += "; DCO IDENTIFY not answered"
    else:
        dco = "present" if real > native else "absent"
        detail += f", DCO real max {real}"
    return {"hpa": hpa, "dco": dco, "detail": detail}
