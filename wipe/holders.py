"""Find what uses a disk: mounts, swap, holders (LVM, dm-crypt, RAID) and loop devices on top."""

from __future__ import annotations

import os
import re
import stat
from collections import deque
from dataclasses import dataclass
from pathlib import Path

# Whatever holds these is the system disk, whatever the mount says about it.
SYSTEM_MOUNTPOINTS = frozenset({"/", "/boot", "/boot/efi", "/efi", "/usr", "/var"})
_OCTAL = re.compile(r"\\([0-7]{3})")


@dataclass(frozen=True)
class Use:
    """Why one block device (a disk, partition, dm or loop device) is in use."""

    device: str
    what: str
    system: bool = False


def _unescape(text: str) -> str:
    return _OCTAL.sub(lambda m: chr(int(m.group(1), 8)), text)


def _read(path: Path) -> str | None:
    try:
        return path.read_text().strip()
    except OSError:
        return None


class BlockTopology:
    """A snapshot of the kernel's block devices and of everything that uses them."""

    def __init__(self, sys_root: Path = Path("/sys"), proc_root: Path = Path("/proc")) -> None:
        self.sys_root = sys_root
        self.proc_root = proc_root
        block = sys_root / "class" / "block"
        self.names = sorted(p.name for p in block.iterdir()) if block.is_dir() else []
        self.devnums: dict[str, str] = {}
        self.parent: dict[str, str] = {}
        # name -> devices stacked on it: ("holder", "dm-0") or ("loop", "loop5")
        self.uppers: dict[str, list[tuple[str, str]]] = {name: [] for name in self.names}
        self.loop_backing: dict[str, str] = {}
        self.swap_files: set[str] = set()
        for name in self.names:
            self._scan(block / name, name)
        self._link_loops()
        self.uses: dict[str, list[Use]] = {}
        self._collect_mounts()
        self._collect_swaps()
        self._collect_btrfs()

    def _scan(self, entry: Path, name: str) -> None:
        devnum = _read(entry / "dev")
        if devnum:
            self.devnums[devnum] = name
        if (entry / "partition").exists():
            self.parent[name] = entry.resolve().parent.name
        holders = entry / "holders"
        if holders.is_dir():
            self.uppers[name].extend(("holder", h.name) for h in holders.iterdir())
        backing = _read(entry / "loop" / "backing_file")
        if backing:
            self.loop_backing[name] = backing.removesuffix(" (deleted)")

    def _link_loops(self) -> None:
        for loop, backing in self.loop_backing.items():
            lower = self.name_of_path(backing)
            if lower is not None and lower != loop:
                self.uppers.setdefault(lower, []).append(("loop", loop))

    def name_of_path(self, path: str) -> str | None:
        """Return the kernel name of the block device at `path`, if it is one."""
        try:
            st = os.stat(path)
        except OSError:
            st = None
        if st is not None and stat.S_ISBLK(st.st_mode):
            return self.devnums.get(f"{os.major(st.st_rdev)}:{os.minor(st.st_rdev)}")
        if path.startswith("/dev/") and os.path.basename(path) in self.uppers:
            return os.path.basename(path)
        return None

    def file_reason(self, path: str) -> str | None:
        """Say why a disk image file must not be erased (active swap, attached loop device)."""
        real = os.path.realpath(path)
        if real in self.swap_files:
            return "system disk: active swap file"
        loops = [n for n, b in self.loop_backing.items() if os.path.realpath(b) == real]
        if loops:
            return f"in use: backs the loop device /dev/{loops[0]} (detach it first)"
        return None

    def disk_of(self, name: str) -> str:
        """Return the whole disk a partition belongs to (a disk is its own)."""
        return self.parent.get(name, name)

    def _add(self, use: Use) -> None:
        self.uses.setdefault(use.device, []).append(use)

    def _collect_mounts(self) -> None:
        text = _read(self.proc_root / "self" / "mountinfo") or ""
        for line in text.splitlines():
            left, _, right = line.partition(" - ")
            fields, tail = left.split(), right.split()
            if len(fields) < 5:
                continue
            mountpoint = _unescape(fields[4])
            name = None if fields[2].startswith("0:") else self.devnums.get(fields[2])
            if name is None and len(tail) > 1:
                name = self.name_of_path(_unescape(tail[1]))
            if name is not None:
                system = mountpoint in SYSTEM_MOUNTPOINTS
                self._add(Use(name, f"mounted at {mountpoint}", system))

    def _collect_swaps(self) -> None:
        text = _read(self.proc_root / "swaps") or ""
        for line in text.splitlines()[1:]:
            parts = line.split()
            if len(parts) < 2:
                continue
            path = _unescape(parts[0])
            name = self.name_of_path(path)
            if name is not None:
                self._add(Use(name, "active swap", True))
                continue
            try:  # a swap file: the disk under its filesystem is the system disk
                st = os.stat(path)
            except OSError:
                continue
            self.swap_files.add(os.path.realpath(path))
            holder = self.devnums.get(f"{os.major(st.st_dev)}:{os.minor(st.st_dev)}")
            if holder is not None:
                self._add(Use(holder, f"holds the active swap file {path}", True))

    def _collect_btrfs(self) -> None:
        # btrfs mounts under an anonymous device number; its members are listed here instead.
        root = self.sys_root / "fs" / "btrfs"
        for member in root.glob("*/devices/*") if root.is_dir() else []:
            self._add(Use(member.name, f"member of the mounted btrfs {member.parent.parent.name}"))

    def stack(self, disk: str) -> list[tuple[str, str]]:
        """List (device, relation) for the disk, its partitions and everything stacked on them."""
        found: list[tuple[str, str]] = [(disk, "disk")]
        seen = {disk}
        queue = deque([disk, *(p for p, d in self.parent.items() if d == disk)])
        for part in list(queue)[1:]:
            found.append((part, "partition"))
            seen.add(part)
        while queue:
            name = queue.popleft()
            for relation, upper in self.uppers.get(name, []):
                if upper in seen:
                    continue
                seen.add(upper)
                found.append((upper, relation))
                queue.append(upper)
                queue.extend(p for p, d in self.parent.items() if d == upper and p not in seen)
        return found

    def reasons(self, disk: str) -> list[Use]:
        """List why a whole disk must not be erased, system uses first; empty when it is free."""
        found: list[Use] = []
        for name, relation in self.stack(disk):
            for use in self.uses.get(name, []):
                through = "" if name == disk else f" (through {name})"
                found.append(Use(name, use.what + through, use.system))
            if relation == "holder":
                found.append(Use(name, f"held by {name} (LVM, dm-crypt, RAID or multipath)"))
            elif relation == "loop":
                found.append(Use(name, f"backs the loop device /dev/{name}"))
        return sorted(found, key=lambda use: not use.system)


def protection_reason(uses: list[Use]) -> str | None:
    """Say in one line why the uses protect a disk, or None when there are none."""
    if not uses:
        return None
    label = "system disk: " if uses[0].system else "in use: "
    shown = "; ".join(use.what for use in uses[:3])
    more = f" and {len(uses) - 3} more" if len(uses) > 3 else ""
    return label + shown + more
