"""The photo pipeline: what is refused, what survives of a photo, and how variants are served.

Every picture is made by Pillow here; nothing binary is checked in.
"""

from __future__ import annotations

import io
import os
import struct
import warnings
import zlib
from pathlib import Path
from typing import Any

import pytest
from flask import Flask, render_template_string
from flask.testing import FlaskClient
from PIL import ExifTags, Image, ImageCms

from market.images.errors import ImageRejected
from market.images.processing import MAX_BYTES, process_upload, save_photo
from market.images.store import (
    EXTENSIONS,
    SIZES,
    FilesystemImageStore,
    ImageStore,
    MemoryImageStore,
)

RED, BLUE, GREY = (230, 20, 20), (20, 20, 230), (128, 128, 128)
FORMAT_OF = {"webp": "WEBP", "jpg": "JPEG"}
XMP = b'<x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:RDF/></x:xmpmeta>'
SRGB_ICC = ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB")).tobytes()


def encode(img: Image.Image, fmt: str, **params: Any) -> bytes:
    out = io.BytesIO()
    img.save(out, fmt, **params)
    return out.getvalue()


def opened(blob: bytes) -> Image.Image:
    img = Image.open(io.BytesIO(blob))
    img.load()
    return img


def near(pixel: Any, colour: tuple[int, int, int], tolerance: int = 40) -> bool:
    return all(abs(a - b) <= tolerance for a, b in zip(pixel, colour, strict=True))


def phone_photo(*, with_profile: bool = True) -> bytes:
    """A 400x300 JPEG as a phone writes it: stored sideways with EXIF orientation 6, a red
    top-left corner, GPS position, XMP, a comment and (unless told not to) an ICC profile."""
    img = Image.new("RGB", (400, 300), BLUE)
    img.paste(RED, (0, 0, 100, 100))
    exif = Image.Exif()
    exif[ExifTags.Base.Orientation] = 6
    exif[ExifTags.Base.Make] = "Phone"
    exif[ExifTags.IFD.GPSInfo] = {
        ExifTags.GPS.GPSLatitudeRef: "N",
        ExifTags.GPS.GPSLatitude: (39.0, 7.0, 30.0),
        ExifTags.GPS.GPSLongitudeRef: "E",
        ExifTags.GPS.GPSLongitude: (117.0, 10.0, 12.0),
    }
    profile = {"icc_profile": SRGB_ICC} if with_profile else {}
    return encode(img, "JPEG", exif=exif, xmp=XMP, comment=b"home address", **profile)


def assert_carries_no_metadata(blob: bytes) -> None:
    img = opened(blob)
    assert not img.getexif()
    assert not {"exif", "icc_profile", "xmp", "XML:com.adobe.xmp", "comment"} & set(img.info)
    for trace in (b"Exif", b"ICC_PROFILE", b"ICCP", b"XMP ", b"adobe:ns:meta", b"home address"):
        assert trace not in blob


def png_claiming(width: int, height: int) -> bytes:
    """A tiny PNG whose header announces width x height and that has no pixel data at all."""

    def chunk(kind: bytes, body: bytes) -> bytes:
        crc = struct.pack(">I", zlib.crc32(kind + body))
        return struct.pack(">I", len(body)) + kind + body + crc

    ihdr = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + chunk(b"IEND", b"")


def profile_with_red_and_green_swapped() -> bytes:
    """An RGB profile whose red colorant is sRGB's green and whose green is sRGB's red."""
    icc = bytearray(SRGB_ICC)
    (count,) = struct.unpack(">I", icc[128:132])
    entries = {bytes(icc[132 + 12 * i : 136 + 12 * i]): 132 + 12 * i for i in range(count)}
    red, green = entries[b"rXYZ"], entries[b"gXYZ"]
    icc[red + 4 : red + 12], icc[green + 4 : green + 12] = (
        icc[green + 4 : green + 12],
        icc[red + 4 : red + 12],
    )
    return bytes(icc)


def refusal(data: bytes) -> str:
    with pytest.raises(ImageRejected) as caught:
        process_upload(data)
    return caught.value.code


@pytest.mark.parametrize("with_profile", [True, False])
def test_a_sideways_phone_photo_is_stored_upright_without_exif_gps_xmp_icc_or_comment(
    with_profile: bool,
) -> None:
    upload = phone_photo(with_profile=with_profile)
    original = opened(upload)
    assert original.getexif()[ExifTags.Base.Orientation] == 6
    assert original.getexif().get_ifd(ExifTags.IFD.GPSInfo)
    assert {"xmp", "comment"} <= set(original.info)
    assert ("icc_profile" in original.info) == with_profile

    photo = process_upload(upload)

    assert (photo.width, photo.height) == (300, 400)
    assert len(photo.variants) == len(SIZES) * len(EXTENSIONS)
    for (size, ext), blob in photo.variants.items():
        assert_carries_no_metadata(blob)
        assert opened(blob).format == FORMAT_OF[ext], (size, ext)
        img = opened(blob).convert("RGB")
        width, height = img.size
        assert height > width, (size, ext)
        # Orientation 6 turns the picture a quarter clockwise: the red corner ends top right.
        assert near(img.getpixel((width * 7 // 8, height // 16)), RED), (size, ext)
        assert near(img.getpixel((width // 8, height // 16)), BLUE), (size, ext)


def test_a_photo_with_unreadable_exif_is_still_accepted_and_stripped() -> None:
    broken_exif = b"MU\x00*\x00\x00\x00\x08" + bytes(32)  # "MU" is no TIFF byte order
    upload = encode(Image.new("RGB", (80, 60), RED), "PNG", exif=broken_exif)
    assert b"eXIf" + broken_exif in upload

    for blob in process_upload(upload).variants.values():
        assert_carries_no_metadata(blob)
        assert near(opened(blob).getpixel((40, 30)), RED)


def test_colours_are_converted_to_srgb_through_the_embedded_profile() -> None:
    red_in_swapped_space = Image.new("RGB", (64, 64), (255, 0, 0))
    upload = encode(red_in_swapped_space, "PNG", icc_profile=profile_with_red_and_green_swapped())

    for blob in process_upload(upload).variants.values():
        assert near(opened(blob).convert("RGB").getpixel((32, 32)), (0, 255, 0))
        assert_carries_no_metadata(blob)


def test_a_photo_without_a_profile_is_taken_as_srgb() -> None:
    photo = process_upload(encode(Image.new("RGB", (64, 64), RED), "PNG"))

    assert near(opened(photo.variants[(960, "jpg")]).getpixel((32, 32)), RED, tolerance=8)


@pytest.mark.parametrize("fmt", ["JPEG", "PNG", "WEBP"])
def test_jpeg_png_and_webp_uploads_are_accepted(fmt: str) -> None:
    img = Image.new("RGB", (1200, 900), BLUE)
    img.paste(RED, (0, 0, 600, 900))

    photo = process_upload(encode(img, fmt))

    large = opened(photo.variants[(960, "webp")]).convert("RGB")
    assert large.size == (960, 720)
    assert near(large.getpixel((100, 360)), RED) and near(large.getpixel((860, 360)), BLUE)


@pytest.mark.parametrize(
    ("original", "expected"),
    [
        ((3000, 2000), {2048: (2048, 1365), 960: (960, 640), 320: (320, 213)}),
        ((1000, 3000), {2048: (683, 2048), 960: (320, 960), 320: (107, 320)}),
        ((1500, 1000), {2048: (1500, 1000), 960: (960, 640), 320: (320, 213)}),
        ((500, 400), {2048: (500, 400), 960: (500, 400), 320: (320, 256)}),
        ((200, 100), {2048: (200, 100), 960: (200, 100), 320: (200, 100)}),
    ],
)
def test_variants_fit_their_longest_side_and_are_never_upscaled(
    original: tuple[int, int], expected: dict[int, tuple[int, int]]
) -> None:
    photo = process_upload(encode(Image.new("RGB", original, GREY), "JPEG"))

    for (size, ext), blob in photo.variants.items():
        img = opened(blob)
        assert img.format == FORMAT_OF[ext]
        assert img.size == expected[size], (size, ext)
    assert (photo.width, photo.height) == expected[2048]


def test_a_big_jpeg_is_reduced_to_the_largest_variant() -> None:
    noise = Image.frombytes("RGB", (4000, 3000), os.urandom(4000 * 3000 * 3))

    photo = process_upload(encode(noise, "JPEG", quality=70))

    assert opened(photo.variants[(2048, "jpg")]).size == (2048, 1536)


def test_a_text_file_named_photo_jpg_is_refused_as_not_an_image() -> None:
    # process_upload sees only bytes: a name like photo.jpg or a content type cannot help.
    assert refusal("这是一段文字，不是照片。\n".encode()) == "not_image"
    assert refusal(b"") == "not_image"


@pytest.mark.parametrize("fmt", ["GIF", "BMP", "TIFF", "AVIF"])
def test_images_in_formats_the_shop_does_not_take_are_refused_as_unsupported(fmt: str) -> None:
    assert refusal(encode(Image.new("RGB", (40, 30), RED), fmt)) == "unsupported"


def test_a_heic_photo_is_accepted_and_turned_upright() -> None:
    import pillow_heif

    pillow_heif.register_heif_opener()
    sideways = opened(phone_photo(with_profile=False))
    upload = encode(sideways, "HEIF", exif=sideways.info["exif"])

    photo = process_upload(upload)

    assert (photo.width, photo.height) == (300, 400)
    assert_carries_no_metadata(photo.variants[(2048, "jpg")])


@pytest.mark.parametrize(
    "size", [(10_000, 5_000), (10_000, 10_000), (30_000, 30_000), (8_001, 5_000)]
)
def test_a_picture_claiming_over_40_megapixels_is_refused_before_decoding(
    size: tuple[int, int],
) -> None:
    # The files hold no pixel data: had they been decoded, they would be refused as truncated.
    with warnings.catch_warnings(record=True) as warned:
        warnings.simplefilter("always")
        assert refusal(png_claiming(*size)) == "too_many_pixels"
    assert not warned, "a bomb raises; it does not only warn"


def test_a_picture_of_exactly_40_megapixels_passes_the_pixel_check() -> None:
    assert refusal(png_claiming(8_000, 5_000)) == "truncated"


def test_an_upload_over_10_mb_is_refused_as_too_large() -> None:
    jpeg = encode(Image.new("RGB", (64, 48), RED), "JPEG")
    # Bytes after a JPEG's end marker are ignored by decoders: the file stays a valid photo.
    at_limit = jpeg + b"\x00" * (MAX_BYTES - len(jpeg))

    assert process_upload(at_limit).variants
    with pytest.raises(ImageRejected) as caught:
        process_upload(at_limit + b"\x00")
    assert caught.value.code == "too_large"
    assert "10 MB" in str(caught.value.message)


@pytest.mark.parametrize("fmt", ["JPEG", "PNG", "WEBP"])
def test_a_truncated_upload_is_refused_not_half_decoded(fmt: str) -> None:
    noise = Image.frombytes("RGB", (600, 400), os.urandom(600 * 400 * 3))
    whole = encode(noise, fmt)

    assert process_upload(whole).variants
    assert refusal(whole[: len(whole) // 2]) == "truncated"
    assert refusal(whole[:40]) == "truncated"


@pytest.mark.parametrize("fmt", ["WEBP", "PNG", "MPO"])
def test_an_animated_or_multi_picture_file_keeps_its_first_frame(fmt: str) -> None:
    first, second = Image.new("RGB", (80, 60), RED), Image.new("RGB", (80, 60), BLUE)
    upload = encode(first, fmt, save_all=True, append_images=[second])
    assert getattr(opened(upload), "n_frames", 1) == 2

    photo = process_upload(upload)

    assert near(opened(photo.variants[(320, "jpg")]).getpixel((40, 30)), RED)


def test_transparent_pixels_are_put_on_white() -> None:
    img = Image.new("RGBA", (80, 60), (0, 0, 0, 0))
    img.paste((230, 20, 20, 255), (0, 0, 40, 60))

    for blob in process_upload(encode(img, "PNG")).variants.values():
        flat = opened(blob).convert("RGB")
        assert near(flat.getpixel((70, 30)), (255, 255, 255), tolerance=10)
        assert near(flat.getpixel((10, 30)), RED)


def test_a_16_bit_grey_png_keeps_its_brightness() -> None:
    mid_grey = Image.frombytes("I;16", (40, 30), (32768).to_bytes(2, "little") * 40 * 30)

    photo = process_upload(encode(mid_grey, "PNG"))

    assert near(opened(photo.variants[(320, "jpg")]).getpixel((20, 15)), GREY, tolerance=4)


def test_a_cmyk_jpeg_is_stored_in_rgb() -> None:
    cmyk_red = Image.new("CMYK", (40, 30), (0, 255, 255, 0))

    photo = process_upload(encode(cmyk_red, "JPEG"))

    img = opened(photo.variants[(320, "jpg")])
    assert img.mode == "RGB" and near(img.getpixel((20, 15)), (255, 0, 0))


def test_the_same_upload_twice_gives_the_same_key_and_one_stored_photo(tmp_path: Path) -> None:
    store = FilesystemImageStore(tmp_path)
    upload = phone_photo()

    first, second = save_photo(store, upload), save_photo(store, upload)
    other = save_photo(store, encode(Image.new("RGB", (40, 30), GREY), "PNG"))

    assert first == second != other
    photo_dirs = [p for p in tmp_path.rglob("*") if p.is_dir() and len(p.name) == 64]
    assert sorted(p.name for p in photo_dirs) == sorted({first, other})
    assert not list(tmp_path.rglob(".tmp-*"))
    for size in SIZES:
        for ext in EXTENSIONS:
            stored = store.get(first, size, ext)
            assert stored == process_upload(upload).variants[(size, ext)]


def test_a_photo_whose_write_fails_is_not_stored_at_all(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    store = FilesystemImageStore(tmp_path)
    photo = process_upload(phone_photo())
    real_fsync, calls = os.fsync, []

    def failing_fsync(fd: int) -> None:
        calls.append(fd)
        if len(calls) == 3:
            raise OSError("disk full")
        real_fsync(fd)

    monkeypatch.setattr(os, "fsync", failing_fsync)
    with pytest.raises(OSError, match="disk full"):
        store.put(photo.key, photo.variants)
    monkeypatch.undo()

    assert all(store.path(photo.key, s, e) is None for s in SIZES for e in EXTENSIONS)
    assert not [p for p in tmp_path.rglob("*") if p.is_file()]
    store.put(photo.key, photo.variants)
    assert store.get(photo.key, 2048, "webp") == photo.variants[(2048, "webp")]


@pytest.mark.parametrize("store_kind", ["filesystem", "memory"])
def test_each_variant_is_served_with_immutable_cache_headers(
    app: Flask, client: FlaskClient, store_kind: str
) -> None:
    if store_kind == "memory":
        app.extensions["xunhuan.images"] = MemoryImageStore()
    store: ImageStore = app.extensions["xunhuan.images"]
    photo = process_upload(phone_photo())
    store.put(photo.key, photo.variants)

    for (size, ext), blob in photo.variants.items():
        response = client.get(f"/images/{photo.key}/{size}.{ext}")
        assert response.status_code == 200
        assert response.mimetype == EXTENSIONS[ext]
        assert response.get_data() == blob
        cache = response.cache_control
        assert cache.public and cache.immutable and cache.max_age == 365 * 24 * 3600
        etag = response.headers["ETag"]
        again = client.get(f"/images/{photo.key}/{size}.{ext}", headers={"If-None-Match": etag})
        assert again.status_code == 304


def test_unknown_keys_sizes_and_extensions_are_not_found(app: Flask, client: FlaskClient) -> None:
    key = save_photo(app.extensions["xunhuan.images"], phone_photo())
    unknown = "0" * 64

    assert client.get(f"/images/{key}/960.webp").status_code == 200
    for path in (
        f"/images/{unknown}/960.webp",
        f"/images/{key}/500.webp",
        f"/images/{key}/960.png",
        f"/images/{key}/large.jpg",
        f"/images/{key[:-1]}/960.jpg",
        f"/images/{key.upper()}/960.jpg",
    ):
        response = client.get(path)
        assert response.status_code == 404, path
        assert not response.cache_control.immutable


def test_the_picture_macro_offers_webp_with_a_jpeg_fallback_sized_against_layout_shift(
    app: Flask, client: FlaskClient
) -> None:
    wide_photo = encode(Image.new("RGB", (1500, 1000), RED), "JPEG")
    key = save_photo(app.extensions["xunhuan.images"], wide_photo)
    page = '{% from "images/_picture.html" import picture %}{{ picture(key, "红色自行车") }}'

    with app.test_request_context():
        html = render_template_string(page, key=key)
        missing = render_template_string(page, key="0" * 64)

    webp = [
        f"/images/{key}/{size}.webp {width}w"
        for size, width in [(320, 320), (960, 960), (2048, 1500)]
    ]
    assert f'srcset="{", ".join(webp)}"' in html
    assert '<source type="image/webp"' in html
    assert f'<img src="/images/{key}/960.jpg"' in html
    assert 'width="960" height="640"' in html
    assert 'alt="红色自行车"' in html and 'loading="lazy"' in html
    for url in [f"/images/{key}/{s}.{e}" for s in SIZES for e in EXTENSIONS]:
        assert client.get(url).status_code == 200
    assert "<img" in missing and "width=" not in missing


def test_image_url_names_a_variant_the_route_serves(app: Flask, client: FlaskClient) -> None:
    key = save_photo(app.extensions["xunhuan.images"], phone_photo())

    with app.test_request_context():
        url = render_template_string("{{ image_url(key, 320, 'jpg') }}", key=key)

    response = client.get(url)
    assert response.status_code == 200 and opened(response.get_data()).size == (240, 320)
