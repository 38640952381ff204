"""Condition grading as a checklist with knock-out items (after GB/T 30323-2013's method).

Each answer caps the grade; the grade is the lowest cap, so two graders who answer alike
reach the same grade. Disclosures are facts a seller must state for the category.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from flask_babel import lazy_gettext as _l

from market.listings.catalog import Grade

# Best first; a cap can only lower the grade.
ORDER = [Grade.N, Grade.A_PLUS, Grade.A, Grade.B, Grade.C, Grade.D, Grade.F]


@dataclass(frozen=True)
class Option:
    value: str
    label: object
    cap: Grade


@dataclass(frozen=True)
class Question:
    key: str
    label: object
    options: tuple[Option, ...]


@dataclass(frozen=True)
class Disclosure:
    key: str
    label: object
    kind: str = "text"  # text | yesno | percent | number
    hint: object | None = None


@dataclass(frozen=True)
class Checklist:
    family: str
    questions: tuple[Question, ...]
    disclosures: tuple[Disclosure, ...] = field(default_factory=tuple)


class GradingError(ValueError):
    """An answer is missing, not one of the question's options, or contradicts another."""

    def __init__(self, key: str, message: object, field: str | None = None) -> None:
        super().__init__(str(message))
        self.key = key
        self.message = message
        self.field = field or f"q_{key}"


def _opt(value: str, label: object, cap: Grade) -> Option:
    return Option(value, label, cap)


NEW = Question(
    "new",
    _l("是否全新未使用"),
    (
        _opt("sealed", _l("全新未拆封/未使用"), Grade.N),
        _opt("used", _l("已使用"), Grade.A_PLUS),
    ),
)
WORKS = Question(
    "works",
    _l("功能是否正常"),
    (
        _opt("yes", _l("全部功能正常"), Grade.N),
        _opt("fault", _l("有故障/仅作配件"), Grade.F),
    ),
)

CHECKLISTS: dict[str, Checklist] = {
    "electronics": Checklist(
        "electronics",
        (
            NEW,
            Question(
                "body",
                _l("外观"),
                (
                    _opt("none", _l("无划痕无磕碰"), Grade.N),
                    _opt("light", _l("轻微使用痕迹"), Grade.B),
                    _opt("visible", _l("明显划痕或磕碰"), Grade.C),
                    _opt("worn", _l("严重磨损"), Grade.D),
                ),
            ),
            Question(
                "screen",
                _l("屏幕"),
                (
                    _opt("perfect", _l("完美无瑕"), Grade.N),
                    _opt("invisible", _l("有细痕，亮屏不可见"), Grade.B),
                    _opt("visible", _l("亮屏可见划痕"), Grade.C),
                    _opt("none", _l("无屏幕"), Grade.N),
                ),
            ),
            Question(
                "battery",
                _l("电池健康度"),
                (
                    _opt("90", _l("90% 及以上"), Grade.N),
                    _opt("85", _l("85%–89%"), Grade.B),
                    _opt("80", _l("80%–84%"), Grade.C),
                    _opt("low", _l("低于 80%"), Grade.D),
                    _opt("none", _l("无电池"), Grade.N),
                ),
            ),
            Question(
                "repaired",
                _l("维修史"),
                (
                    _opt("no", _l("未维修"), Grade.N),
                    _opt("yes", _l("维修过或更换过部件"), Grade.D),
                ),
            ),
            WORKS,
            Question(
                "damage",
                _l("进水或主板损坏"),
                (_opt("no", _l("无"), Grade.N), _opt("yes", _l("有"), Grade.F)),
            ),
        ),
        (
            Disclosure("serial", _l("IMEI/序列号"), hint=_l("设置 › 关于本机 中可查")),
            Disclosure("activation_lock_off", _l("已关闭激活锁/退出账号"), "yesno"),
            Disclosure("battery_percent", _l("电池健康度（%）"), "percent"),
            Disclosure("repairs", _l("维修说明"), hint=_l("没有维修请填“无”")),
        ),
    ),
    "books": Checklist(
        "books",
        (
            NEW,
            Question(
                "condition",
                _l("品相"),
                (
                    _opt("as_new", _l("如新"), Grade.A_PLUS),
                    _opt("fine", _l("很好"), Grade.A),
                    _opt("very_good", _l("较好，无字迹"), Grade.B),
                    _opt("good", _l("良好，完整，有笔记（已说明）"), Grade.C),
                    _opt("fair", _l("一般/较差，正文完整"), Grade.D),
                    _opt("incomplete", _l("正文缺页"), Grade.F),
                ),
            ),
            Question(
                "writing",
                _l("笔记或划线"),
                (_opt("no", _l("没有"), Grade.N), _opt("yes", _l("有"), Grade.C)),
            ),
        ),
        (
            Disclosure("highlighting", _l("笔记划线情况"), hint=_l("没有请填“无”")),
            Disclosure("ex_library", _l("是否馆藏旧书"), "yesno"),
            Disclosure("missing_media", _l("是否缺光盘或激活码"), "yesno"),
        ),
    ),
    "clothing": Checklist(
        "clothing",
        (
            NEW,
            Question(
                "flaws",
                _l("瑕疵"),
                (
                    _opt("none", _l("无褪色、起球、污渍"), Grade.N),
                    _opt("few", _l("少于3处可见瑕疵"), Grade.B),
                    _opt("minor_damage", _l("轻微破损"), Grade.C),
                    _opt("unsellable", _l("破损严重"), Grade.F),
                ),
            ),
        ),
        (
            Disclosure("cleaned", _l("已清洗消毒"), "yesno"),
            Disclosure("fibre", _l("成分标签"), hint=_l("如：棉 100%")),
            Disclosure("size", _l("尺码")),
        ),
    ),
    "furniture": Checklist(
        "furniture",
        (
            NEW,
            Question(
                "surface",
                _l("表面"),
                (
                    _opt("none", _l("无痕迹，结构牢固"), Grade.N),
                    _opt("wear", _l("表面磨损"), Grade.B),
                    _opt("dents", _l("有凹痕或翻新过"), Grade.C),
                    _opt("structural", _l("结构有缺陷"), Grade.D),
                ),
            ),
            Question(
                "pests",
                _l("虫蛀"),
                (_opt("no", _l("无"), Grade.N), _opt("yes", _l("有"), Grade.F)),
            ),
        ),
        (
            Disclosure("dimensions", _l("尺寸"), hint=_l("长×宽×高，厘米")),
            Disclosure("material", _l("材质")),
            Disclosure("odour", _l("是否有异味"), "yesno"),
        ),
    ),
    "appliances": Checklist(
        "appliances",
        (
            NEW,
            Question(
                "condition",
                _l("状况"),
                (
                    _opt("like_new", _l("工作正常，几乎全新"), Grade.A_PLUS),
                    _opt("cosmetic", _l("工作正常，外观有使用痕迹"), Grade.B),
                    _opt("visible", _l("工作正常，明显磨损"), Grade.C),
                    _opt("past_life", _l("超过安全使用年限，仅作配件"), Grade.F),
                ),
            ),
            WORKS,
        ),
        (
            Disclosure("safety_checked", _l("已做安全检查"), "yesno"),
            Disclosure("cleaned", _l("已清洁"), "yesno"),
            Disclosure("age_years", _l("使用年限（年）"), "number"),
        ),
    ),
    "general": Checklist(
        "general",
        (
            NEW,
            Question(
                "wear",
                _l("成色"),
                (
                    _opt("like_new", _l("几乎全新"), Grade.A_PLUS),
                    _opt("light", _l("轻微使用痕迹"), Grade.A),
                    _opt("some", _l("正常使用痕迹"), Grade.B),
                    _opt("visible", _l("明显磨损"), Grade.C),
                    _opt("heavy", _l("严重磨损"), Grade.D),
                ),
            ),
            WORKS,
        ),
    ),
}

FAMILY_OF_TOP = {
    "电子产品": "electronics",
    "图书": "books",
    "服装": "clothing",
    "家具": "furniture",
    "家电": "appliances",
    "办公设备": "appliances",  # safety check, cleaning and age fit office machines; no battery
}


def checklist_for(category: str) -> Checklist:
    return CHECKLISTS[FAMILY_OF_TOP.get(category.split("/")[0], "general")]


def answer_labels(checklist: Checklist, answers: dict[str, str]) -> list[tuple[object, object]]:
    """(question, answer) labels to show on the listing."""
    rows = []
    for question in checklist.questions:
        option = next((o for o in question.options if o.value == answers.get(question.key)), None)
        if option is not None:
            rows.append((question.label, option.label))
    return rows
