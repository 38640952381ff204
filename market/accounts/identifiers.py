"""Mobile numbers and e-mail addresses as login identifiers."""

from __future__ import annotations

import re
import unicodedata

from email_validator import EmailNotValidError, validate_email

# Mainland mobile numbers: 11 ASCII digits, starting 13–19 (`\d` would also match "٣").
MOBILE_RE = re.compile(r"1[3-9][0-9]{9}")

# What a Chinese input method types in full width: digits, plus, hyphen, ideographic space.
_FULL_WIDTH = {0xFF10 + i: ord("0") + i for i in range(10)} | {
    0xFF0B: ord("+"),
    0xFF0D: ord("-"),
    0x3000: ord(" "),
}


def to_ascii_digits(value: str) -> str:
    """Turn full-width digits (and +, -, space) into ASCII; other characters stay as they are."""
    return value.translate(_FULL_WIDTH)


def has_foreign_digits(value: str) -> bool:
    """True when `value` holds a decimal digit that is not 0-9 once full width is folded,
    such as Arabic-Indic "١٣٨": these are refused rather than guessed at."""
    return any(
        unicodedata.category(ch) == "Nd" and not ("0" <= ch <= "9") for ch in to_ascii_digits(value)
    )


def normalize_mobile(value: str) -> str | None:
    """Return the 11-digit number, allowing full-width digits, spaces, dashes and a +86 prefix;
    None if invalid."""
    digits = re.sub(r"[\s-]", "", to_ascii_digits(value))
    digits = digits.removeprefix("+86").removeprefix("0086")
    return digits if MOBILE_RE.fullmatch(digits) else None


def normalize_email(value: str) -> str | None:
    try:
        return validate_email(value.strip(), check_deliverability=False).normalized.lower()
    except EmailNotValidError:
        return None


def parse_identifier(value: str) -> tuple[str, str] | None:
    """Classify a login identifier: ('mobile', '13812345678') or ('email', 'a@b.cn')."""
    value = to_ascii_digits(value).strip()
    if "@" in value:
        email = normalize_email(value)
        return ("email", email) if email else None
    mobile = normalize_mobile(value)
    return ("mobile", mobile) if mobile else None
