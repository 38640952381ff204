"""ISBN-10 and ISBN-13: normalize, check by their check digits, convert between them.

ISBN-10's check digit makes sum(i * d_i, i = 10..1) divisible by 11 (X stands for 10), so it
catches every single-digit error and every swap of two adjacent digits. ISBN-13 (an EAN-13)
weighs the digits 1, 3, 1, 3, ... modulo 10: it catches every single-digit error, but not every
adjacent swap. Only 978-prefixed ISBN-13s have an ISBN-10; 979 ones never had one.
"""

from __future__ import annotations

from flask_babel import lazy_gettext as _l


class IsbnError(ValueError):
    """Not an ISBN: the message says why, in words a student understands."""

    def __init__(self, message: object) -> None:
        super().__init__(str(message))
        self.message = message


def normalize(raw: str) -> str:
    """Drop spaces and hyphens (ASCII and full-width), an 'ISBN' prefix; upper-case the X."""
    text = raw.strip().upper()
    for prefix in ("ISBN-13", "ISBN-10", "ISBN"):
        if text.startswith(prefix):
            text = text[len(prefix) :].lstrip(":： ")
            break
    drop = " -‐‑‒–—－\u3000"
    return "".join(c for c in text if c not in drop).replace("ｘ", "X")


def isbn10_check_digit(first9: str) -> str:
    total = sum((10 - i) * int(d) for i, d in enumerate(first9))
    check = (11 - total % 11) % 11
    return "X" if check == 10 else str(check)


def isbn13_check_digit(first12: str) -> str:
    total = sum(int(d) * (1 if i % 2 == 0 else 3) for i, d in enumerate(first12))
    return str((10 - total % 10) % 10)


def is_valid_isbn10(code: str) -> bool:
    return (
        len(code) == 10
        and code[:9].isdecimal()
        and code[:9].isascii()
        and (code[9].isdecimal() and code[9].isascii() or code[9] == "X")
        and isbn10_check_digit(code[:9]) == code[9]
    )


def is_valid_isbn13(code: str) -> bool:
    return (
        len(code) == 13
        and code.isdecimal()
        and code.isascii()
        and code[:3] in ("978", "979")
        and isbn13_check_digit(code[:12]) == code[12]
    )


def to_isbn13(isbn10: str) -> str:
    body = "978" + isbn10[:9]
    return body + isbn13_check_digit(body)


def to_isbn10(isbn13: str) -> str:
    """The ISBN-10 of a 978-prefixed ISBN-13; 979 ones have none."""
    if not isbn13.startswith("978"):
        raise IsbnError(_l("以 979 开头的 ISBN-13 没有对应的 ISBN-10。"))
    body = isbn13[3:12]
    return body + isbn10_check_digit(body)


def parse(raw: str) -> str:
    """The ISBN-13 of what a person typed or scanned, or IsbnError saying what is wrong."""
    code = normalize(raw)
    if not code:
        raise IsbnError(_l("请输入书的 ISBN（封底条形码下方的 10 位或 13 位数字）。"))
    if len(code) == 10:
        if not (code[:9].isdecimal() and code[:9].isascii()) or not (
            code[9] == "X" or (code[9].isdecimal() and code[9].isascii())
        ):
            raise IsbnError(_l("ISBN-10 只能包含数字，最后一位可以是 X。"))
        if not is_valid_isbn10(code):
            raise IsbnError(_l("ISBN 校验位不对，请核对是否输错了某一位。"))
        return to_isbn13(code)
    if len(code) == 13:
        if not (code.isdecimal() and code.isascii()):
            raise IsbnError(_l("ISBN-13 只能包含数字。"))
        if code[:3] not in ("978", "979"):
            raise IsbnError(_l("ISBN-13 以 978 或 979 开头，这不是书的条形码。"))
        if not is_valid_isbn13(code):
            raise IsbnError(_l("ISBN 校验位不对，请核对是否输错了某一位。"))
        return code
    raise IsbnError(_l("ISBN 是 10 位或 13 位，您输入了 %(n)d 位。", n=len(code)))
