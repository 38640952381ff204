"""The index directory on disk: index generations, the pointer to the live one, the lock, the queue.

<root>/CURRENT         name of the live generation, replaced atomically by a rebuild
<root>/gen-00000007/   a whoosh index
<root>/write.lock      held (flock) by whoever writes, across processes
<root>/rebuilding      present while a rebuild holds the lock
<root>/pending/        writes that could not get the lock in time, one JSON file each
"""

from __future__ import annotations

import fcntl
import json
import logging
import os
import re
import secrets
import shutil
import time
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from pathlib import Path

from market.search.documents import Record

log = logging.getLogger(__name__)
Fingerprint = tuple[Path | None, frozenset[str]]
_GENERATION = re.compile(r"gen-(\d{8})")
FIRST_BACKOFF = 0.002
MAX_BACKOFF = 0.05


def fsync_path(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def write_atomically(target: Path, data: bytes) -> None:
    """Write `data` to `target` so a crash leaves the old file or the new one, never a part."""
    tmp = target.with_name(f".{target.name}.{secrets.token_hex(4)}.tmp")
    try:
        with open(tmp, "wb") as f:
            f.write(data)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, target)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    fsync_path(target.parent)


class WriteLock:
    """An exclusive flock on one file, shared by every process and thread that writes."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._fd: int | None = None

    def acquire(self, timeout: float | None) -> bool:
        """Take the lock, retrying with backoff for `timeout` seconds (None: wait for it)."""
        self.path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o644)
        if timeout is None:
            fcntl.flock(fd, fcntl.LOCK_EX)
            self._fd = fd
            return True
        deadline = time.monotonic() + timeout
        pause = FIRST_BACKOFF
        while True:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    os.close(fd)
                    return False
                time.sleep(min(pause, remaining))
                pause = min(pause * 2, MAX_BACKOFF)
            else:
                self._fd = fd
                return True

    def release(self) -> None:
        if self._fd is not None:
            fcntl.flock(self._fd, fcntl.LOCK_UN)
            os.close(self._fd)
            self._fd = None


class PendingQueue:
    """Writes waiting for the lock: one fsynced JSON file per write, applied oldest first."""

    def __init__(self, directory: Path) -> None:
        self.directory = directory

    def put(self, records: list[Record]) -> Path:
        self.directory.mkdir(parents=True, exist_ok=True)
        name = f"{time.time_ns():020d}-{os.getpid()}-{secrets.token_hex(4)}.json"
        body = json.dumps({"records": [r.to_json() for r in records]}, ensure_ascii=False)
        target = self.directory / name
        write_atomically(target, body.encode())
        return target

    def files(self) -> list[Path]:
        try:
            return sorted(p for p in self.directory.iterdir() if _is_queued(p))
        except FileNotFoundError:
            return []

    def read(self) -> list[tuple[Path, list[Record]]]:
        """Every queued write, oldest first; a file that cannot be read is set aside, not lost."""
        batches = []
        for path in self.files():
            try:
                data = json.loads(path.read_bytes())
                batches.append((path, [Record.from_json(r) for r in data["records"]]))
            except FileNotFoundError:
                continue  # another process applied it just now
            except (ValueError, KeyError, TypeError) as error:
                log.error("search: unreadable queued write %s set aside: %s", path.name, error)
                aside = self.directory / "unreadable"
                aside.mkdir(exist_ok=True)
                with suppress(FileNotFoundError):
                    os.replace(path, aside / path.name)
        return batches

    def remove(self, paths: list[Path]) -> None:
        for path in paths:
            path.unlink(missing_ok=True)


def _is_queued(path: Path) -> bool:
    return path.suffix == ".json" and not path.name.startswith(".")


class IndexDirectory:
    """Where the generations live and which one is live."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.lock_path = root / "write.lock"
        self.marker = root / "rebuilding"
        self.queue = PendingQueue(root / "pending")

    def current(self) -> Path | None:
        """The live generation's directory, or None when there is none."""
        try:
            name = (self.root / "CURRENT").read_text().strip()
        except (FileNotFoundError, NotADirectoryError, UnicodeDecodeError):
            return None
        return self.root / name if _GENERATION.fullmatch(name) else None

    def fingerprint(self, generation: Path | None) -> Fingerprint:
        """What changes whenever anything commits to `generation` or replaces it."""
        try:
            names = frozenset(p.name for p in generation.iterdir()) if generation else frozenset()
        except OSError:
            names = frozenset()
        return generation, names

    def generations(self) -> list[Path]:
        try:
            return sorted(p for p in self.root.iterdir() if _GENERATION.fullmatch(p.name))
        except FileNotFoundError:
            return []

    def new_generation(self) -> Path:
        """A new empty directory, named as no generation before it (even a vanished live one)."""
        numbers = [int(p.name[4:]) for p in [*self.generations(), self.current()] if p]
        path = self.root / f"gen-{max(numbers, default=0) + 1:08d}"
        path.mkdir(parents=True)
        return path

    def switch_to(self, generation: Path) -> None:
        """Make `generation` live, after its files are safely on disk."""
        for path in generation.iterdir():
            fsync_path(path)
        fsync_path(generation)
        write_atomically(self.root / "CURRENT", f"{generation.name}\n".encode())

    def remove_other_generations(self) -> None:
        # Readers in other processes may still have old files open; POSIX keeps those readable.
        live = self.current()
        for path in self.generations():
            if path != live:
                shutil.rmtree(path, ignore_errors=True)

    @contextmanager
    def rebuilding(self) -> Iterator[None]:
        write_atomically(self.marker, json.dumps({"pid": os.getpid(), "at": time.time()}).encode())
        try:
            yield
        finally:
            self.marker.unlink(missing_ok=True)

    def rebuild_running(self) -> bool:
        """Whether a rebuild holds the lock now (a marker left by a crashed one does not count)."""
        if not self.marker.exists():
            return False
        probe = WriteLock(self.lock_path)
        if probe.acquire(timeout=0):
            probe.release()
            return False
        return True
