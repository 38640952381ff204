"""Mobile numbers and e-mail addresses as login identifiers."""

from __future__ import annotations

import re

from email_validator import EmailNotValidError, validate_email

# Mainland mobile numbers: 11 digits, starting 13–19.
MOBILE_RE = re.compile(r"1[3-9]\d{9}")


def normalize_mobile(value: str) -> str | None:
    """Return the 11-digit number, allowing spaces, dashes and a +86 prefix; None if invalid."""
    digits = re.sub(r"[\s-]", "", value)
    digits = digits.removeprefix("+86").removeprefix("0086")
    return digits if MOBILE_RE.fullmatch(digits) else None


def normalize_email(value: str) -> str | None:
    try:
        return validate_email(value.strip(), check_deliverability=False).normalized.lower()
    except EmailNotValidError:
        return None


def parse_identifier(value: str) -> tuple[str, str] | None:
    """Classify a login identifier: ('mobile', '13812345678') or ('email', 'a@b.cn')."""
    value = value.strip()
    if "@" in value:
        email = normalize_email(value)
        return ("email", email) if email else None
    mobile = normalize_mobile(value)
    return ("mobile", mobile) if mobile else None
