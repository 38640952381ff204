"""What the search layer raises."""

from __future__ import annotations

from typing import Literal

Problem = Literal["missing", "corrupt"]


class SearchError(Exception):
    """Base class of the search layer's errors."""


class SearchUnavailable(SearchError):
    """The index is missing or unreadable; the app shows "search is rebuilding" and rebuilds it."""

    def __init__(self, problem: Problem, detail: str = "") -> None:
        super().__init__(f"search index {problem}" + (f": {detail}" if detail else ""))
        self.problem: Problem = problem
        self.detail = detail
