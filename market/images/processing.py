"""Turn an upload into clean photo variants: checked by content, upright, sRGB, no metadata.

Decisions a reader can't see in the code:
- The format is decided by Pillow from the bytes; the file name and the client's content type
  are never looked at. JPEG (and MPO, the JPEG phones write with a second picture inside), PNG
  and WebP are taken; HEIC too when pillow-heif is installed.
- Animated and multi-frame files keep their first frame: refusing them would refuse MPO, i.e.
  ordinary photos from many phones.
- Transparent pixels are put on white, because the JPEG fallback has no alpha.
- The key is the SHA-256 of the largest variant's decoded pixels (its size, then its RGB bytes),
  so it does not depend on encoder settings. Nothing of the upload itself is kept.
"""

from __future__ import annotations

import contextlib
import functools
import io
import struct
import warnings
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from PIL import Image, ImageCms, ImageOps

from market.images.errors import Code, ImageRejected
from market.images.store import EXTENSIONS, SIZES, ImageStore, Variant, content_key

MAX_BYTES = 10 * 1024 * 1024
MAX_PIXELS = 40_000_000
LARGEST = max(SIZES)
WHITE = 255
HEIF_BRANDS = {b"heic", b"heix", b"heim", b"heis", b"hevc", b"hevx", b"mif1", b"msf1"}
# Pillow cannot open these, or is not asked to: naming them turns "not an image" into
# "this format is not taken", which tells the user what to do.
OTHER_SIGNATURES = {
    b"GIF87a": "GIF",
    b"GIF89a": "GIF",
    b"BM": "BMP",
    b"II*\x00": "TIFF",
    b"MM\x00*": "TIFF",
    b"8BPS": "PSD",
    b"\xff\x0a": "JXL",
    b"\x00\x00\x00\x0cJXL ": "JXL",
}


@dataclass(frozen=True)
class ProcessedPhoto:
    """A clean photo ready to store: its key, its largest size and every variant's bytes."""

    key: str
    width: int
    height: int
    variants: Mapping[Variant, bytes]


def process_upload(data: bytes) -> ProcessedPhoto:
    """Check an upload and derive its variants, or raise `ImageRejected` saying why."""
    if len(data) > MAX_BYTES:
        raise ImageRejected("too_large")
    base = _decode(_open(data))
    variants: dict[Variant, bytes] = {}
    encoded: dict[tuple[int, int], dict[str, bytes]] = {}
    for size in SIZES:
        dims = fit(base.size, size)
        if dims not in encoded:  # a small photo has equal variants: encode each once
            picture = base if dims == base.size else base.resize(dims, Image.Resampling.LANCZOS)
            encoded[dims] = {ext: _encode(picture, ext) for ext in EXTENSIONS}
        for ext, blob in encoded[dims].items():
            variants[(size, ext)] = blob
    key = content_key(f"{base.width}x{base.height}:".encode() + base.tobytes())
    return ProcessedPhoto(key=key, width=base.width, height=base.height, variants=variants)


@dataclass(frozen=True)
class StoredPhoto:
    """An upload already processed and in the store: only its key is left to record."""

    key: str


Photo = bytes | StoredPhoto  # what services take: raw bytes, or a photo stored beforehand


def save_photo(store: ImageStore, data: Photo) -> str:
    """Process an upload, store its variants and return the photo's key (a stored one's key)."""
    if isinstance(data, StoredPhoto):
        return data.key
    photo = process_upload(data)
    store.put(photo.key, photo.variants)
    return photo.key


def store_uploads(store: ImageStore, uploads: Sequence[Photo], *, at_most: int) -> list[Photo]:
    """Decode and store uploads before the caller opens its transaction (seconds of work for big
    photos must hold no database lock). More than `at_most` are passed on as bytes undecoded,
    so the service refuses the count without the work; `ImageRejected` says why one is bad."""
    if len(uploads) > at_most:
        return list(uploads)
    return [StoredPhoto(save_photo(store, data)) for data in uploads]


def fit(size: tuple[int, int], longest: int) -> tuple[int, int]:
    """Scale (width, height) down so the longest side is at most `longest`; never up."""
    width, height = size
    if max(width, height) <= longest:
        return size
    scale = longest / max(width, height)
    return max(1, round(width * scale)), max(1, round(height * scale))


@functools.cache
def _formats() -> tuple[str, ...]:
    try:
        from pillow_heif import register_heif_opener
    except ImportError:
        return ("JPEG", "PNG", "WEBP")
    register_heif_opener()
    return ("JPEG", "PNG", "WEBP", "HEIF")


def _open(data: bytes) -> Image.Image:
    """Identify the picture from its bytes and read its header; decode nothing yet."""
    try:
        # Pillow only warns between 89 and 179 megapixels; here a bomb is an error. (Not
        # thread-safe: at worst the error filter outlives the block, which is this policy.)
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            img = Image.open(io.BytesIO(data), formats=_formats())
    except (Image.DecompressionBombError, Image.DecompressionBombWarning) as error:
        raise ImageRejected("too_many_pixels") from error
    except (OSError, SyntaxError, ValueError, EOFError) as error:
        raise ImageRejected(_why_unreadable(data)) from error
    if img.width * img.height > MAX_PIXELS:
        raise ImageRejected("too_many_pixels")
    return img


def _why_unreadable(data: bytes) -> Code:
    kind = _signature(data)
    if kind is None:
        return "not_image"
    return "truncated" if kind in _formats() else "unsupported"


def _signature(data: bytes) -> str | None:
    """Name the image format the first bytes announce, if any."""
    if data.startswith(b"\xff\xd8\xff"):
        return "JPEG"
    if data.startswith(b"\x89PNG\r\n\x1a\n"):
        return "PNG"
    if data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return "WEBP"
    if data[4:8] == b"ftyp" and data[8:12] in HEIF_BRANDS:
        return "HEIF"
    if data[4:8] == b"ftyp" and data[8:12] in (b"avif", b"avis"):
        return "AVIF"
    return next((kind for magic, kind in OTHER_SIGNATURES.items() if data.startswith(magic)), None)


def _decode(img: Image.Image) -> Image.Image:
    """Decode upright, at most LARGEST pixels long, in sRGB, as a fresh image with no metadata."""
    icc = img.info.get("icc_profile")
    if img.format in ("JPEG", "MPO"):
        img.draft(None, fit(img.size, LARGEST))  # let libjpeg decode big photos at 1/2, 1/4...
    try:
        img.load()  # ImageFile.LOAD_TRUNCATED_IMAGES stays False: a cut file raises here
    except (OSError, SyntaxError, ValueError, EOFError) as error:
        raise ImageRejected("truncated") from error
    # Broken EXIF is no reason to refuse a photo: unreadable, the photo stays as stored; read
    # but not re-writable, it fails after the turn. It is dropped below either way.
    with contextlib.suppress(SyntaxError, TypeError, ValueError, struct.error):
        ImageOps.exif_transpose(img, in_place=True)
    img = _normalize_mode(img)
    if max(img.size) > LARGEST:
        img = img.resize(fit(img.size, LARGEST), Image.Resampling.LANCZOS, reducing_gap=3.0)
    img = _to_srgb(_flatten(img), icc)
    # Rebuilt from pixels alone: EXIF, GPS, XMP, ICC and comments cannot ride along.
    return Image.frombytes("RGB", img.size, img.tobytes())


def _normalize_mode(img: Image.Image) -> Image.Image:
    """Bring any mode to L, LA, RGB, RGBA or CMYK, the ones resizing and ICC handle well."""
    if img.mode.startswith("I"):  # 16-bit grey: scale to 8 bits rather than clip at 255
        img = img.convert("I").point(lambda v: v / 256).convert("L")
    if img.mode == "CMYK":
        return img
    if img.has_transparency_data:
        return img if img.mode in ("LA", "RGBA") else img.convert("RGBA")
    return img if img.mode in ("L", "RGB") else img.convert("RGB")


def _flatten(img: Image.Image) -> Image.Image:
    if img.mode not in ("LA", "RGBA"):
        return img
    opaque = img.mode[:-1]
    background = Image.new(opaque, img.size, (WHITE,) * len(opaque))
    background.paste(img.convert(opaque), (0, 0), img.getchannel("A"))
    return background


def _to_srgb(img: Image.Image, icc: bytes | None) -> Image.Image:
    """Convert through the embedded profile; without one, or with a broken one, assume sRGB."""
    if icc:
        try:
            converted = ImageCms.profileToProfile(
                img,
                ImageCms.ImageCmsProfile(io.BytesIO(icc)),
                ImageCms.createProfile("sRGB"),
                outputMode="RGB",
            )
        except (ImageCms.PyCMSError, OSError, ValueError, TypeError):
            converted = None
        if converted is not None:
            return converted
    return img if img.mode == "RGB" else img.convert("RGB")


def _encode(img: Image.Image, ext: str) -> bytes:
    out = io.BytesIO()
    if ext == "webp":
        img.save(out, "WEBP", quality=80, method=4)
    else:
        img.save(out, "JPEG", quality=82, optimize=True, progressive=True)
    return out.getvalue()
