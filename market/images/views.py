"""Serve photo variants with long cache headers, and give templates their URLs and sizes."""

from __future__ import annotations

import functools
import io
from pathlib import Path

from flask import Blueprint, Response, abort, request, send_file, url_for
from flask.typing import ResponseReturnValue
from PIL import Image

from market.images.processing import LARGEST, fit
from market.images.store import EXTENSIONS, KEY_RE, SIZES, is_variant
from market.web import image_store

bp = Blueprint("images", __name__)
ONE_YEAR = 365 * 24 * 3600


@bp.get("/images/<key>/<int:size>.<ext>")
def variant(key: str, size: int, ext: str) -> ResponseReturnValue:
    """Send one variant; a key names fixed content, so caches may keep it for a year."""
    if not is_variant(key, size, ext):
        abort(404)
    store = image_store()
    etag = f"{key}-{size}.{ext}"
    path = store.path(key, size, ext)
    if path is not None:
        response = send_file(path, mimetype=EXTENSIONS[ext], conditional=True, etag=etag)
    else:
        data = store.get(key, size, ext)
        if data is None:
            abort(404)
        response = Response(data, mimetype=EXTENSIONS[ext])
        response.set_etag(etag)
        response.make_conditional(request)
    response.cache_control.public = True
    response.cache_control.max_age = ONE_YEAR
    response.cache_control.immutable = True
    return response


@bp.app_template_global()
def image_url(key: str, size: int = 960, ext: str = "webp") -> str:
    """Return the URL of one variant of a photo."""
    return url_for("images.variant", key=key, size=size, ext=ext)


@bp.app_template_global()
def image_dimensions(key: str, size: int = 960) -> tuple[int, int] | None:
    """Return the (width, height) of a variant, or None for a photo the store doesn't have."""
    if not KEY_RE.fullmatch(key) or size not in SIZES:
        return None
    try:
        largest = _largest_dimensions(key)
    except LookupError:
        return None
    return fit(largest, size)


@bp.app_template_global()
def image_srcset(key: str, ext: str = "webp") -> str:
    """Return a `srcset` over the variants, with their real widths and no duplicates."""
    largest = image_dimensions(key, LARGEST)
    entries: dict[int, str] = {}
    for size in SIZES:
        width = fit(largest, size)[0] if largest else size
        entries.setdefault(width, f"{image_url(key, size, ext)} {width}w")
    return ", ".join(entries.values())


@functools.lru_cache(maxsize=4096)
def _largest_dimensions(key: str) -> tuple[int, int]:
    """Read the largest JPEG variant's header.

    Cached by key alone, whatever the store: the key hashes the pixels and their size. A missing
    photo raises LookupError, which lru_cache does not remember.
    """
    store = image_store()
    source: Path | io.BytesIO | None = store.path(key, LARGEST, "jpg")
    if source is None:
        data = store.get(key, LARGEST, "jpg")
        if data is None:
            raise LookupError(key)
        source = io.BytesIO(data)
    with Image.open(source) as img:
        return img.size
