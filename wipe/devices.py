"""Find whole disks and describe them; the only module that talks to udev (through pyudev)."""

from __future__ import annotations

import errno
import os
import stat
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import pyudev

from wipe.errors import DeviceNotFound, DeviceRefused
from wipe.holders import BlockTopology, protection_reason
from wipe.identify import Identity, identify

# Kernel names that are never storage a shop hands over: RAM disks, compressed RAM,
# optical drives, and the mapped devices on top of real disks (erase the disks instead).
NOT_DISKS = ("ram", "zram", "sr", "fd", "dm-", "md")
MEDIA = ("hdd", "ssd", "nvme", "flash", "loop", "virtual", "unknown")


@dataclass(frozen=True)
class Device:
    """A whole disk (or, with --allow-file, a disk image) as the agent sees it."""

    path: str
    name: str
    model: str | None
    serial: str | None
    wwn: str | None
    vendor: str | None
    firmware: str | None
    transport: str
    media: str
    rotational: bool
    removable: bool
    read_only: bool
    size_bytes: int
    logical_block_size: int
    physical_block_size: int
    protected: bool
    protected_reason: str | None
    backing_file: str | None = None

    def report_fields(self) -> dict[str, Any]:
        """Return the `device` object of the erasure report."""
        keys = (
            "path",
            "model",
            "serial",
            "wwn",
            "vendor",
            "transport",
            "media",
            "rotational",
            "removable",
            "size_bytes",
            "logical_block_size",
            "physical_block_size",
        )
        return {key: getattr(self, key) for key in keys}

    def as_json(self) -> dict[str, Any]:
        """Return every field, for `wipe-agent devices --json`."""
        return asdict(self)


def _read(path: Path) -> str | None:
    try:
        value = path.read_text(errors="replace").strip()
    except OSError:
        return None
    return value or None


def _int(path: Path, default: int) -> int:
    value = _read(path)
    return int(value) if value and value.isdigit() else default


def _transport(name: str, sys_path: str, props: dict[str, str]) -> str:
    checks = (
        (name.startswith("loop"), "loop"),
        ("/usb" in sys_path, "usb"),
        (name.startswith("nvme") or "/nvme" in sys_path, "nvme"),
        ("/virtio" in sys_path, "virtio"),
        (name.startswith("mmcblk"), "mmc"),
        ("/ata" in sys_path, "sata"),
        (name.startswith("xvd") or "/xen" in sys_path, "xen"),
        (name.startswith("nbd"), "nbd"),
        ("/end_device-" in sys_path or "/sas_" in sys_path, "sas"),
        ("/host" in sys_path, "scsi"),
    )
    for matched, transport in checks:
        if matched:
            return transport
    bus = props.get("ID_BUS", "")
    return {"ata": "sata", "usb": "usb", "scsi": "scsi"}.get(bus, "unknown")


def _media(transport: str, rotational: bool, removable: bool) -> str:
    if transport in ("loop", "nvme"):
        return transport
    if transport in ("virtio", "xen", "nbd", "file"):
        return "virtual"
    if transport == "mmc" or (transport == "usb" and removable):
        return "flash"
    if transport in ("sata", "scsi", "sas", "usb"):
        return "hdd" if rotational else "ssd"
    return "unknown"


def _vpd_serial(path: Path) -> str | None:
    # SCSI VPD page 0x80: a 4-byte header, then the unit serial number.
    try:
        page = path.read_bytes()
    except OSError:
        return None
    serial = page[4:].decode("ascii", "replace").strip(" \x00")
    return serial or None


def _busy(path: str) -> bool:
    # An exclusive open fails while a filesystem, RAID, LVM or another eraser holds the disk.
    try:
        fd = os.open(path, os.O_RDONLY | os.O_EXCL | os.O_CLOEXEC | os.O_NONBLOCK)
    except OSError as exc:
        return exc.errno == errno.EBUSY
    os.close(fd)
    return False


def _describe(udev: pyudev.Device, topo: BlockTopology, *, tools: bool) -> Device:
    name, base = udev.sys_name, Path(udev.sys_path)
    props = {
        k: udev.properties.get(k, "")
        for k in ("ID_BUS", "ID_MODEL", "ID_SERIAL_SHORT", "ID_WWN_WITH_EXTENSION", "ID_VENDOR")
    }
    path = udev.device_node or f"/dev/{name}"
    transport = _transport(name, str(base.resolve()), props)
    dev = base / "device"
    model = props["ID_MODEL"].replace("_", " ") or _read(dev / "model") or _read(dev / "name")
    serial = (
        props["ID_SERIAL_SHORT"]
        or _read(dev / "serial")
        or _read(base / "serial")
        or _vpd_serial(dev / "vpd_pg80")
    )
    wwn = props["ID_WWN_WITH_EXTENSION"] or _read(base / "wwid") or _read(dev / "wwid")
    rotational = _read(base / "queue" / "rotational") == "1"
    backing = _read(base / "loop" / "backing_file")
    found = identify(path, transport) if tools else Identity()
    vendor: str | None
    if transport == "loop":
        model, vendor = model or "Linux loop device", "Linux"
    else:
        vendor = props["ID_VENDOR"] or _read(dev / "vendor")
    removable = _read(base / "removable") == "1"
    rotational = rotational if found.rotational is None else found.rotational
    read_only = _read(base / "ro") == "1"
    reason = protection_reason(topo.reasons(name))
    if reason is None and read_only:
        reason = "read-only device"
    if reason is None and _busy(path):
        reason = "busy: another program holds it exclusively (mounted, RAID, LVM or an eraser)"
    return Device(
        path=path,
        name=name,
        model=found.model or model,
        serial=found.serial or serial,
        wwn=found.wwn or wwn,
        vendor=vendor,
        firmware=found.firmware or _read(dev / "rev") or _read(dev / "firmware_rev"),
        transport=transport,
        media=_media(transport, rotational, removable),
        rotational=rotational,
        removable=removable,
        read_only=read_only,
        size_bytes=_int(base / "size", 0) * 512,
        logical_block_size=_int(base / "queue" / "logical_block_size", 512),
        physical_block_size=_int(base / "queue" / "physical_block_size", 512),
        protected=reason is not None,
        protected_reason=reason,
        backing_file=backing,
    )


def _is_candidate(udev: pyudev.Device) -> bool:
    return udev.device_type == "disk" and not udev.sys_name.startswith(NOT_DISKS)


def list_devices(*, tools: bool = True) -> list[Device]:
    """List whole disks with data on them: no partitions, empty loop devices or RAM disks."""
    context, topo = pyudev.Context(), BlockTopology()
    found = []
    for udev in context.list_devices(subsystem="block"):
        if _is_candidate(udev) and _int(Path(udev.sys_path) / "size", 0) > 0:
            found.append(_describe(udev, topo, tools=tools))
    return sorted(found, key=lambda d: d.name)


def _describe_file(path: str, topo: BlockTopology) -> Device:
    st = os.stat(path)
    under = f"/sys/dev/block/{os.major(st.st_dev)}:{os.minor(st.st_dev)}"
    rotational = (
        _read(Path(under) / "queue" / "rotational")
        or _read(Path(under) / ".." / "queue" / "rotational")
    ) == "1"
    read_only = not os.access(path, os.W_OK)
    reason = topo.file_reason(path) or ("read-only file" if read_only else None)
    return Device(
        path=os.path.abspath(path),
        name=os.path.basename(path),
        model="Disk image file",
        serial=None,
        wwn=None,
        vendor=None,
        firmware=None,
        transport="file",
        media="virtual",
        rotational=rotational,
        removable=False,
        read_only=read_only,
        size_bytes=st.st_size,
        logical_block_size=512,
        physical_block_size=4096,
        protected=reason is not None,
        protected_reason=reason,
    )


def probe(path: str, *, allow_file: bool = False, tools: bool = True) -> Device:
    """Describe the disk or image at `path`, raising DeviceRefused if it is not a whole disk."""
    try:
        st = os.stat(path)
    except FileNotFoundError:
        raise DeviceNotFound(path) from None
    topo = BlockTopology()
    if stat.S_ISREG(st.st_mode):
        if not allow_file:
            raise DeviceRefused(path, "not a block device (pass --allow-file for a disk image)")
        return _describe_file(path, topo)
    if not stat.S_ISBLK(st.st_mode):
        raise DeviceRefused(path, "not a block device")
    name = topo.devnums.get(f"{os.major(st.st_rdev)}:{os.minor(st.st_rdev)}")
    if name is None:
        raise DeviceNotFound(path)
    if name in topo.parent:
        disk = topo.parent[name]
        raise DeviceRefused(path, f"{name} is a partition; erase the whole disk /dev/{disk}")
    udev = pyudev.Devices.from_name(pyudev.Context(), "block", name)
    if not _is_candidate(udev):
        raise DeviceRefused(path, f"{name} is not a whole physical disk (RAM, optical or mapped)")
    if _int(Path(udev.sys_path) / "size", 0) == 0:
        raise DeviceRefused(path, f"{name} is empty (no medium, or a loop device with no file)")
    return _describe(udev, topo, tools=tools)
