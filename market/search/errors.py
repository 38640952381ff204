"""What the search layer raises."""

from __future__ import annotations

from typing import Literal

from market.errors import DomainError

Problem = Literal["missing", "corrupt"]


class SearchError(Exception):
    """Base class of the search layer's errors."""


class SearchUnavailable(SearchError):
    """The index is missing or unreadable; the app shows "search is rebuilding" and rebuilds it."""

    def __init__(self, problem: Problem, detail: str = "") -> None:
        super().__init__(f"search index {problem}" + (f": {detail}" if detail else ""))
        self.problem: Problem = problem
        self.detail = detail


class InvalidQuery(DomainError):
    """Search parameters that can't be used; the first reason leads, all are in `details`."""

    code = "bad_request"

    def __init__(self, errors: dict[str, str]) -> None:
        field, reason = next(iter(errors.items()))
        super().__init__(reason, field)
        self.errors = errors

    def details(self) -> dict[str, object]:
        return {"details": {"field": self.field, "fields": self.errors}}


class SearchRebuilding(DomainError):
    """Answered while the index is rebuilt in the background."""

    status = 503
    code = "search_unavailable"
