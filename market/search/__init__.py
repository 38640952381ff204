"""Full-text search of listings: whoosh with jieba's Chinese analysis. Plain Python, no Flask.

See `market.search.index` for the API and how writes, rebuilds and damage are handled.
"""

from market.search.analyzer import load_dictionary
from market.search.engine import SORTS
from market.search.errors import SearchError, SearchUnavailable
from market.search.index import SearchIndex, SearchPage, SearchStatus

__all__ = [
    "SORTS",
    "SearchError",
    "SearchIndex",
    "SearchPage",
    "SearchStatus",
    "SearchUnavailable",
    "load_dictionary",
]
