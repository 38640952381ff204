"""Where photos live: an interface, a filesystem store in the data dir, and a fake for tests.

A photo is a key and a fixed set of variants, each addressed as (key, size, ext). A stored photo
never changes, so the store only ever adds whole photos.
"""

from __future__ import annotations

import hashlib
import os
import re
import shutil
import tempfile
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Protocol

KEY_RE = re.compile(r"[0-9a-f]{64}")
SIZES = (320, 960, 2048)
EXTENSIONS = {"webp": "image/webp", "jpg": "image/jpeg"}

Variant = tuple[int, str]


class ImageStore(Protocol):
    """Photos by key; `put` stores all variants of a photo or none, and ignores a known key."""

    def put(self, key: str, variants: Mapping[Variant, bytes]) -> None: ...

    def get(self, key: str, size: int, ext: str) -> bytes | None: ...

    def path(self, key: str, size: int, ext: str) -> Path | None: ...


def content_key(data: bytes) -> str:
    """Return the SHA-256 hex digest that names content."""
    return hashlib.sha256(data).hexdigest()


def is_variant(key: str, size: int, ext: str) -> bool:
    """Tell whether (key, size, ext) is a well-formed variant address."""
    return bool(KEY_RE.fullmatch(key)) and size in SIZES and ext in EXTENSIONS


def _check(key: str, addresses: Iterable[Variant]) -> None:
    addresses = list(addresses)
    if not addresses or not all(is_variant(key, size, ext) for size, ext in addresses):
        raise ValueError("bad image key, size or extension")


class FilesystemImageStore:
    """Files under `root/ab/cd/<key>/<size>.<ext>`.

    A photo's directory is filled under a temporary name, synced, then renamed into place, so a
    crash or a concurrent upload of the same photo never leaves a photo with missing variants.
    """

    def __init__(self, root: Path) -> None:
        self.root = root

    def _dir(self, key: str) -> Path:
        return self.root / key[:2] / key[2:4] / key

    def put(self, key: str, variants: Mapping[Variant, bytes]) -> None:
        _check(key, variants)
        target = self._dir(key)
        if target.exists():
            return
        target.parent.mkdir(parents=True, exist_ok=True)
        tmp = Path(tempfile.mkdtemp(dir=target.parent, prefix=".tmp-"))
        try:
            tmp.chmod(0o755)  # mkdtemp makes it private; the photo is not
            for (size, ext), data in variants.items():
                with open(tmp / f"{size}.{ext}", "wb") as f:
                    f.write(data)
                    f.flush()
                    os.fsync(f.fileno())
            _fsync_dir(tmp)
            try:
                os.rename(tmp, target)
            except OSError:
                if not target.is_dir():
                    raise
                shutil.rmtree(tmp)  # the same photo arrived first from another upload
                return
            for directory in (target.parent, target.parent.parent, self.root):
                _fsync_dir(directory)  # mkdir may have just made them: their entries count too
        except BaseException:
            shutil.rmtree(tmp, ignore_errors=True)
            raise

    def get(self, key: str, size: int, ext: str) -> bytes | None:
        path = self.path(key, size, ext)
        return path.read_bytes() if path else None

    def path(self, key: str, size: int, ext: str) -> Path | None:
        _check(key, [(size, ext)])
        target = self._dir(key) / f"{size}.{ext}"
        return target if target.exists() else None


def _fsync_dir(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY | os.O_DIRECTORY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


class MemoryImageStore:
    """The fake: keeps variants in a dict."""

    def __init__(self) -> None:
        self.blobs: dict[tuple[str, int, str], bytes] = {}

    def put(self, key: str, variants: Mapping[Variant, bytes]) -> None:
        _check(key, variants)
        if any(stored == key for stored, _size, _ext in self.blobs):
            return
        for (size, ext), data in variants.items():
            self.blobs[(key, size, ext)] = data

    def get(self, key: str, size: int, ext: str) -> bytes | None:
        _check(key, [(size, ext)])
        return self.blobs.get((key, size, ext))

    def path(self, key: str, size: int, ext: str) -> Path | None:
        return None
