"""Deterministic demo data, so `make run` shows a living marketplace.

`seed` fills an empty database from `data` (accounts, organizations, items), with pictures
from `pictures`, certificates from `certificates` and the shop, market day and book corner
from `places`.
"""

from __future__ import annotations

from market.demo.seed import seed_demo

__all__ = ["seed_demo"]
