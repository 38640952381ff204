"""The home page, a listing's page and the health check."""

from __future__ import annotations

from flask import Blueprint, abort, jsonify, render_template
from flask.typing import ResponseReturnValue
from sqlalchemy import text

from market.accounts.models import User
from market.db import get_session
from market.listings import services as listings
from market.listings.catalog import CATEGORY_TREE, Status
from market.listings.models import Listing

bp = Blueprint("main", __name__)


@bp.get("/")
def index() -> ResponseReturnValue:
    session = get_session()
    rows = listings.latest_active(session=session)
    covers = listings.cover_photos(session=session, listing_ids=[r.id for r in rows if r.id])
    return render_template(
        "main/index.html", listings=rows, covers=covers, categories=CATEGORY_TREE
    )


@bp.get("/listings/<int:listing_id>")
def listing(listing_id: int) -> ResponseReturnValue:
    session = get_session()
    item = session.get(Listing, listing_id)
    if item is None or item.status == Status.DRAFT.value:
        abort(404)
    seller = session.get(User, item.owner_id)
    photos = listings.photos_of(session=session, listing_id=listing_id)
    return render_template("listings/detail.html", listing=item, seller=seller, photos=photos)


@bp.get("/healthz")
def healthz() -> ResponseReturnValue:
    try:
        get_session().exec(text("SELECT 1"))  # type: ignore[call-overload]
    except Exception:  # noqa: BLE001 - any database failure means unhealthy
        return jsonify(status="error", database="unreachable"), 503
    return jsonify(status="ok", database="ok")
