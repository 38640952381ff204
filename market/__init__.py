"""Xunhuan (循环): the marketplace web layer. `create_app` (in `market.app`) builds it."""

from market.app import create_app
from market.config import ROOT

__all__ = ["ROOT", "create_app"]
