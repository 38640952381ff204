"""The home page and the health check."""

from __future__ import annotations

from flask import Blueprint, jsonify, render_template
from flask.typing import ResponseReturnValue

from market.db import get_session, ping
from market.listings import services as listings
from market.listings.catalog import CATEGORY_TREE

bp = Blueprint("main", __name__)


@bp.get("/")
def index() -> ResponseReturnValue:
    session = get_session()
    rows = listings.latest_active(session=session)
    covers = listings.cover_photos(session=session, listing_ids=[r.id for r in rows if r.id])
    return render_template(
        "main/index.html", listings=rows, covers=covers, categories=CATEGORY_TREE
    )


@bp.get("/healthz")
def healthz() -> ResponseReturnValue:
    try:
        ping()
    except Exception:  # noqa: BLE001 - any database failure means unhealthy
        return jsonify(status="error", database="unreachable"), 503
    return jsonify(status="ok", database="ok")
