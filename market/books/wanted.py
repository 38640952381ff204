""" "Looking for" lists and share days: which books are wanted, which are offered."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from flask_babel import lazy_gettext as _l
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, func, select

from market.accounts.models import User
from market.books import catalogue
from market.books.corner import access
from market.books.errors import BookError
from market.books.isbn import IsbnError, parse
from market.books.models import CornerBook, ShareDay, ShareDayTitle, Textbook, WantedBook
from market.listings.catalog import Status
from market.listings.errors import NotFound
from market.listings.models import Listing


def add_wanted(*, session: Session, user: User, school_id: int, raw_isbn: str) -> WantedBook:
    access(session=session, school_id=school_id, user=user)
    try:
        isbn13 = parse(raw_isbn)
    except IsbnError as error:
        raise BookError(error.message, field="isbn") from error
    if catalogue.lookup(session=session, isbn13=isbn13) is None:
        raise BookError(_l("书目里还没有这本书；有同学送来时它就会被登记。"), field="isbn")
    entry = WantedBook(user_id=user.id or 0, school_id=school_id, isbn13=isbn13)
    session.add(entry)
    try:
        session.commit()
    except IntegrityError as exc:
        session.rollback()
        raise BookError(_l("这本书已在您的清单里。"), field="isbn") from exc
    return entry


def remove_wanted(*, session: Session, user: User, school_id: int, entry_id: int) -> None:
    entry = session.get(WantedBook, entry_id)
    if entry is None or entry.user_id != user.id or entry.school_id != school_id:
        raise NotFound(_l("清单里没有这一项。"))
    session.delete(entry)
    session.commit()


def wanted_of(
    *, session: Session, user_id: int, school_id: int
) -> list[tuple[WantedBook, Textbook]]:
    rows = session.exec(
        select(WantedBook, Textbook)
        .join(Textbook, col(Textbook.isbn13) == WantedBook.isbn13)
        .where(WantedBook.user_id == user_id, WantedBook.school_id == school_id)
        .order_by(col(WantedBook.created_at))
    )
    return list(rows)


def offered_counts(*, session: Session, school_id: int) -> dict[str, int]:
    """ISBN -> books on the corner's shelf (active listings)."""
    rows = session.exec(
        select(CornerBook.isbn13, func.count())
        .join(Listing, col(Listing.id) == CornerBook.listing_id)
        .where(CornerBook.school_id == school_id, Listing.status == Status.ACTIVE.value)
        .group_by(col(CornerBook.isbn13))
    )
    return {isbn: int(n) for isbn, n in rows}


def wanted_counts(*, session: Session, school_id: int) -> dict[str, int]:
    rows = session.exec(
        select(WantedBook.isbn13, func.count())
        .where(WantedBook.school_id == school_id)
        .group_by(col(WantedBook.isbn13))
    )
    return {isbn: int(n) for isbn, n in rows}


def create_share_day(
    *, session: Session, coordinator: User, school_id: int, day: date, place: str, notes: str
) -> ShareDay:
    access(session=session, school_id=school_id, user=coordinator, coordinator=True)
    place_text, notes_text = " ".join(place.split()), notes.strip()
    if not place_text or len(place_text) > 100:
        raise BookError(_l("请填写地点（最多100个字符）。"), field="place")
    if len(notes_text) > 1000:
        raise BookError(_l("说明最多1000个字符。"), field="notes")
    share_day = ShareDay(
        school_id=school_id, day=day, place=place_text, notes=notes_text,
        created_by=coordinator.id or 0,
    )  # fmt: skip
    session.add(share_day)
    session.commit()
    return share_day


def add_course(
    *,
    session: Session,
    coordinator: User,
    share_day: ShareDay,
    grade: str,
    term: str,
    subject: str,
) -> int:
    """Put the catalogue's books of a grade (and term, subject) on the course list."""
    access(session=session, school_id=share_day.school_id, user=coordinator, coordinator=True)
    if grade not in catalogue.GRADES:
        raise BookError(_l("请选择年级。"), field="grade")
    books = [
        b
        for b in catalogue.browse(session=session, grade=grade, subject=subject or None)
        if not term or b.term == term
    ]
    if not books:
        raise BookError(_l("书目里没有符合条件的课本。"), field="grade")
    listed = set(
        session.exec(select(ShareDayTitle.isbn13).where(ShareDayTitle.share_day_id == share_day.id))
    )
    added = 0
    for book in books:
        if book.isbn13 not in listed:
            session.add(ShareDayTitle(share_day_id=share_day.id or 0, isbn13=book.isbn13))
            added += 1
    session.commit()
    return added


@dataclass
class TitleCount:
    book: Textbook
    wanted: int
    offered: int


def share_day_titles(*, session: Session, share_day: ShareDay) -> list[TitleCount]:
    """The course list with, per title, how many members want it and how many are offered."""
    books = session.exec(
        select(Textbook)
        .join(ShareDayTitle, col(ShareDayTitle.isbn13) == Textbook.isbn13)
        .where(ShareDayTitle.share_day_id == share_day.id)
        .order_by(col(Textbook.grade), col(Textbook.subject))
    )
    wanted = wanted_counts(session=session, school_id=share_day.school_id)
    offered = offered_counts(session=session, school_id=share_day.school_id)
    return [TitleCount(b, wanted.get(b.isbn13, 0), offered.get(b.isbn13, 0)) for b in books]


def share_days_of(*, session: Session, school_id: int) -> list[ShareDay]:
    query = select(ShareDay).where(ShareDay.school_id == school_id)
    return list(session.exec(query.order_by(col(ShareDay.day).desc())))
