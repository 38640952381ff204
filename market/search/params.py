"""Search parameters from a query string, validated the same way for the page and the API."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any

from flask_babel import lazy_gettext as _l
from werkzeug.datastructures import MultiDict

from market.listings.catalog import CATEGORY_TREE, Grade, Mode, category_keys
from market.listings.models import PRICE_MAX_FEN
from market.money import FEN_PER_YUAN, yuan_to_fen
from market.streets import STREETS

SORTS = ("relevance", "newest", "price_asc", "price_desc")
QUERY_MAX = 100
PAGE_MAX = 500


@dataclass
class SearchParams:
    q: str = ""
    category: str | None = None
    grade: str | None = None
    mode: str | None = None
    street: str | None = None
    venue: str | None = None
    min_price: int | None = None
    max_price: int | None = None
    sort: str = "relevance"
    page: int = 1

    def filters(self) -> dict[str, Any]:
        """Keyword arguments for SearchIndex.search."""
        values = asdict(self)
        values.pop("q")
        return values

    def query_args(self, **changes: Any) -> dict[str, Any]:
        """The non-default parameters as query-string arguments, with `changes` applied."""
        values = {**asdict(self), **changes}
        return {
            k: v
            for k, v in values.items()
            if v not in (None, "")
            and not (k == "page" and v == 1)
            and not (k == "sort" and v == "relevance")
        }


def _int(raw: str, name: str, errors: dict[str, str], *, low: int, high: int) -> int | None:
    text = raw.strip()
    if not text:
        return None
    if not text.isdecimal() or not low <= int(text) <= high:
        errors[name] = str(
            _l("%(name)s 需为 %(low)d 到 %(high)d 之间的整数。", name=name, low=low, high=high)
        )
        return None
    return int(text)


def parse(args: MultiDict[str, str], *, yuan: bool = False) -> tuple[SearchParams, dict[str, str]]:
    """Read and check every parameter; errors map a parameter to a message.

    The API takes prices in fen (`min_price`, `max_price`); the page's form in whole yuan
    (`min_yuan`, `max_yuan`), as people type them.
    """
    errors: dict[str, str] = {}
    params = SearchParams()
    q = " ".join(args.get("q", "").split())
    if len(q) > QUERY_MAX:
        errors["q"] = str(_l("搜索词最多%(n)d个字符。", n=QUERY_MAX))
    params.q = q[:QUERY_MAX]
    choices = {
        "category": set(category_keys()) | set(CATEGORY_TREE),
        "grade": {g.value for g in Grade},
        "mode": {m.value for m in Mode},
        "street": set(STREETS),
    }
    for name, allowed in choices.items():
        value = args.get(name, "").strip()
        if value:
            if value in allowed:
                setattr(params, name, value)
            else:
                errors[name] = str(_l("未知的%(name)s：%(value)s", name=name, value=value[:40]))
    venue = args.get("venue", "").strip()
    if venue:
        if len(venue) <= 24 and (
            venue == "online" or venue.split(":")[0] in {"shop", "market", "school"}
        ):
            params.venue = venue
        else:
            errors["venue"] = str(_l("未知的交易地点。"))
    if yuan:
        high = PRICE_MAX_FEN // FEN_PER_YUAN
        low_yuan = _int(args.get("min_yuan", ""), "min_yuan", errors, low=0, high=high)
        high_yuan = _int(args.get("max_yuan", ""), "max_yuan", errors, low=0, high=high)
        params.min_price = None if low_yuan is None else yuan_to_fen(low_yuan)
        params.max_price = None if high_yuan is None else yuan_to_fen(high_yuan)
    else:
        params.min_price = _int(
            args.get("min_price", ""), "min_price", errors, low=0, high=PRICE_MAX_FEN
        )
        params.max_price = _int(
            args.get("max_price", ""), "max_price", errors, low=0, high=PRICE_MAX_FEN
        )
    if (
        params.min_price is not None
        and params.max_price is not None
        and params.min_price > params.max_price
    ):
        errors["max_price"] = str(_l("最高价不能低于最低价。"))
    sort = args.get("sort", "").strip() or "relevance"
    if sort in SORTS:
        params.sort = sort
    else:
        errors["sort"] = str(_l("未知的排序方式。"))
    page = _int(args.get("page", ""), "page", errors, low=1, high=PAGE_MAX)
    params.page = page or 1
    return params, errors
