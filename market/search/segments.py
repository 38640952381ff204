"""One whoosh segment held in memory the way search uses it: newest-first ranks and bitmaps.

Inside a segment, documents are numbered by rank: rank 0 is the newest. A set of documents is a
Python int with bit r set for rank r, so filtering (&), facet counting ((a & b).bit_count()) and
"the newest k" (the k lowest set bits) run in C over the whole segment at once, whatever the
number of matches. whoosh is read only to load a segment and, once per term, its postings.
"""

from __future__ import annotations

import threading
from array import array
from bisect import bisect_left, bisect_right
from collections import OrderedDict, deque
from collections.abc import Iterable, Iterator
from itertools import compress, islice, repeat
from typing import Any

from whoosh.reading import TermNotFound

from market.search.documents import DELETED, tag_value
from market.search.errors import SearchUnavailable

_TO_FLAGS = bytes.maketrans(b"01", b"\x00\x01")
_ONE = ord("1")
TERM_CACHE_SIZE = 512
PRICE_BANDS = 64


def bitmap(positions: Iterable[int], size: int) -> int:
    """The bitmap with bit p set for every p in `positions` (each below `size`)."""
    if size == 0:
        return 0
    mask = bytearray(b"0") * size
    deque(map(mask.__setitem__, positions, repeat(_ONE)), maxlen=0)  # a scatter loop run in C
    mask.reverse()
    return int(mask, 2)


def set_bits(bits: int, limit: int | None = None) -> list[int]:
    """Positions of the set bits of `bits`, lowest first, at most `limit` of them."""
    if bits <= 0:
        return []
    flags = format(bits, "b").encode()[::-1].translate(_TO_FLAGS)
    found = compress(range(len(flags)), flags)
    return list(found if limit is None else islice(found, limit))


def flags(bits: int, size: int) -> bytes:
    """One byte per position, 1 where `bits` is set: a membership table for C-level walks."""
    return format(bits, "b").encode()[::-1].translate(_TO_FLAGS).ljust(size, b"\x00")


def full(size: int) -> int:
    return (1 << size) - 1


class Segment:
    """The immutable part of a segment: ranks, rows and tag bitmaps. Deletions live elsewhere."""

    def __init__(self, segment_id: str, reader: Any) -> None:
        self.segment_id = segment_id
        self.size = size = reader.doc_count_all()
        ids, published, prices = reader.column_reader("row", translate=False).load_all()
        keys = list(zip(published, ids, strict=True))
        self.docnums = array("l", sorted(range(size), key=keys.__getitem__, reverse=True))
        self.rank_of = array("l", bytes(8 * size))
        deque(map(self.rank_of.__setitem__, self.docnums, range(size)), maxlen=0)
        self.ids = array("q", map(ids.__getitem__, self.docnums))
        self.published = array("q", map(published.__getitem__, self.docnums))
        self.prices = array("q", map(prices.__getitem__, self.docnums))
        # Sorting is stable, so equal prices stay newest first in both directions.
        self.ranks_by_price = array("l", sorted(range(size), key=self.prices.__getitem__))
        self.ranks_by_price_desc = array(
            "l", sorted(range(size), key=self.prices.__getitem__, reverse=True)
        )
        self.sorted_prices = array("q", map(self.prices.__getitem__, self.ranks_by_price))
        # The cheapest (i * band) documents for each i, so a price range costs two small scatters.
        self._band = max(1, -(-size // PRICE_BANDS))
        self._cheapest: list[int] = [0]
        for start in range(0, size, self._band):
            chunk = islice(self.ranks_by_price, start, start + self._band)
            self._cheapest.append(self._cheapest[-1] | bitmap(chunk, size))
        self.tags: dict[str, dict[str, int]] = {}  # field -> value -> bitmap
        for term in reader.field_terms("tags"):
            field, _, value = term.partition(":")
            postings = reader.postings("tags", term).all_ids()
            ranks = map(self.rank_of.__getitem__, postings)
            self.tags.setdefault(field, {})[value] = bitmap(ranks, size)
        self.lock = threading.Lock()  # whoosh's readers seek shared files: one reader at a time
        self._terms: OrderedDict[tuple[str, str], int] = OrderedDict()

    def tagged(self, field: str, value: str) -> int:
        return self.tags.get(field, {}).get(tag_value(value), 0)

    def term(self, reader: Any, field: str, text: str) -> int:
        """The documents whose `field` holds the term `text`, from a small per-segment cache."""
        key = (field, text)
        with self.lock:
            found = self._terms.get(key)
            if found is not None:
                self._terms.move_to_end(key)
                return found
            try:
                docs = reader.postings(field, text).all_ids()
                found = bitmap(map(self.rank_of.__getitem__, docs), self.size)
            except TermNotFound:
                found = 0
            except Exception as error:  # damaged postings fail in whatever way whoosh reads them
                raise _damaged(self.segment_id, error) from error
            self._terms[key] = found
            if len(self._terms) > TERM_CACHE_SIZE:
                self._terms.popitem(last=False)
            return found

    def _price_window(self, low: int | None, high: int | None) -> tuple[int, int]:
        start = 0 if low is None else bisect_left(self.sorted_prices, low)
        stop = self.size if high is None else bisect_right(self.sorted_prices, high)
        return start, max(start, stop)

    def price_between(self, low: int | None, high: int | None) -> int:
        """The documents priced within [low, high] fen."""
        start, stop = self._price_window(low, high)
        return self._cheapest_n(stop) & ~self._cheapest_n(start)

    def by_price(self, low: int | None, high: int | None, descending: bool) -> Iterator[int]:
        """Ranks priced within [low, high], cheapest (or dearest) first, newest first on ties."""
        start, stop = self._price_window(low, high)
        if descending:
            return islice(self.ranks_by_price_desc, self.size - stop, self.size - start)
        return islice(self.ranks_by_price, start, stop)

    def _cheapest_n(self, n: int) -> int:
        band, extra = divmod(n, self._band)
        bits = self._cheapest[band]
        if extra:
            start = band * self._band
            bits |= bitmap(islice(self.ranks_by_price, start, start + extra), self.size)
        return bits


class SegmentView:
    """A segment as one index generation sees it: its reader and which documents still count."""

    def __init__(self, segment: Segment, reader: Any, deleted: Iterable[int]) -> None:
        self.segment = segment
        self.reader = reader
        gone = bitmap(map(segment.rank_of.__getitem__, deleted), segment.size)
        self.live = full(segment.size) & ~gone & ~segment.tagged("status", DELETED)

    def stored(self, rank: int) -> dict[str, Any]:
        with self.segment.lock:
            try:
                return dict(self.reader.stored_fields(self.segment.docnums[rank]))
            except Exception as error:
                raise _damaged(self.segment.segment_id, error) from error

    def term(self, field: str, text: str) -> int:
        return self.segment.term(self.reader, field, text)


def _damaged(segment_id: str, error: Exception) -> SearchUnavailable:
    return SearchUnavailable("corrupt", f"segment {segment_id}: {error!r}")
