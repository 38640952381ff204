"""The book corners' pages: `members` (join, shelf, list, take, swap credits, browse) and
`desk` (the coordinator's desk), both on the blueprint in `blueprint`."""

from __future__ import annotations

from market.books.views import desk, members
from market.books.views.blueprint import bp

__all__ = ["bp", "desk", "members"]
