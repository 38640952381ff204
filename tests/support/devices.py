"""Real block devices for tests: loop devices over sparse files, always detached again, and the
system tools that look at them (the wipe agent's tests and the browser flow share these)."""

from __future__ import annotations

import os
import shutil
import subprocess
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from tests.support.requirements import need

MIB = 1 << 20
REPO = Path(__file__).resolve().parents[2]


def run(*argv: str) -> str:
    """Run a system tool, fail the test on error, and return its output."""
    done = subprocess.run(argv, capture_output=True, text=True, check=False)
    assert done.returncode == 0, f"{' '.join(argv)}: {done.stderr}"
    return done.stdout.strip()


def read_raw(device: str) -> bytes:
    """Read a whole device with dd and O_DIRECT, past every cache: the second tool's view."""
    done = subprocess.run(
        ["dd", f"if={device}", "iflag=direct", "bs=1M", "status=none"],
        capture_output=True,
        check=True,
    )
    return done.stdout


def detach_under(directory: Path) -> None:
    """Detach every loop device whose backing file lies under `directory`."""
    listing = subprocess.run(
        ["losetup", "-n", "-O", "NAME,BACK-FILE", "-l"], capture_output=True, text=True, check=False
    ).stdout
    for line in listing.splitlines():
        name, _, backing = line.strip().partition(" ")
        if backing.strip().startswith(str(directory)):
            subprocess.run(["losetup", "-d", name], check=False)


@pytest.fixture
def loop_device(tmp_path: Path) -> Iterator[Callable[..., str]]:
    """Attach loop devices over sparse files: `loop_device(size_mib, extra_bytes=0, ...)`."""
    need(
        os.geteuid() == 0 and bool(shutil.which("losetup")),
        "root and losetup",
        "run the tests as root",
    )
    attached: list[str] = []

    def attach(
        size_mib: float,
        *,
        extra_bytes: int = 0,
        read_only: bool = False,
        partitions: bool = False,
        backing: Path | None = None,
    ) -> str:
        path = backing or tmp_path / f"disk{len(attached)}.img"
        if backing is None:  # a given backing (a prepared image or a device) is used as it is
            with open(path, "wb") as image:
                image.truncate(int(size_mib * MIB) + extra_bytes)
        argv = [
            "losetup",
            "-f",
            "--show",
            *(["-r"] if read_only else []),
            *(["-P"] if partitions else []),
            str(path),
        ]
        device = run(*argv)
        attached.append(device)
        return device

    try:
        yield attach
    finally:
        for device in reversed(attached):
            subprocess.run(["umount", "-q", device], check=False, capture_output=True)
            subprocess.run(["losetup", "-d", device], check=False)
