"""SearchIndex: full-text search of listings over a whoosh index in one directory.

    index = SearchIndex(data_dir / "search")
    index.rebuild(listing_dicts)          # once, and whenever status() says the index is broken
    index.upsert([listing_dict])          # after the commit that saved the listing
    page = index.search("小米 手机", category="电子产品", sort="price_asc", page=2)
    page.total, page.pages, page.items, page.facets["grade"]

A listing dict has id, title, description, category ("top" or "top/sub"), grade, mode, status,
street, venue, price_fen, published_at (aware datetime or None), owner_id, thumb, and `version`
(or, instead, `updated_at`): a number that grows with every change of the listing, a status
change included. Of two writes for one listing the index keeps the higher version, whichever
lands last, so a slow request can never put back what a faster one replaced; equal versions:
the later write wins. A deleted listing leaves a tombstone that no later write overrides, so
listing ids must not be reused (on SQLite: AUTOINCREMENT).

A result item is a dict of id, title, description, category, grade, mode, status, street,
venue, owner_id, thumb, price_fen, published_at and `highlights`: {"title": ..., "snippet": ...},
HTML with the matched words in <mark> and everything else escaped.

Writes take a lock shared by every process. A writer that cannot get it within
`lock_timeout` seconds puts its write in a durable queue (pending/ in the directory) instead;
whoever next holds the lock, for a write, a rebuild or a search that finds the queue non-empty,
applies the queue first. Nothing is dropped, and versions make the order irrelevant.

Searches reuse one set of whoosh readers and check cheaply before each search whether the
index changed, so a saved listing is findable as soon as its write returns. A missing or
damaged index makes search() raise SearchUnavailable and status() report it.
"""

from __future__ import annotations

import logging
import math
import shutil
import threading
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

from market.search.documents import FACETS, Record, item_from_stored
from market.search.engine import Hit, Query, Sort, Values, answer
from market.search.errors import Problem, SearchUnavailable
from market.search.generation import Generation
from market.search.highlight import Highlighter
from market.search.storage import Fingerprint, IndexDirectory, WriteLock
from market.search.writes import apply_records, deleted_ids, write_generation

log = logging.getLogger(__name__)
WriteOutcome = Literal["applied", "queued"]
MAX_PER_PAGE = 100
OPEN_ATTEMPTS = 3


@dataclass(frozen=True, slots=True)
class SearchPage:
    """One page of results; `facets` count the whole matching set, not just this page."""

    total: int
    page: int
    pages: int
    per_page: int
    items: list[dict[str, Any]]
    facets: dict[str, dict[str, int]]


@dataclass(frozen=True, slots=True)
class SearchStatus:
    state: Literal["ready"] | Problem
    documents: int  # listings in the index, whatever their status
    pending: int  # queued writes not yet applied
    rebuilding: bool
    detail: str = ""


class SearchIndex:
    """The search index of all listings, safe to share between threads and processes."""

    def __init__(self, path: Path, *, lock_timeout: float = 2.0) -> None:
        self.path = Path(path)
        self.lock_timeout = lock_timeout
        self._dir = IndexDirectory(self.path)
        self._lock = threading.Lock()
        self._live: Generation | None = None
        self._broken: tuple[Fingerprint, SearchUnavailable] | None = None

    # Reading

    def search(
        self,
        q: str = "",
        *,
        category: Values = None,
        grade: Values = None,
        mode: Values = None,
        street: Values = None,
        venue: Values = None,
        owner_id: int | None = None,
        min_price: int | None = None,
        max_price: int | None = None,
        statuses: Iterable[str] = ("active",),
        sort: Sort = "relevance",
        page: int = 1,
        per_page: int = 20,
    ) -> SearchPage:
        """Listings matching every word of `q` (all listings if it has none) and every filter.

        Filters take one value or several (any of them). `category` matches a top category
        and everything under it. `q` is plain words: no operators, fields or wildcards.
        """
        page = max(1, int(page))
        per_page = min(MAX_PER_PAGE, max(1, int(per_page)))
        query = Query.of(
            q,
            filters=dict(zip(FACETS, (category, grade, mode, street, venue), strict=True)),
            statuses=statuses,
            owner_id=owner_id,
            min_price=min_price,
            max_price=max_price,
            sort=sort,
            limit=page * per_page,
        )
        generation = self._acquire()
        try:
            try:
                outcome = answer(generation.views, query)
                hits = outcome.hits[(page - 1) * per_page :]
                highlighter = Highlighter(query.groups)
                items = [_item(hit.view.stored(hit.rank), hit, highlighter) for hit in hits]
            except SearchUnavailable as error:
                self._mark_broken(generation.path, error)
                raise
        finally:
            self._release(generation)
        return SearchPage(
            total=outcome.total,
            page=page,
            pages=max(1, math.ceil(outcome.total / per_page)),
            per_page=per_page,
            items=items,
            facets={name: dict(counts.most_common()) for name, counts in outcome.facets.items()},
        )

    def refresh(self) -> None:
        """Catch up with writes made since the last search, here or in other processes."""
        if self._broken is None and self._dir.queue.files():
            self.apply_pending()
        with self._lock:
            self._refresh_locked()

    def status(self) -> SearchStatus:
        """Whether search works now, and what is waiting."""
        pending = len(self._dir.queue.files())
        rebuilding = self._dir.rebuild_running()
        try:
            generation = self._acquire()
        except SearchUnavailable as error:
            return SearchStatus(error.problem, 0, pending, rebuilding, error.detail)
        try:
            documents = sum(view.live.bit_count() for view in generation.views)
        finally:
            self._release(generation)
        return SearchStatus("ready", documents, pending, rebuilding)

    def close(self) -> None:
        """Let go of the open readers (a later search opens them again)."""
        with self._lock:
            if self._live is not None:
                self._live.retire()
                self._live = None

    def _acquire(self) -> Generation:
        self.refresh()
        with self._lock:
            assert self._live is not None  # _refresh_locked raised otherwise
            self._live.users += 1
            return self._live

    def _release(self, generation: Generation) -> None:
        with self._lock:
            generation.users -= 1
            if generation.retired:
                generation.retire()

    def _refresh_locked(self) -> None:
        path = self._dir.current()
        live = self._live
        if live is not None and live.path == path and live.is_current():
            return
        if self._broken is not None:
            fingerprint, error = self._broken
            if fingerprint == self._dir.fingerprint(path):
                raise error
        for attempt in range(OPEN_ATTEMPTS):
            before = self._dir.fingerprint(path)
            try:
                fresh = Generation.open(path, live)
                break
            except SearchUnavailable as error:
                # A commit or rebuild elsewhere may have moved files under us: look again.
                path = self._dir.current()
                if attempt + 1 == OPEN_ATTEMPTS or self._dir.fingerprint(path) == before:
                    self._broken = (self._dir.fingerprint(path), error)
                    raise
        self._broken = None
        if live is not None:
            live.retire()
        self._live = fresh

    def _mark_broken(self, path: Path | None, error: SearchUnavailable) -> None:
        """Fail searches fast, without reopening, until the index on disk changes."""
        with self._lock:
            self._broken = (self._dir.fingerprint(path), error)
            if self._live is not None and self._live.path == path:
                self._live.retire()
                self._live = None

    # Writing

    def upsert(self, docs: Iterable[Mapping[str, Any]]) -> WriteOutcome:
        """Index listings (new or changed); raise ValueError if one is malformed."""
        return self._write([Record.from_listing(doc) for doc in docs])

    def delete(self, ids: Iterable[int]) -> WriteOutcome:
        """Remove listings for good: later writes of the same ids are ignored."""
        return self._write([Record.tombstone(listing_id) for listing_id in ids])

    def apply_pending(self) -> int:
        """Apply queued writes if the lock is free right now; return how many were applied."""
        lock = WriteLock(self._dir.lock_path)
        if not lock.acquire(timeout=0):
            return 0
        try:
            return self._apply_with_queue([])[1]
        finally:
            lock.release()

    def rebuild(
        self, docs: Iterable[Mapping[str, Any]], *, procs: int = 1, limitmb: int = 256
    ) -> int:
        """Index `docs` afresh beside the live index, then swap; return how many were indexed.

        Searches keep using the old index meanwhile; writes made meanwhile are queued and
        applied to the new one. `docs` is read after the lock is taken, so pass a lazy
        iterable (a generator over a query) for it to include everything saved until then.
        `procs` > 1 forks whoosh writer processes: use it from a command, not a web worker.
        """
        lock = WriteLock(self._dir.lock_path)
        lock.acquire(timeout=None)
        try:
            with self._dir.rebuilding():
                keep_deleted = deleted_ids(self._dir.current())
                generation = self._dir.new_generation()
                records = (Record.from_listing(doc) for doc in docs)
                try:
                    count = write_generation(
                        generation, records, keep_deleted=keep_deleted, procs=procs, limitmb=limitmb
                    )
                    self._dir.switch_to(generation)
                except BaseException:
                    shutil.rmtree(generation, ignore_errors=True)
                    raise
                self._apply_with_queue([])
                self._dir.remove_other_generations()
        finally:
            lock.release()
        return count

    def _write(self, records: list[Record]) -> WriteOutcome:
        if not records:
            return "applied"
        lock = WriteLock(self._dir.lock_path)
        # During a rebuild the lock stays taken for a while: queue at once rather than wait.
        timeout = 0 if self._dir.marker.exists() else self.lock_timeout
        if not lock.acquire(timeout=timeout):
            self._dir.queue.put(records)
            return "queued"
        try:
            self._dir.marker.unlink(missing_ok=True)  # holding the lock, no rebuild runs: stale
            return self._apply_with_queue(records)[0]
        finally:
            lock.release()

    def _apply_with_queue(self, records: list[Record]) -> tuple[WriteOutcome, int]:
        """Apply the queue and `records` together (lock held); queue `records` if that fails."""
        batches = self._dir.queue.read()
        queued = [record for _, batch in batches for record in batch]
        current = self._dir.current()
        try:
            apply_records(current, records + queued)
        except SearchUnavailable as error:
            log.warning("search: write queued, index unusable: %s", error)
            self._mark_broken(current, error)
            if records:
                self._dir.queue.put(records)
            return "queued", 0
        self._dir.queue.remove([path for path, _ in batches])
        return "applied", len(queued)


def _item(stored: dict[str, Any], hit: Hit, highlighter: Highlighter) -> dict[str, Any]:
    segment = hit.view.segment
    item = item_from_stored(stored, segment.published[hit.rank], segment.prices[hit.rank])
    item["highlights"] = {
        "title": highlighter.title(item["title"]),
        "snippet": highlighter.snippet(item["description"]),
    }
    return item
