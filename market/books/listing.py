"""Listing a book at the corner by its ISBN: an ordinary swap listing, venue school:<id>."""

from __future__ import annotations

import io
import textwrap
from collections.abc import Sequence

from flask import Flask
from flask_babel import lazy_gettext as _l
from flask_babel.speaklater import LazyString
from PIL import Image, ImageDraw, ImageFont
from sqlmodel import Session, select

from market.accounts.models import User
from market.books import catalogue, swap_credits
from market.books.corner import Access, access
from market.books.errors import BookError
from market.books.models import CornerBook, Textbook, WantedBook
from market.db import utcnow
from market.images.processing import Photo
from market.images.store import ImageStore
from market.listings import services as listings
from market.listings.catalog import Mode, Status
from market.listings.errors import InvalidTransition, NotFound
from market.listings.models import TITLE_MAX, Listing
from market.listings.participants import Participant, register
from market.notifications import N_, notify
from wipe.pdf import find_cjk_font  # the project's one CJK font lookup

CATEGORY = "图书/教材教辅"
COVER_SIZE = (600, 800)


def corner_lock(session: Session, listing: Listing) -> object | None:
    """A corner book is run from the corner (shelf, hand-in, take), never the listing pages."""
    if listing.id is not None and session.get(CornerBook, listing.id) is not None:
        return _l("旧书角的书请在旧书角管理。")
    return None


def init_app(app: Flask) -> None:
    register(
        app,
        Participant(
            name="book corners",
            lock=corner_lock,
            on_reserved=swap_credits.on_reserved,
            on_event=swap_credits.on_recorded,
        ),
    )


def _font(size: int) -> ImageFont.FreeTypeFont | ImageFont.ImageFont:

    try:
        path, index = find_cjk_font()
    except Exception:  # noqa: BLE001 - no CJK font: a plain cover still beats no photo
        return ImageFont.load_default()
    return ImageFont.truetype(str(path), size=size, index=index)


def cover_picture(book: Textbook) -> bytes:
    """Draw a plain cover from the catalogue data, so a listing needs no photo to publish."""
    img = Image.new("RGB", COVER_SIZE, (246, 241, 228))
    draw = ImageDraw.Draw(img)
    draw.rectangle([0, 0, COVER_SIZE[0], 150], fill=(120, 60, 30))
    draw.text((40, 50), book.subject or "图书", font=_font(56), fill=(255, 255, 255))
    y = 200
    for line in textwrap.wrap(book.title, 12)[:5]:
        draw.text((40, y), line, font=_font(40), fill=(40, 30, 20))
        y += 56
    small = _font(28)
    for line in (catalogue.grade_label(book), book.publisher, book.edition, f"ISBN {book.isbn13}"):
        if line:
            y += 10
            draw.text((40, y + 40), line, font=small, fill=(90, 70, 50))
            y += 40
    out = io.BytesIO()
    img.save(out, "PNG")
    return out.getvalue()


def _description(book: Textbook) -> str:
    parts = [
        f"ISBN {book.isbn13}",
        book.author,
        book.publisher,
        book.edition,
        " ".join(p for p in (book.grade, book.term, book.subject) if p),
    ]
    return " · ".join(p for p in parts if p)


def list_book(
    *,
    session: Session,
    owner: User,
    school_id: int,
    isbn13: str,
    condition: dict[str, str],
    disclosures: dict[str, str],
    photos: Sequence[Photo],
    store: ImageStore,
    entry: catalogue.TextbookInput | None = None,
) -> Listing:
    """Publish the book as a swap at the corner; tell members looking for it.

    An unknown ISBN is entered in the catalogue from `entry`; the catalogue entry, the listing,
    its corner book and the notifications commit together, or nothing does.
    """
    corner = access(session=session, school_id=school_id, user=owner)
    book = catalogue.lookup(session=session, isbn13=isbn13)
    if book is None and entry is not None:
        book = catalogue.add_by_hand(session=session, isbn13=isbn13, data=entry, user=owner)
        session.flush()
    if book is None:
        raise BookError(_l("书目里还没有这本书，请先填写书名等信息。"), field="title")
    street = corner.school.street or owner.home_street
    if not street:
        raise BookError(_l("请先在个人资料中选择所在街道。"))
    data = listings.ListingInput(
        title=book.title[:TITLE_MAX],
        description=_description(book),
        category=CATEGORY,
        mode=Mode.SWAP.value,
        street=street,
        price_fen=0,
        venue=corner.venue,
        condition=condition,
        disclosures=dict(disclosures),
    )
    # Checked before a cover is drawn and stored.
    listings.validate(session=session, data=data, trusted_venue=True)
    listing = listings.add_listing(
        session=session,
        owner=owner,
        data=data,
        photos=[*photos, cover_picture(book)][: listings.MAX_PHOTOS],
        store=store,
        publish=True,
        trusted_venue=True,
    )
    session.add(CornerBook(listing_id=listing.id or 0, school_id=school_id, isbn13=book.isbn13))
    _tell_those_looking(session, listing, book, school_id)
    session.commit()
    return listing


def withdraw_refusal(
    *, corner: Access, user: User, listing: Listing, book: CornerBook | None
) -> LazyString | None:
    """Why `user` may not take this book off the shelf, or None: its giver may before it is
    handed in, a coordinator always."""
    if corner.coordinator:
        return None
    if listing.owner_id != user.id:
        return _l("只有送书人或协调人可以下架这本书。")
    if book is not None and book.handed_in_at is not None:
        return _l("这本书已交到旧书角，请找协调人下架。")
    return None


def may_withdraw(*, corner: Access, user: User, listing: Listing, book: CornerBook | None) -> bool:
    """Does the book's page offer `user` to take it off the shelf?"""
    shelved = listing.status in (Status.ACTIVE.value, Status.EXPIRED.value)
    return (
        shelved and withdraw_refusal(corner=corner, user=user, listing=listing, book=book) is None
    )


def may_take(*, user: User, listing: Listing) -> bool:
    """Does the book's page offer `user` to take it for a swap credit (not their own)?"""
    return listing.status == Status.ACTIVE.value and listing.owner_id != user.id


def withdraw_book(*, session: Session, user: User, school_id: int, listing_id: int) -> Listing:
    """Take a corner book off the shelf: its giver before hand-in, or a coordinator."""
    corner = access(session=session, school_id=school_id, user=user)
    listing = session.get(Listing, listing_id, with_for_update=True)
    book = session.get(CornerBook, listing_id)
    if listing is None or book is None or book.school_id != school_id:
        raise NotFound(_l("旧书角没有这本书。"))
    refusal = withdraw_refusal(corner=corner, user=user, listing=listing, book=book)
    if refusal is not None:
        raise BookError(refusal)
    if listing.status not in (Status.ACTIVE.value, Status.EXPIRED.value, Status.DRAFT.value):
        raise InvalidTransition(_l("这本书已被领取或已下架，不能再下架。"))
    listing.status = Status.WITHDRAWN.value
    listing.updated_at = utcnow()
    session.add(listing)
    session.commit()
    return listing


def _tell_those_looking(session: Session, listing: Listing, book: Textbook, school_id: int) -> None:
    wanting = session.exec(
        select(WantedBook.user_id).where(
            WantedBook.school_id == school_id, WantedBook.isbn13 == book.isbn13
        )
    )
    for user_id in set(wanting):
        if user_id != listing.owner_id:
            notify(
                session,
                user_id=user_id,
                message=N_("您在找的《%(title)s》到旧书角了。"),
                params={"title": book.title},
                link=f"/schools/{school_id}/books/{listing.id}",
            )
