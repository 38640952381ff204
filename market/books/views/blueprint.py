"""The book corners' blueprint and what its route modules share."""

from __future__ import annotations

from flask import Blueprint, current_app
from flask_login import current_user
from sqlmodel import Session

from market.accounts.models import User
from market.books import catalogue

bp = Blueprint("books", __name__)


def me() -> User:
    user: User = current_user._get_current_object()  # type: ignore[attr-defined]
    return user


def ensure_catalogue(session: Session) -> None:
    """Load the seed once per process, so a fresh install knows the common textbooks."""
    if not current_app.extensions.get("xunhuan.books.seeded"):
        catalogue.seed(session=session)
        current_app.extensions["xunhuan.books.seeded"] = True
