"""Book corners: the textbook catalogue, classes and members, corner books, swap credits,
looking-for lists and share days."""

from __future__ import annotations

from datetime import date, datetime

import sqlalchemy as sa
from sqlmodel import Field, SQLModel

from market.db import UTCDateTime, utcnow


class Textbook(SQLModel, table=True):
    """One edition of a book, keyed by its ISBN-13; seeded, or entered by a member once."""

    __tablename__ = "books_catalogue"
    __table_args__ = (sa.Index("ix_books_catalogue_grade_subject", "grade", "subject"),)

    isbn13: str = Field(primary_key=True, max_length=13)
    title: str = Field(max_length=120)
    author: str = Field(default="", max_length=120)
    publisher: str = Field(default="", max_length=80)
    edition: str = Field(default="", max_length=40)
    subject: str = Field(default="", max_length=16)
    grade: str = Field(default="", max_length=8)  # 一年级 … 九年级, 高一 … 高三, or ""
    term: str = Field(default="", max_length=8)  # 上册 | 下册 | 全一册 | 必修… or ""
    source: str = Field(default="member", max_length=8)  # seed | member
    added_by: int | None = Field(default=None, foreign_key="users.id")
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


class SchoolClass(SQLModel, table=True):
    __tablename__ = "books_classes"
    __table_args__ = (
        sa.UniqueConstraint("school_id", "join_code", name="uq_books_classes_school_code"),
        sa.UniqueConstraint("school_id", "name", name="uq_books_classes_school_name"),
    )

    id: int | None = Field(default=None, primary_key=True)
    school_id: int = Field(foreign_key="organizations.id", index=True)
    name: str = Field(max_length=40)
    join_code: str = Field(max_length=8)
    created_by: int = Field(foreign_key="users.id")
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


class CornerMember(SQLModel, table=True):
    __tablename__ = "books_members"
    __table_args__ = (
        sa.UniqueConstraint("user_id", "school_id", name="uq_books_members_user_school"),
    )

    id: int | None = Field(default=None, primary_key=True)
    user_id: int = Field(foreign_key="users.id", index=True)
    school_id: int = Field(foreign_key="organizations.id", index=True)
    class_id: int = Field(foreign_key="books_classes.id")
    role: str = Field(default="student", max_length=8)  # student | teacher
    joined_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


class CornerBook(SQLModel, table=True):
    """A listing offered at a school's corner, with the book's ISBN and its hand-in."""

    __tablename__ = "books_corner_books"

    listing_id: int = Field(primary_key=True, foreign_key="listings.id")
    school_id: int = Field(foreign_key="organizations.id", index=True)
    isbn13: str = Field(foreign_key="books_catalogue.isbn13", max_length=13, index=True)
    handed_in_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    handed_in_by: int | None = Field(default=None, foreign_key="users.id")
    handed_out_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    handed_out_by: int | None = Field(default=None, foreign_key="users.id")


class CreditMove(SQLModel, table=True):
    """Append-only: one movement of swap credits; a balance is the sum of a person's moves."""

    __tablename__ = "books_credits"
    __table_args__ = (
        sa.Index("ix_books_credits_school_user", "school_id", "user_id"),
        # A book earns its giver one credit, however it left the corner.
        sa.Index(
            "uq_books_credits_one_give_per_listing",
            "listing_id",
            unique=True,
            sqlite_where=sa.text("kind = 'give'"),
            postgresql_where=sa.text("kind = 'give'"),
        ),
        sa.CheckConstraint(
            "kind IN ('give', 'take', 'refund', 'grant')", name="ck_books_credits_kind"
        ),
    )

    id: int | None = Field(default=None, primary_key=True)
    school_id: int = Field(foreign_key="organizations.id")
    user_id: int = Field(foreign_key="users.id")
    delta: int
    kind: str = Field(max_length=8)
    listing_id: int | None = Field(default=None, foreign_key="listings.id")
    reservation_id: int | None = Field(default=None, foreign_key="reservations.id")
    reason: str = Field(default="", max_length=200)
    recorded_by: int | None = Field(default=None, foreign_key="users.id")
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


class WantedBook(SQLModel, table=True):
    """A member's "looking for" entry."""

    __tablename__ = "books_wanted"
    __table_args__ = (
        sa.UniqueConstraint("user_id", "school_id", "isbn13", name="uq_books_wanted_entry"),
        sa.Index("ix_books_wanted_school_isbn", "school_id", "isbn13"),
    )

    id: int | None = Field(default=None, primary_key=True)
    user_id: int = Field(foreign_key="users.id")
    school_id: int = Field(foreign_key="organizations.id")
    isbn13: str = Field(foreign_key="books_catalogue.isbn13", max_length=13)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


class ShareDay(SQLModel, table=True):
    __tablename__ = "books_share_days"

    id: int | None = Field(default=None, primary_key=True)
    school_id: int = Field(foreign_key="organizations.id", index=True)
    day: date
    place: str = Field(max_length=100)
    notes: str = Field(default="", max_length=1000)
    created_by: int = Field(foreign_key="users.id")
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


class ShareDayTitle(SQLModel, table=True):
    """A title on a share day's course list for the next term."""

    __tablename__ = "books_share_day_titles"
    __table_args__ = (
        sa.UniqueConstraint("share_day_id", "isbn13", name="uq_books_share_day_titles_entry"),
    )

    id: int | None = Field(default=None, primary_key=True)
    share_day_id: int = Field(foreign_key="books_share_days.id", index=True)
    isbn13: str = Field(foreign_key="books_catalogue.isbn13", max_length=13)
