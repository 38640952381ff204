"""Money in one place: amounts are integer fen; people read and type yuan.

Shown as whole yuan with thousands separators, with the fen only when there are some:
100000 -> "1,000", 12345 -> "123.45", -500 -> "-5". The same on Chinese and English pages,
in PDFs and in notification text.
"""

from __future__ import annotations

from decimal import Decimal

FEN_PER_YUAN = 100


def format_fen(fen: int) -> str:
    """An amount of fen as yuan without the sign: 12345 -> '123.45', 100000 -> '1,000'."""
    sign = "-" if fen < 0 else ""
    yuan, cents = divmod(abs(fen), FEN_PER_YUAN)
    return f"{sign}{yuan:,}" + (f".{cents:02d}" if cents else "")


def yuan(fen: int) -> str:
    """An amount of fen with the yuan sign: 100000 -> '¥1,000'."""
    return f"¥{format_fen(fen)}"


def yuan_to_fen(value: Decimal | int | None) -> int:
    """Yuan (a Decimal, as a form gives it) to integer fen, exactly, never through a float."""
    if value is None:
        return 0
    return int((Decimal(value) * FEN_PER_YUAN).to_integral_value())


def fen_to_yuan(fen: int) -> Decimal:
    """Integer fen as a Decimal of yuan, as a form field shows it: 12345 -> Decimal('123.45')."""
    return Decimal(fen) / FEN_PER_YUAN
