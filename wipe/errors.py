"""Domain errors of the wipe agent; the command line turns them into exit codes."""

from __future__ import annotations


class WipeError(Exception):
    """Base class of every error the wipe agent raises on purpose."""


class DeviceNotFound(WipeError):
    """A path names no device or file."""

    def __init__(self, path: str) -> None:
        super().__init__(f"{path}: no such device or file")
        self.path = path


class DeviceRefused(WipeError):
    """A device must not be erased (mounted, system disk, read-only, not a disk, busy)."""

    def __init__(self, path: str, reason: str) -> None:
        super().__init__(f"refusing to erase {path}: {reason}")
        self.path = path
        self.reason = reason


class ProfileError(WipeError):
    """A profile, pass list or verification mode that cannot be used together."""


class PatternError(ProfileError):
    """A pass pattern that is not zero, one, random or 0xNN."""
