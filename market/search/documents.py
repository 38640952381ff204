"""What the index stores for a listing: the whoosh schema and the checked record behind it."""

from __future__ import annotations

import dataclasses
import struct
import sys
from array import array
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from whoosh import columns, fields

from market.search.analyzer import JiebaAnalyzer

GRADES = ("N", "A+", "A", "B", "C", "D", "F")
MODES = ("sell", "swap", "give", "rent")
STATUSES = ("draft", "active", "reserved", "completed", "withdrawn", "expired")
FACETS = ("category", "grade", "mode", "street", "venue")
DELETED = "deleted"  # the status of a tombstone, which no search can ask for
TOMBSTONE_VERSION = 2**62  # beats every real version, so a late write cannot undo a delete

_ROW = struct.Struct("<qqq")  # listing id, published_at in µs since the epoch (0 = never), price
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_MICRO = timedelta(microseconds=1)


class RowColumn(columns.FixedBytesColumn):
    """Each document's id, publication time and price, packed so a segment loads in one read."""

    def __init__(self) -> None:
        super().__init__(_ROW.size, default=_ROW.pack(0, 0, 0))

    def reader(self, dbfile: Any, basepos: int, length: int, doccount: int) -> RowReader:
        return RowReader(dbfile, basepos, length, doccount)


class RowReader(columns.FixedBytesColumn.Reader):
    def __init__(self, dbfile: Any, basepos: int, length: int, doccount: int) -> None:
        super().__init__(dbfile, basepos, length, doccount, _ROW.size, _ROW.pack(0, 0, 0))
        self._raw = (dbfile, basepos, length)

    def load_all(self) -> tuple[array[int], array[int], array[int]]:
        """The three columns of the whole segment, indexed by document number."""
        dbfile, basepos, length = self._raw
        if length % _ROW.size:
            raise ValueError("row column length is not a whole number of rows")
        values = array("q", dbfile.get(basepos, length))
        if sys.byteorder == "big":
            values.byteswap()
        values.extend([0] * (3 * self._doccount - len(values)))  # trailing defaults are not written
        return values[0::3], values[1::3], values[2::3]


ANALYZER = JiebaAnalyzer()
SCHEMA = fields.Schema(
    id=fields.KEYWORD(stored=True, unique=True, scorable=True),
    title=fields.TEXT(analyzer=ANALYZER, stored=True, phrase=False),
    description=fields.TEXT(analyzer=ANALYZER, stored=True, phrase=False),
    # The category's own words, so 手机 finds an "iPhone 12" listed under 电子产品/手机.
    keywords=fields.TEXT(analyzer=ANALYZER, stored=False, phrase=False),
    # "grade:A+", "category:电子产品", "category:电子产品/手机"...: a posting list per filter value.
    # Scorable, because whoosh stats the disk for every posting of a field without lengths.
    tags=fields.KEYWORD(commas=True, scorable=True),
    owner=fields.KEYWORD(scorable=True),
    row=fields.COLUMN(RowColumn()),
    card=fields.STORED(),
)


def tag_value(value: str) -> str:
    """A value as the tags field holds it: commas separate tags there."""
    return value.replace(",", "，").strip()


def tag(field: str, value: str) -> str:
    """The term that marks a document as having `value` in `field`."""
    return f"{field}:{tag_value(value)}"


def category_paths(category: str) -> list[str]:
    """A category and every category above it: "图书/教材教辅" -> ["图书", "图书/教材教辅"]."""
    parts = category.split("/")
    return ["/".join(parts[: i + 1]) for i in range(len(parts))]


def to_micros(moment: datetime | None) -> int:
    if moment is None:
        return 0
    if not isinstance(moment, datetime) or moment.tzinfo is None:
        raise ValueError(f"expected a timezone-aware datetime, got {moment!r}")
    return (moment - _EPOCH) // _MICRO


def from_micros(micros: int) -> datetime | None:
    return None if micros == 0 else _EPOCH + micros * _MICRO


@dataclass(frozen=True, slots=True)
class Record:
    """A listing as the index keeps it, checked; also the form a queued write takes on disk."""

    id: int
    version: int
    title: str = ""
    description: str = ""
    category: str = ""
    grade: str = ""
    mode: str = ""
    status: str = DELETED
    street: str = ""
    venue: str = ""
    price_fen: int = 0
    published: int = 0
    owner_id: int = 0
    thumb: str = ""

    @classmethod
    def from_listing(cls, doc: Mapping[str, Any]) -> Record:
        """Check a listing dict from the app; raise ValueError on anything the index can't hold."""
        if doc.get("status") == DELETED:
            raise ValueError("status 'deleted' is the index's own; use SearchIndex.delete")
        try:
            return cls(
                id=doc["id"],
                version=_version(doc),
                title=doc["title"],
                description=doc.get("description") or "",
                category=doc["category"],
                grade=doc["grade"],
                mode=doc["mode"],
                status=doc["status"],
                street=doc["street"],
                venue=doc["venue"],
                price_fen=doc["price_fen"],
                published=to_micros(doc.get("published_at")),
                owner_id=doc["owner_id"],
                thumb=doc.get("thumb") or "",
            ).checked()
        except KeyError as missing:
            raise ValueError(f"listing lacks {missing}") from None

    def checked(self) -> Record:
        """This record if the index can hold every field of it; ValueError if not."""
        for name in ("id", "version", "price_fen", "owner_id"):
            _int(getattr(self, name))
        if not isinstance(self.published, int) or isinstance(self.published, bool):
            raise ValueError(f"bad publication time {self.published!r}")
        for name in ("title", "description", "category", "street", "venue", "thumb"):
            _text(getattr(self, name))
        if self.is_tombstone:
            if self.version != TOMBSTONE_VERSION:
                raise ValueError("a tombstone has the tombstone version")
            return self
        _choice(self.grade, GRADES)
        _choice(self.mode, MODES)
        _choice(self.status, STATUSES)
        if not self.category or self.category.strip("/") != self.category:
            raise ValueError(f"bad category {self.category!r}")
        if self.version >= TOMBSTONE_VERSION:
            raise ValueError("version too large")
        return self

    @classmethod
    def tombstone(cls, listing_id: int) -> Record:
        return cls(id=listing_id, version=TOMBSTONE_VERSION).checked()

    @property
    def is_tombstone(self) -> bool:
        return self.status == DELETED

    def to_json(self) -> dict[str, Any]:
        return dataclasses.asdict(self)

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> Record:
        return cls(**{f.name: data[f.name] for f in dataclasses.fields(cls)}).checked()

    def whoosh_fields(self) -> dict[str, Any]:
        """The keyword arguments of whoosh's add_document for this record."""
        tags = [tag("status", self.status)]
        if not self.is_tombstone:
            tags += [tag(name, getattr(self, name)) for name in FACETS if name != "category"]
            tags += [tag("category", path) for path in category_paths(self.category)]
        return {
            "id": str(self.id),
            "title": self.title,
            "description": self.description,
            "keywords": " ".join(self.category.split("/")),
            "tags": ",".join(tags),
            "owner": str(self.owner_id),
            "row": _ROW.pack(self.id, self.published, self.price_fen),
            "card": (
                self.version,
                self.category,
                self.grade,
                self.mode,
                self.status,
                self.street,
                self.venue,
                self.owner_id,
                self.thumb,
            ),
        }


def item_from_stored(stored: Mapping[str, Any], published: int, price_fen: int) -> dict[str, Any]:
    """A result item from a document's stored fields and its row."""
    _version, category, grade, mode, status, street, venue, owner_id, thumb = stored["card"]
    return {
        "id": int(stored["id"]),
        "title": stored.get("title", ""),
        "description": stored.get("description", ""),
        "category": category,
        "grade": grade,
        "mode": mode,
        "status": status,
        "street": street,
        "venue": venue,
        "owner_id": owner_id,
        "thumb": thumb,
        "price_fen": price_fen,
        "published_at": from_micros(published),
    }


def stored_version(stored: Mapping[str, Any]) -> int:
    return int(stored["card"][0])


def _version(doc: Mapping[str, Any]) -> int:
    """`version`, or else `updated_at` in microseconds: either grows with every change."""
    if "version" in doc:
        return _int(doc["version"])
    if isinstance(doc.get("updated_at"), datetime):
        return to_micros(doc["updated_at"])
    raise ValueError("listing lacks a version (or an updated_at) to order its writes by")


def _int(value: Any) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value < 2**63:
        raise ValueError(f"expected a whole number ≥ 0, got {value!r}")
    return value


def _text(value: Any) -> None:
    if not isinstance(value, str):
        raise ValueError(f"expected text, got {value!r}")


def _choice(value: Any, allowed: tuple[str, ...]) -> None:
    if value not in allowed:
        raise ValueError(f"{value!r} is not one of {', '.join(allowed)}")
