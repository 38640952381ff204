"""Read back what the last pass wrote: everything, or NIST SP 800-88 representative samples."""

from __future__ import annotations

import hashlib
import os
import queue
import secrets
import threading
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any

from wipe.engine import (
    CHUNK_SIZE,
    ErrorRange,
    NoProgress,
    ProgressSink,
    Target,
    describe_os_error,
    merge_ranges,
)
from wipe.patterns import AlignedBuffer, Filler, same_bytes

SUBSECTIONS = 1000  # NIST SP 800-88: at least 1,000 equal subsections
SAMPLE_PERCENT = 5  # two samples of at least 5 % of each subsection: at least 10 % in all
MISMATCH_UNIT = 4096  # mismatches count differing 4 KiB blocks
MAX_LISTED = 100  # mismatching ranges listed on the report; the count covers them all
READERS = 2  # reads in flight while this thread compares
DIFFERS = "verify: differs from the last pass"


@dataclass
class Verification:
    """The outcome of reading back a device, in the report's terms."""

    mode: str
    coverage_percent: float = 0.0
    bytes_verified: int = 0
    subsections: int | None = None
    seed: str | None = None
    result: str = "skipped"
    mismatches: int = 0
    errors: list[ErrorRange] = field(default_factory=list)
    aborted: bool = False

    def as_dict(self) -> dict[str, Any]:
        """Return the report's `verification` object."""
        return {
            "mode": self.mode,
            "coverage_percent": round(self.coverage_percent, 3),
            "bytes_verified": self.bytes_verified,
            "subsections": self.subsections,
            "seed": self.seed,
            "result": self.result,
            "mismatches": self.mismatches,
        }


@dataclass(frozen=True)
class SamplePlan:
    """Where a sampled verification reads: merged (offset, length) ranges in bytes."""

    ranges: list[tuple[int, int]]
    subsections: int
    total: int


def _draw(seed: bytes, subsection: int, sample: int) -> int:
    # Reproducible anywhere: the first 8 bytes of SHA-256(seed || subsection || sample).
    digest = hashlib.sha256(seed + subsection.to_bytes(8, "big") + bytes([sample])).digest()
    return int.from_bytes(digest[:8], "big")


def sample_plan(size: int, block: int, seed: bytes, subsections: int = SUBSECTIONS) -> SamplePlan:
    """Pick the first and last blocks and two pseudorandom 5 % samples in each subsection.

    Each subsection is split in halves and one sample falls in each half, so they never overlap.
    Raises ValueError when the device has fewer than two blocks per subsection.
    """
    blocks = -(-size // block)
    if blocks < 2 * subsections:
        raise ValueError(f"{blocks} blocks are too few for {subsections} subsections")
    picks = [(0, 1), (blocks - 1, 1)]
    for index in range(subsections):
        first, end = index * blocks // subsections, (index + 1) * blocks // subsections
        half = (end - first) // 2
        length = -(-(end - first) * SAMPLE_PERCENT // 100)
        for sample, low in enumerate((first, first + half)):
            high = first + half if sample == 0 else end
            picks.append((low + _draw(seed, index, sample) % (high - low - length + 1), length))
    merged: list[tuple[int, int]] = []
    for start, count in sorted(picks):
        if merged and start <= merged[-1][0] + merged[-1][1]:
            last_start, last_count = merged[-1]
            merged[-1] = (last_start, max(last_count, start + count - last_start))
        else:
            merged.append((start, count))
    ranges = [(s * block, min(c * block, size - s * block)) for s, c in merged]
    return SamplePlan(ranges, subsections, sum(length for _, length in ranges))


def _pieces(
    target: Target, ranges: Iterable[tuple[int, int]], chunk_size: int
) -> Iterator[tuple[int, int]]:
    """Cut ranges into reads of at most one chunk that never straddle the unaligned tail."""
    for offset, length in ranges:
        end = offset + length
        while offset < end:
            limit = target.bulk_end if offset < target.bulk_end else end
            step = min(chunk_size, end - offset, limit - offset)
            yield offset, step
            offset += step


def _pread_all(fd: int, view: memoryview, offset: int) -> None:
    done = 0
    while done < len(view):
        with view[done:] as rest:
            count = os.preadv(fd, [rest], offset + done)
        if count <= 0:
            raise OSError(5, "short read: the device ended early")
        done += count


Check = Callable[[memoryview, int, OSError | None], None]


def scan(
    target: Target,
    ranges: Iterable[tuple[int, int]],
    check: Check,
    stop: threading.Event,
    *,
    chunk_size: int = CHUNK_SIZE,
    readers: int = READERS,
) -> bool:
    """Read the ranges in reader threads and hand each piece to `check`; False if stopped.

    Pieces arrive in any order; `check` runs in the calling thread only.
    """
    buffers = [AlignedBuffer(chunk_size) for _ in range(readers + 1)]
    free: queue.SimpleQueue[AlignedBuffer] = queue.SimpleQueue()
    ready: queue.SimpleQueue[tuple[AlignedBuffer, int, int, OSError | None] | None]
    ready = queue.SimpleQueue()
    pieces, lock, halt = _pieces(target, ranges, chunk_size), threading.Lock(), threading.Event()
    for buf in buffers:
        free.put(buf)

    def reader() -> None:
        try:
            while not halt.is_set():
                buf = free.get()
                with lock:
                    piece = None if halt.is_set() else next(pieces, None)
                if piece is None:
                    free.put(buf)
                    break
                offset, length = piece
                error = None
                with buf.view[:length] as view:
                    try:
                        _pread_all(target.fd_for(offset), view, offset)
                    except OSError as exc:
                        error = exc
                ready.put((buf, offset, length, error))
        finally:
            ready.put(None)

    threads = [
        threading.Thread(target=reader, name=f"wipe-reader {target.path}", daemon=True)
        for _ in range(readers)
    ]
    for thread in threads:
        thread.start()
    running = readers
    try:
        while running:
            item = ready.get()
            if item is None:
                running -= 1
                continue
            buf, offset, length, error = item
            try:
                if stop.is_set():
                    halt.set()
                    continue
                with buf.view[:length] as view:
                    check(view, offset, error)
            finally:
                free.put(buf)
    finally:
        halt.set()
        for buf in buffers:  # wakes readers waiting for a buffer, so they see the halt
            free.put(buf)
        for thread in threads:
            thread.join()
        for buf in buffers:
            buf.close()
    return not stop.is_set()


def _mismatching_units(expected: bytes, got: memoryview, offset: int) -> list[ErrorRange]:
    bad = []
    for start in range(0, len(got), MISMATCH_UNIT):
        with got[start : start + MISMATCH_UNIT] as unit:
            if not same_bytes(expected[start : start + MISMATCH_UNIT], unit):
                bad.append(ErrorRange(offset + start, len(unit), DIFFERS))
    return bad


def verify(
    target: Target,
    filler: Filler,
    mode: str,
    *,
    stop: threading.Event,
    progress: ProgressSink | None = None,
    seed: bytes | None = None,
    chunk_size: int = CHUNK_SIZE,
    readers: int = READERS,
) -> Verification:
    """Compare the device with the last pass, fully or by sampling; any difference fails it."""
    result = Verification(mode)
    ranges: list[tuple[int, int]] | Iterator[tuple[int, int]] = target.ranges(chunk_size)
    total = target.size
    if mode == "sample":
        seed = seed if seed is not None else secrets.token_bytes(16)
        try:
            plan = sample_plan(target.size, target.align, seed)
            ranges, total = plan.ranges, plan.total
            result.subsections, result.seed = plan.subsections, seed.hex()
        except ValueError:  # too small to sample: read it all and say so
            result.mode = "full"
    sink = progress or NoProgress()
    sink.start(f"verify ({result.mode})", total)
    bad: list[ErrorRange] = []

    def check(view: memoryview, offset: int, error: OSError | None) -> None:
        if error is not None:
            result.errors.append(ErrorRange(offset, len(view), describe_os_error("read", error)))
            result.mismatches += -(-len(view) // MISMATCH_UNIT)
        else:
            expected = filler.expected(offset, len(view))
            if not same_bytes(expected, view):
                found = _mismatching_units(expected, view, offset)
                result.mismatches += len(found)
                bad.extend(found)
            result.bytes_verified += len(view)
        sink.advance(len(view))

    result.aborted = not scan(target, ranges, check, stop, chunk_size=chunk_size, readers=readers)
    result.errors = merge_ranges(result.errors) + merge_ranges(bad)[:MAX_LISTED]
    result.coverage_percent = 100.0 * result.bytes_verified / target.size if target.size else 0.0
    if result.aborted:
        result.result = "failed" if result.mismatches else "skipped"
    else:
        result.result = "failed" if result.mismatches else "passed"
    return result
