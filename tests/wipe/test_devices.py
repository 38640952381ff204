"""Finding disks and protecting the ones in use, on real loop devices and a fake sysfs tree."""

from __future__ import annotations

import json
import os
import re
from collections.abc import Callable
from pathlib import Path

import pytest
from click.testing import CliRunner

from tests.support.devices import MIB, run
from wipe.cli import main
from wipe.devices import list_devices, probe
from wipe.errors import DeviceNotFound, DeviceRefused
from wipe.holders import BlockTopology, protection_reason
from wipe.identify import (
    hidden_areas,
    parse_dco_real_max,
    parse_hdparm_identify,
    parse_hdparm_max_sectors,
    parse_smartctl_info,
)

LoopFactory = Callable[..., str]
FIXTURES = Path(__file__).parent / "fixtures"


def _by_path(path: str) -> dict[str, object]:
    found = {d.path: d for d in list_devices(tools=False)}
    assert path in found, f"{path} not listed among {sorted(found)}"
    return found[path].as_json()


def _partitioned(loop_device: LoopFactory, image: Path, size_mib: int) -> str:
    """Attach a disk with an MBR and one Linux partition from 1 MiB to the end."""
    with open(image, "wb") as disk:
        disk.truncate(size_mib * MIB)
    entry = bytes([0, 0, 0, 0, 0x83, 0, 0, 0]) + (2048).to_bytes(4, "little")
    with open(image, "r+b") as disk:
        disk.seek(446)
        disk.write(entry + (size_mib * 2048 - 2048).to_bytes(4, "little"))
        disk.seek(510)
        disk.write(b"\x55\xaa")
    device = loop_device(size_mib, partitions=True, backing=image)
    if not Path(f"{device}p1").exists():  # kernels built without the MBR parser
        run("partx", "-a", device)
    assert Path(f"{device}p1").exists()
    return device


def test_an_attached_loop_device_is_listed_with_its_exact_size_and_block_sizes(
    loop_device: LoopFactory,
) -> None:
    device = loop_device(16, extra_bytes=512)
    listed = _by_path(device)
    assert listed["size_bytes"] == 16 * MIB + 512
    assert (listed["logical_block_size"], listed["transport"], listed["media"]) == (
        512,
        "loop",
        "loop",
    )
    assert str(listed["backing_file"]).endswith(".img")
    assert listed["protected"] is False and listed["read_only"] is False


def test_partitions_empty_loop_devices_and_ram_disks_are_not_listed(
    loop_device: LoopFactory,
    tmp_path: Path,
) -> None:
    device = _partitioned(loop_device, tmp_path / "parted.img", 16)
    names = [d.name for d in list_devices(tools=False)]
    assert os.path.basename(device) in names
    partition = re.compile(r"(?:\d)p\d+$|^(?:sd|vd|hd)[a-z]+\d+$")  # loop0p1, nvme0n1p2, sda1
    assert f"{os.path.basename(device)}p1" not in names
    assert not [n for n in names if n.startswith(("ram", "zram", "dm-")) or partition.search(n)]
    assert all(d.size_bytes > 0 for d in list_devices(tools=False))


def test_a_loop_device_with_a_mounted_filesystem_is_protected_with_the_mount_point(
    loop_device: LoopFactory,
    ext4_with_markers: Callable[[str], list[bytes]],
    mount: Callable[[str], Path],
) -> None:
    device = loop_device(16)
    ext4_with_markers(device)
    where = mount(device)
    listed = _by_path(device)
    assert listed["protected"] is True
    assert f"mounted at {where}" in str(listed["protected_reason"])


def test_a_disk_whose_partition_is_mounted_is_protected(
    loop_device: LoopFactory,
    mount: Callable[[str], Path],
    tmp_path: Path,
) -> None:
    device = _partitioned(loop_device, tmp_path / "parted.img", 32)
    run("mkfs.ext4", "-q", "-F", f"{device}p1")
    where = mount(f"{device}p1")
    reason = str(_by_path(device)["protected_reason"])
    assert f"mounted at {where}" in reason and f"through {os.path.basename(device)}p1" in reason
    with pytest.raises(DeviceRefused, match="partition"):
        probe(f"{device}p1")


def test_a_disk_under_another_mounted_loop_device_is_protected(
    loop_device: LoopFactory,
    ext4_with_markers: Callable[[str], list[bytes]],
    mount: Callable[[str], Path],
    tmp_path: Path,
) -> None:
    lower = loop_device(16)
    upper = loop_device(16, backing=Path(lower))
    ext4_with_markers(upper)
    mount(upper)
    reason = str(_by_path(lower)["protected_reason"])
    assert f"backs the loop device {upper}" in reason and "mounted at" in reason


def test_the_disk_holding_the_root_filesystem_is_protected_as_the_system_disk() -> None:
    root = os.stat("/").st_dev
    sysfs = Path(f"/sys/dev/block/{os.major(root)}:{os.minor(root)}")
    if not sysfs.exists():
        pytest.skip("/ is not on a block device here (overlay or network root)")
    entry = sysfs.resolve()
    disk = entry.parent.name if (entry / "partition").exists() else entry.name
    system = [d for d in list_devices(tools=False) if d.name == disk]
    assert system and system[0].protected
    assert str(system[0].protected_reason).startswith("system disk: ")


def test_a_read_only_device_is_protected(loop_device: LoopFactory) -> None:
    device = loop_device(8, read_only=True)
    listed = _by_path(device)
    assert listed["read_only"] is True and listed["protected_reason"] == "read-only device"


def test_files_missing_paths_and_empty_loop_devices_are_refused(
    tmp_path: Path,
    loop_device: LoopFactory,
) -> None:
    image = tmp_path / "phone.img"
    image.write_bytes(bytes(4096))
    with pytest.raises(DeviceRefused, match="--allow-file"):
        probe(str(image))
    assert probe(str(image), allow_file=True).size_bytes == 4096
    with pytest.raises(DeviceNotFound):
        probe(str(tmp_path / "nothing"))
    loop_device(1)  # makes sure the loop driver is loaded
    empty = next(
        f"/dev/loop{n}"
        for n in range(64)
        if Path(f"/sys/block/loop{n}").exists()
        and Path(f"/sys/block/loop{n}/size").read_text().strip() == "0"
    )
    with pytest.raises(DeviceRefused, match="empty"):
        probe(empty)


def _fake_sysfs(
    root: Path,
    disks: dict[str, list[str]],
    holders: dict[str, str],
    mountinfo: str,
    swaps: str = "",
) -> BlockTopology:
    """Build /sys/class/block and /proc as the kernel lays them out, for stacks we lack here."""
    minor = 0
    for disk, parts in disks.items():
        for name in [disk, *parts]:
            real = root / "sys/devices/virtual/block" / disk / (name if name != disk else "")
            real.mkdir(parents=True, exist_ok=True)
            (real / "holders").mkdir(exist_ok=True)
            (real / "dev").write_text(f"8:{minor}\n")
            minor += 1
            if name != disk:
                (real / "partition").write_text("1\n")
            link = root / "sys/class/block" / name
            link.parent.mkdir(parents=True, exist_ok=True)
            link.symlink_to(real)
    for lower, upper in holders.items():
        (root / "sys/class/block" / lower / "holders" / upper).mkdir()
    (root / "proc/self").mkdir(parents=True)
    (root / "proc/self/mountinfo").write_text(mountinfo)
    (root / "proc/swaps").write_text("Filename Type Size Used Priority\n" + swaps)
    return BlockTopology(root / "sys", root / "proc")


def test_disks_under_lvm_raid_or_swap_are_protected_through_their_holders(tmp_path: Path) -> None:
    topo = _fake_sysfs(
        tmp_path,
        disks={"sda": ["sda1", "sda2"], "sdb": ["sdb1"], "sdc": [], "dm-0": [], "md0": []},
        holders={"sda2": "dm-0", "sdb1": "md0"},
        mountinfo="27 1 8:6 / / rw - ext4 /dev/mapper/vg-root rw\n",  # 8:6 is dm-0
        swaps="/dev/sda1 partition 1024 0 -2\n",
    )
    sda = protection_reason(topo.reasons("sda"))
    assert sda is not None and sda.startswith("system disk: ")
    assert "mounted at / (through dm-0)" in sda and "active swap (through sda1)" in sda
    assert protection_reason(topo.reasons("sdb")) == (
        "in use: held by md0 (LVM, dm-crypt, RAID or multipath)"
    )
    assert protection_reason(topo.reasons("sdc")) is None


def test_devices_json_lists_every_field_a_shop_needs(loop_device: LoopFactory) -> None:
    device = loop_device(4)
    result = CliRunner().invoke(main, ["devices", "--json"])
    assert result.exit_code == 0, result.output
    listed = {d["path"]: d for d in json.loads(result.output)}
    assert set(listed[device]) >= {
        "path",
        "model",
        "serial",
        "wwn",
        "size_bytes",
        "logical_block_size",
        "physical_block_size",
        "transport",
        "rotational",
        "removable",
        "read_only",
        "protected",
        "protected_reason",
    }


def test_drive_identity_is_read_from_real_hdparm_output() -> None:
    ssd = parse_hdparm_identify(
        (FIXTURES / "hdparm-sata-ssd-crucial-mx100-sanitize-crypto-frozen.txt").read_text()
    )
    assert (ssd.model, ssd.serial, ssd.wwn, ssd.rotational) == (
        "Crucial_CT512MX100SSD1",
        "14330CEF1CD1",
        "500a07510cef1cd1",
        False,
    )
    hdd = parse_hdparm_identify(
        (FIXTURES / "hdparm-hdd-st1000lm024-enhanced-erase-only.txt").read_text()
    )
    assert (hdd.model, hdd.firmware, hdd.rotational) == ("ST1000LM024 HN-M101MBB", "2AR10001", True)


def test_smartctl_identity_reads_ata_and_nvme_layouts() -> None:
    # smartctl -i's layout (smartmontools 7.3, ataprint.cpp and nvmeprint.cpp), values invented.
    ata = parse_smartctl_info(
        "Device Model:     WDC WD10EZEX-08WN4A0\nSerial Number:    WD-WCC6Y1\n"
        "LU WWN Device Id: 5 0014ee 2b7c1a2b3\nRotation Rate:    7200 rpm\n"
    )
    assert (ata.model, ata.serial, ata.wwn, ata.rotational) == (
        "WDC WD10EZEX-08WN4A0",
        "WD-WCC6Y1",
        "50014ee2b7c1a2b3",
        True,
    )
    nvme = parse_smartctl_info(
        "Model Number:                       Samsung SSD 970 EVO 1TB\n"
        "Serial Number:                      S467NX0M1\n"
    )
    assert (nvme.model, nvme.serial) == ("Samsung SSD 970 EVO 1TB", "S467NX0M1")


def test_hidden_areas_are_read_from_hdparm_and_not_applicable_on_loop_devices() -> None:
    # hdparm 9.65 prints " max sectors   = CURRENT/NATIVE, HPA is enabled|disabled".
    assert parse_hdparm_max_sectors(
        "\n/dev/sdb:\n max sectors   = 1953523055/1953525168, HPA is enabled\n"
    ) == (1953523055, 1953525168)
    assert parse_hdparm_max_sectors("SG_IO: bad/missing sense data") is None
    assert parse_dco_real_max("DCO Revision: 0x0002\n\tReal max sectors: 1953525168\n") == (
        1953525168
    )
    loop = hidden_areas("/dev/loop0", "loop")
    assert (loop["hpa"], loop["dco"]) == ("not_applicable", "not_applicable")
    assert hidden_areas("/dev/nvme0n1", "nvme")["hpa"] == "not_applicable"
