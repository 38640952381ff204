"""What a password must not be: short, common, the account's own identifier, or a run.

NIST SP 800-63B §5.1.1.2: at least 8 characters, checked against values known to be
commonly used or compromised, and no composition rules (no "one capital and one digit").
"""

from __future__ import annotations

import re
import unicodedata

from flask_babel import gettext as _

from market.accounts.common_passwords import COMMON_PASSWORDS
from market.accounts.errors import InvalidCredentials

MIN_PASSWORD_LENGTH = 8
MAX_PASSWORD_LENGTH = 128
_KEYBOARD_ROWS = ("1234567890", "qwertyuiop", "asdfghjkl", "zxcvbnm", "abcdefghijklmnopqrstuvwxyz")


def _fold(password: str) -> str:
    return unicodedata.normalize("NFKC", password).casefold()


def _is_run(text: str) -> bool:
    """One character repeated, a short block repeated ("abab…", "123123…"), or an ascending
    or descending walk of the alphabet, the digits or a keyboard row."""
    if len(set(text)) <= 2:
        return True
    for size in (3, 4):
        block = text[:size]
        if len(text) >= 2 * size and (block * len(text))[: len(text)] == text:
            return True
    for row in _KEYBOARD_ROWS:
        for line in (row, row[::-1]):
            if text in line * 3:
                return True
    return False


def _identifier_forms(identifier: str | None) -> set[str]:
    if not identifier:
        return set()
    folded = _fold(identifier)
    forms = {folded, folded.split("@")[0]}
    if folded.isdigit() and len(folded) == 11:
        forms |= {folded[-8:], folded[3:]}  # the number without its operator prefix
    return {form for form in forms if len(form) >= 4}


def check_password(
    password: str, *, identifier: str | None = None, field: str = "password"
) -> None:
    """Raise InvalidCredentials with a sentence saying what to change; return if acceptable."""
    if len(password) < MIN_PASSWORD_LENGTH or len(password) > MAX_PASSWORD_LENGTH:
        raise InvalidCredentials(
            _(
                "密码长度需为 %(low)d 到 %(high)d 个字符。",
                low=MIN_PASSWORD_LENGTH,
                high=MAX_PASSWORD_LENGTH,
            ),
            field=field,
        )
    folded = _fold(password)
    core = re.sub(r"[\W_]+", "", folded)
    if _is_run(folded) or (len(core) >= 6 and _is_run(core)):
        raise InvalidCredentials(
            _("密码太简单：请不要使用连续或重复的字符（如 12345678、aaaaaaaa）。"), field=field
        )
    if any(form in folded or (core and form == core) for form in _identifier_forms(identifier)):
        raise InvalidCredentials(_("密码不能包含您的手机号或邮箱。"), field=field)
    stripped = re.sub(r"[0-9!@#$%^&*.]+$", "", folded)  # "password2026!" is still "password"
    if folded in COMMON_PASSWORDS or core in COMMON_PASSWORDS or stripped in COMMON_PASSWORDS:
        raise InvalidCredentials(
            _("这个密码太常见，容易被猜中，请换一个（可以用几个词组成的短句）。"), field=field
        )
