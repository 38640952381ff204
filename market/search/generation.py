"""One opened state of the index: whoosh readers over its segments, shared by searches."""

from __future__ import annotations

from contextlib import suppress
from pathlib import Path
from typing import Any

from whoosh.index import FileIndex

from market.search.errors import SearchUnavailable
from market.search.segments import Segment, SegmentView
from market.search.writes import open_index


class Generation:
    """The readers of one commit; closed once replaced and no search still uses them."""

    def __init__(self, path: Path, ix: FileIndex, reader: Any, views: list[SegmentView]) -> None:
        self.path = path
        self.views = views
        self.users = 0
        self.retired = False
        self._ix = ix
        self._reader = reader
        self._toc = reader.generation()

    @classmethod
    def open(cls, path: Path | None, previous: Generation | None) -> Generation:
        """Open the latest commit in `path`, reusing what `previous` loaded of unchanged ones."""
        ix = open_index(path)
        assert path is not None  # open_index raised otherwise
        known = {v.segment.segment_id: v.segment for v in previous.views} if previous else {}
        reader = None
        try:
            reader = ix.reader()
            views = []
            for leaf, _offset in reader.leaf_readers():
                info = leaf.segment()
                if info is None:  # an index without segments
                    continue
                segment_id = info.segment_id()
                segment = known.get(segment_id) or Segment(segment_id, leaf)
                views.append(SegmentView(segment, leaf, info.deleted_docs()))
            return cls(path, ix, reader, views)
        except SearchUnavailable:
            _close(reader)
            raise
        except Exception as error:  # a damaged segment fails in whatever whoosh reads first
            _close(reader)
            raise SearchUnavailable("corrupt", f"{path.name}: {error!r}") from error

    def is_current(self) -> bool:
        """Whether this is still the latest commit (one directory listing)."""
        return bool(self._ix.latest_generation() == self._toc)

    def retire(self) -> None:
        """Close the readers now if no search uses them, else when the last one finishes."""
        self.retired = True
        if self.users == 0 and self._reader is not None:
            _close(self._reader)
            self._reader = None


def _close(reader: Any) -> None:
    if reader is not None:
        with suppress(Exception):  # closing a damaged reader may fail too; nothing to save
            reader.close()
