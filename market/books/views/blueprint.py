"""The book corners' blueprint and what its route modules share."""

from __future__ import annotations

from flask import Blueprint, current_app
from sqlmodel import Session

from market.books import catalogue

bp = Blueprint("books", __name__)


def ensure_catalogue(session: Session) -> None:
    """Load the seed once per process, so a fresh install knows the common textbooks."""
    if not current_app.extensions.get("xunhuan.books.seeded"):
        catalogue.seed(session=session)
        current_app.extensions["xunhuan.books.seeded"] = True
