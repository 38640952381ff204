"""Masking personal data on every page that is not the person's own (张*, 138****5678)."""

from __future__ import annotations


def mask_name(name: str | None) -> str:
    """Keep the first character: 张三 -> 张*, 欧阳娜娜 -> 欧***, Alice -> A****."""
    if not name:
        return ""
    return name[0] + "*" * max(1, len(name) - 1)


def mask_mobile(mobile: str | None) -> str:
    """Keep the first three and last four digits: 13812345678 -> 138****5678."""
    if not mobile:
        return ""
    if len(mobile) < 8:
        return "*" * len(mobile)
    return mobile[:3] + "*" * (len(mobile) - 7) + mobile[-4:]
