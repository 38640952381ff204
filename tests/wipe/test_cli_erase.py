"""`wipe-agent erase` as shop staff run it: real loop devices, real files, real signals."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from tests.support.devices import MIB, REPO, read_raw, run
from wipe.certificate import verify_certificate
from wipe.devices import Device, probe
from wipe.engine import ErrorRange, PassResult
from wipe.keys import public_key_pem
from wipe.patterns import RANDOM, ZERO, Filler
from wipe.profiles import overwrite_plan
from wipe.report import build_report
from wipe.runner import EraseOutcome
from wipe.verify import Verification

LoopFactory = Callable[..., str]
Agent = Callable[..., subprocess.CompletedProcess[str]]
Markers = Callable[[str], list[bytes]]
WHO = ["--operator", "王磊", "--organization", "循环二手 南开店"]


def _certificates(done: subprocess.CompletedProcess[str]) -> list[dict[str, Any]]:
    assert done.stdout.strip(), done.stderr
    return json.loads(done.stdout)


def _assert_pattern_on_disk(device: str, size: int, last: str) -> None:
    """Check the result with other tools than the agent: cmp, or dd read back and compared."""
    if last == "zero":
        run("blockdev", "--flushbufs", device)
        run("cmp", "-n", str(size), device, "/dev/zero")
        return
    data = read_raw(device)
    assert len(data) == size
    if last == "random":  # keystream: no 4 KiB block of zeros survives anywhere
        assert data.count(bytes(4096)) == 0
    else:
        assert data == bytes([int(last, 16)]) * size


@pytest.mark.parametrize(
    ("profile", "passes"),
    [("gb46864", []), ("nist-clear", []), ("custom", ["0xA5"]), ("custom", ["random"])],
)
def test_each_profile_leaves_no_marker_of_the_filesystem_on_the_device(
    loop_device: LoopFactory,
    ext4_with_markers: Markers,
    agent: Agent,
    station: dict[str, Path],
    profile: str,
    passes: list[str],
) -> None:
    device = loop_device(64)
    markers = ext4_with_markers(device)
    before = read_raw(device)
    assert all(marker in before for marker in markers)  # the scan would see them
    pass_args = [arg for p in passes for arg in ("--pass", p)]
    done = agent(
        "erase",
        device,
        "--profile",
        profile,
        *pass_args,
        *WHO,
        "--yes",
        "--json",
        "--asset-tag",
        "NK-0042",
        "--listing",
        "1842",
    )
    assert done.returncode == 0, done.stderr
    (cert,) = _certificates(done)
    assert cert["result"] == "passed" and cert["verification"]["result"] == "passed"
    assert cert["level"] == "clear" and cert["technique"] == "overwrite"
    assert cert["device"]["path"] == device and cert["device"]["size_bytes"] == 64 * MIB
    assert (cert["asset_tag"], cert["listing_id"]) == ("NK-0042", 1842)
    assert all(p["bytes_written"] == 64 * MIB for p in cert["passes"])
    after = read_raw(device)
    assert not [marker for marker in markers if marker in after]
    _assert_pattern_on_disk(device, 64 * MIB, cert["passes"][-1]["pattern"])
    verify_certificate(cert, public_key_pem(station["key_dir"]))
    stored = json.loads((station["out_dir"] / f"{cert['certificate_id']}.json").read_text())
    assert stored == cert


def test_gb46864_on_a_rotational_disk_writes_three_passes_one_random_and_samples() -> None:
    disk = Device(
        "/dev/sdb",
        "sdb",
        "ST1000LM024",
        "S2ZT",
        None,
        "ATA",
        None,
        "sata",
        "hdd",
        True,
        False,
        False,
        10**12,
        512,
        4096,
        False,
        None,
    )
    plan = overwrite_plan("gb46864", disk)
    assert [p.name for p in plan.passes] == ["random", "one", "zero"]
    assert (plan.standard, plan.level, plan.verify) == ("GB 46864-2025", "clear", "sample")
    ssd = Device(**{**disk.as_json(), "media": "ssd", "rotational": False})
    flash = overwrite_plan("gb46864", ssd)
    assert [p.name for p in flash.passes] == ["random"] and flash.verify == "full"


def test_the_report_names_standard_level_and_an_honest_result() -> None:
    ssd = Device(
        "/dev/sdc",
        "sdc",
        "MX100",
        "1433",
        None,
        "ATA",
        None,
        "sata",
        "ssd",
        False,
        False,
        False,
        512 * MIB,
        512,
        4096,
        False,
        None,
    )
    plan = overwrite_plan("gb46864", ssd)
    ok = PassResult(RANDOM, 512 * MIB, 2.0, [], False, Filler.for_pass(RANDOM))
    checked = Verification("full", 100.0, 512 * MIB, None, None, "passed", 0)
    outcome = EraseOutcome([ok], checked, "2026-11-28T09:00:00Z", "2026-11-28T09:00:04Z", False, 1)
    hidden = {"hpa": "absent", "dco": "absent", "detail": "max sectors = native"}
    report = build_report(
        device=ssd,
        hidden_areas=hidden,
        plan=plan,
        outcome=outcome,
        operator="王磊",
        organization="循环",
        listing_id=7,
    )
    json.dumps(report, allow_nan=False)
    assert (report["standard"], report["level"], report["device"]["media"]) == (
        "GB 46864-2025",
        "clear",
        "ssd",
    )
    assert report["passes"][0]["random_generator"] == "AES-256-CTR"
    assert report["throughput_mib_s"] == 256.0 and report["result"] == "passed"
    assert report["started_at"].endswith("Z") and report["destination"] == "resale"
    bad = PassResult(
        ZERO, 511 * MIB, 2.0, [ErrorRange(0, MIB, "write: EIO")], False, Filler.for_pass(ZERO)
    )
    outcome.passes = [bad]
    failed = build_report(
        device=ssd, hidden_areas=hidden, plan=plan, outcome=outcome, operator="王磊"
    )
    assert failed["result"] == "failed"
    assert failed["errors"] == [{"offset": 0, "length": MIB, "error": "pass 1: write: EIO"}]
    outcome.aborted = True
    assert (
        build_report(device=ssd, hidden_areas=hidden, plan=plan, outcome=outcome, operator="王磊")[
            "result"
        ]
        == "aborted"
    )


def test_a_mounted_device_is_refused_and_left_untouched(
    loop_device: LoopFactory,
    ext4_with_markers: Markers,
    mount: Callable[[str], Path],
    agent: Agent,
) -> None:
    device = loop_device(32)
    markers = ext4_with_markers(device)
    where = mount(device)
    done = agent("erase", device, "--profile", "nist-clear", *WHO, "--yes")
    assert done.returncode == 2
    assert f"mounted at {where}" in done.stderr
    assert (where / markers[0].decode()).read_bytes().startswith(markers[0])
    assert markers[-1] in read_raw(device)


def test_without_yes_the_operator_must_type_the_device_name(
    loop_device: LoopFactory,
    ext4_with_markers: Markers,
    agent: Agent,
) -> None:
    device = loop_device(16)
    markers = ext4_with_markers(device)
    name = os.path.basename(device)
    refused = agent("erase", device, "--profile", "nist-clear", *WHO, input="loop-wrong\n")
    assert refused.returncode == 2 and "nothing was erased" in refused.stderr
    assert device in refused.stderr  # it showed what it would erase
    assert markers[0] in read_raw(device)
    done = agent("erase", device, "--profile", "nist-clear", *WHO, input=f"{name}\n")
    assert done.returncode == 0, done.stderr
    assert markers[0] not in read_raw(device)


def test_a_write_failure_mid_device_gives_a_failed_certificate_with_the_ranges(
    small_tmpfs: Callable[[int], Path],
    loop_device: LoopFactory,
    agent: Agent,
) -> None:
    # The backing file is 48 MiB but its tmpfs holds 24 MiB: writes beyond that fail (ENOSPC).
    space = small_tmpfs(24)
    backing = space / "disk.img"
    with open(backing, "wb") as image:
        image.truncate(48 * MIB)
    device = loop_device(48, backing=backing)
    done = agent("erase", device, "--profile", "custom", "--pass", "0xA5", *WHO, "--yes", "--json")
    assert done.returncode == 1, done.stderr
    (cert,) = _certificates(done)
    assert cert["result"] == "failed" and cert["verification"]["result"] == "failed"
    errors = cert["passes"][0]["errors"]
    assert errors and all(e["offset"] >= 16 * MIB for e in errors)
    assert errors[-1]["offset"] + errors[-1]["length"] == 48 * MIB
    assert "No space left on device" in errors[0]["error"]
    assert cert["passes"][0]["bytes_written"] < 48 * MIB
    assert cert["errors"][0]["error"].startswith("pass 1: write:")


def test_interrupting_a_wipe_gives_an_aborted_certificate_and_exit_1(
    loop_device: LoopFactory,
    agent: Agent,
    station: dict[str, Path],
    tmp_path: Path,
) -> None:
    device = loop_device(256)
    backing = tmp_path / "disk0.img"
    argv = [
        sys.executable,
        "-m",
        "wipe.cli",
        "erase",
        device,
        "--profile",
        "custom",
        *[arg for _ in range(20) for arg in ("--pass", "random")],
        *WHO,
        "--yes",
        "--json",
        "--key-dir",
        str(station["key_dir"]),
        "--out",
        str(station["out_dir"]),
    ]
    process = subprocess.Popen(
        argv, cwd=REPO, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    )
    deadline = time.monotonic() + 30
    while os.stat(backing).st_blocks == 0 and time.monotonic() < deadline:
        time.sleep(0.01)  # wait until the first chunk has landed: the wipe is under way
    process.send_signal(signal.SIGINT)
    stdout, stderr = process.communicate(timeout=60)
    assert process.returncode == 1, stderr
    (cert,) = json.loads(stdout)
    assert cert["result"] == "aborted" and "SIGINT" in stderr
    assert len(cert["passes"]) < 20 and cert["verification"]["result"] == "skipped"


def test_a_disk_image_of_unaligned_size_is_wiped_to_the_last_byte(
    tmp_path: Path,
    agent: Agent,
) -> None:
    image = tmp_path / "sdcard.img"
    image.write_bytes(os.urandom(3 * MIB + 4095))
    refused = agent("erase", str(image), "--profile", "nist-clear", *WHO, "--yes")
    assert refused.returncode == 2 and "--allow-file" in refused.stderr
    done = agent(
        "erase", str(image), "--profile", "nist-clear", *WHO, "--yes", "--json", "--allow-file"
    )
    assert done.returncode == 0, done.stderr
    (cert,) = _certificates(done)
    assert cert["bytes_written"] == 3 * MIB + 4095 and cert["device"]["transport"] == "file"
    assert image.read_bytes() == bytes(3 * MIB + 4095)


def test_two_devices_are_wiped_together_with_one_certificate_each(
    loop_device: LoopFactory,
    agent: Agent,
) -> None:
    first, second = loop_device(16), loop_device(24)
    done = agent("erase", first, second, "--profile", "nist-clear", *WHO, "--yes", "--json")
    assert done.returncode == 0, done.stderr
    certs = _certificates(done)
    assert [c["device"]["path"] for c in certs] == [first, second]
    assert len({c["certificate_id"] for c in certs}) == 2
    assert all(c["result"] == "passed" for c in certs)


def test_nist_purge_on_a_loop_device_is_refused_with_the_reason(
    loop_device: LoopFactory,
    agent: Agent,
) -> None:
    device = loop_device(8)
    done = agent("erase", device, "--profile", "nist-purge", *WHO, "--yes")
    assert done.returncode == 2
    assert "loop devices have no firmware erase" in done.stderr
    assert not probe(device).protected


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--profile", "gb46864", "--pass", "zero"], "--pass is for the custom profile"),
        (["--profile", "custom"], "needs at least one --pass"),
        (["--profile", "custom", "--pass", "0xZZ"], "unknown pattern"),
        (["--profile", "nist-clear", "--verify", "none"], "requires the clearing to be verified"),
        (["--profile", "fastest"], "Invalid value for '--profile'"),
    ],
)
def test_bad_usage_exits_2_before_anything_is_written(
    loop_device: LoopFactory,
    agent: Agent,
    args: list[str],
    message: str,
) -> None:
    device = loop_device(4)
    run("dd", "if=/dev/urandom", f"of={device}", "bs=1M", "count=1", "status=none")
    before = read_raw(device)
    done = agent("erase", device, *args, *WHO, "--yes")
    assert done.returncode == 2 and message in done.stderr
    assert read_raw(device) == before


def test_the_same_device_twice_or_a_missing_one_is_refused(
    loop_device: LoopFactory,
    agent: Agent,
) -> None:
    device = loop_device(4)
    twice = agent("erase", device, device, "--profile", "nist-clear", *WHO, "--yes")
    assert twice.returncode == 2 and "listed twice" in twice.stderr
    missing = agent("erase", "/dev/no-such-disk", "--profile", "nist-clear", *WHO, "--yes")
    assert missing.returncode == 2 and "no such device" in missing.stderr


def test_without_a_station_key_nothing_is_erased(
    loop_device: LoopFactory,
    agent: Agent,
    station: dict[str, Path],
) -> None:
    device = loop_device(4)
    run("dd", "if=/dev/urandom", f"of={device}", "bs=1M", "count=4", "status=none")
    before = read_raw(device)
    for key in station["key_dir"].iterdir():
        key.unlink()
    done = agent("erase", device, "--profile", "nist-clear", *WHO, "--yes")
    assert done.returncode == 2 and "wipe-agent keys init" in done.stderr
    assert read_raw(device) == before
