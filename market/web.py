"""What every view needs, once: the member asking, the photo store, a refused form with its
400 status, a row or 404 (403 if it is someone else's), and a page of a list that can grow.

Areas' views import this module; it imports no area (the types of the user and of the photo
store are named for the type checker only), so it sits below all of them in the import graph.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Generic, TypeVar

from flask import abort, current_app, render_template, request, url_for
from flask_login import current_user
from flask_wtf import FlaskForm
from sqlalchemy import func
from sqlmodel import Session, select
from sqlmodel.sql.expression import SelectOfScalar

from market.db import get_session

if TYPE_CHECKING:
    from market.accounts.models import User
    from market.images.store import ImageStore

T = TypeVar("T")
PER_PAGE = 20


def me() -> User:
    """The signed-in member (views behind `login_required` only)."""
    user: User = current_user._get_current_object()
    return user


def reader() -> User | None:
    """The signed-in member, or None for a visitor (for pages anyone may see)."""
    return me() if current_user.is_authenticated else None


def image_store() -> ImageStore:
    """The app's photo store."""
    store: ImageStore = current_app.extensions["xunhuan.images"]
    return store


def get_or_404(model: type[T], ident: object, *, owner: User | None = None) -> T:
    """The row of `model` with this key from the request's session: 404 when there is none,
    403 when `owner` is given and the row (its `owner_id`) is someone else's."""
    row = get_session().get(model, ident)
    if row is None:
        abort(404)
    if owner is not None and getattr(row, "owner_id", None) != owner.id:
        abort(403)
    return row


# -- forms ---------------------------------------------------------------------------------


def attach(
    form: FlaskForm,
    error: Exception,
    *,
    default: str | None = None,
    aliases: Mapping[str, str] | None = None,
    also: Sequence[FlaskForm] = (),
) -> None:
    """Put a domain error's message on the field it names (`error.field`, else `default`),
    looked up in `form` and then in `also`; `aliases` map the service's field names to the
    form's. An error naming no field of these forms goes above the form."""
    name = getattr(error, "field", None) or default or ""
    name = (aliases or {}).get(name, name)
    message = str(getattr(error, "message", error))
    for candidate in (form, *also):
        if name and name in candidate:
            field = candidate[name]
            field.errors = [*field.errors, message]
            return
    form.form_errors.append(message)


def abandon() -> None:
    """A service refused: undo its unfinished work in the request's session, so the view
    can answer (or try another way) from what is committed."""
    get_session().rollback()


def refused(form: FlaskForm, error: Exception, **where: Any) -> None:
    """A service refused what the form asked: undo its unfinished work (`abandon`) and tell
    the person on the form (`where` as for `attach`)."""
    abandon()
    attach(form, error, **where)


def invalid(*forms: FlaskForm) -> bool:
    """Has any of the forms a message for the person?"""
    return any(f.errors or f.form_errors for f in forms)


def render_form(
    template: str, form: FlaskForm, *, also: Sequence[FlaskForm] = (), failed: bool = False,
    **context: Any,
) -> tuple[str, int]:  # fmt: skip
    """Render the page of a form: 400 when it (or a form in `also`) holds an error, or the
    view says the submission `failed`; 200 otherwise."""
    status = 400 if failed or invalid(form, *also) else 200
    return render_template(template, form=form, **context), status


# -- pages of a list -----------------------------------------------------------------------


@dataclass(frozen=True)
class Page(Generic[T]):
    """One page of a list, and where the others are (`page` counts from 1)."""

    items: list[T]
    page: int
    per_page: int
    total: int
    endpoint: str
    args: Mapping[str, Any]

    @property
    def pages(self) -> int:
        return max(1, math.ceil(self.total / self.per_page))

    @property
    def has_prev(self) -> bool:
        return self.page > 1

    @property
    def has_next(self) -> bool:
        return self.page < self.pages

    def url(self, page: int) -> str:
        return url_for(self.endpoint, **{**self.args, "page": page})


def requested_page() -> int:
    """The `page` the address asks for; anything but a positive number means the first."""
    raw = request.args.get("page", "1")
    return int(raw) if raw.isascii() and raw.isdecimal() and 0 < int(raw) < 1_000_000 else 1


def paginate(
    rows: SelectOfScalar[T] | Sequence[T], *, per_page: int = PER_PAGE,
    session: Session | None = None, endpoint: str | None = None,
) -> Page[T]:  # fmt: skip
    """The page of `rows` the request asks for (`?page=N`; a page past the end shows the last).

    A statement is counted and cut on the database; a list (one built in Python, such as the
    findings read from the ledger) is cut here. The links keep the request's other arguments.
    """
    if isinstance(rows, Sequence):
        total = len(rows)
    else:
        session = session or get_session()
        count = select(func.count()).select_from(rows.order_by(None).subquery())
        total = session.exec(count).one()
    pages = max(1, math.ceil(total / per_page))
    page = min(requested_page(), pages)
    start = (page - 1) * per_page
    if isinstance(rows, Sequence):
        items = list(rows[start : start + per_page])
    else:
        items = list((session or get_session()).exec(rows.limit(per_page).offset(start)))
    args = {k: v for k, v in request.args.items() if k != "page"}
    if endpoint is None:
        endpoint, args = request.endpoint or "", {**(request.view_args or {}), **args}
    return Page(
        items=items, page=page, per_page=per_page, total=total, endpoint=endpoint, args=args
    )
