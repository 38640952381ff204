"""The local textbook catalogue: look up by ISBN, enter an unknown one by hand, browse, seed."""

from __future__ import annotations

import csv
from dataclasses import dataclass
from pathlib import Path

from flask_babel import gettext
from flask_babel import lazy_gettext as _l
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select

from market.accounts.models import User
from market.books.errors import BookError
from market.books.isbn import is_valid_isbn13
from market.books.models import Textbook
from market.notifications import N_

SEED_FILE = Path(__file__).resolve().parent / "data" / "textbooks.csv"
# N_ marks the words for extraction; pages translate the stored values when they show them.
GRADES = (
    N_("一年级"), N_("二年级"), N_("三年级"), N_("四年级"), N_("五年级"), N_("六年级"),
    N_("七年级"), N_("八年级"), N_("九年级"), N_("高一"), N_("高二"), N_("高三"),
)  # fmt: skip
TERMS = (N_("上册"), N_("下册"), N_("全一册"))
SUBJECTS = (
    N_("语文"), N_("数学"), N_("英语"), N_("道德与法治"), N_("历史"), N_("地理"),
    N_("物理"), N_("化学"), N_("生物"),
    N_("科学"), N_("信息科技"), N_("音乐"), N_("美术"), N_("体育与健康"), N_("其他"),
)  # fmt: skip
LIMITS = {"title": 120, "author": 120, "publisher": 80, "edition": 40}


@dataclass
class TextbookInput:
    title: str
    author: str = ""
    publisher: str = ""
    edition: str = ""
    subject: str = ""
    grade: str = ""
    term: str = ""


def lookup(*, session: Session, isbn13: str) -> Textbook | None:
    return session.get(Textbook, isbn13)


def _clean(data: TextbookInput) -> TextbookInput:
    values = {name: " ".join(str(getattr(data, name)).split()) for name in LIMITS}
    if not values["title"]:
        raise BookError(_l("请填写书名。"), field="title")
    for name, limit in LIMITS.items():
        if len(values[name]) > limit:
            raise BookError(_l("最多%(n)d个字符。", n=limit), field=name)
    if data.subject and data.subject not in SUBJECTS:
        raise BookError(_l("请选择学科。"), field="subject")
    if data.grade and data.grade not in GRADES:
        raise BookError(_l("请选择年级。"), field="grade")
    if data.term and data.term not in TERMS:
        raise BookError(_l("请选择上册、下册或全一册。"), field="term")
    return TextbookInput(**values, subject=data.subject, grade=data.grade, term=data.term)


def add_by_hand(*, session: Session, isbn13: str, data: TextbookInput, user: User) -> Textbook:
    """Enter an unknown book once; from then on everyone's lookup finds it (not committed)."""
    if not is_valid_isbn13(isbn13):
        raise BookError(_l("ISBN 校验位不对，请核对是否输错了某一位。"), field="isbn")
    existing = session.get(Textbook, isbn13)
    if existing is not None:
        return existing  # someone entered it a moment ago: theirs stands
    clean = _clean(data)
    book = Textbook(
        isbn13=isbn13,
        title=clean.title,
        author=clean.author,
        publisher=clean.publisher,
        edition=clean.edition,
        subject=clean.subject,
        grade=clean.grade,
        term=clean.term,
        source="member",
        added_by=user.id,
    )
    session.add(book)
    return book


def browse(*, session: Session, grade: str | None, subject: str | None) -> list[Textbook]:
    query = select(Textbook)
    if grade:
        query = query.where(Textbook.grade == grade)
    if subject:
        query = query.where(Textbook.subject == subject)
    order = (col(Textbook.grade), col(Textbook.term), col(Textbook.subject), col(Textbook.title))
    return list(session.exec(query.order_by(*order)))


def grade_label(book: Textbook) -> str:
    """'七年级 上册' (in the reader's language: the words are N_-marked above), or what there is."""
    return " ".join(gettext(part) for part in (book.grade, book.term) if part)


def seed_rows() -> list[dict[str, str]]:
    with SEED_FILE.open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


def seed(*, session: Session) -> int:
    """Add the seeded textbooks the catalogue lacks; never overwrite a row. Returns how many."""
    added = 0
    for row in seed_rows():
        isbn13 = row["isbn13"]
        if not is_valid_isbn13(isbn13) or session.get(Textbook, isbn13) is not None:
            continue
        session.add(
            Textbook(
                isbn13=isbn13,
                title=row.get("title") or "",
                author=row.get("author") or "",
                publisher=row.get("publisher") or "",
                edition=row.get("edition") or "",
                subject=row.get("subject") or "",
                grade=row.get("grade") or "",
                term=row.get("term") or "",
                source="seed",
            )
        )
        added += 1
    try:
        session.commit()
    except IntegrityError:  # another process seeded at the same moment
        session.rollback()
        return 0
    return added
