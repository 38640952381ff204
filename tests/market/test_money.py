"""Amounts read the same everywhere: whole yuan with separators, fen only when there are some."""

from __future__ import annotations

from decimal import Decimal

import pytest
from flask import Flask
from flask.testing import FlaskClient

from market.money import fen_to_yuan, format_fen, yuan, yuan_to_fen
from tests.builders import app_session, make_listing, make_user


@pytest.mark.parametrize(
    ("fen", "shown"),
    [
        (0, "0"),
        (1, "0.01"),
        (50, "0.50"),
        (100, "1"),
        (12_345, "123.45"),
        (100_000, "1,000"),
        (128_800, "1,288"),
        (100_000_000, "1,000,000"),
        (123_456_789, "1,234,567.89"),
        (-500, "-5"),
        (-100_050, "-1,000.50"),
    ],
)
def test_an_amount_of_fen_is_shown_as_yuan(fen: int, shown: str) -> None:
    assert format_fen(fen) == shown
    assert yuan(fen) == "¥" + shown


@pytest.mark.parametrize(
    ("typed", "fen"),
    [
        (Decimal("0"), 0),
        (Decimal("0.01"), 1),
        (Decimal("1000"), 100_000),
        (Decimal("12.345"), 1_234),
        (Decimal("19.99"), 1_999),
        (7, 700),
        (None, 0),
    ],
)
def test_typed_yuan_become_exact_fen(typed: Decimal | int | None, fen: int) -> None:
    assert yuan_to_fen(typed) == fen


def test_fen_and_yuan_go_back_and_forth_exactly() -> None:
    for fen in (0, 1, 99, 100, 12_345, 100_000_000):
        assert fen_to_yuan(fen) == Decimal(fen) / 100
        assert yuan_to_fen(fen_to_yuan(fen)) == fen


def test_the_template_filter_is_the_one_format(app: Flask) -> None:
    assert app.jinja_env.filters["yuan"] is format_fen


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_chinese_and_english_pages_show_a_price_alike(
    app: Flask, client: FlaskClient, lang: str
) -> None:
    with app_session(app) as session:
        listing = make_listing(session, make_user(session), price_fen=100_000)
        listing_id = listing.id
    client.set_cookie("lang", lang)
    html = client.get(f"/listings/{listing_id}").get_data(as_text=True)
    assert "1,000" in html and "1000.00" not in html
