"""Fixtures for the wipe agent: mounts, a small tmpfs, ext4 with markers, a station, the CLI.

The loop devices and the tools that read them are in `tests/support/devices.py`.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from tests.support.devices import REPO, detach_under, run
from tests.support.requirements import need
from wipe.keys import init_station_key


@pytest.fixture
def mount(tmp_path: Path) -> Iterator[Callable[[str], Path]]:
    """Mount a device in a fresh directory; everything mounted is unmounted at the end."""
    mounted: list[Path] = []

    def do_mount(device: str) -> Path:
        target = tmp_path / f"mnt{len(mounted)}"
        target.mkdir()
        run("mount", device, str(target))
        mounted.append(target)
        return target

    try:
        yield do_mount
    finally:
        for target in reversed(mounted):
            subprocess.run(["umount", "-q", str(target)], check=False)


@pytest.fixture
def small_tmpfs(tmp_path: Path) -> Iterator[Callable[[int], Path]]:
    """Mount a tmpfs of a few MiB, so a loop device over a bigger file in it runs out of space."""
    need(os.geteuid() == 0, "root", "run the tests as root")
    made: list[Path] = []

    def make(size_mib: int) -> Path:
        target = tmp_path / f"tmpfs{len(made)}"
        target.mkdir()
        run("mount", "-t", "tmpfs", "-o", f"size={size_mib}m", "tmpfs", str(target))
        made.append(target)
        return target

    try:
        yield make
    finally:
        for target in reversed(made):
            detach_under(target)
            subprocess.run(["umount", str(target)], check=False)


@pytest.fixture
def ext4_with_markers(mount: Callable[[str], Path]) -> Callable[[str], list[bytes]]:
    """Make ext4 on a device, fill it with files holding unique markers, unmount; return them."""
    need(bool(shutil.which("mkfs.ext4")), "mkfs.ext4", "apt-get install e2fsprogs")

    def make(device: str) -> list[bytes]:
        run("mkfs.ext4", "-q", "-F", "-E", "lazy_itable_init=0,nodiscard", device)
        root = mount(device)
        markers = [f"XUNHUAN-MARKER-{i:03d}-{os.urandom(6).hex()}".encode() for i in range(20)]
        for number, marker in enumerate(markers):
            # the marker is in the file name (a directory block) and in the data blocks
            (root / marker.decode()).write_bytes(marker * (1 + number * 500))
        run("sync")
        run("umount", str(root))
        return markers

    return make


@pytest.fixture
def station(tmp_path: Path) -> dict[str, Path]:
    """A station key and a certificate folder for `wipe-agent erase`."""
    key_dir, out_dir = tmp_path / "keys", tmp_path / "certificates"
    init_station_key(key_dir)
    return {"key_dir": key_dir, "out_dir": out_dir}


@pytest.fixture
def agent(station: dict[str, Path]) -> Callable[..., subprocess.CompletedProcess[str]]:
    """Run `wipe-agent` as a real process with this test's station; `input` feeds stdin."""

    def invoke(*args: str, input: str | None = None) -> subprocess.CompletedProcess[str]:
        argv = [sys.executable, "-m", "wipe.cli", *args]
        if args and args[0] == "erase":
            argv += ["--key-dir", str(station["key_dir"]), "--out", str(station["out_dir"])]
        env = {k: v for k, v in os.environ.items() if k != "XUNHUAN_MARKET_URL"}
        return subprocess.run(
            argv,
            capture_output=True,
            text=True,
            input=input or "",
            cwd=REPO,
            env=env,
            timeout=120,
            check=False,
        )

    return invoke
