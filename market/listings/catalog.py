"""The category tree, trade modes and condition grades of DOMAIN.md."""

from __future__ import annotations

from enum import StrEnum

from flask_babel import lazy_gettext as _l

# Two levels; a listing's category is "top" or "top/sub". Keys are what is stored.
CATEGORY_TREE: dict[str, tuple[object, dict[str, object]]] = {
    "电子产品": (
        _l("电子产品"),
        {
            "手机": _l("手机"),
            "电脑": _l("电脑"),
            "平板": _l("平板"),
            "相机": _l("相机"),
            "存储设备": _l("存储设备"),
            "智能穿戴": _l("智能穿戴"),
            "其他数码": _l("其他数码"),
        },
    ),
    # GB 46864-2025 covers office equipment: copiers and printers keep documents and address books.
    "办公设备": (
        _l("办公设备"),
        {
            "打印机": _l("打印机"),
            "复印机": _l("复印机"),
            "扫描仪": _l("扫描仪"),
            "传真机": _l("传真机"),
            "投影仪": _l("投影仪"),
            "其他办公设备": _l("其他办公设备"),
        },
    ),
    "图书": (
        _l("图书"),
        {"教材教辅": _l("教材教辅"), "课外读物": _l("课外读物"), "其他": _l("其他")},
    ),
    "服装": (_l("服装"), {}),
    "家具": (_l("家具"), {}),
    "家电": (_l("家电"), {}),
    "母婴": (_l("母婴"), {}),
    "运动/自行车": (_l("运动/自行车"), {}),
    "其他": (_l("其他"), {}),
}


def category_keys() -> list[str]:
    """Every category a listing may carry: leaves, and tops without children."""
    keys: list[str] = []
    for top, (_label, subs) in CATEGORY_TREE.items():
        keys.extend(f"{top}/{sub}" for sub in subs) if subs else keys.append(top)
    return keys


def category_label(key: str) -> str:
    top, _, sub = key.partition("/")
    top_label, subs = CATEGORY_TREE.get(top, (top, {}))
    return f"{top_label} · {subs.get(sub, sub)}" if sub else str(top_label)


class Mode(StrEnum):
    SELL = "sell"
    SWAP = "swap"
    GIVE = "give"
    RENT = "rent"

    @property
    def label(self) -> str:
        return str(MODE_LABELS[self])


MODE_LABELS = {
    Mode.SELL: _l("出售"),
    Mode.SWAP: _l("交换"),
    Mode.GIVE: _l("赠送"),
    Mode.RENT: _l("租赁"),
}


class Grade(StrEnum):
    N = "N"
    A_PLUS = "A+"
    A = "A"
    B = "B"
    C = "C"
    D = "D"
    F = "F"

    @property
    def label(self) -> str:
        return str(GRADE_LABELS[self])


GRADE_LABELS = {
    Grade.N: _l("全新"),
    Grade.A_PLUS: _l("99新"),
    Grade.A: _l("95新"),
    Grade.B: _l("9成新"),
    Grade.C: _l("8成新"),
    Grade.D: _l("7成新及以下"),
    Grade.F: _l("故障/仅配件"),
}


class Status(StrEnum):
    DRAFT = "draft"
    ACTIVE = "active"
    RESERVED = "reserved"
    COMPLETED = "completed"
    WITHDRAWN = "withdrawn"
    EXPIRED = "expired"
