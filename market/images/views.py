"""Serve stored pictures with long cache headers: a key never changes its content."""

from __future__ import annotations

from flask import Blueprint, Response, abort, current_app, send_file
from flask.typing import ResponseReturnValue

from market.images.store import EXTENSIONS, KEY_RE, ImageStore

bp = Blueprint("images", __name__)
ONE_YEAR = 365 * 24 * 3600


def get_store() -> ImageStore:
    store: ImageStore = current_app.extensions["xunhuan.images"]
    return store


@bp.get("/images/<key>.<ext>")
def image(key: str, ext: str) -> ResponseReturnValue:
    if not KEY_RE.fullmatch(key) or ext not in EXTENSIONS:
        abort(404)
    store = get_store()
    path = store.path(key, ext)
    if path is not None:
        response = send_file(path, mimetype=EXTENSIONS[ext], conditional=True, etag=key)
    else:
        data = store.get(key, ext)
        if data is None:
            abort(404)
        response = Response(data, mimetype=EXTENSIONS[ext])
    response.cache_control.public = True
    response.cache_control.max_age = ONE_YEAR
    response.cache_control.immutable = True
    return response
