"""ISBN checks: unit cases, the seeded catalogue, and properties over all ISBNs."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from market.books import catalogue
from market.books.isbn import (
    IsbnError,
    is_valid_isbn10,
    is_valid_isbn13,
    isbn10_check_digit,
    isbn13_check_digit,
    normalize,
    parse,
    to_isbn10,
    to_isbn13,
)

digits = st.text(alphabet="0123456789", min_size=9, max_size=9)


@st.composite
def isbn10s(draw: st.DrawFn) -> str:
    body = draw(digits)
    return body + isbn10_check_digit(body)


@st.composite
def isbn13s(draw: st.DrawFn) -> str:
    body = draw(st.sampled_from(["978", "979"])) + draw(digits)
    return body + isbn13_check_digit(body)


def test_a_real_textbook_isbn_typed_with_hyphens_is_accepted() -> None:
    assert parse("978-7-107-38250-5") == "9787107382505"
    assert parse(" ISBN 978 7 107 38250 5 ") == "9787107382505"


def test_isbn10_with_a_lower_case_x_is_normalized_and_converted() -> None:
    assert normalize("0-8044-2957-x") == "080442957X"
    assert parse("0-8044-2957-x") == "9780804429573"
    assert to_isbn10("9780804429573") == "080442957X"


@pytest.mark.parametrize(
    ("raw", "words"),
    [
        ("", "请输入"),
        ("978710738250", "12 位"),
        ("9787107382506", "校验位不对"),
        ("1234567890123", "978 或 979"),
        ("97871073825O5", "只能包含数字"),
        ("7107382507", "校验位不对"),
        ("71073825A1", "ISBN-10 只能包含数字"),
    ],
)
def test_a_wrong_isbn_is_refused_with_a_chinese_reason(raw: str, words: str) -> None:
    with pytest.raises(IsbnError) as caught:
        parse(raw)
    assert words in str(caught.value)


def test_a_979_isbn_has_no_isbn10() -> None:
    with pytest.raises(IsbnError, match="979"):
        to_isbn10("9791032305690")


def test_every_seeded_isbn_is_valid_and_unique() -> None:
    rows = catalogue.seed_rows()
    assert len(rows) >= 5
    assert all(is_valid_isbn13(r["isbn13"]) for r in rows)
    assert len({r["isbn13"] for r in rows}) == len(rows)


@given(isbn10s())
def test_isbn10_round_trips_through_isbn13(code: str) -> None:
    thirteen = to_isbn13(code)
    assert is_valid_isbn13(thirteen) and to_isbn10(thirteen) == code
    assert parse(code) == thirteen


@given(isbn13s())
def test_978_isbn13_round_trips_through_isbn10(code: str) -> None:
    assert parse(code) == code
    if code.startswith("978"):
        assert to_isbn13(to_isbn10(code)) == code


@given(isbn10s(), st.integers(0, 9), st.integers(1, 9))
def test_any_single_digit_change_in_isbn10_is_detected(code: str, pos: int, shift: int) -> None:
    chars = "0123456789X" if pos == 9 else "0123456789"
    old = chars.index(code[pos])
    changed = code[:pos] + chars[(old + shift) % len(chars)] + code[pos + 1 :]
    assert changed != code and not is_valid_isbn10(changed)


@given(isbn13s(), st.integers(0, 12), st.integers(1, 9))
def test_any_single_digit_change_in_isbn13_is_detected(code: str, pos: int, shift: int) -> None:
    changed = code[:pos] + str((int(code[pos]) + shift) % 10) + code[pos + 1 :]
    assert not is_valid_isbn13(changed)


@given(isbn10s(), st.integers(0, 8))
def test_any_adjacent_transposition_in_isbn10_is_detected(code: str, pos: int) -> None:
    swapped = code[:pos] + code[pos + 1] + code[pos] + code[pos + 2 :]
    if swapped != code:
        assert not is_valid_isbn10(swapped)
