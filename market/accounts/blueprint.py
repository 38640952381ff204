"""The accounts blueprint; its routes are in `views.py` and `settings_views.py`."""

from __future__ import annotations

from flask import Blueprint

bp = Blueprint("accounts", __name__, url_prefix="/account")
