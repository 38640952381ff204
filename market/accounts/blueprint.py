"""The accounts blueprint and the form helpers its route modules share."""

from __future__ import annotations

from flask import Blueprint
from flask_wtf import FlaskForm

from market.accounts.errors import AccountError

bp = Blueprint("accounts", __name__, url_prefix="/account")


def attach(form: FlaskForm, error: AccountError) -> None:
    field = getattr(form, error.field or "", None)
    if field is not None:
        field.errors = [*field.errors, error.message]
    else:
        form.form_errors.append(error.message)


def status_of(form: FlaskForm) -> int:
    return 400 if form.errors or form.form_errors else 200
