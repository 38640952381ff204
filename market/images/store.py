"""Where pictures live: an interface, a filesystem store in the data dir, and a fake for tests."""

from __future__ import annotations

import hashlib
import os
import re
import tempfile
from pathlib import Path
from typing import Protocol

KEY_RE = re.compile(r"[0-9a-f]{64}")
EXTENSIONS = {"webp": "image/webp", "jpg": "image/jpeg"}


class ImageStore(Protocol):
    """Content-addressed blobs: the key is the SHA-256 of the bytes."""

    def put(self, data: bytes, ext: str) -> str: ...

    def get(self, key: str, ext: str) -> bytes | None: ...

    def path(self, key: str, ext: str) -> Path | None: ...


def content_key(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def _check(key: str, ext: str) -> None:
    if not KEY_RE.fullmatch(key) or ext not in EXTENSIONS:
        raise ValueError("bad image key or extension")


class FilesystemImageStore:
    """Files under `root/ab/cd/<key>.<ext>`, written atomically so a crash leaves no half file."""

    def __init__(self, root: Path) -> None:
        self.root = root

    def _file(self, key: str, ext: str) -> Path:
        _check(key, ext)
        return self.root / key[:2] / key[2:4] / f"{key}.{ext}"

    def put(self, data: bytes, ext: str) -> str:
        key = content_key(data)
        target = self._file(key, ext)
        if target.exists():
            return key
        target.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=target.parent, prefix=".tmp-")
        try:
            with os.fdopen(fd, "wb") as f:
                f.write(data)
                f.flush()
                os.fsync(f.fileno())
            os.replace(tmp, target)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise
        return key

    def get(self, key: str, ext: str) -> bytes | None:
        path = self.path(key, ext)
        return path.read_bytes() if path else None

    def path(self, key: str, ext: str) -> Path | None:
        target = self._file(key, ext)
        return target if target.exists() else None


class MemoryImageStore:
    """The fake: keeps blobs in a dict."""

    def __init__(self) -> None:
        self.blobs: dict[tuple[str, str], bytes] = {}

    def put(self, data: bytes, ext: str) -> str:
        key = content_key(data)
        _check(key, ext)
        self.blobs[(key, ext)] = data
        return key

    def get(self, key: str, ext: str) -> bytes | None:
        _check(key, ext)
        return self.blobs.get((key, ext))

    def path(self, key: str, ext: str) -> Path | None:
        return None
