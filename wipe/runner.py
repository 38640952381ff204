"""Erase devices: passes then verification, several devices in parallel, stoppable by signals."""

from __future__ import annotations

import signal
import threading
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from types import FrameType

from rich.console import Console
from rich.progress import (
    BarColumn,
    DownloadColumn,
    Progress,
    TaskID,
    TextColumn,
    TimeRemainingColumn,
    TransferSpeedColumn,
)

from wipe.devices import Device
from wipe.engine import CHUNK_SIZE, PassResult, ProgressSink, Target, write_pass
from wipe.errors import DeviceRefused
from wipe.patterns import Filler, Pattern
from wipe.verify import Verification, verify


def utc_now() -> str:
    """Return the current UTC time as ISO 8601 with a Z, to the second."""
    return datetime.now(UTC).replace(microsecond=0).isoformat().replace("+00:00", "Z")


@dataclass
class EraseOutcome:
    """Everything the passes and the verification did to one device."""

    passes: list[PassResult]
    verification: Verification
    started_at: str
    finished_at: str
    aborted: bool
    planned_passes: int = 0
    refused: str | None = None


def erase(
    target: Target,
    passes: Sequence[Pattern],
    verify_mode: str,
    *,
    stop: threading.Event,
    progress: ProgressSink | None = None,
    chunk_size: int = CHUNK_SIZE,
    seed: bytes | None = None,
) -> EraseOutcome:
    """Run each pass over the whole target, then verify the last one unless stopped."""
    started = utc_now()
    done: list[PassResult] = []
    for number, pattern in enumerate(passes, 1):
        if stop.is_set():
            break
        phase = f"pass {number}/{len(passes)} {pattern.name}"
        result = write_pass(
            target,
            Filler.for_pass(pattern),
            stop=stop,
            progress=progress,
            phase=phase,
            chunk_size=chunk_size,
        )
        done.append(result)
        if result.aborted:
            break
    aborted = stop.is_set() or len(done) < len(passes) or any(p.aborted for p in done)
    if aborted or verify_mode == "none" or not done:
        check = Verification(verify_mode)
    else:
        check = verify(
            target,
            done[-1].filler,
            verify_mode,
            stop=stop,
            progress=progress,
            seed=seed,
            chunk_size=chunk_size,
        )
        aborted = check.aborted
    return EraseOutcome(done, check, started, utc_now(), aborted, len(passes))


class RichSink:
    """Show one progress bar per device, with speed and time left, from any thread."""

    def __init__(self, bars: Progress, name: str) -> None:
        self.bars, self.name = bars, name
        self.task: TaskID = bars.add_task(name, total=None)

    def start(self, phase: str, total: int) -> None:
        """Restart the device's bar for a new phase."""
        self.bars.reset(self.task, total=total, description=f"{self.name} {phase}")

    def advance(self, done: int) -> None:
        """Move the bar."""
        self.bars.advance(self.task, done)


@contextmanager
def stop_on_signals(stop: threading.Event, console: Console) -> Iterator[None]:
    """Turn SIGINT and SIGTERM into a clean stop at the next chunk while the block runs."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return

    def handler(signum: int, frame: FrameType | None) -> None:
        if not stop.is_set():
            console.print(
                f"[yellow]{signal.Signals(signum).name}: stopping after the current "
                "chunk; the certificate will say aborted[/]"
            )
        stop.set()

    previous = {sig: signal.signal(sig, handler) for sig in (signal.SIGINT, signal.SIGTERM)}
    try:
        yield
    finally:
        for sig, old in previous.items():
            signal.signal(sig, old)


Job = tuple[Device, Sequence[Pattern], str]


def _one(job: Job, stop: threading.Event, sink: ProgressSink, chunk_size: int) -> EraseOutcome:
    device, passes, verify_mode = job
    try:
        with Target(device.path, block_size=device.logical_block_size) as target:
            return erase(
                target, passes, verify_mode, stop=stop, progress=sink, chunk_size=chunk_size
            )
    except DeviceRefused as exc:
        now = utc_now()
        return EraseOutcome(
            [], Verification(verify_mode), now, now, False, len(passes), refused=exc.reason
        )


def run_jobs(
    jobs: Sequence[Job],
    *,
    console: Console,
    stop: threading.Event | None = None,
    chunk_size: int = CHUNK_SIZE,
    on_done: Callable[[int, EraseOutcome], None] | None = None,
) -> list[EraseOutcome]:
    """Erase every device in its own thread with a progress bar; return outcomes in job order."""
    stop = stop or threading.Event()
    columns = (
        TextColumn("{task.description}"),
        BarColumn(),
        DownloadColumn(binary_units=True),
        TransferSpeedColumn(),
        TimeRemainingColumn(),
    )
    outcomes: dict[int, EraseOutcome] = {}
    with (
        stop_on_signals(stop, console),
        Progress(*columns, console=console) as bars,
        ThreadPoolExecutor(max_workers=max(1, len(jobs))) as pool,
    ):
        pending: dict[Future[EraseOutcome], int] = {
            pool.submit(_one, job, stop, RichSink(bars, job[0].name), chunk_size): index
            for index, job in enumerate(jobs)
        }
        while pending:
            # A timeout keeps the main thread waking up, so signal handlers run promptly.
            finished, _ = wait(pending, timeout=0.2, return_when=FIRST_COMPLETED)
            for future in finished:
                index = pending.pop(future)
                outcomes[index] = future.result()
                if on_done is not None:
                    on_done(index, outcomes[index])
    return [outcomes[i] for i in range(len(jobs))]
