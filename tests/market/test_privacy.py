import pytest

from market.privacy import (
    find_identifiers,
    id_check_char,
    luhn_ok,
    mask_mobile,
    mask_name,
    mask_serial,
    mask_text,
    may_see_raw,
)


def test_names_keep_only_the_first_character() -> None:
    assert mask_name("张三") == "张*"
    assert mask_name("欧阳娜娜") == "欧***"
    assert mask_name("张") == "张*"


def test_mobiles_keep_three_and_four_digits() -> None:
    assert mask_mobile("13812345678") == "138****5678"


# --- the free-text scanner ---------------------------------------------------------------

ID17 = "12010419900307123"
ID_NUMBER = ID17 + id_check_char(ID17)
CARD = next(f"622202123456789{d}" for d in "0123456789" if luhn_ok(f"622202123456789{d}"))
IMEI = "490154203237518"  # the IMEI of the GSMA's example, its Luhn digit 8


def test_the_id_check_digit_follows_iso_7064_mod_11_2() -> None:
    assert id_check_char("11010519491231002") == "X"  # the standard's own example
    assert id_check_char("44052418800101001") == "4"
    assert luhn_ok(IMEI) and not luhn_ok("490154203237519")


@pytest.mark.parametrize(
    ("text", "masked", "kind"),
    [
        ("电话13987654321", "电话139****4321", "mobile"),
        ("电话 139 8765 4321 谢谢", "电话 139****4321 谢谢", "mobile"),
        ("139-8765-4321", "139****4321", "mobile"),
        ("手机：１３９８７６５４３２１", "手机：139****4321", "mobile"),
        ("+86 139 8765 4321", "+86 139****4321", "mobile"),
        ("＋８６－１３９８７６５４３２１", "+86 139****4321", "mobile"),
        ("0086 13987654321", "+86 139****4321", "mobile"),
        (f"身份证{ID_NUMBER}", f"身份证1201**********{ID_NUMBER[-4:]}", "id_card"),
        ("身份证 11010519491231002x", "身份证 1101**********002X", "id_card"),
        ("老身份证 120104900307123", "老身份证 1201*******7123", "id_card"),
        (f"卡号{CARD}", f"卡号****{CARD[-4:]}", "bank_card"),
        (" ".join([CARD[:4], CARD[4:8], CARD[8:12], CARD[12:]]), f"****{CARD[-4:]}", "bank_card"),
        ("邮箱zhang.san@example.com。", "邮箱z***@example.com。", "email"),
        ("ｚｈａｎｇ＠ｅｘａｍｐｌｅ．ｃｏｍ", "z***@example.com", "email"),
        (f"IMEI {IMEI}", "IMEI 49*********7518", "imei"),
    ],
)
def test_identifiers_are_found_in_every_way_they_are_written(
    text: str, masked: str, kind: str
) -> None:
    assert mask_text(text) == masked
    assert [f.kind for f in find_identifiers(text)] == [kind]


@pytest.mark.parametrize(
    "text",
    [
        "¥1288，九成新",
        "￥13987654321",  # a price field gone wrong is still a price
        "2024年买的，2024-05-01 发票",
        "床垫 180x200 cm，1.8米",
        "寄卖编号 K-000123",
        "ISBN 9787115428028",
        "ISBN 978-7-115-42802-8",
        "1288.00 元，电话在站内聊",
        "座机 022-2350 1234",
    ],
)
def test_prices_years_sizes_codes_and_isbns_are_left_alone(text: str) -> None:
    assert mask_text(text) == text
    assert find_identifiers(text) == []


def test_an_eighteen_digit_number_with_a_wrong_check_digit_is_no_id_but_still_masked() -> None:
    wrong = ID17 + ("0" if ID_NUMBER[-1] != "0" else "1")
    assert [f.kind for f in find_identifiers(wrong)] == ["long_number"]
    assert mask_text(wrong) == "****" + wrong[-4:]


def test_masked_text_is_not_masked_again_and_several_are_found() -> None:
    text = f"电话13987654321，邮箱a@b.cn，IMEI {IMEI}"
    once = mask_text(text)
    assert once == "电话139****4321，邮箱a***@b.cn，IMEI 49*********7518"
    assert mask_text(once) == once


def test_serials_keep_two_and_four_characters() -> None:
    assert mask_serial("S3Z1NB0K123456X") == "S3*********456X"
    assert mask_serial("ABC12") == "****"
    assert mask_serial("") == ""


class _Viewer:
    def __init__(self, user_id: int | None, role: str = "resident") -> None:
        self.id, self.role, self.is_authenticated = user_id, role, user_id is not None


def test_only_the_owner_and_regulators_may_see_raw_values() -> None:
    assert may_see_raw(_Viewer(7), 7)
    assert may_see_raw(_Viewer(8, "regulator"), 7)
    assert not may_see_raw(_Viewer(8), 7)
    assert not may_see_raw(_Viewer(8, "admin"), 7)
    assert not may_see_raw(_Viewer(None), 7)
    assert not may_see_raw(None, None)
