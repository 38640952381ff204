from market.privacy import mask_mobile, mask_name


def test_names_keep_only_the_first_character() -> None:
    assert mask_name("张三") == "张*"
    assert mask_name("欧阳娜娜") == "欧***"
    assert mask_name("张") == "张*"


def test_mobiles_keep_three_and_four_digits() -> None:
    assert mask_mobile("13812345678") == "138****5678"
