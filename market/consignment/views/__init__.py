"""The consignment pages: `counter` (the shop's counter: profile, intake, items, tags) and
`payouts` (consignors, payouts, a consignor's own page), on the blueprint in `blueprint`."""

from __future__ import annotations

from market.consignment.views import counter, payouts
from market.consignment.views.blueprint import bp

__all__ = ["bp", "counter", "payouts"]
