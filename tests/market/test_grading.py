"""Grades follow the checklist and the disclosures; contradictions and an activation lock refuse."""

from __future__ import annotations

import io
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlmodel import select

from market.listings.assessment import RULES, assess, publish_blocker
from market.listings.catalog import Grade
from market.listings.errors import ListingError
from market.listings.grading import NEW, WORKS, Checklist, Disclosure, GradingError, checklist_for
from market.listings.models import Listing
from market.listings.services import ListingInput, create_listing, validate
from tests.builders import app_session, make_user, picture
from tests.support.auth import LoginAs, csrf_token

PHONE = "电子产品/手机"
CLEAN: dict[str, tuple[dict[str, str], dict[str, Any]]] = {  # A+ answers and facts per family
    PHONE: (
        {
            "new": "used",
            "body": "none",
            "screen": "perfect",
            "battery": "90",
            "repaired": "no",
            "works": "yes",
            "damage": "no",
        },
        {
            "serial": "35-209900-176148-1",
            "activation_lock_off": "yes",
            "battery_percent": 95,
            "repairs": "无",
        },
    ),
    "图书/课外读物": (
        {"new": "used", "condition": "as_new", "writing": "no"},
        {"highlighting": "无", "ex_library": "no", "missing_media": "no"},
    ),
    "服装": ({"new": "used", "flaws": "none"}, {"cleaned": "yes", "fibre": "棉 100%", "size": "L"}),
    "家具": (
        {"new": "used", "surface": "none", "pests": "no"},
        {"dimensions": "120×60×75 cm", "material": "实木", "odour": "no"},
    ),
    "家电": (
        {"new": "used", "condition": "like_new", "works": "yes"},
        {"safety_checked": "yes", "cleaned": "yes", "age_years": 3},
    ),
}
TESTERS_PHONE = (
    CLEAN[PHONE][0],
    {
        **CLEAN[PHONE][1],
        "battery_percent": 45,
        "repairs": "更换过屏幕",
        "activation_lock_off": "no",
    },
)


def _assess(
    category: str, answers: dict[str, str] | None = None, facts: dict[str, Any] | None = None
):  # type: ignore[no-untyped-def]
    base_answers, base_facts = CLEAN[category]
    return assess(
        checklist_for(category),
        {**base_answers, **(answers or {})},
        {**base_facts, **(facts or {})},
    )


def test_clean_answers_and_facts_grade_a_plus_in_every_family() -> None:
    for category in CLEAN:
        result = _assess(category)
        assert (result.grade, result.conflicts, result.blocked) == (Grade.A_PLUS, (), "")


# (row of RULES: family, key, test, value) -> answers, facts, grade, the reason named
CAP_ROWS = [
    (
        ("*", "battery_percent", "below", 80),
        PHONE,
        {"battery": "low"},
        {"battery_percent": 79},
        Grade.D,
        "电池健康度 79%",
    ),
    (
        ("*", "battery_percent", "below", 85),
        PHONE,
        {"battery": "80"},
        {"battery_percent": 82},
        Grade.C,
        "电池健康度 82%",
    ),
    (
        ("*", "battery_percent", "below", 90),
        PHONE,
        {"battery": "85"},
        {"battery_percent": 89},
        Grade.B,
        "电池健康度 89%",
    ),
    (
        ("*", "battery_percent", "at_least", 90),
        PHONE,
        {},
        {"battery_percent": 90},
        Grade.A_PLUS,
        "是否全新未使用：已使用",
    ),
    (
        ("*", "repairs", "described", None),
        PHONE,
        {"repaired": "yes"},
        {"repairs": "换过电池"},
        Grade.D,
        "维修说明：换过电池",
    ),
    (
        ("*", "activation_lock_off", "is", "no"),
        PHONE,
        {},
        {"activation_lock_off": "no"},
        Grade.F,
        "激活锁未关闭",
    ),
    (
        ("books", "highlighting", "described", None),
        "图书/课外读物",
        {"writing": "yes"},
        {"highlighting": "前两章有铅笔划线"},
        Grade.C,
        "笔记划线：前两章有铅笔划线",
    ),
    (
        ("books", "ex_library", "is", "yes"),
        "图书/课外读物",
        {},
        {"ex_library": "yes"},
        Grade.C,
        "馆藏旧书",
    ),
    (
        ("books", "missing_media", "is", "yes"),
        "图书/课外读物",
        {},
        {"missing_media": "yes"},
        Grade.D,
        "缺光盘或激活码",
    ),
    (("clothing", "cleaned", "is", "no"), "服装", {}, {"cleaned": "no"}, Grade.C, "未清洗消毒"),
    (("furniture", "odour", "is", "yes"), "家具", {}, {"odour": "yes"}, Grade.C, "有异味"),
    (
        ("appliances", "safety_checked", "is", "no"),
        "家电",
        {},
        {"safety_checked": "no"},
        Grade.C,
        "未做安全检查",
    ),
    (("appliances", "cleaned", "is", "no"), "家电", {}, {"cleaned": "no"}, Grade.B, "未清洁"),
    (
        ("appliances", "age_years", "above", 8),
        "家电",
        {"condition": "past_life"},
        {"age_years": 9},
        Grade.F,
        "已用 9 年，超过安全使用年限",
    ),
]


@pytest.mark.parametrize(
    ("row", "category", "answers", "facts", "grade", "reason"),
    CAP_ROWS,
    ids=[f"{r[0][0]}-{r[0][1]}-{r[0][2]}" for r in CAP_ROWS],
)
def test_each_row_of_the_disclosure_table_caps_the_grade_and_is_named(
    row: tuple[str, str, str, Any],
    category: str,
    answers: dict[str, str],
    facts: dict[str, Any],
    grade: Grade,
    reason: str,
) -> None:
    result = _assess(category, answers, facts)
    assert result.grade is grade
    assert reason in [r.text for r in result.reasons]
    assert not result.conflicts


def test_every_row_of_the_disclosure_table_has_a_test() -> None:
    table = {(family, r.key, r.test, r.value) for family, rows in RULES.items() for r in rows}
    assert table == {row for row, *_ in CAP_ROWS}


def test_a_fact_at_the_edge_of_its_band_does_not_cap() -> None:
    assert _assess("家电", facts={"age_years": 8}).grade is Grade.A_PLUS
    assert _assess(PHONE, facts={"repairs": "无。"}).grade is Grade.A_PLUS
    assert _assess(PHONE, facts={"repairs": "None"}).grade is Grade.A_PLUS


def test_the_testers_phone_is_not_published_with_the_lock_on(app: Flask) -> None:
    answers, facts = TESTERS_PHONE
    assert publish_blocker(checklist_for(PHONE), facts) is not None
    with app.app_context(), app_session(app) as session:
        owner = make_user(session)
        data = ListingInput(
            title="iPhone 12",
            category="电子产品/其他数码",
            mode="sell",
            street="学府",
            price_fen=90000,
            condition=answers,
            disclosures=facts,
        )
        with pytest.raises(ListingError) as refused:
            create_listing(
                session=session,
                owner=owner,
                data=data,
                photos=[],
                store=None,  # type: ignore[arg-type]
                publish=True,
            )
    assert refused.value.field == "d_activation_lock_off"
    assert "设置 › Apple ID › 查找 › 关闭查找我的 iPhone" in str(refused.value.message)


def test_the_testers_phone_with_the_lock_off_grades_d_and_names_both_reasons(app: Flask) -> None:
    answers, facts = TESTERS_PHONE
    result = assess(checklist_for(PHONE), answers, {**facts, "activation_lock_off": "yes"})
    assert result.grade is Grade.D
    assert result.summary == "成色 D：电池健康度 45%；维修说明：更换过屏幕"
    # The seller answered 90 % and "not repaired": the facts win, and the page says so.
    notes = {r.field: r.note for r in result.reasons}
    assert notes["d_battery_percent"] == "与“电池健康度：90% 及以上”不符，按较低者计"
    assert notes["d_repairs"] == "与“维修史：未维修”不符，按较低者计"
    with app.app_context(), app_session(app) as session:
        data = ListingInput(
            title="iPhone 12",
            category=PHONE,
            mode="sell",
            street="学府",
            price_fen=90000,
            condition=answers,
            disclosures={**facts, "activation_lock_off": "yes"},
        )
        assert validate(session=session, data=data)[1] == "D"


def test_a_battery_answer_below_the_disclosed_percent_keeps_the_lower_grade_and_says_so() -> None:
    result = _assess(PHONE, {"battery": "low"}, {"battery_percent": 95})
    assert result.grade is Grade.D
    (reason,) = result.reasons
    assert reason.text == "电池健康度：低于 80%"
    assert reason.note == "与“电池健康度 95%”不符，按较低者计"


def test_no_battery_ignores_the_battery_percent() -> None:
    assert _assess(PHONE, {"battery": "none"}, {"battery_percent": 0}).grade is Grade.A_PLUS


SEALED = {"new": "sealed"}
CONTRADICTIONS = [
    (PHONE, {"body": "worn"}, {}, "外观：严重磨损"),
    (PHONE, {"body": "light"}, {}, "外观：轻微使用痕迹"),
    (PHONE, {"screen": "visible"}, {}, "屏幕：亮屏可见划痕"),
    (PHONE, {"battery": "85"}, {"battery_percent": 87}, "电池健康度：85%–89%"),
    (PHONE, {}, {"battery_percent": 88}, "电池健康度 88%"),
    (PHONE, {"repaired": "yes"}, {}, "维修史：维修过或更换过部件"),
    (PHONE, {}, {"repairs": "换过屏幕"}, "维修说明：换过屏幕"),
    (PHONE, {"works": "fault"}, {}, "功能是否正常：有故障/仅作配件"),
    (PHONE, {"damage": "yes"}, {}, "进水或主板损坏：有"),
    (PHONE, {}, {"activation_lock_off": "no"}, "激活锁未关闭"),
    ("图书/课外读物", {"writing": "yes"}, {}, "笔记或划线：有"),
    ("图书/课外读物", {"condition": "fine"}, {}, "品相：很好"),
    ("图书/课外读物", {}, {"highlighting": "有划线"}, "笔记划线：有划线"),
    ("图书/课外读物", {}, {"ex_library": "yes"}, "馆藏旧书"),
    ("服装", {"flaws": "few"}, {}, "瑕疵：少于3处可见瑕疵"),
    ("家具", {"surface": "wear"}, {}, "表面：表面磨损"),
    ("家具", {}, {"odour": "yes"}, "有异味"),
    ("家电", {"condition": "cosmetic"}, {}, "状况：工作正常，外观有使用痕迹"),
    ("家电", {}, {"age_years": 10}, "已用 10 年，超过安全使用年限"),
]


@pytest.mark.parametrize(("category", "answers", "facts", "second"), CONTRADICTIONS)
def test_sealed_with_wear_repair_low_battery_writing_or_a_fault_is_refused_naming_both(
    category: str, answers: dict[str, str], facts: dict[str, Any], second: str
) -> None:
    base_answers, base_facts = CLEAN[category]
    with pytest.raises(GradingError) as refused:
        assess(
            checklist_for(category),
            {**base_answers, **SEALED, **answers},
            {**base_facts, **facts},
            strict=True,
        )
    assert "是否全新未使用：全新未拆封/未使用" in str(refused.value.message)
    assert second in str(refused.value.message)


def test_sealed_heavy_wear_is_refused_by_the_listing_checks(app: Flask) -> None:
    with app.app_context(), app_session(app) as session:
        data = ListingInput(
            title="旧椅子",
            category="其他",
            mode="sell",
            street="学府",
            price_fen=1000,
            condition={"new": "sealed", "wear": "heavy", "works": "yes"},
        )
        with pytest.raises(ListingError) as refused:
            validate(session=session, data=data)
    assert refused.value.field == "q_wear" and "成色：严重磨损" in str(refused.value.message)


def test_sealed_is_fine_with_what_a_new_item_has() -> None:
    assert _assess(PHONE, SEALED, {"battery_percent": 100}).grade is Grade.N
    # New clothes and appliances need no washing or safety check before sale.
    assert _assess("服装", SEALED, {"cleaned": "no"}).grade is Grade.N
    assert (
        _assess(
            "家电", {**SEALED, "condition": "like_new"}, {"safety_checked": "no", "cleaned": "no"}
        ).grade
        is Grade.A_PLUS
    )
    assert _assess("图书/课外读物", SEALED).grade is Grade.A_PLUS


def test_answers_without_disclosures_grade_as_before() -> None:
    answers = {**CLEAN[PHONE][0], "battery": "85"}
    result = assess(checklist_for(PHONE), answers)
    assert (result.grade, [r.text for r in result.reasons]) == (Grade.B, ["电池健康度：85%–89%"])


def test_an_unknown_family_gets_the_shared_rows_and_nothing_else() -> None:
    office = Checklist(
        "office_equipment",
        (NEW, WORKS),
        (Disclosure("repairs", "维修说明"), Disclosure("page_count", "打印页数", "number")),
    )
    clean = {"new": "used", "works": "yes"}
    assert assess(office, clean, {"repairs": "无", "page_count": 90000}).grade is Grade.A_PLUS
    assert assess(office, clean, {"repairs": "换过定影器"}).grade is Grade.D
    assert publish_blocker(office, {}) is None


def test_a_preview_of_a_half_filled_form_names_what_is_missing() -> None:
    result = assess(checklist_for(PHONE), {"new": "used", "battery": "80"}, {"battery_percent": ""})
    assert result.grade is Grade.C and "body" in result.missing


# ---- the form and the listing page ---------------------------------------------------------

GADGET = "/listings/new/电子产品/其他数码"  # electronics checklist, no wipe certificate needed
TESTERS_FORM = {
    "title": "iPhone 12 128G",
    "mode": "sell",
    "price": "900",
    "street": "学府",
    "venue": "online",
    **{f"q_{k}": v for k, v in TESTERS_PHONE[0].items()},
    **{f"d_{k}": str(v) for k, v in TESTERS_PHONE[1].items()},
}


def _post(
    client: FlaskClient, form: dict[str, str], action: str, path: str = GADGET, photos: int = 1
):  # type: ignore[no-untyped-def]
    data: dict[str, object] = {**form, "csrf_token": csrf_token(client, path), "action": action}
    data["photos"] = [(io.BytesIO(picture()), f"p{i}.jpg") for i in range(photos)]
    return client.post(path, data=data, content_type="multipart/form-data")


def test_the_preview_shows_the_grade_and_what_capped_it_and_saves_nothing(
    app: Flask, client: FlaskClient, login_as: LoginAs
) -> None:
    login_as()
    page = _post(client, TESTERS_FORM, "preview").get_data(as_text=True)
    assert "成色 F" in page and "激活锁未关闭" in page and "关闭查找我的 iPhone" in page
    unlocked = {**TESTERS_FORM, "d_activation_lock_off": "yes"}
    page = _post(client, unlocked, "preview").get_data(as_text=True)
    summary = page.split('data-testid="grade-summary"')[1].split("</section>")[0]
    assert "成色 D" in summary and "电池健康度 45%" in summary and "维修说明：更换过屏幕" in summary
    assert "data-grading=" in page and "grade-preview.js" in page
    with app_session(app) as session:
        assert session.exec(select(Listing)).all() == []


def test_a_locked_phone_is_refused_with_how_to_unlock_and_nothing_is_saved(
    app: Flask, client: FlaskClient, login_as: LoginAs
) -> None:
    login_as()
    response = _post(client, TESTERS_FORM, "publish")
    assert response.status_code == 400
    assert "设置 › Apple ID › 查找 › 关闭查找我的 iPhone" in response.get_data(as_text=True)
    with app_session(app) as session:
        assert session.exec(select(Listing)).all() == []


def test_the_listing_page_says_why_it_has_its_grade(
    app: Flask, client: FlaskClient, login_as: LoginAs
) -> None:
    login_as()
    response = _post(client, {**TESTERS_FORM, "d_activation_lock_off": "yes"}, "publish")
    assert response.status_code == 302
    with app_session(app) as session:
        listing = session.exec(select(Listing)).one()
    # An iPhone with no wipe certificate is kept as a draft (the GB 46864 gate), graded already.
    assert (listing.grade, listing.status) == ("D", "draft")
    page = client.get(f"/listings/{listing.id}").get_data(as_text=True)
    why = page.split('data-testid="why-grade"')[1].split("</div>")[0]
    assert "为何是此成色" in why and "电池健康度 45%" in why and "维修说明：更换过屏幕" in why


@pytest.mark.parametrize("battery", ["150", "-5", "八十", "abc"])
def test_a_bad_battery_percent_gets_a_message_and_changes_nothing(
    app: Flask, client: FlaskClient, battery: str, login_as: LoginAs
) -> None:
    login_as()
    good = {
        **TESTERS_FORM,
        "d_activation_lock_off": "yes",
        "d_battery_percent": "91",
        "d_repairs": "无",
    }
    assert _post(client, good, "draft").status_code == 302
    with app_session(app) as session:
        listing = session.exec(select(Listing)).one()
    edit = f"/listings/{listing.id}/edit"
    response = _post(
        client,
        {**good, "d_battery_percent": battery, "title": "改了"},
        "draft",
        path=edit,
        photos=0,
    )
    assert response.status_code == 400
    assert "电池健康度（%）：请填写 0 到 100 之间的整数。" in response.get_data(as_text=True)
    client.post("/lang/en", data={"csrf_token": csrf_token(client, "/")})
    response = _post(client, {**good, "d_battery_percent": battery}, "draft", path=edit, photos=0)
    assert "Battery health (%): enter a whole number from 0 to 100." in response.get_data(
        as_text=True
    )
    with app_session(app) as session:
        again = session.exec(select(Listing)).one()
    assert (again.title, again.disclosures["battery_percent"]) == ("iPhone 12 128G", 91)
