"""Reports of listings or users, stored for the regulator's queue."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from sqlmodel import Session

from market.accounts.models import User
from market.images.processing import Photo, save_photo
from market.images.store import ImageStore
from market.listings.models import Listing
from market.listings.participants import participants_of
from market.trades.errors import NotFound, TradeError
from market.trades.models import Report, ReportReason


def file_report(
    *,
    session: Session,
    reporter: User,
    reason: str,
    text: str,
    listing_id: int | None = None,
    user_id: int | None = None,
    photo: Photo | None = None,
    store: ImageStore | None = None,
) -> Report:
    """Store a report about a listing or a user; a photo goes through the photo pipeline."""
    if reason not in {r.value for r in ReportReason}:
        raise TradeError(_l("请选择举报原因。"), field="reason")
    body = text.strip()
    if not body or len(body) > 2000:
        raise TradeError(_l("请说明情况（最多2000个字符）。"), field="text")
    if (listing_id is None) == (user_id is None):
        raise TradeError(_l("请指明举报的物品或用户。"))
    if listing_id is not None and session.get(Listing, listing_id) is None:
        raise NotFound(_l("物品不存在。"))
    if user_id is not None and session.get(User, user_id) is None:
        raise NotFound(_l("用户不存在。"))
    photo_key = None
    if photo:
        assert store is not None
        photo_key = save_photo(store, photo)
    certificate_id = None
    if listing_id is not None and reason == ReportReason.DATA_NOT_CLEARED:
        certificate = participants_of(session).certificate_of(session, listing_id)
        certificate_id = certificate.id if certificate else None
    report = Report(
        certificate_id=certificate_id,
        reporter_id=reporter.id or 0,
        listing_id=listing_id,
        user_id=user_id,
        reason=reason,
        text=body,
        photo_key=photo_key,
    )
    session.add(report)
    session.commit()
    return report
