"""Answer one search over the segments of an index generation: match, filter, count, sort, cut.

Relevance is deliberately plain, because listing texts are short and sellers repeat words: a
listing with every typed word in its title comes first, then one with some of them in its
title, then one matched only by its description or its category's words; within each tier,
newest first.

Facet counts are disjunctive: each facet counts the matches under every filter except its own,
so the page can show what picking another grade or street would give.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from itertools import compress, islice
from typing import Literal, cast

from market.search.analyzer import QueryGroup, query_groups
from market.search.documents import FACETS, STATUSES, tag_value
from market.search.segments import SegmentView, flags, full, set_bits

Sort = Literal["relevance", "newest", "price_asc", "price_desc"]
SORTS: tuple[Sort, ...] = ("relevance", "newest", "price_asc", "price_desc")
Values = str | Iterable[str] | None  # one accepted value, several, or any
MAX_QUERY_CHARS = 200
_SPARSE = 32  # below one match in this many documents, sorting the matches beats walking an order


@dataclass(frozen=True, slots=True)
class Query:
    """A search with its input already checked."""

    groups: tuple[QueryGroup, ...]
    filters: Mapping[str, frozenset[str]]  # facet field -> accepted values; a missing field: any
    statuses: frozenset[str]
    owner_id: int | None
    min_price: int | None
    max_price: int | None
    sort: Sort
    limit: int  # how many of the best matches to return

    @classmethod
    def of(
        cls,
        text: str,
        *,
        filters: Mapping[str, Values],
        statuses: Iterable[str],
        owner_id: int | None,
        min_price: int | None,
        max_price: int | None,
        sort: str,
        limit: int,
    ) -> Query:
        """Check a search's arguments; raise ValueError for a sort or status that doesn't exist."""
        if sort not in SORTS:
            raise ValueError(f"sort must be one of {', '.join(SORTS)}")
        wanted = frozenset(statuses)
        if not wanted <= set(STATUSES):
            raise ValueError(f"statuses must be among {', '.join(STATUSES)}")
        groups = tuple(query_groups(text[:MAX_QUERY_CHARS])) if isinstance(text, str) else ()
        chosen = {name: _accepted(values) for name, values in filters.items()}
        return cls(
            groups=groups,
            filters={name: values for name, values in chosen.items() if values},
            statuses=wanted,
            owner_id=owner_id,
            min_price=None if min_price is None else max(0, int(min_price)),
            max_price=None if max_price is None else max(0, int(max_price)),
            sort="newest" if sort == "relevance" and not groups else cast(Sort, sort),
            limit=limit,
        )


def _accepted(values: Values) -> frozenset[str]:
    if values is None:
        return frozenset()
    if isinstance(values, str):
        values = [values]
    return frozenset(tag_value(v.strip("/")) for v in values if isinstance(v, str) and v.strip("/"))


@dataclass(frozen=True, slots=True)
class Hit:
    key: tuple[int, ...]
    view: SegmentView
    rank: int


@dataclass(slots=True)
class Outcome:
    total: int = 0
    hits: list[Hit] = field(default_factory=list)
    facets: dict[str, Counter[str]] = field(default_factory=lambda: {f: Counter() for f in FACETS})


def answer(views: Sequence[SegmentView], query: Query) -> Outcome:
    """The total, the best `query.limit` hits in order, and the facet counts."""
    outcome = Outcome()
    for view in views:
        _answer_segment(view, query, outcome)
    outcome.hits.sort(key=lambda hit: hit.key)
    del outcome.hits[query.limit :]
    return outcome


def _answer_segment(view: SegmentView, query: Query, outcome: Outcome) -> None:
    segment = view.segment
    text, in_title_all, in_title_any = _text_bits(view, query.groups)
    base = text & view.live & _status_bits(view, query.statuses)
    if query.owner_id is not None:
        base &= view.term("owner", str(query.owner_id))
    if query.min_price is not None or query.max_price is not None:
        base &= segment.price_between(query.min_price, query.max_price)
    chosen = {
        name: _any_of(segment.tags.get(name, {}), values) for name, values in query.filters.items()
    }
    matches = base
    for bits in chosen.values():
        matches &= bits
    outcome.total += matches.bit_count()
    for name in FACETS:
        under_others = base
        for other, bits in chosen.items():
            if other != name:
                under_others &= bits
        if under_others:
            counts = outcome.facets[name]
            for value, bits in segment.tags.get(name, {}).items():
                if number := (under_others & bits).bit_count():
                    counts[value] += number
    if matches and query.limit:
        ranks_keys = _best(view, matches, in_title_all, in_title_any, query)
        outcome.hits.extend(Hit(key, view, rank) for rank, key in ranks_keys)


def _text_bits(view: SegmentView, groups: Sequence[QueryGroup]) -> tuple[int, int, int]:
    """Documents matching every group; those with every group in the title; with any."""
    everything = full(view.segment.size)
    if not groups:
        return everything, everything, everything
    matched, title_all, title_any = everything, everything, 0
    for group in groups:
        in_title = view.term("title", group.whole)
        anywhere = in_title | _body(view, group.whole)
        if group.parts:
            parts_title, parts_anywhere = everything, everything
            for part in group.parts:
                part_title = view.term("title", part)
                parts_title &= part_title
                parts_anywhere &= part_title | _body(view, part)
            in_title |= parts_title
            anywhere |= parts_anywhere
        matched &= anywhere
        title_all &= in_title
        title_any |= in_title
    return matched, title_all, title_any


def _body(view: SegmentView, term: str) -> int:
    """Documents with `term` in the description or among their category's words."""
    return view.term("description", term) | view.term("keywords", term)


def _status_bits(view: SegmentView, statuses: frozenset[str]) -> int:
    return _any_of(view.segment.tags.get("status", {}), statuses)


def _any_of(bitmaps: Mapping[str, int], values: frozenset[str]) -> int:
    bits = 0
    for value in values:
        bits |= bitmaps.get(value, 0)
    return bits


def _best(
    view: SegmentView, matches: int, title_all: int, title_any: int, query: Query
) -> list[tuple[int, tuple[int, ...]]]:
    """This segment's best `query.limit` ranks with the keys that order them across segments."""
    segment, limit = view.segment, query.limit
    published, ids = segment.published, segment.ids
    if query.sort == "relevance" and query.groups:
        tiers = [(2, matches & title_all), (1, matches & title_any & ~title_all)]
        tiers.append((0, matches & ~title_any))
        chosen: list[tuple[int, tuple[int, ...]]] = []
        for tier, bits in tiers:
            for rank in set_bits(bits, limit - len(chosen)):
                chosen.append((rank, (-tier, -published[rank], -ids[rank])))
        return chosen
    if query.sort in ("price_asc", "price_desc"):
        descending = query.sort == "price_desc"
        if matches.bit_count() * _SPARSE < segment.size:
            ranks = sorted(set_bits(matches), key=segment.prices.__getitem__, reverse=descending)
            ranks = ranks[:limit]
        else:
            member = flags(matches, segment.size)
            window = (query.min_price, query.max_price, descending)
            walk = map(member.__getitem__, segment.by_price(*window))
            ranks = list(islice(compress(segment.by_price(*window), walk), limit))
        sign = -1 if descending else 1
        return [
            (rank, (sign * segment.prices[rank], -published[rank], -ids[rank])) for rank in ranks
        ]
    return [(rank, (-published[rank], -ids[rank])) for rank in set_bits(matches, limit)]
