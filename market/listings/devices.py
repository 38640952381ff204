"""Which listings are of devices that store personal data, and the wipe gate before publishing.

GB 46864-2025 is about the device, not the category a seller picks: a phone listed under
其他 is still a phone. A listing is a device when its category, its words or an identifier
in it (an IMEI, a labelled serial number) say so; it is published only with a passed wipe
certificate, or with a no-personal-data reason that answers every signal found.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from typing import Any

from flask_babel import lazy_gettext as _l
from sqlmodel import Session

from market.listings.catalog import category_label
from market.listings.errors import ListingError
from market.listings.participants import participants_of
from market.privacy import luhn_ok

STORES, MAY_STORE, IDENTIFIER = "stores", "may_store", "identifier"


@dataclass(frozen=True)
class WordGroup:
    """Words naming one kind of device; `strength` says whether a 无存储 reason can answer it."""

    key: str
    label: object
    words: tuple[str, ...]
    strength: str = STORES
    unless: tuple[str, ...] = ()  # words that show another meaning (笔记本 the paper notebook)


# Matched on normalized text (NFKC, lower case); ASCII words only on word boundaries.
WORD_GROUPS: tuple[WordGroup, ...] = (
    WordGroup(
        "phone",
        _l("手机"),
        (
            "手机",
            "iphone",
            "智能机",
            "安卓机",
            "备用机",
            "老人机",
            "smartphone",
            "mobile phone",
            "cell phone",
            "android phone",
        ),
    ),
    WordGroup(
        "tablet",
        _l("平板"),
        ("平板", "ipad", "matepad", "tablet", "学习机", "电纸书", "电子书阅读器", "kindle"),
    ),
    WordGroup(
        "computer",
        _l("电脑"),
        (
            "电脑",
            "笔记本",
            "台式机",
            "一体机",
            "macbook",
            "imac",
            "mac mini",
            "thinkpad",
            "laptop",
            "desktop pc",
            "notebook computer",
            "chromebook",
        ),
        unless=("本子", "手账", "文具", "活页", "内页", "线圈本", "横线", "方格"),
    ),
    WordGroup(
        "storage",
        _l("存储设备"),
        (
            "硬盘",
            "固态",
            "u盘",
            "优盘",
            "闪存盘",
            "内存卡",
            "存储卡",
            "sd卡",
            "tf卡",
            "ssd",
            "hdd",
            "nas",
            "microsd",
            "usb stick",
            "flash drive",
            "hard drive",
            "hard disk",
        ),
    ),
    WordGroup(
        "wearable",
        _l("智能穿戴"),
        (
            "智能手表",
            "儿童手表",
            "电话手表",
            "手环",
            "apple watch",
            "smartwatch",
            "smart watch",
            "galaxy watch",
            "fitbit",
            "智能眼镜",
        ),
    ),
    WordGroup(
        "console",
        _l("游戏机"),
        ("游戏机", "掌机", "任天堂", "switch", "ps5", "ps4", "playstation", "xbox", "steam deck"),
        unless=("开关", "插座", "面板"),
    ),
    WordGroup("router", _l("路由器"), ("路由器", "路由", "router", "光猫", "随身wifi")),
    WordGroup(
        "office",
        _l("打印机/复印机"),
        ("打印机", "复印机", "传真机", "多功能一体机", "printer", "copier", "fax"),
    ),
    WordGroup(
        "camera",
        _l("相机"),
        ("相机", "单反", "微单", "摄像机", "camera", "gopro", "dslr", "运动相机", "行车记录仪"),
        MAY_STORE,
    ),
    WordGroup(
        "smart_home",
        _l("智能家居"),
        (
            "智能音箱",
            "小爱音箱",
            "天猫精灵",
            "智能门锁",
            "摄像头",
            "监控",
            "扫地机器人",
            "智能电视",
            "电视盒子",
            "网络机顶盒",
            "smart speaker",
            "echo dot",
        ),
        MAY_STORE,
    ),
    WordGroup(
        "office_other", _l("扫描仪/投影仪"), ("扫描仪", "投影仪", "scanner", "projector"), MAY_STORE
    ),
)

# Words in a title that make the listing an accessory of a device ("手机壳 适用 iPhone 11").
# Only the title: a description says "外壳有划痕" of the phone itself.
ACCESSORY_WORDS: tuple[str, ...] = (
    "手机壳",
    "保护壳",
    "保护套",
    "手机套",
    "钢化膜",
    "贴膜",
    "手机膜",
    "支架",
    "充电器",
    "充电线",
    "充电头",
    "数据线",
    "适配器",
    "表带",
    "键盘膜",
    "电脑包",
    "内胆包",
    "硬盘包",
    "硬盘盒",
    "相机包",
    "相机带",
    "镜头盖",
    "三脚架",
    "手柄",
    "墨盒",
    "硒鼓",
    "碳粉",
    "色带",
    "phone case",
    "case",
    "cover",
    "screen protector",
    "charger",
    "cable",
    "stand",
    "holder",
    "strap",
    "sleeve",
    "bag",
)
# An accessory word right after one of these is a gift with the device ("iPhone 11 送手机壳").
GIFT_MARKERS = ("送", "赠", "附", "带", "含", "配", "加", "和", "及", "+", "with", "incl", "and")
# Phrases that contain a device word but name no device; removed before matching.
NOT_DEVICES: tuple[str, ...] = (
    "手机摄影",
    "手机号",
    "手机维修",
    "电脑桌",
    "电脑椅",
    "笔记本本子",
    "纸质笔记本",
    "活页笔记本",
    "笔记本子",
    "拍立得",
    "胶片相机",
    "胶卷相机",
    "平板拖把",
    "平板车",
    "平板支撑",
    "蒸烤一体机",
    "洗烘一体机",
    "固态胶",
    "phone number",
)
# In the book categories, a title about devices is a book about them ("iPad 使用指南").
BOOK_CONTEXT = ("书", "isbn", "出版", "教材", "教程", "指南", "手册", "入门", "版")

CATEGORY_STRENGTH: dict[str, str] = {
    "电子产品/手机": STORES,
    "电子产品/电脑": STORES,
    "电子产品/平板": STORES,
    "电子产品/存储设备": STORES,
    "电子产品/智能穿戴": STORES,
    "电子产品/相机": MAY_STORE,  # film and instant cameras store nothing
    "电子产品/其他数码": MAY_STORE,
    "办公设备/打印机": STORES,
    "办公设备/复印机": STORES,
    "办公设备/传真机": STORES,
    "办公设备/扫描仪": MAY_STORE,
    "办公设备/投影仪": MAY_STORE,
    "办公设备/其他办公设备": MAY_STORE,
}

IMEI_RUN = re.compile(r"(?<![\d])\d(?:[ -]?\d){14}(?![\d])")
SERIAL = re.compile(
    r"(?:序列号|串号|(?<![a-z])(?:imei|meid|s/n|sn)|serial(?:\s*(?:number|no\.?))?)\s*[:：#]?\s*"
    r"([a-z0-9][a-z0-9-]{6,24})"
)


@dataclass(frozen=True)
class Signal:
    """One reason to treat the listing as a device: where it was seen and how strong it is."""

    source: str  # "category", "words", "identifier"
    strength: str
    label: object


@dataclass(frozen=True)
class Reason:
    """A seller's answer to "why does this item store no personal data"."""

    key: str
    label: object
    answers: frozenset[tuple[str, str]]  # (source, strength) pairs it may answer
    needs_note: bool = False


_ALL = frozenset(
    (s, t) for s in ("category", "words", "identifier") for t in (STORES, MAY_STORE, IDENTIFIER)
)
REASONS: dict[str, Reason] = {
    # A phone case listed under 手机 is honest; the title must still read as an accessory.
    "accessory": Reason(
        "accessory",
        _l("仅配件/外壳，不含设备本体"),
        frozenset({("category", STORES), ("category", MAY_STORE), ("identifier", MAY_STORE)}),
    ),
    # "No storage" answers only what may or may not store data: a phone always does.
    "no_storage": Reason(
        "no_storage",
        _l("无存储功能（如胶片相机、普通投影仪、有线键盘）"),
        frozenset({("category", MAY_STORE), ("words", MAY_STORE), ("identifier", MAY_STORE)}),
    ),
    "destroyed": Reason(
        "destroyed", _l("已损坏无法开机，且存储已拆除或物理销毁"), _ALL, needs_note=True
    ),
}
NOTE_MAX = 200


def normalize(text: str) -> str:
    return unicodedata.normalize("NFKC", text).lower()


def _has(text: str, word: str) -> bool:
    if word.isascii():
        return re.search(rf"(?<![a-z0-9]){re.escape(word)}(?![a-z])", text) is not None
    return word in text


def identifier_in(text: str) -> str | None:
    """ "imei" for an IMEI (15 digits, Luhn), "serial" for a labelled serial number, or None."""
    for match in IMEI_RUN.finditer(text):
        digits = re.sub(r"\D", "", match.group())
        if luhn_ok(digits) and len(set(digits)) > 1:
            return "imei"
    for match in SERIAL.finditer(text):
        value = match.group(1).replace("-", "")
        if len(value) >= 8 and any(c.isdigit() for c in value) and any(c.isalpha() for c in value):
            return "serial"
    return None


def _is_accessory(text: str) -> bool:
    for word in ACCESSORY_WORDS:
        pattern = re.escape(word)
        if word.isascii():
            pattern = rf"(?<![a-z0-9]){pattern}(?![a-z])"
        for match in re.finditer(pattern, text):
            before = text[max(0, match.start() - 6) : match.start()]
            if not any(marker in before for marker in GIFT_MARKERS):
                return True
    return False


def word_groups(title: str, description: str = "", *, books: bool = False) -> list[WordGroup]:
    """The device word groups a listing names, once accessories and non-devices are set aside."""
    text = normalize(f"{title}\n{description}")
    for phrase in NOT_DEVICES:
        text = text.replace(phrase, " ")
    if _is_accessory(normalize(title)) or (books and any(w in text for w in BOOK_CONTEXT)):
        return []
    return [
        group
        for group in WORD_GROUPS
        if any(_has(text, w) for w in group.words) and not any(w in text for w in group.unless)
    ]


def detect(
    *, category: str, title: str, description: str = "", disclosures: dict[str, Any] | None = None
) -> list[Signal]:
    """Every signal that the listing is of a device storing personal data (none: it is not)."""
    found: list[Signal] = []
    if category in CATEGORY_STRENGTH:
        found.append(Signal("category", CATEGORY_STRENGTH[category], _l("分类")))
    books = category.split("/")[0] == "图书"
    groups = word_groups(title, description, books=books)
    found += [Signal("words", g.strength, g.label) for g in groups]
    serial = str((disclosures or {}).get("serial") or "").strip()
    kind = identifier_in(normalize(f"{title}\n{description}\nsn {serial}"))
    # An IMEI is a phone's or a cellular device's; a serial only says "electronic".
    if kind == "imei":
        found.append(Signal("identifier", IDENTIFIER, _l("IMEI")))
    elif kind == "serial":
        found.append(Signal("identifier", MAY_STORE, _l("序列号")))
    return found


def clean_reason(*, no_data: bool, reason: str, note: str) -> tuple[str, str]:
    """Check a seller's no-personal-data answer; return (reason, note), empty when not claimed."""
    if not no_data:
        return "", ""
    key, text = reason.strip(), " ".join(note.split())
    if not key:
        raise ListingError(_l("请选择物品不存储个人数据的原因。"), field="no_data_reason")
    if key not in REASONS:
        raise ListingError(_l("未知的原因，请从列表中选择。"), field="no_data_reason")
    if len(text) > NOTE_MAX:
        raise ListingError(_l("说明最多%(n)d个字符。", n=NOTE_MAX), field="no_data_note")
    if REASONS[key].needs_note and len(text) < 4:
        raise ListingError(
            _l("请说明存储是如何拆除或销毁的（如：主板已剪断，硬盘已拆下自留）。"),
            field="no_data_note",
        )
    return key, text


class GateRefused(ListingError):
    """A device listing without a passed certificate or an answering reason."""

    status = 409


def refusal(*, session: Session, listing: Any) -> GateRefused | None:
    """Why `listing` may not be on the market now (GB 46864-2025), or None when it may."""
    signals = detect(
        category=listing.category,
        title=listing.title,
        description=listing.description,
        disclosures=listing.disclosures,
    )
    if not signals:
        return None
    if listing.id and participants_of(session).certificate_of(session, listing.id):
        return None
    reason = REASONS.get(listing.no_data_reason or "")
    if reason is None:
        return GateRefused(
            _l(
                "这是存储个人数据的设备（%(what)s）。按 GB 46864-2025，发布前须清除数据："
                "请到寄卖店清除并关联证书；如果物品不存储个人数据，请在“数据清除”中选择原因。",
                what=_labels(signals, listing.category),
            ),
            field="certificate_id",
        )
    left = [s for s in signals if (s.source, s.strength) not in reason.answers]
    if not left:
        return None
    return GateRefused(
        _l(
            "“%(reason)s”不适用：%(why)s请到寄卖店清除数据并关联证书后再发布。",
            reason=reason.label,
            why=_why(left),
        ),
        field="certificate_id",
    )


def _labels(signals: list[Signal], category: str) -> str:
    names = (category_label(category) if s.source == "category" else str(s.label) for s in signals)
    return " / ".join(dict.fromkeys(names))


def _why(left: list[Signal]) -> object:
    if any(s.source == "identifier" for s in left):
        return _l("物品有 IMEI 或序列号，说明是设备本体。")
    if words := [s for s in left if s.source == "words"]:
        return _l("标题或描述写的是设备本身（%(what)s）。", what=_labels(words, ""))
    return _l("这个分类的设备都存储个人数据。")


def check(*, session: Session, listing: Any) -> None:
    """Raise GateRefused unless `listing` may be on the market: every publishing path calls this."""
    if (refused := refusal(session=session, listing=listing)) is not None:
        raise refused
