"""Identifiers of credit subjects: the unified social credit code of GB 32100-2015."""

from __future__ import annotations

from functools import lru_cache

# The 31 characters GB 32100-2015 uses: digits and capitals without I, O, S, V, Z.
USCC_ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
_VALUE = {ch: i for i, ch in enumerate(USCC_ALPHABET)}
# Weight of position i (0-based) is 3**i mod 31.
USCC_WEIGHTS = tuple(pow(3, i, 31) for i in range(17))


def uscc_check_character(first17: str) -> str:
    """Compute the 18th (check) character for the first 17 characters of a code."""
    if len(first17) != 17 or any(ch not in _VALUE for ch in first17):
        raise ValueError("need 17 characters from the GB 32100 alphabet")
    total = sum(_VALUE[ch] * w for ch, w in zip(first17, USCC_WEIGHTS, strict=True))
    return USCC_ALPHABET[(31 - total % 31) % 31]


def normalize_uscc(value: str) -> str:
    """Upper-case and strip spaces, as people type and print the code."""
    return "".join(value.split()).upper()


@lru_cache(maxsize=65_536)  # every ledger row read checks its subject; most are repeats
def is_valid_uscc(value: str) -> bool:
    """True when `value` is 18 characters of the alphabet and its check character matches."""
    code = normalize_uscc(value)
    if len(code) != 18 or any(ch not in _VALUE for ch in code):
        return False
    return uscc_check_character(code[:17]) == code[17]
