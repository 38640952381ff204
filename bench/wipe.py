"""Benchmark the wipe engine against dd (the disk's limit) and Debian's nwipe, as root.

    .venv/bin/python bench/wipe.py                  # 2 GiB loop device in /var/tmp, 3 runs
    .venv/bin/python bench/wipe.py --runs 1 --no-nwipe

A loop device with direct I/O (`losetup --direct-io=on`) over a file on the real disk, written
once in full before measuring so no run pays for block allocation. Caches are dropped before
every measurement. Each run measures, in this order: dd's zero write, the agent's zero pass,
the agent's full verify of it, dd's read, the agent's random (AES-256-CTR) pass, and the
agent's full verify of that, then the agent again with one 8 MiB request at a time instead of
two 1 MiB ones (what the defaults were chosen against); the table shows medians. The agent's
pass times include its fsync; dd's do not. nwipe runs once per method on the same device.
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import statistics
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from wipe.engine import CHUNK_SIZE, WRITERS, Target, write_pass  # noqa: E402
from wipe.patterns import Filler, parse_pattern  # noqa: E402
from wipe.verify import READERS, verify  # noqa: E402

GIB = 1 << 30
MIB = 1 << 20


def tool(argv: list[str]) -> str:
    """Run a system tool (fixed argv: dd, losetup, nwipe), fail loudly, return its output."""
    done = subprocess.run(argv, check=True, capture_output=True, text=True)  # noqa: S603
    return done.stdout.strip()


def drop_caches() -> None:
    """Write back and drop the page cache, so every measurement starts cold."""
    os.sync()
    Path("/proc/sys/vm/drop_caches").write_text("3\n")


def timed(action: Callable[[], object]) -> float:
    """Return the wall-clock seconds `action` takes, after dropping caches."""
    drop_caches()
    started = time.perf_counter()
    action()
    return time.perf_counter() - started


def agent_pass(
    device: str,
    pattern: str,
    keep: dict[str, Filler],
    *,
    chunk_size: int = CHUNK_SIZE,
    writers: int = WRITERS,
) -> None:
    """Run one overwrite pass (with its fsync) and keep its filler for the verify."""
    with Target(device) as target:
        result = write_pass(
            target,
            Filler.for_pass(parse_pattern(pattern)),
            stop=threading.Event(),
            chunk_size=chunk_size,
            writers=writers,
        )
    assert not result.errors, result.errors
    keep["filler"] = result.filler


def agent_verify(
    device: str, keep: dict[str, Filler], *, chunk_size: int = CHUNK_SIZE, readers: int = READERS
) -> None:
    """Read the whole device back and compare it with the last pass."""
    with Target(device) as target:
        found = verify(
            target,
            keep["filler"],
            "full",
            stop=threading.Event(),
            chunk_size=chunk_size,
            readers=readers,
        )
    assert found.result == "passed", found


def nwipe(device: str, method: str, log: Path) -> float:
    """Time one nwipe pass, from its own log (start of pass to bytes written)."""
    argv = [
        "nwipe",
        "--autonuke",
        "--nogui",
        f"--method={method}",
        "--verify=off",
        "--noblank",
        f"--logfile={log}",
        device,
    ]
    log.unlink(missing_ok=True)
    drop_caches()
    started = time.perf_counter()
    tool(argv)
    wall = time.perf_counter() - started
    stamps = re.findall(
        r"^\[(\d+/\d+/\d+ \d+:\d+:\d+)\].*(Starting pass|bytes written)",
        log.read_text(),
        re.MULTILINE,
    )
    print(f"  nwipe {method}: {wall:.2f} s wall clock, log {stamps[0][0]} .. {stamps[-1][0]}")
    return wall


def main() -> None:
    """Measure, print the table and the ratios."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size-gib", type=float, default=2.0)
    # /var/tmp is on the real disk here (/tmp may be tmpfs); the file name is fixed and ours
    parser.add_argument("--dir", type=Path, default=Path("/var/tmp"))  # noqa: S108
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--no-nwipe", action="store_true")
    args = parser.parse_args()
    if os.geteuid() != 0:
        sys.exit("run as root: it attaches a loop device and drops the page cache")
    size = int(args.size_gib * GIB) // (4 * MIB) * (4 * MIB)  # whole dd blocks: no ENOSPC
    backing = args.dir / "xunhuan-wipe-bench.img"
    with open(backing, "wb") as image:
        image.truncate(size)
    device = tool(["losetup", "-f", "--show", "--direct-io=on", str(backing)])
    keep: dict[str, Filler] = {}
    times: dict[str, list[float]] = {}
    blocks = f"count={size // (4 * MIB)}"
    dd_write = [
        "dd",
        "if=/dev/zero",
        f"of={device}",
        "bs=4M",
        blocks,
        "oflag=direct",
        "status=none",
    ]
    dd_read = ["dd", f"if={device}", "iflag=direct", "of=/dev/null", "bs=4M", "status=none"]
    steps: list[tuple[str, Callable[[], object]]] = [
        ("dd write", lambda: tool(dd_write)),
        ("agent zero pass", lambda: agent_pass(device, "zero", keep)),
        ("agent verify zero", lambda: agent_verify(device, keep)),
        ("dd read", lambda: tool(dd_read)),
        ("agent random pass", lambda: agent_pass(device, "random", keep)),
        ("agent verify random", lambda: agent_verify(device, keep)),
        # the same with one 8 MiB request at a time, as dd does with 4 MiB
        (
            "8 MiB x1 zero pass",
            lambda: agent_pass(device, "zero", keep, chunk_size=8 * MIB, writers=1),
        ),
        ("8 MiB x1 verify zero", lambda: agent_verify(device, keep, chunk_size=8 * MIB, readers=1)),
        (
            "8 MiB x1 random pass",
            lambda: agent_pass(device, "random", keep, chunk_size=8 * MIB, writers=1),
        ),
    ]
    try:
        print(
            f"{device} over {backing}: {size / GIB:.1f} GiB, "
            f"direct-io {Path(f'/sys/block/{Path(device).name}/loop/dio').read_text().strip()}"
        )
        tool(dd_write)  # allocate every block before measuring
        for run in range(args.runs):
            for name, step in steps:
                times.setdefault(name, []).append(timed(step))
            print(f"run {run + 1}: " + ", ".join(f"{n} {t[-1]:.2f} s" for n, t in times.items()))
        if not args.no_nwipe and shutil.which("nwipe"):
            log = args.dir / "xunhuan-wipe-bench-nwipe.log"
            times["nwipe zero"] = [nwipe(device, "zero", log)]
            times["nwipe random"] = [nwipe(device, "random", log)]
            log.unlink(missing_ok=True)
    finally:
        tool(["losetup", "-d", device])
        backing.unlink()
    median = {name: statistics.median(values) for name, values in times.items()}
    print("\n| what | median s | MiB/s |\n| --- | --- | --- |")
    for name, seconds in median.items():
        print(f"| {name} | {seconds:.2f} | {size / MIB / seconds:.0f} |")
    print("\nratios (agent speed / baseline speed):")
    pairs = [
        ("agent zero pass", "dd write"),
        ("agent random pass", "dd write"),
        ("agent verify zero", "dd read"),
        ("agent verify random", "dd read"),
        ("8 MiB x1 zero pass", "dd write"),
        ("8 MiB x1 random pass", "dd write"),
        ("8 MiB x1 verify zero", "dd read"),
        ("agent zero pass", "nwipe zero"),
        ("agent random pass", "nwipe random"),
    ]
    for agent, base in pairs:
        if base in median:
            print(f"  {agent} / {base}: {median[base] / median[agent]:.2f}")


if __name__ == "__main__":
    main()
