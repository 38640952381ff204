"""Writing whoosh generations: apply versioned records to the live one, or build a fresh one.

Callers hold the write lock (storage.WriteLock); whoosh's own lock inside is then uncontended.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Iterable
from contextlib import suppress
from pathlib import Path
from typing import Any

from whoosh import writing
from whoosh.filedb.filestore import FileStorage
from whoosh.index import FileIndex
from whoosh.reading import TermNotFound

from market.search.documents import DELETED, SCHEMA, Record, stored_version, tag
from market.search.errors import SearchUnavailable
from market.search.storage import fsync_path

log = logging.getLogger(__name__)
SMALL_COMMIT_SEGMENTS = 8  # below this many segments, a commit writes one more instead of merging


def open_index(generation: Path | None) -> FileIndex:
    """The whoosh index of `generation`; SearchUnavailable if it is missing or unreadable."""
    if generation is None or not generation.is_dir():
        raise SearchUnavailable("missing", "no index generation on disk")
    try:
        return FileIndex(FileStorage(str(generation), supports_mmap=False), schema=SCHEMA)
    except Exception as error:  # whoosh reports a damaged TOC in many ways
        raise SearchUnavailable("corrupt", f"{generation.name}: {error!r}") from error


def newest_per_id(records: Iterable[Record]) -> dict[int, Record]:
    """The highest version given for each listing; on a tie the later one."""
    newest: dict[int, Record] = {}
    for record in records:
        known = newest.get(record.id)
        if known is None or record.version >= known.version:
            newest[record.id] = record
    return newest


def apply_records(generation: Path | None, records: list[Record]) -> int:
    """Write each record unless the index already holds a newer version; return how many."""
    if not records:
        return 0
    ix = open_index(generation)
    assert generation is not None  # open_index raised otherwise
    before = set(os.listdir(generation))
    try:
        writer = ix.writer()
    except Exception as error:
        raise SearchUnavailable("corrupt", f"cannot open a writer: {error!r}") from error
    written = 0
    try:
        searcher = writer.searcher()
        for record in newest_per_id(records).values():
            indexed = _indexed_version(searcher, record.id)
            if indexed is not None and record.version < indexed:
                continue  # a write that lost a race: the index already has something newer
            writer.update_document(**record.whoosh_fields())
            written += 1
        writer.commit(mergetype=_merge_when_many)
    except BaseException as error:
        with suppress(Exception):  # a writer that failed inside commit() is already closed
            writer.cancel()
        if isinstance(error, Exception):
            log.exception("search: writing to %s failed", generation)
            raise SearchUnavailable("corrupt", f"write failed: {error!r}") from error
        raise
    # whoosh does not fsync; the caller may delete queued writes next, so make this commit last.
    for name in set(os.listdir(generation)) - before:
        with suppress(FileNotFoundError):
            fsync_path(generation / name)
    fsync_path(generation)
    return written


def _indexed_version(searcher: Any, listing_id: int) -> int | None:
    docnum = searcher.document_number(id=str(listing_id))
    return None if docnum is None else stored_version(searcher.stored_fields(docnum))


def _merge_when_many(writer: Any, segments: list[Any]) -> list[Any]:
    # A save must be searchable within a second, so a commit usually only adds a small
    # segment; once they pile up, whoosh's size-tiered policy folds the small ones together.
    if len(segments) < SMALL_COMMIT_SEGMENTS:
        return list(segments)
    return list(writing.MERGE_SMALL(writer, segments))


def write_generation(
    generation: Path,
    records: Iterable[Record],
    *,
    keep_deleted: Iterable[int] = (),
    procs: int = 1,
    limitmb: int = 256,
) -> int:
    """Fill the empty directory `generation` with `records`; return how many were indexed."""
    ix = FileIndex.create(FileStorage(str(generation)), SCHEMA)
    options: dict[str, Any] = {"limitmb": limitmb}
    if procs > 1:
        options |= {"procs": procs, "multisegment": True}
    writer = ix.writer(**options)
    seen: set[int] = set()
    try:
        for record in records:
            if record.id in seen:
                raise ValueError(f"listing {record.id} given twice")
            seen.add(record.id)
            writer.add_document(**record.whoosh_fields())
        for listing_id in set(keep_deleted) - seen:
            writer.add_document(**Record.tombstone(listing_id).whoosh_fields())
        writer.commit()
    except BaseException:
        with suppress(Exception):
            writer.cancel()
        raise
    return len(seen)


def deleted_ids(generation: Path | None) -> set[int]:
    """Listings deleted in `generation`, so a rebuild keeps refusing late writes to them."""
    if generation is None:
        return set()
    try:
        reader = open_index(generation).reader()
        try:
            docnums = list(reader.postings("tags", tag("status", DELETED)).all_ids())
            return {int(reader.stored_fields(d)["id"]) for d in docnums}
        finally:
            reader.close()
    except TermNotFound:
        return set()
    except Exception as error:  # a damaged index is why we rebuild: carry on without it
        log.warning("search: deleted listings of the old index unreadable: %r", error)
        return set()
