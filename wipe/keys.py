"""The station key: one Ed25519 key pair per wipe workstation, kept in its key directory."""

from __future__ import annotations

import os
import stat
from pathlib import Path

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from wipe.errors import WipeError

PRIVATE_KEY_FILE = "station_ed25519.pem"
PUBLIC_KEY_FILE = "station_ed25519.pub.pem"


class StationKeyError(WipeError):
    """The station key cannot be created or used."""


class StationKeyExists(StationKeyError):
    """A station key is already there and overwriting was not asked for."""


class StationKeyMissing(StationKeyError):
    """No station key has been made in this key directory yet."""


def default_key_dir() -> Path:
    """Return $XUNHUAN_WIPE_HOME, or ~/.config/xunhuan-wipe."""
    home = os.environ.get("XUNHUAN_WIPE_HOME")
    return Path(home) if home else Path.home() / ".config" / "xunhuan-wipe"


def _write_new_private(path: Path, pem: bytes) -> None:
    # O_EXCL with mode 0600 at creation: the key is never readable by others, not even briefly,
    # and a file planted at this path (or a symlink) is refused instead of followed.
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW, 0o600)
    try:
        os.fchmod(fd, 0o600)
        os.write(fd, pem)
        os.fsync(fd)
    finally:
        os.close(fd)


def _fsync_dir(directory: Path) -> None:
    fd = os.open(directory, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def init_station_key(key_dir: Path, *, force: bool = False) -> Path:
    """Create the station's Ed25519 key (PKCS8 PEM, mode 0600) and return its path."""
    key_dir.mkdir(mode=0o700, parents=True, exist_ok=True)
    path = key_dir / PRIVATE_KEY_FILE
    if path.exists() and not force:
        raise StationKeyExists(
            f"{path} already exists; certificates signed with it would no longer verify "
            "against a new key (use --force to replace it anyway)"
        )
    key = Ed25519PrivateKey.generate()
    pem = key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )
    temp = key_dir / f".{PRIVATE_KEY_FILE}.{os.getpid()}.tmp"
    temp.unlink(missing_ok=True)
    _write_new_private(temp, pem)
    os.replace(temp, path)
    public = key.public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    (key_dir / PUBLIC_KEY_FILE).write_bytes(public)
    _fsync_dir(key_dir)
    return path


def load_private_key(key_dir: Path) -> Ed25519PrivateKey:
    """Load the station's private key, refusing one that others can read."""
    path = key_dir / PRIVATE_KEY_FILE
    try:
        mode = path.stat().st_mode
    except FileNotFoundError:
        raise StationKeyMissing(
            f"no station key in {key_dir}: run `wipe-agent keys init` first"
        ) from None
    if mode & (stat.S_IRWXG | stat.S_IRWXO):
        raise StationKeyError(
            f"{path} is readable by other users (mode {stat.S_IMODE(mode):o}): chmod 600 it"
        )
    key = serialization.load_pem_private_key(path.read_bytes(), password=None)
    if not isinstance(key, Ed25519PrivateKey):
        raise StationKeyError(f"{path} does not hold an Ed25519 private key")
    return key


def public_key_pem(key_dir: Path) -> str:
    """Return the station's public key as PEM text, to register on the marketplace."""
    public = load_private_key(key_dir).public_key()
    pem = public.public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    return pem.decode("ascii")
