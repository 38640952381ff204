"""Flea-market forms, and the labels of statuses and grades in both languages."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import DateField, IntegerField, SelectField, StringField, TextAreaField, TimeField
from wtforms.fields import DateTimeLocalField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import Length, Optional

from market.clock import in_china
from market.fleamarkets.models import (
    NOTE_MAX,
    PLACE_MAX,
    RULES_MAX,
    STALLS_MAX,
    TITLE_MAX,
    ApplicationStatus,
    DayStatus,
    MarketDay,
)
from market.fleamarkets.services import DayInput
from market.listings.forms import MoneyField
from market.money import fen_to_yuan, yuan_to_fen
from market.streets import street_choices

DAY_STATUS_LABELS = {
    DayStatus.DRAFT: _l("草稿（不公开）"),
    DayStatus.PUBLISHED: _l("已发布"),
    DayStatus.CANCELLED: _l("已取消"),
}
APPLICATION_LABELS = {
    ApplicationStatus.PENDING: _l("待审核"),
    ApplicationStatus.APPROVED: _l("已批准"),
    ApplicationStatus.WAITLISTED: _l("候补"),
    ApplicationStatus.REJECTED: _l("未通过"),
    ApplicationStatus.CANCELLED: _l("已撤回"),
    ApplicationStatus.REVOKED: _l("已被取消"),
}
MIN_GRADE_CHOICES = [
    SelectChoice("", _l("不限")),
    SelectChoice("N", _l("N 及以上（无不良记录，新用户可报名）")),
    SelectChoice("B", _l("B 及以上")),
    SelectChoice("A", _l("仅 A")),
]
REPORT_LABELS = {
    "approved": _l("已批准摊位"),
    "checked_in": _l("已签到"),
    "listings_brought": _l("带来的物品"),
    "trades_completed": _l("当天成交"),
}


class MarketDayForm(FlaskForm):
    title = StringField(
        _l("市集名称"),
        validators=[Optional(), Length(max=TITLE_MAX)],
        render_kw={"maxlength": TITLE_MAX, "placeholder": _l("如：长虹公园周末跳蚤市场")},
    )
    market_date = DateField(_l("日期"), validators=[Optional()])
    opens = TimeField(_l("开市时间"), validators=[Optional()])
    closes = TimeField(_l("收市时间"), validators=[Optional()])
    street = SelectField(_l("街道"), choices=street_choices(_l("请选择")))
    place = StringField(
        _l("举办地点"),
        validators=[Optional(), Length(max=PLACE_MAX)],
        render_kw={"maxlength": PLACE_MAX, "placeholder": _l("如：长虹公园东门广场")},
    )
    stalls = IntegerField(
        _l("摊位数"),
        validators=[Optional()],
        render_kw={"inputmode": "numeric", "min": 1, "max": STALLS_MAX},
    )
    fee = MoneyField(_l("摊位费（元）"), validators=[Optional()])
    apply_by = DateTimeLocalField(
        _l("申请截止时间"),
        validators=[Optional()],
        format=["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M", "%Y-%m-%dT%H:%M:%S", "%Y-%m-%d %H:%M:%S"],
    )
    min_grade = SelectField(_l("信用等级要求"), choices=MIN_GRADE_CHOICES, default="")
    rules = TextAreaField(
        _l("规则"), validators=[Optional(), Length(max=RULES_MAX)], render_kw={"rows": 5}
    )
    status = SelectField(
        _l("状态"),
        choices=[SelectChoice(s.value, label) for s, label in DAY_STATUS_LABELS.items()],
    )


def to_input(form: MarketDayForm) -> DayInput:
    return DayInput(
        title=form.title.data or "",
        market_date=form.market_date.data,
        opens=form.opens.data,
        closes=form.closes.data,
        apply_by=form.apply_by.data,
        street=form.street.data or "",
        place=form.place.data or "",
        stalls=form.stalls.data,
        fee_fen=yuan_to_fen(form.fee.data),
        rules=form.rules.data or "",
        min_grade=form.min_grade.data or None,
        status=form.status.data or DayStatus.DRAFT.value,
    )


def data_of(day: MarketDay) -> dict[str, object]:
    return {
        "title": day.title,
        "market_date": day.market_date,
        "opens": in_china(day.opens_at).time(),
        "closes": in_china(day.closes_at).time(),
        "apply_by": in_china(day.apply_by).replace(tzinfo=None),
        "street": day.street,
        "place": day.place,
        "stalls": day.stalls,
        "fee": fen_to_yuan(day.fee_fen),
        "rules": day.rules,
        "min_grade": day.min_grade or "",
        "status": day.status,
    }


class NoteForm(FlaskForm):
    """CSRF and an optional note; the button pressed names the decision."""

    note = StringField(
        _l("备注（可选，会告知申请人）"),
        validators=[Optional(), Length(max=NOTE_MAX)],
        render_kw={"maxlength": NOTE_MAX},
    )


class PlainForm(FlaskForm):
    """A form with only its CSRF token: apply (listings are checkboxes), cancel, check in."""
