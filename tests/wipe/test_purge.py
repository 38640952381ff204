"""Purge support decided from real `hdparm -I` and `nvme id-ctrl -H` outputs (fixtures/)."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from wipe.purge import (
    PurgePlan,
    PurgeUnsupported,
    parse_hdparm_identify,
    parse_nvme_id_ctrl,
    plan_purge,
)

FIXTURES = Path(__file__).parent / "fixtures"
TESLA = "hdparm-sata-ssd-tesla-sanitize-block-frozen.txt"
MX100 = "hdparm-sata-ssd-crucial-mx100-sanitize-crypto-frozen.txt"
HDD = "hdparm-hdd-st1000lm024-enhanced-erase-only.txt"
TFORCE = "nvme-tforce-tm8fpl500g-sanitize-block-only.txt"
PM1733 = "nvme-samsung-pm1733-sanitize-crypto-block.txt"
INTEL = "nvme-intel-ssdpekkf256g8l-no-sanitize-format-crypto.txt"

SATA_SSD = {"path": "/dev/sdb", "media": "ssd", "transport": "sata"}
SATA_HDD = {"path": "/dev/sdc", "media": "hdd", "transport": "sata"}
NVME = {"path": "/dev/nvme0n1", "media": "nvme", "transport": "nvme"}


def fixture(name: str) -> str:
    return (FIXTURES / name).read_text(encoding="utf-8")


def ata_plan(name: str, device: dict[str, str]) -> PurgePlan:
    return plan_purge(device, hdparm_output=fixture(name), nvme_output=None)


def nvme_plan(name: str) -> PurgePlan:
    return plan_purge(NVME, hdparm_output=None, nvme_output=fixture(name))


def test_every_fixture_is_documented_with_its_source() -> None:
    readme = (FIXTURES / "README.md").read_text(encoding="utf-8")
    for path in FIXTURES.glob("*.txt"):
        assert f"`{path.name}`" in readme, path.name


def test_hdparm_capabilities_are_read_from_a_real_frozen_sata_ssd() -> None:
    caps = parse_hdparm_identify(fixture(MX100))
    assert caps.sanitize and caps.block_erase and caps.crypto_scramble and not caps.overwrite
    assert caps.security_supported and caps.frozen and caps.enhanced_erase
    assert not caps.enabled and not caps.locked
    assert caps.solid_state is True


def test_hdparm_capabilities_are_read_from_a_real_hard_disk() -> None:
    caps = parse_hdparm_identify(fixture(HDD))
    assert not caps.sanitize and not caps.block_erase and not caps.crypto_scramble
    assert caps.security_supported and caps.enhanced_erase
    assert not caps.frozen and not caps.enabled and not caps.locked
    assert caps.solid_state is False


def test_a_sata_ssd_with_sanitize_is_purged_by_block_erase() -> None:
    plan = ata_plan(MX100, SATA_SSD)
    assert plan.method == "ata-sanitize-block-erase"
    assert plan.technique == "block_erase"
    assert plan.commands == [
        ["hdparm", "--yes-i-know-what-i-am-doing", "--sanitize-block-erase", "/dev/sdb"]
    ]
    assert plan.status_command == ["hdparm", "--sanitize-status", "/dev/sdb"]
    assert "Purge" in plan.standard_note


def test_a_frozen_security_state_does_not_block_sanitize() -> None:
    # SECURITY FREEZE LOCK covers the Security feature set; SANITIZE has its own freeze lock.
    plan = ata_plan(TESLA, SATA_SSD)
    assert parse_hdparm_identify(fixture(TESLA)).frozen
    assert plan.method == "ata-sanitize-block-erase"
    assert "hot-plug" in plan.standard_note


def test_media_unknown_to_the_caller_is_taken_from_the_rotation_rate() -> None:
    plan = ata_plan(TESLA, {"path": "/dev/sdb", "media": "unknown", "transport": "sata"})
    assert plan.technique == "block_erase"


def test_a_hard_disk_without_sanitize_is_purged_by_enhanced_secure_erase() -> None:
    plan = ata_plan(HDD, SATA_HDD)
    assert plan.method == "ata-security-erase-enhanced"
    assert plan.technique == "overwrite"  # the firmware's overwrite, reallocated sectors too
    set_pass, erase = plan.commands
    assert set_pass[:4] == ["hdparm", "--user-master", "u", "--security-set-pass"]
    assert erase[:4] == ["hdparm", "--user-master", "u", "--security-erase-enhanced"]
    assert set_pass[4] == erase[4] and set_pass[-1] == erase[-1] == "/dev/sdc"
    assert repr(set_pass[4]) in plan.standard_note  # the operator learns the password


def test_a_flash_drive_without_sanitize_is_not_purged_by_security_erase() -> None:
    with pytest.raises(PurgeUnsupported, match="not trusted as Purge"):
        ata_plan(HDD, SATA_SSD)


def test_an_nvme_drive_is_sanitized_by_block_erase_when_it_can() -> None:
    plan = nvme_plan(TFORCE)
    assert plan.method == "nvme-sanitize-block-erase"
    assert plan.commands == [["nvme", "sanitize", "/dev/nvme0", "--sanact=2"]]
    assert plan.status_command == ["nvme", "sanitize-log", "/dev/nvme0"]


def test_nvme_capabilities_are_read_from_an_annotated_real_output() -> None:
    caps = parse_nvme_id_ctrl(fixture(PM1733))
    assert caps.sanitize_crypto and caps.sanitize_block and not caps.sanitize_overwrite
    assert caps.format_nvm and caps.format_crypto
    assert nvme_plan(PM1733).technique == "block_erase"


def test_nvme_crypto_erase_is_used_when_it_is_the_only_sanitize() -> None:
    only_crypto = (
        fixture(PM1733)
        .replace(
            "[1:1] : 0x1\tBlock Erase Sanitize Operation Supported",
            "[1:1] : 0\tBlock Erase Sanitize Operation Not Supported",
        )
        .replace("sanicap   : 0x3", "sanicap   : 0x1")
    )
    plan = plan_purge(NVME, hdparm_output=None, nvme_output=only_crypto)
    assert plan.commands == [["nvme", "sanitize", "/dev/nvme0", "--sanact=4"]]
    assert plan.technique == "crypto_erase"


def test_an_nvme_drive_without_sanitize_uses_format_with_crypto_erase() -> None:
    caps = parse_nvme_id_ctrl(fixture(INTEL))
    assert not (caps.sanitize_block or caps.sanitize_crypto or caps.sanitize_overwrite)
    plan = nvme_plan(INTEL)
    assert plan.method == "nvme-format-crypto-erase"
    assert plan.technique == "crypto_erase"
    assert plan.commands == [["nvme", "format", "/dev/nvme0n1", "--ses=2", "--force"]]


def test_the_raw_fields_decide_when_output_is_not_decoded() -> None:
    raw = "\n".join(
        line for line in fixture(TFORCE).splitlines() if not line.lstrip().startswith("[")
    )
    caps = parse_nvme_id_ctrl(raw)
    assert caps.sanitize_block and not caps.sanitize_crypto and caps.format_nvm
    assert not caps.format_crypto


@pytest.mark.parametrize(
    ("device", "reason"),
    [
        ({"path": "/dev/loop3", "media": "loop", "transport": "loop"}, "loop devices"),
        ({"path": "/dev/vdb", "media": "virtual", "transport": "virtio"}, "virtual disks"),
        ({"path": "/dev/sdd", "media": "flash", "transport": "usb"}, "USB sticks"),
    ],
)
def test_devices_without_firmware_erase_are_refused_with_the_reason(
    device: dict[str, str], reason: str
) -> None:
    with pytest.raises(PurgeUnsupported, match=reason):
        plan_purge(device, hdparm_output=fixture(MX100), nvme_output=fixture(PM1733))


def test_without_tool_output_nothing_is_assumed() -> None:
    with pytest.raises(PurgeUnsupported, match="hdparm -I"):
        plan_purge(SATA_HDD, hdparm_output=None, nvme_output=None)
    with pytest.raises(PurgeUnsupported, match="nvme id-ctrl"):
        plan_purge(NVME, hdparm_output=fixture(MX100), nvme_output=None)


def test_an_nvme_with_neither_sanitize_nor_crypto_format_is_refused() -> None:
    with pytest.raises(PurgeUnsupported, match="nist-clear"):
        plan_purge(NVME, hdparm_output=None, nvme_output="NVME Identify Controller:\n")


@settings(max_examples=200, deadline=None)
@given(text=st.text(), media=st.sampled_from(["hdd", "ssd", "nvme", "unknown", "flash"]))
def test_any_tool_output_gives_a_plan_or_a_reason_never_a_crash(text: str, media: str) -> None:
    device = {"path": "/dev/sdx", "media": media, "transport": "sata"}
    try:
        plan = plan_purge(device, hdparm_output="ATA device\n" + text, nvme_output=text)
    except PurgeUnsupported as exc:
        assert exc.reason
    else:
        assert plan.commands and all(isinstance(part, str) for c in plan.commands for part in c)
