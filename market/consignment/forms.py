"""Counter forms: the agreement beside the listing form, the counter, payouts, the profile.

The item itself (photos, checklist, disclosures, certificate) is the listing form of
market.listings.forms; these forms carry only what consignment adds.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, IntegerField, SelectField, StringField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import InputRequired, Length, NumberRange, Optional

from market.consignment import terms
from market.consignment.errors import ConsignmentError
from market.consignment.terms import END_ACTION_LABELS, EndAction
from market.listings.forms import MoneyField
from market.money import yuan_to_fen

END_CHOICES = [SelectChoice(a.value, END_ACTION_LABELS[a]) for a in EndAction]
STEPS_HINT = _l("格式：天数:比例，用逗号分隔，如“30:80, 60:60”表示第30天起八折、第60天起六折。")


def percent_to_bp(value: Decimal | None) -> int | None:
    return None if value is None else int((value * 100).to_integral_value())


def parse_steps(text: str) -> tuple[terms.MarkdownStep, ...]:
    """'30:80, 60:60' -> day 0 at 100 %, then 80 % from day 30 and 60 % from day 60."""
    steps = [terms.MarkdownStep(0, terms.FULL_BP)]
    for part in text.replace("，", ",").replace("：", ":").split(","):
        if not part.strip():
            continue
        day, _, percent = part.partition(":")
        day, percent = day.strip(), percent.strip().rstrip("%")
        if not day.isdecimal() or not percent.replace(".", "", 1).isdecimal():
            raise ConsignmentError(_l("降价计划格式不对，请写成“30:80, 60:60”。"), field="steps")
        steps.append(terms.MarkdownStep(int(day), int(Decimal(percent) * 100)))
    return tuple(steps)


def format_steps(raw: list[Any]) -> str:
    return ", ".join(f"{day}:{Decimal(bp) / 100:g}" for day, bp in raw[1:])


def parse_pairs(text: str, *, money_key: bool) -> list[list[Any]]:
    """'500:30, 2000:25, *:20' (tiers, yuan) or '电子产品:15' (categories) -> [[key, bp]]."""
    pairs: list[list[Any]] = []
    for part in text.replace("，", ",").replace("：", ":").split(","):
        if not part.strip():
            continue
        key, _, percent = part.rpartition(":")
        key, percent = key.strip(), percent.strip().rstrip("%")
        try:
            rate = _hundredths(percent)
            value: Any = key
            if money_key:
                value = None if key == "*" else _hundredths(key)
        except (ArithmeticError, ValueError) as error:  # also NaN and Infinity
            raise ConsignmentError(_l("分成规则格式不对。"), field="split") from error
        if not key:
            raise ConsignmentError(_l("分成规则格式不对。"), field="split")
        pairs.append([value, rate])
    return pairs


def _hundredths(text: str) -> int:
    """'12.5' -> 1250; 'nan', 'inf' and the like are refused (ValueError)."""
    number = Decimal(text)
    if not number.is_finite():
        raise ValueError(text)
    return int(number * 100)


def format_pairs(pairs: list[list[Any]], *, money_key: bool) -> str:
    def key(value: Any) -> str:
        if not money_key:
            return str(value)
        return "*" if value is None else f"{Decimal(value) / 100:g}"

    return ", ".join(f"{key(k)}:{Decimal(bp) / 100:g}" for k, bp in pairs)


class AgreementForm(FlaskForm):
    """Rendered inside the listing form, which carries the CSRF token."""

    class Meta:
        csrf = False

    consignor_mobile = StringField(
        _l("寄卖人手机号"),
        validators=[InputRequired(message=_l("请填写寄卖人的11位手机号。")), Length(max=14)],
        render_kw={"inputmode": "tel", "autocomplete": "off"},
    )
    consignor_name = StringField(
        _l("寄卖人姓名"), validators=[Optional(), Length(max=40)], render_kw={"autocomplete": "off"}
    )
    consignor_rate = MoneyField(_l("此寄卖人的专属分成（%，可不填）"), validators=[Optional()])
    term_days = IntegerField(
        _l("寄卖期（天）"),
        validators=[InputRequired(message=_l("请填写寄卖期。")), NumberRange(min=1, max=365)],
        render_kw={"inputmode": "numeric"},
    )
    # The hint is given here, not in the template: Jinja's _() %-formats its English ("80 %").
    steps = StringField(
        _l("降价计划"), validators=[Optional(), Length(max=200)], description=STEPS_HINT
    )
    do_not_discount = BooleanField(_l("不打折"))
    floor = MoneyField(_l("最低价（元，可不填）"), validators=[Optional()])
    end_action = SelectField(_l("到期后"), choices=END_CHOICES)
    accepted = BooleanField(_l("寄卖人已阅读并同意寄卖协议（打印后双方签字）"))

    def agreement_fields(self) -> dict[str, Any]:
        return {
            "consignor_mobile": self.consignor_mobile.data or "",
            "consignor_name": self.consignor_name.data or "",
            "consignor_rate_bp": percent_to_bp(self.consignor_rate.data),
            "term_days": self.term_days.data or 0,
            "steps": parse_steps(self.steps.data or ""),
            "do_not_discount": bool(self.do_not_discount.data),
            "floor_fen": yuan_to_fen(self.floor.data) if self.floor.data else None,
            "end_action": self.end_action.data or "",
            "accepted": bool(self.accepted.data),
        }


class CounterForm(FlaskForm):
    code = StringField(
        _l("寄卖编号"),
        validators=[InputRequired(message=_l("请输入或扫描寄卖编号。")), Length(max=20)],
        render_kw={
            "autofocus": True,
            "autocomplete": "off",
            "autocapitalize": "characters",
            "spellcheck": "false",
            "placeholder": "K-000123",
        },
    )


class ClaimForm(FlaskForm):
    code = StringField(
        _l("认领码"),
        validators=[InputRequired(message=_l("请填写寄卖协议上的认领码。")), Length(max=20)],
        render_kw={
            "autocomplete": "off",
            "autocapitalize": "characters",
            "spellcheck": "false",
            "placeholder": "ABCD-EFGH",
        },
    )


class PayoutForm(FlaskForm):
    method = SelectField(
        _l("付款方式"),
        choices=[SelectChoice("cash", _l("现金")), SelectChoice("transfer", _l("转账"))],
    )
    reference = StringField(_l("转账流水号"), validators=[Optional(), Length(max=60)])


class ProfileForm(FlaskForm):
    opening_hours = StringField(
        _l("营业时间"),
        validators=[Optional(), Length(max=200)],
        render_kw={"placeholder": _l("如：周二至周日 9:30–18:00，周一休息")},
    )
    description = TextAreaField(
        _l("店铺简介"), validators=[Optional(), Length(max=500)], render_kw={"rows": 3}
    )
    minimum_payout = MoneyField(_l("最低结算金额（元）"), validators=[InputRequired()])
    default_rate = MoneyField(_l("默认分成（本店所得 %）"), validators=[InputRequired()])
    tiers = StringField(
        _l("按价格分档（上限元:比例）"),
        validators=[Optional(), Length(max=200)],
        description=_l("如“500:30, 2000:25, *:20”；* 表示不设上限。"),
    )
    category_rates = StringField(
        _l("按分类（分类:比例）"),
        validators=[Optional(), Length(max=200)],
        description=_l("如“电子产品:15, 电子产品/手机:12”。"),
    )
    term_days = IntegerField(
        _l("默认寄卖期（天）"), validators=[InputRequired(), NumberRange(min=1, max=365)]
    )
    steps = StringField(
        _l("默认降价计划"), validators=[Optional(), Length(max=200)], description=STEPS_HINT
    )
    end_action = SelectField(_l("默认到期处理"), choices=END_CHOICES)

    def values(self) -> dict[str, Any]:
        return {
            "opening_hours": (self.opening_hours.data or "").strip(),
            "description": (self.description.data or "").strip(),
            "minimum_payout_fen": yuan_to_fen(self.minimum_payout.data),
            "default_rate_bp": percent_to_bp(self.default_rate.data) or 0,
            "tiers": parse_pairs(self.tiers.data or "", money_key=True),
            "category_rates": parse_pairs(self.category_rates.data or "", money_key=False),
            "term_days": self.term_days.data or 0,
            "steps": [[s.day, s.percent_bp] for s in parse_steps(self.steps.data or "")],
            "end_action": self.end_action.data or "",
        }
