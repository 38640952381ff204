"""The search page and the listings API, both over the whoosh index."""

from __future__ import annotations

import logging
import threading
from typing import Any

from flask import Blueprint, current_app, jsonify, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_login import current_user

from market import privacy
from market.certificates.services import passed_certificate_of
from market.db import get_session, unit_of_work
from market.listings import services as listings
from market.listings.catalog import CATEGORY_TREE, Grade, Mode, category_label
from market.listings.errors import NotFound
from market.search import params as search_params
from market.search.errors import InvalidQuery, SearchRebuilding, SearchUnavailable
from market.search.indexing import documents
from market.streets import STREETS

log = logging.getLogger(__name__)
bp = Blueprint("search", __name__)
PER_PAGE = 20


_rebuilding = threading.Lock()


def _index() -> Any:
    return current_app.extensions["xunhuan.search"]


def _rebuild_in_background() -> None:
    """Start one rebuild from the database in this process, unless one is running."""
    if not _rebuilding.acquire(blocking=False):
        return
    app = current_app._get_current_object()  # type: ignore[attr-defined]

    def work() -> None:
        try:
            with app.app_context():
                rebuild_index()
        except Exception:  # noqa: BLE001 - logged; the next search tries again
            log.exception("search index rebuild failed")
        finally:
            _rebuilding.release()

    threading.Thread(target=work, name="search-rebuild", daemon=True).start()


def rebuild_index(procs: int = 1) -> int:
    """Rebuild the app's index from every listing in the database.

    `procs` > 1 forks whoosh writer processes: for commands, never inside a web worker.
    """
    with unit_of_work() as session:
        return int(_index().rebuild(documents(session), procs=procs))


def _thumb_url(key: str, size: int = 320) -> str | None:
    return url_for("images.variant", key=key, size=size, ext="webp") if key else None


def _public(item: dict[str, Any]) -> dict[str, Any]:
    return {
        "id": item["id"],
        "title": item["title"],
        "price_fen": item["price_fen"],
        "grade": item["grade"],
        "mode": item["mode"],
        "category": item["category"],
        "street": item["street"],
        "venue": item["venue"],
        "status": item["status"],
        "thumb_url": _thumb_url(item.get("thumb") or ""),
        "url": url_for("listings.show", listing_id=item["id"]),
    }


@bp.get("/api/v1/listings")
def api_search() -> ResponseReturnValue:
    params, errors = search_params.parse(request.args)
    if errors:
        raise InvalidQuery(errors)
    try:
        result = _index().search(params.q, **params.filters(), per_page=PER_PAGE)
    except SearchUnavailable as error:
        _rebuild_in_background()
        raise SearchRebuilding(_("搜索索引正在重建，请稍后再试。")) from error
    if params.page > max(result.pages, 1):
        raise InvalidQuery({"page": _("页码超出范围（共 %(n)d 页）。", n=max(result.pages, 1))})
    return jsonify(total=result.total, page=result.page, items=[_public(i) for i in result.items])


def _data_clearing(session: Any, listing: Any) -> dict[str, Any]:
    certificate = passed_certificate_of(session=session, listing_id=listing.id)
    return {
        "certificate_url": url_for("certificates.api_show", certificate_id=certificate.id)
        if certificate
        else None,
        "no_data_reason": listing.no_data_reason or None,
        "no_data_note": listing.no_data_note or None,
    }


@bp.get("/api/v1/listings/<int:listing_id>")
def api_listing(listing_id: int) -> ResponseReturnValue:
    session = get_session()
    listing = listings.get_listing(session=session, listing_id=listing_id)
    if listing.status in ("draft", "withdrawn"):
        raise NotFound(_("物品不存在。"))
    covers = listings.cover_photos(session=session, listing_ids=[listing_id])
    photos = listings.photos_of(session=session, listing_id=listing_id)
    seen = {"owner_id": listing.owner_id, "viewer": current_user}
    return jsonify(
        {
            **_public({**listing.model_dump(), "thumb": covers.get(listing_id, "")}),
            "title": privacy.shown(listing.title, **seen),
            "description": privacy.shown(listing.description, **seen),
            "deposit_fen": listing.deposit_fen,
            "condition": listing.condition,
            "disclosures": privacy.shown_disclosures(listing.disclosures, **seen),
            "published_at": listing.published_at.isoformat() if listing.published_at else None,
            "photos": [_thumb_url(p.image_key, 960) for p in photos],
            # Why a device may be on offer (GB 46864-2025): its certificate, or the seller's reason.
            "data_clearing": _data_clearing(session, listing),
        }
    )


@bp.get("/search")
def page() -> ResponseReturnValue:
    params, errors = search_params.parse(request.args, yuan=True)
    result, unavailable = None, False
    if "page" in errors:
        params.page = 1
    try:
        result = _index().search(params.q, **params.filters(), per_page=PER_PAGE)
        if params.page > max(result.pages, 1):
            errors["page"] = _("页码超出范围（共 %(n)d 页）。", n=max(result.pages, 1))
    except SearchUnavailable:
        _rebuild_in_background()
        unavailable = True
    return render_template(
        "search/page.html",
        params=params,
        errors=errors,
        result=result,
        unavailable=unavailable,
        categories=CATEGORY_TREE,
        grades=list(Grade),
        modes=list(Mode),
        streets=STREETS,
        category_label=category_label,
        min_yuan=request.args.get("min_yuan", ""),
        max_yuan=request.args.get("max_yuan", ""),
    ), (400 if errors else 200)
