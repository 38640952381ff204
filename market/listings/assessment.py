"""The grade with its reasons: checklist answers and disclosed facts both cap it.

`assess` is the one computation every path uses (listing form, shop intake, book corner, the
form's preview and the listing page); `RULES` is the table of disclosed facts that cap a grade,
after DOMAIN.md "Condition grades per category". The browser preview reads the same table
(`client_rules`), so the server stays the source of truth.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any

from flask_babel import lazy_gettext as _l

from market.listings.catalog import GRADE_LABELS, Grade
from market.listings.grading import ORDER, Checklist, GradingError, Question

SEALED = ("new", "sealed")
LOCK_KEY = "activation_lock_off"
# What a seller writes for "nothing to declare" in a free-text disclosure.
NOTHING = {
    "无",
    "没有",
    "无维修",
    "未维修",
    "没有维修",
    "无划线",
    "none",
    "no",
    "n/a",
    "na",
    "-",
    "/",
}
# GB/T 21097.1-2007 gives 8–16 years by appliance; 家电 has no sub-categories yet, so the
# shortest common one (washing machines, water heaters, air conditioners) applies to all.
APPLIANCE_LIFE_YEARS = 8


@dataclass(frozen=True)
class Rule:
    """One row: when disclosure `key` passes `test`/`value`, the grade is at most `cap`.

    `agrees` names the answer the fact goes with, (question, values); another answer is a
    disagreement: the lower cap wins and the reason says so. `unless` lists answers under which
    the row does not apply (a sealed garment needs no washing).
    """

    key: str
    test: str  # below | at_least | above | is | described
    value: Any
    cap: Grade
    says: Any  # how the fact reads; %(value)s is the disclosed value
    agrees: tuple[str, tuple[str, ...]] | None = None
    unless: tuple[tuple[str, str], ...] = ()


NO_BATTERY = (("battery", "none"),)
NOT_SEALED = (SEALED,)
BATTERY = _l("电池健康度 %(value)s%%")

# "*" rows apply to any family whose checklist asks for that disclosure (so a new device family
# gets them without a row of its own); other rows only to their family. A family missing here
# has no disclosure caps.
RULES: dict[str, tuple[Rule, ...]] = {
    "*": (
        Rule("battery_percent", "below", 80, Grade.D, BATTERY, ("battery", ("low",)), NO_BATTERY),
        Rule("battery_percent", "below", 85, Grade.C, BATTERY, ("battery", ("80",)), NO_BATTERY),
        Rule("battery_percent", "below", 90, Grade.B, BATTERY, ("battery", ("85",)), NO_BATTERY),
        Rule("battery_percent", "at_least", 90, Grade.N, BATTERY, ("battery", ("90",)), NO_BATTERY),
        Rule(
            "repairs", "described", None, Grade.D, _l("维修说明：%(value)s"), ("repaired", ("yes",))
        ),
        Rule(LOCK_KEY, "is", "no", Grade.F, _l("激活锁未关闭")),
    ),
    "books": (
        Rule(
            "highlighting",
            "described",
            None,
            Grade.C,
            _l("笔记划线：%(value)s"),
            ("writing", ("yes",)),
        ),
        Rule("ex_library", "is", "yes", Grade.C, _l("馆藏旧书")),
        Rule("missing_media", "is", "yes", Grade.D, _l("缺光盘或激活码")),
    ),
    "clothing": (Rule("cleaned", "is", "no", Grade.C, _l("未清洗消毒"), unless=NOT_SEALED),),
    "furniture": (Rule("odour", "is", "yes", Grade.C, _l("有异味")),),
    "appliances": (
        Rule("safety_checked", "is", "no", Grade.C, _l("未做安全检查"), unless=NOT_SEALED),
        Rule("cleaned", "is", "no", Grade.B, _l("未清洁"), unless=NOT_SEALED),
        Rule(
            "age_years",
            "above",
            APPLIANCE_LIFE_YEARS,
            Grade.F,
            _l("已用 %(value)s 年，超过安全使用年限"),
            ("condition", ("past_life",)),
        ),
    ),
}

LOCK_MESSAGE = _l(
    "激活锁未关闭，不能发布：买家拿到后无法激活使用。请先关闭："
    "iPhone/iPad 在“设置 › Apple ID › 查找 › 关闭查找我的 iPhone”；"
    "安卓设备在“设置 › 账号”中移除谷歌账号和厂商账号（华为、小米等）。"
    "关闭后把“已关闭激活锁/退出账号”选为“是”。"
)
PAIR = _l("%(label)s：%(answer)s")
DISAGREE = _l("与“%(other)s”不符，按较低者计")
CONFLICT = _l(
    "“%(first)s”与“%(second)s”不能同时成立：全新未拆封的物品不会有使用痕迹、维修、损耗或故障。"
    "请改正其中一项。"
)


@dataclass(frozen=True)
class Reason:
    """An answer or a disclosed fact and the grade it allows at most."""

    field: str  # the form field: q_<question> or d_<disclosure>
    text: str
    cap: Grade
    note: str = ""


@dataclass(frozen=True)
class Conflict:
    field: str
    message: str


@dataclass(frozen=True)
class Assessment:
    grade: Grade
    caps: tuple[Reason, ...]  # every answer and fact that keeps the grade below N
    conflicts: tuple[Conflict, ...] = ()
    missing: tuple[str, ...] = ()  # unanswered questions (a preview only)
    blocked: str = ""  # why it may not be published (activation lock)

    @property
    def reasons(self) -> tuple[Reason, ...]:
        """The answers and facts that set the grade."""
        return tuple(r for r in self.caps if r.cap == self.grade)

    @property
    def summary(self) -> str:
        """E.g. "成色 C：电池健康度 82%"."""
        head = str(_l("成色 %(grade)s", grade=self.grade.value))
        if not self.reasons:
            return head
        texts = str(_l("；")).join(r.text for r in self.reasons)
        return str(PAIR) % {"label": head, "answer": texts}


def _worse(a: Grade, b: Grade) -> bool:
    return ORDER.index(a) > ORDER.index(b)


def parse_whole(value: Any, upper: int) -> int | None:
    """A whole number 0..upper from what a seller typed ("87", "87%"), or None."""
    text = str(value if value is not None else "").strip().rstrip("%％").strip()
    if not text.isdecimal() or not 0 <= int(text) <= upper:
        return None
    return int(text)


def _matches(rule: Rule, value: Any) -> bool:
    if value is None or value == "":
        return False
    if rule.test == "is":
        return bool(value == rule.value)
    if rule.test == "described":
        return str(value).strip().strip("。.！!").lower() not in NOTHING
    number = value if isinstance(value, int) else parse_whole(value, 10_000)
    if number is None:
        return False
    if rule.test == "below":
        return bool(number < rule.value)
    if rule.test == "at_least":
        return bool(number >= rule.value)
    return bool(number > rule.value)  # above


def rules_for(checklist: Checklist) -> tuple[Rule, ...]:
    keys = {d.key for d in checklist.disclosures}
    rows = (*RULES["*"], *RULES.get(checklist.family, ()))
    return tuple(r for r in rows if r.key in keys)


def _answer(question: Question, answers: dict[str, str]) -> Reason | None:
    option = next((o for o in question.options if o.value == answers.get(question.key)), None)
    if option is None:
        return None
    text = str(PAIR) % {"label": question.label, "answer": option.label}
    return Reason(f"q_{question.key}", text, option.cap)


def _facts(
    checklist: Checklist,
    answers: dict[str, str],
    disclosures: dict[str, Any],
    chosen: dict[str, Reason],
) -> list[Reason]:
    """The worst matching row per disclosure, with disagreeing answers noted on the lower one."""
    worst: dict[str, Rule] = {}
    for rule in rules_for(checklist):
        if any(answers.get(q) == v for q, v in rule.unless):
            continue
        if _matches(rule, disclosures.get(rule.key)):
            current = worst.get(rule.key)
            if current is None or _worse(rule.cap, current.cap):
                worst[rule.key] = rule
    facts = []
    for key, rule in worst.items():
        fact = Reason(f"d_{key}", str(rule.says) % {"value": disclosures[key]}, rule.cap)
        question = chosen.get(rule.agrees[0]) if rule.agrees else None
        if rule.agrees and question and answers.get(rule.agrees[0]) not in rule.agrees[1]:
            if _worse(question.cap, fact.cap):
                note = str(DISAGREE) % {"other": fact.text}
                chosen[rule.agrees[0]] = replace(question, note=note)
            else:
                fact = replace(fact, note=str(DISAGREE) % {"other": question.text})
        facts.append(fact)
    return facts


def assess(
    checklist: Checklist,
    answers: dict[str, str],
    disclosures: dict[str, Any] | None = None,
    *,
    strict: bool = False,
) -> Assessment:
    """The grade, every cap below N, and what contradicts "sealed".

    `strict` (saving) refuses an unanswered question and a contradiction with GradingError;
    otherwise (a preview) they are returned in the Assessment.
    """
    disclosures = disclosures or {}
    chosen: dict[str, Reason] = {}
    missing = []
    for question in checklist.questions:
        reason = _answer(question, answers)
        if reason is None:
            if strict:
                raise GradingError(question.key, _l("请回答：%(q)s", q=question.label))
            missing.append(question.key)
        else:
            chosen[question.key] = reason
    facts = _facts(checklist, answers, disclosures, chosen)
    everything = [*chosen.values(), *facts]
    grade = Grade.N
    for reason in everything:
        grade = reason.cap if _worse(reason.cap, grade) else grade
    conflicts = []
    if answers.get(SEALED[0]) == SEALED[1]:
        sealed = chosen[SEALED[0]].text
        for reason in everything:
            if _worse(reason.cap, Grade.A_PLUS):
                message = str(CONFLICT) % {"first": sealed, "second": reason.text}
                conflicts.append(Conflict(reason.field, message))
    if strict and conflicts:
        raise GradingError(SEALED[0], conflicts[0].message, field=conflicts[0].field)
    keys = {d.key for d in checklist.disclosures}
    blocked = str(LOCK_MESSAGE) if LOCK_KEY in keys and disclosures.get(LOCK_KEY) == "no" else ""
    return Assessment(
        grade=grade,
        caps=tuple(r for r in everything if r.cap is not Grade.N),
        conflicts=tuple(conflicts),
        missing=tuple(missing),
        blocked=blocked,
    )


def read_facts(checklist: Checklist, raw: dict[str, Any]) -> dict[str, Any]:
    """Disclosures as a half-filled form holds them: numbers parsed, bad numbers left out."""
    facts: dict[str, Any] = {}
    for item in checklist.disclosures:
        value = raw.get(item.key)
        if item.kind in ("percent", "number"):
            value = parse_whole(value, 100 if item.kind == "percent" else 200)
        if value is not None and value != "":
            facts[item.key] = value
    return facts


def explain(
    checklist: Checklist, condition: dict[str, str], disclosures: dict[str, Any], grade: str
) -> Assessment | None:
    """Why a stored listing has its grade; None when its answers no longer give that grade."""
    result = assess(checklist, condition, disclosures)
    return result if result.grade.value == grade and not result.missing else None


def publish_blocker(checklist: Checklist, disclosures: dict[str, Any]) -> Any:
    """Why a listing may not be published as disclosed (activation lock not off), or None."""
    keys = {d.key for d in checklist.disclosures}
    if LOCK_KEY in keys and disclosures.get(LOCK_KEY) != "yes":
        return LOCK_MESSAGE
    return None


def client_rules(checklist: Checklist) -> dict[str, Any]:
    """The checklist's caps and rows, and the words, for the page's live preview."""
    return {
        "order": [g.value for g in ORDER],
        "labels": {g.value: str(GRADE_LABELS[g]) for g in ORDER},
        "questions": [
            {
                "key": q.key,
                "label": str(q.label),
                "options": {
                    o.value: {"label": str(o.label), "cap": o.cap.value} for o in q.options
                },
            }
            for q in checklist.questions
        ],
        "rules": [
            {
                "key": r.key,
                "test": r.test,
                "value": r.value,
                "cap": r.cap.value,
                "says": str(r.says),
                "agrees": list(r.agrees) if r.agrees else None,
                "unless": [list(u) for u in r.unless],
            }
            for r in rules_for(checklist)
        ],
        "kinds": {d.key: d.kind for d in checklist.disclosures},
        "nothing": sorted(NOTHING),
        "sealed": list(SEALED),
        "lock": LOCK_KEY if LOCK_KEY in {d.key for d in checklist.disclosures} else None,
        "text": {
            "grade": str(_l("成色 %(grade)s")),
            "why": str(_l("为何是此成色：")),
            "all_new": str(_l("所有答案都是全新状态。")),
            "missing": str(_l("回答全部问题后，这里显示成色。")),
            "pair": str(PAIR),
            "disagree": str(DISAGREE),
            "conflict": str(CONFLICT),
            "lock": str(LOCK_MESSAGE),
        },
    }


def grade_from(checklist: Checklist, answers: dict[str, str]) -> Grade:
    """The lowest cap over the answers alone; every question must be answered.

    With disclosures, and for the reasons, use `assess`.
    """
    return assess(checklist, answers, strict=True).grade
