"""Overwrite patterns: constant bytes and a seekable AES-256-CTR keystream, in aligned buffers."""

from __future__ import annotations

import mmap
import os
import re
from dataclasses import dataclass, field

from cryptography.hazmat.primitives.ciphers import Cipher, CipherContext, algorithms, modes

from wipe.errors import PatternError

RANDOM_GENERATOR = "AES-256-CTR"
_AES_BLOCK = 16
_HEX = re.compile(r"0x([0-9a-fA-F]{2})")


@dataclass(frozen=True)
class Pattern:
    """One pass pattern: a constant byte, or random data when `byte` is None."""

    name: str
    byte: int | None

    @property
    def is_random(self) -> bool:
        """Tell whether the pass writes keystream rather than a constant."""
        return self.byte is None

    @property
    def random_generator(self) -> str | None:
        """Name the generator of a random pass, as the certificate records it."""
        return RANDOM_GENERATOR if self.byte is None else None


ZERO = Pattern("zero", 0x00)
ONE = Pattern("one", 0xFF)
RANDOM = Pattern("random", None)


def parse_pattern(text: str) -> Pattern:
    """Read `zero`, `one`, `random` or `0xNN` (any byte) into a Pattern."""
    value = text.strip().lower()
    named = {"zero": ZERO, "one": ONE, "random": RANDOM}
    if value in named:
        return named[value]
    match = _HEX.fullmatch(value)
    if match is None:
        raise PatternError(f"unknown pattern {text!r}: use zero, one, random or 0xNN (e.g. 0xA5)")
    byte = int(match.group(1), 16)
    if byte == 0x00:
        return ZERO
    if byte == 0xFF:
        return ONE
    return Pattern(f"0x{byte:02X}", byte)


class AlignedBuffer:
    """A page-aligned anonymous mapping usable for O_DIRECT I/O, reused across chunks."""

    def __init__(self, size: int) -> None:
        # CTR's update_into wants room for one extra cipher block; a page keeps the alignment.
        self.size = size
        self._map = mmap.mmap(-1, size + mmap.PAGESIZE)
        if hasattr(mmap, "MADV_HUGEPAGE"):
            self._map.madvise(mmap.MADV_HUGEPAGE)
        self.view = memoryview(self._map)
        self.tag: object = None  # what the buffer holds now, so constant fills happen once

    def close(self) -> None:
        """Release the mapping."""
        self.view.release()
        self._map.close()


@dataclass
class Filler:
    """Produce the bytes a pass writes at any device offset; random passes get a fresh key."""

    pattern: Pattern
    key: bytes = field(default=b"", repr=False)
    nonce: bytes = field(default=b"", repr=False)
    _zeros: bytes = field(default=b"", repr=False)
    _constant: bytes = field(default=b"", repr=False)

    @classmethod
    def for_pass(cls, pattern: Pattern) -> Filler:
        """Make the filler of one pass; the key lives only in this object's memory."""
        if pattern.is_random:
            return cls(pattern, key=os.urandom(32), nonce=os.urandom(_AES_BLOCK))
        return cls(pattern)

    def fill(self, buf: AlignedBuffer, offset: int, length: int) -> None:
        """Put the pass's bytes for [offset, offset + length) at the start of `buf`."""
        if self.pattern.byte is not None:
            tag = ("const", self.pattern.byte)
            if buf.tag != tag:
                buf.view[: buf.size] = bytes([self.pattern.byte]) * buf.size
                buf.tag = tag
            return
        buf.tag = None
        skip = offset % _AES_BLOCK
        encryptor = self._encryptor(offset - skip)
        if skip:
            encryptor.update(bytes(skip))
        encryptor.update_into(self._zero(length), buf.view)

    def expected(self, offset: int, length: int) -> bytes:
        """Return the bytes the pass wrote at [offset, offset + length), for verification."""
        if self.pattern.byte is not None:
            if len(self._constant) != length:  # chunks mostly share one length: build it once
                self._constant = bytes([self.pattern.byte]) * length
            return self._constant
        skip = offset % _AES_BLOCK
        stream = self._encryptor(offset - skip).update(self._zero(length + skip))
        return stream[skip:] if skip else stream

    def _encryptor(self, offset: int) -> CipherContext:
        # CTR can seek: the counter block at byte `offset` is the nonce plus offset / 16.
        counter = (int.from_bytes(self.nonce, "big") + offset // _AES_BLOCK) % (1 << 128)
        cipher = Cipher(algorithms.AES(self.key), modes.CTR(counter.to_bytes(_AES_BLOCK, "big")))
        return cipher.encryptor()

    def _zero(self, length: int) -> bytes | memoryview:
        if len(self._zeros) < length:
            self._zeros = bytes(length)
        return memoryview(self._zeros)[:length] if len(self._zeros) > length else self._zeros


def same_bytes(expected: bytes, actual: memoryview) -> bool:
    """Compare at memcmp speed (bytes.startswith with equal lengths is one memcmp)."""
    return len(expected) == len(actual) and expected.startswith(actual)
