"""Device detection for the GB 46864-2025 wipe gate: a test per word group, and false friends."""

from __future__ import annotations

import pytest

from market.listings import devices
from market.listings.devices import IDENTIFIER, MAY_STORE, STORES, detect, word_groups

# One example per word group, in Chinese and in English where the group has English words.
EXAMPLES = {
    "phone": ["iPhone 11 没清数据", "华为 手机 备用", "Android phone 128G"],
    "tablet": ["iPad Air 4", "华为平板 10寸", "Kindle Paperwhite"],
    "computer": ["MacBook Pro 2019", "联想笔记本 i5", "台式机主机", "Dell laptop"],
    "storage": ["西数 移动硬盘 2T", "闪迪 U盘 64G", "三星 SSD 500G", "TF卡 128G"],
    "wearable": ["小米手环 7", "华为 智能手表", "Apple Watch SE", "儿童电话手表"],
    "console": ["任天堂 Switch 续航版", "PS5 光驱版", "Xbox Series S", "游戏机 掌机"],
    "router": ["TP-Link 路由器", "华为光猫", "Wi-Fi router AX3000"],
    "office": ["惠普 激光打印机", "理光 复印机", "Brother 传真机", "HP printer"],
    "camera": ["佳能 单反 相机", "索尼 微单 A7", "GoPro 10", "行车记录仪"],
    "smart_home": ["小爱音箱 Pro", "萤石 摄像头", "石头 扫地机器人", "Echo Dot 3"],
    "office_other": ["爱普生 投影仪", "佳能 扫描仪", "Epson projector"],
}


def test_every_word_group_has_examples() -> None:
    assert set(EXAMPLES) == {group.key for group in devices.WORD_GROUPS}


@pytest.mark.parametrize(
    ("group", "title"), [(g, t) for g, titles in EXAMPLES.items() for t in titles]
)
def test_each_word_group_names_a_device(group: str, title: str) -> None:
    assert group in {g.key for g in word_groups(title)}


@pytest.mark.parametrize(
    "title",
    [
        "手机壳 适用 iPhone 11",
        "手机支架 桌面懒人支架",
        "phone case for iPhone 13",
        "iPad 保护套 10.2寸",
        "硬盘包 2.5寸",
        "MacBook 电脑包 13寸",
        "Switch 手柄 一对",
        "惠普 打印机 墨盒 4 个",
        "电脑桌 1.2米",
        "手机摄影",
        "拍立得 相纸 2 盒",
        "笔记本 A5 线圈本 5本",
        "平板拖把",
        "墙壁开关 Switch 面板",
    ],
)
def test_accessories_books_and_false_friends_are_not_devices(title: str) -> None:
    assert word_groups(title) == []


def test_a_gift_accessory_does_not_hide_the_device() -> None:
    assert [g.key for g in word_groups("iPhone 11 送手机壳")] == ["phone"]
    assert [g.key for g in word_groups("MacBook Air with case")] == ["computer"]


def test_a_description_of_the_phones_own_shell_is_no_accessory() -> None:
    assert [g.key for g in word_groups("二手 iPhone 11", "外壳有划痕，保护壳已丢")] == ["phone"]


def test_a_book_about_devices_in_the_book_categories_is_a_book() -> None:
    assert detect(category="图书/其他", title="iPad 使用指南", description="ISBN 978...") == []
    assert detect(category="其他", title="iPad 使用指南")  # outside the books: a device word


@pytest.mark.parametrize(
    ("text", "kind"),
    [
        ("IMEI 490154203237518", "imei"),
        ("串号 35-209900-176148-1", "imei"),
        ("490154203237518", "imei"),
        ("序列号：C02XK1ZJJG5H", "serial"),
        ("S/N: 5CG1234ABC", "serial"),
        ("490154203237519", None),  # fails the Luhn check
        ("订单号 4901542032375181", None),  # 16 digits: no IMEI
        ("电话 13912345678", None),
        ("序列号 无", None),
    ],
)
def test_imeis_pass_luhn_and_serials_need_a_label(text: str, kind: str | None) -> None:
    assert devices.identifier_in(devices.normalize(text)) == kind


def test_the_serial_disclosure_counts_as_an_identifier() -> None:
    found = detect(category="其他", title="旧机器", disclosures={"serial": "C02XK1ZJJG5H"})
    assert [(s.source, s.strength) for s in found] == [("identifier", MAY_STORE)]
    imei = detect(category="服装", title="旧衣服", description="IMEI 490154203237518")
    assert [(s.source, s.strength) for s in imei] == [("identifier", IDENTIFIER)]


def test_categories_that_always_store_data_and_those_that_may() -> None:
    phone = detect(category="电子产品/手机", title="小米 13")
    assert ("category", STORES) in [(s.source, s.strength) for s in phone]
    other = detect(category="电子产品/其他数码", title="有线耳机")
    assert [(s.source, s.strength) for s in other] == [("category", MAY_STORE)]
    assert detect(category="办公设备/复印机", title="理光 MP 2014")[0].strength == STORES
    assert detect(category="家具", title="书桌") == []
