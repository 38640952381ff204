from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from credit.identifiers import USCC_ALPHABET, is_valid_uscc, normalize_uscc, uscc_check_character

# Codes published by the companies themselves (business licences), and the GB 32100 example.
REAL_CODES = ["91350100M000100Y43", "91110000600037341L", "91440300708461136T"]


def test_published_codes_pass_the_gb_32100_check() -> None:
    for code in REAL_CODES:
        assert is_valid_uscc(code)


def test_a_wrong_check_character_fails() -> None:
    assert not is_valid_uscc("91350100M000100Y44")
    assert not is_valid_uscc("91110000600037341K")


def test_letters_outside_the_alphabet_and_wrong_lengths_fail() -> None:
    assert not is_valid_uscc("91350100M000100YI3")  # I is not used
    assert not is_valid_uscc("91350100M000100Y4")
    assert not is_valid_uscc("91350100M000100Y433")
    assert not is_valid_uscc("")


def test_typed_codes_are_normalized() -> None:
    assert normalize_uscc(" 9135 0100m000100y43 ") == "91350100M000100Y43"
    assert is_valid_uscc("91350100m000100y43")


@given(st.text(alphabet=USCC_ALPHABET, min_size=17, max_size=17))
def test_every_code_with_its_computed_check_character_is_valid(first17: str) -> None:
    code = first17 + uscc_check_character(first17)
    assert is_valid_uscc(code)


@given(
    st.text(alphabet=USCC_ALPHABET, min_size=17, max_size=17),
    st.integers(min_value=0, max_value=16),
    st.sampled_from(USCC_ALPHABET),
)
def test_any_single_substitution_is_detected(first17: str, position: int, replacement: str) -> None:
    code = first17 + uscc_check_character(first17)
    changed = code[:position] + replacement + code[position + 1 :]
    assert is_valid_uscc(changed) == (changed == code)
