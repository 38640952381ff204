"""Listing lifecycle: draft -> active -> reserved -> completed, or withdrawn / expired."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from sqlmodel import Session, col, func, select
from sqlmodel.sql.expression import SelectOfScalar

from market.accounts.models import User
from market.db import utcnow
from market.images.processing import Photo, save_photo, store_uploads
from market.images.store import ImageStore
from market.listings import devices, venues
from market.listings.assessment import LOCK_KEY, assess, parse_whole, publish_blocker
from market.listings.catalog import Mode, Status, category_keys
from market.listings.errors import InvalidTransition, ListingError, NotFound, NotOwner
from market.listings.grading import GradingError, checklist_for
from market.listings.models import DESCRIPTION_MAX, PRICE_MAX_FEN, TITLE_MAX, Listing, ListingPhoto
from market.listings.participants import participants_of
from market.notifications import N_, notify
from market.streets import STREETS

LIFETIME = timedelta(days=60)
MAX_PHOTOS = 9


def lock_message(session: Session, listing: Listing) -> Any:
    """Why the owner manages `listing` elsewhere (a shop's counter, a book corner), or None."""
    return participants_of(session).lock_message(session, listing)


def _check_locks(session: Session, listing: Listing) -> None:
    if (message := lock_message(session, listing)) is not None:
        raise InvalidTransition(message)


@dataclass
class ListingInput:
    """What a seller fills in; validated by `validate`."""

    title: str
    category: str
    mode: str
    street: str
    description: str = ""
    price_fen: int = 0
    deposit_fen: int = 0
    venue: str = "online"
    condition: dict[str, str] = field(default_factory=dict)
    disclosures: dict[str, Any] = field(default_factory=dict)
    # "The item stores no personal data", with a reason key of devices.REASONS and a note.
    no_data: bool = False
    no_data_reason: str = ""
    no_data_note: str = ""


def _clean_disclosures(category: str, raw: dict[str, Any]) -> dict[str, Any]:
    cleaned: dict[str, Any] = {}
    for item in checklist_for(category).disclosures:
        value = raw.get(item.key)
        text = str(value).strip() if value is not None else ""
        if not text:
            raise ListingError(_l("请填写：%(what)s", what=item.label), field=f"d_{item.key}")
        if item.kind == "yesno":
            if text not in ("yes", "no"):
                raise ListingError(_l("请选择“是”或“否”。"), field=f"d_{item.key}")
            cleaned[item.key] = text
        elif item.kind in ("percent", "number"):
            upper = 100 if item.kind == "percent" else 200
            number = parse_whole(text, upper)
            if number is None:
                raise ListingError(
                    _l("%(what)s：请填写 0 到 %(n)d 之间的整数。", what=item.label, n=upper),
                    field=f"d_{item.key}",
                )
            cleaned[item.key] = number
        else:
            if len(text) > 200:
                raise ListingError(_l("最多200个字符。"), field=f"d_{item.key}")
            cleaned[item.key] = text
    return cleaned


def validate(
    *, session: Session, data: ListingInput, trusted_venue: bool = False, keep_venue: str = ""
) -> tuple[ListingInput, str]:
    """Check every field and derive the grade; raise ListingError naming the field."""
    title = " ".join(data.title.split())
    if not title:
        raise ListingError(_l("请填写标题。"), field="title")
    if len(title) > TITLE_MAX:
        raise ListingError(_l("标题最多%(n)d个字符。", n=TITLE_MAX), field="title")
    description = data.description.strip()
    if len(description) > DESCRIPTION_MAX:
        raise ListingError(_l("描述最多%(n)d个字符。", n=DESCRIPTION_MAX), field="description")
    if data.category not in category_keys():
        raise ListingError(_l("请选择有效的分类。"), field="category")
    if data.mode not in {m.value for m in Mode}:
        raise ListingError(_l("请选择交易方式。"), field="mode")
    if data.street not in STREETS:
        raise ListingError(_l("请选择南开区的街道。"), field="street")
    price, deposit = data.price_fen, data.deposit_fen
    if not 0 <= price <= PRICE_MAX_FEN or not 0 <= deposit <= PRICE_MAX_FEN:
        raise ListingError(_l("价格需在 0 到 1,000,000 元之间。"), field="price")
    if data.mode in (Mode.SELL, Mode.RENT) and price == 0:
        raise ListingError(_l("请填写价格；不要钱的物品请选择“赠送”。"), field="price")
    if data.mode in (Mode.SWAP, Mode.GIVE):
        price = 0
    if data.mode != Mode.RENT:
        deposit = 0
    if not venues.is_valid(session=session, venue=data.venue):
        raise ListingError(_l("请选择有效的交易地点。"), field="venue")
    if data.venue not in (venues.ONLINE, keep_venue) and not trusted_venue:
        # A shop's, market's or school's venue is given by its own routine (intake, book corner),
        # never picked by a resident: a stranger's item must not wear a shop's name and grade.
        raise ListingError(_l("寄卖店和旧书角的物品请到店或到旧书角登记。"), field="venue")
    checklist = checklist_for(data.category)
    try:
        assess(checklist, data.condition, strict=True)  # unanswered questions first
        disclosures = _clean_disclosures(data.category, data.disclosures)
        grade = assess(checklist, data.condition, disclosures, strict=True).grade
    except GradingError as error:
        raise ListingError(error.message, field=error.field) from error
    reason, note = devices.clean_reason(
        no_data=data.no_data, reason=data.no_data_reason, note=data.no_data_note
    )
    clean = ListingInput(
        title=title,
        description=description,
        category=data.category,
        mode=data.mode,
        street=data.street,
        price_fen=price,
        deposit_fen=deposit,
        venue=data.venue,
        condition=dict(data.condition),
        disclosures=disclosures,
        no_data=bool(reason),
        no_data_reason=reason,
        no_data_note=note,
    )
    return clean, grade.value


def get_listing(*, session: Session, listing_id: int, for_update: bool = False) -> Listing:
    query = select(Listing).where(Listing.id == listing_id)
    if for_update:
        query = query.with_for_update()
    listing = session.exec(query).first()
    if listing is None:
        raise NotFound(_l("物品不存在。"))
    return listing


def _own(listing: Listing, user: User) -> None:
    if listing.owner_id != user.id:
        raise NotOwner(_l("只有发布者可以修改此物品。"))


def _apply(listing: Listing, data: ListingInput, grade: str) -> None:
    for name in (
        "title",
        "description",
        "category",
        "mode",
        "street",
        "price_fen",
        "deposit_fen",
        "venue",
        "condition",
        "disclosures",
        "no_data_reason",
        "no_data_note",
    ):
        setattr(listing, name, getattr(data, name))
    listing.grade = grade
    listing.updated_at = utcnow()


def _add_photos(
    *, session: Session, listing: Listing, uploads: Sequence[Photo], store: ImageStore
) -> None:
    existing = photo_count(session=session, listing_id=listing.id or 0)
    if existing + len(uploads) > MAX_PHOTOS:
        raise ListingError(_l("最多上传%(n)d张照片。", n=MAX_PHOTOS), field="photos")
    start = session.exec(
        select(func.coalesce(func.max(ListingPhoto.position), -1)).where(
            ListingPhoto.listing_id == listing.id
        )
    ).one()
    keys = [save_photo(store, data) for data in uploads]  # raises ImageRejected first
    for offset, key in enumerate(keys, start=1):
        session.add(
            ListingPhoto(listing_id=listing.id or 0, position=start + offset, image_key=key)
        )


def _publish(*, session: Session, listing: Listing, now: datetime) -> None:
    locked = publish_blocker(checklist_for(listing.category), listing.disclosures or {})
    if locked is not None:
        raise ListingError(locked, field=f"d_{LOCK_KEY}")
    if photo_count(session=session, listing_id=listing.id or 0) == 0:
        raise ListingError(_l("发布前请至少上传一张照片。"), field="photos")
    devices.check(session=session, listing=listing)  # GB 46864-2025, whatever the category
    listing.status = Status.ACTIVE.value
    listing.published_at = listing.published_at or now
    listing.expires_at = now + LIFETIME


def add_listing(
    *,
    session: Session,
    owner: User,
    data: ListingInput,
    photos: Sequence[Photo],
    store: ImageStore,
    publish: bool,
    certificate_id: str | None = None,
    trusted_venue: bool = False,
) -> Listing:
    """Add a draft, or publish it at once when it has photos (and a certificate if needed), to
    the caller's unit of work: flushed, not committed (a shop's intake and a book corner commit
    it with their own rows). `trusted_venue` lets such a caller name its own venue."""
    clean, grade = validate(session=session, data=data, trusted_venue=trusted_venue)
    listing = Listing(
        owner_id=owner.id or 0,
        grade=grade,
        status=Status.DRAFT.value,
        title=clean.title,
        category=clean.category,
        street=clean.street,
    )
    _apply(listing, clean, grade)
    # Decoded before the flush below takes the write lock (callers that wrote already, such
    # as a shop's intake, store the uploads before their transaction: store_uploads).
    photos = store_uploads(store, photos, at_most=MAX_PHOTOS)
    session.add(listing)
    session.flush()
    _add_photos(session=session, listing=listing, uploads=photos, store=store)
    _attach_certificate(session=session, listing=listing, user=owner, certificate_id=certificate_id)
    session.flush()
    if publish:
        _publish(session=session, listing=listing, now=utcnow())
    session.flush()
    return listing


def create_listing(
    *,
    session: Session,
    owner: User,
    data: ListingInput,
    photos: Sequence[Photo],
    store: ImageStore,
    publish: bool,
    certificate_id: str | None = None,
) -> Listing:
    """A resident's new listing (`add_listing`), committed."""
    listing = add_listing(
        session=session, owner=owner, data=data, photos=photos, store=store, publish=publish,
        certificate_id=certificate_id,
    )  # fmt: skip
    session.commit()
    return listing


def _attach_certificate(
    *, session: Session, listing: Listing, user: User, certificate_id: str | None
) -> None:
    if not certificate_id or not certificate_id.strip():
        return
    participants_of(session).attach_certificate(session, listing, user, certificate_id)


def update_listing(
    *,
    session: Session,
    listing_id: int,
    user: User,
    data: ListingInput,
    photos: Sequence[Photo],
    remove_photo_ids: list[int],
    store: ImageStore,
    publish: bool,
    certificate_id: str | None = None,
) -> Listing:
    """Edit a listing; a reserved one only takes a new description."""
    listing = get_listing(session=session, listing_id=listing_id, for_update=True)
    _own(listing, user)
    _check_locks(session, listing)
    if listing.status == Status.COMPLETED:
        raise InvalidTransition(_l("已成交的物品不能再修改。"))
    if listing.status == Status.RESERVED:
        if photos or remove_photo_ids or _changes_more_than_description(listing, data):
            raise InvalidTransition(_l("物品已被预订，只能修改描述。"))
        return update_description(
            session=session, listing_id=listing_id, user=user, description=data.description
        )
    clean, grade = validate(session=session, data=data, keep_venue=listing.venue)
    _apply(listing, clean, grade)
    if remove_photo_ids:
        session.execute(
            sa.delete(ListingPhoto).where(
                col(ListingPhoto.id).in_(remove_photo_ids),
                col(ListingPhoto.listing_id) == listing.id,
            )
        )
    _add_photos(session=session, listing=listing, uploads=photos, store=store)
    _attach_certificate(session=session, listing=listing, user=user, certificate_id=certificate_id)
    session.flush()
    if publish or listing.status == Status.ACTIVE:
        _publish(session=session, listing=listing, now=utcnow())
    session.commit()
    return listing


def update_description(
    *, session: Session, listing_id: int, user: User, description: str
) -> Listing:
    """Change only the description: what a seller may still do while a buyer holds the item."""
    listing = get_listing(session=session, listing_id=listing_id, for_update=True)
    _own(listing, user)
    _check_locks(session, listing)
    if listing.status == Status.COMPLETED:
        raise InvalidTransition(_l("已成交的物品不能再修改。"))
    text = description.strip()
    if len(text) > DESCRIPTION_MAX:
        raise ListingError(_l("描述最多%(n)d个字符。", n=DESCRIPTION_MAX), field="description")
    listing.description = text
    listing.updated_at = utcnow()
    if listing.status in (Status.ACTIVE, Status.RESERVED):
        devices.check(session=session, listing=listing)  # a description can name a device
    session.commit()
    return listing


def _changes_more_than_description(listing: Listing, data: ListingInput) -> bool:
    return (
        " ".join(data.title.split()) != listing.title
        or data.category != listing.category
        or data.mode != listing.mode
        or data.street != listing.street
        or (data.mode in (Mode.SELL, Mode.RENT) and data.price_fen != listing.price_fen)
        or data.venue != listing.venue
    )


def withdraw_listing(*, session: Session, listing_id: int, user: User) -> Listing:
    listing = get_listing(session=session, listing_id=listing_id, for_update=True)
    _own(listing, user)
    _check_locks(session, listing)
    if listing.status not in (Status.ACTIVE, Status.DRAFT, Status.EXPIRED):
        raise InvalidTransition(_l("当前状态下不能下架；已预订的物品请先取消预订。"))
    listing.status = Status.WITHDRAWN.value
    listing.updated_at = utcnow()
    session.commit()
    return listing


def renew_listing(*, session: Session, listing_id: int, user: User) -> Listing:
    """Put a listing (back) on the market for another 60 days."""
    listing = get_listing(session=session, listing_id=listing_id, for_update=True)
    _own(listing, user)
    _check_locks(session, listing)
    if listing.status not in (Status.ACTIVE, Status.EXPIRED, Status.WITHDRAWN, Status.DRAFT):
        raise InvalidTransition(_l("当前状态下不能重新上架。"))
    _publish(session=session, listing=listing, now=utcnow())
    listing.updated_at = utcnow()
    session.commit()
    return listing


def expire_due(
    *, session: Session, now: datetime | None = None, owner_id: int | None = None
) -> list[int]:
    """Mark active listings past their 60 days as expired (one owner's, or all); return ids."""
    now = now or utcnow()
    query = select(Listing).where(
        Listing.status == Status.ACTIVE.value, col(Listing.expires_at) < now
    )
    if owner_id is not None:
        query = query.where(Listing.owner_id == owner_id)
    due = list(session.exec(query))
    for listing in due:
        listing.status = Status.EXPIRED.value
        listing.updated_at = now
    session.commit()
    return [listing.id for listing in due if listing.id is not None]


def hold_ungated(*, session: Session) -> tuple[list[int], list[int]]:
    """Turn active listings the wipe gate refuses (published before it) back into drafts.

    Returns (held, locked): listings a shop's counter or a book corner manages are not
    touched but returned, for their staff to settle. Each held listing's owner is told.
    """
    held: list[int] = []
    locked: list[int] = []
    rows = session.exec(select(Listing).where(Listing.status == Status.ACTIVE.value))
    for listing in list(rows):
        if devices.refusal(session=session, listing=listing) is None:
            continue
        if lock_message(session, listing) is not None:
            locked.append(listing.id or 0)
            continue
        listing.status, listing.updated_at = Status.DRAFT.value, utcnow()
        session.add(listing)
        notify(
            session,
            user_id=listing.owner_id,
            message=N_(
                "“%(title)s”是存储个人数据的设备，按 GB 46864-2025 已转为草稿："
                "请清除数据并关联证书，或选择不存储个人数据的原因后再发布。"
            ),
            params={"title": listing.title},
            link=f"/listings/{listing.id}/edit",
        )
        held.append(listing.id or 0)
    session.commit()
    return held, locked


def as_of_now(listing: Listing, now: datetime | None = None) -> Listing:
    """The listing as a reader sees it now: expired once its 60 days are up, tick or not.

    A due expiry gives a copy outside the session (a page view writes nothing);
    `xunhuan listings expire` stores it.
    """
    now = now or utcnow()
    if listing.status == Status.ACTIVE and listing.expires_at and listing.expires_at < now:
        shown = Listing(**listing.model_dump())
        shown.status, shown.updated_at = Status.EXPIRED.value, now
        return shown
    return listing


def photo_count(*, session: Session, listing_id: int) -> int:
    return session.exec(
        select(func.count()).select_from(ListingPhoto).where(ListingPhoto.listing_id == listing_id)
    ).one()


def latest_active(*, session: Session, limit: int = 24) -> list[Listing]:
    query = (
        select(Listing)
        .where(Listing.status == Status.ACTIVE.value)
        .order_by(col(Listing.published_at).desc(), col(Listing.id).desc())
        .limit(limit)
    )
    return list(session.exec(query))


def live_at_venue(venue: str) -> SelectOfScalar[Listing]:
    """The active listings offered at a venue (a shop, a market, a book corner), the newest
    first: a statement, for a list shown a page at a time."""
    return (
        select(Listing)
        .where(Listing.venue == venue, Listing.status == Status.ACTIVE.value)
        .order_by(col(Listing.published_at).desc(), col(Listing.id).desc())
    )


def listings_of(*, session: Session, owner_id: int, statuses: tuple[str, ...]) -> list[Listing]:
    query = select(Listing).where(Listing.owner_id == owner_id, col(Listing.status).in_(statuses))
    return list(session.exec(query.order_by(col(Listing.updated_at).desc())))


def cover_photos(*, session: Session, listing_ids: list[int]) -> dict[int, str]:
    """The first photo's image key of each listing, in one query."""
    if not listing_ids:
        return {}
    rows = session.exec(
        select(ListingPhoto)
        .where(col(ListingPhoto.listing_id).in_(listing_ids))
        .order_by(col(ListingPhoto.listing_id), col(ListingPhoto.position))
    )
    covers: dict[int, str] = {}
    for photo in rows:
        covers.setdefault(photo.listing_id, photo.image_key)
    return covers


def photos_of(*, session: Session, listing_id: int) -> list[ListingPhoto]:
    query = select(ListingPhoto).where(ListingPhoto.listing_id == listing_id)
    return list(session.exec(query.order_by(col(ListingPhoto.position))))
