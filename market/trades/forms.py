"""Trade forms."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from wtforms import RadioField, SelectField, StringField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import InputRequired, Length, Optional

from market.listings.forms import MoneyField
from market.trades.models import ReportReason

REPORT_LABELS = {
    ReportReason.FRAUD: _l("诈骗"),
    ReportReason.COUNTERFEIT: _l("假冒商品"),
    ReportReason.MISDESCRIPTION: _l("货不对板"),
    ReportReason.PROHIBITED: _l("违禁物品"),
    ReportReason.DATA_NOT_CLEARED: _l("设备个人数据未清除"),
}


class MessageForm(FlaskForm):
    body = TextAreaField(
        _l("消息"),
        validators=[InputRequired(message=_l("消息不能为空。")), Length(max=1000)],
        render_kw={"rows": 2, "maxlength": 1000},
    )


class MeetingForm(FlaskForm):
    meet_time = StringField(
        _l("见面时间"),
        validators=[InputRequired(message=_l("请填写见面时间。")), Length(max=40)],
        render_kw={"placeholder": _l("如：周六下午3点")},
    )
    meet_place = StringField(
        _l("见面地点"),
        validators=[InputRequired(message=_l("请填写见面地点。")), Length(max=100)],
        render_kw={"placeholder": _l("如：学府街社区服务中心门口")},
    )


class CancelForm(FlaskForm):
    reason = StringField(
        _l("取消原因"),
        validators=[InputRequired(message=_l("请填写取消原因。")), Length(max=200)],
    )


class DisputeForm(FlaskForm):
    text = TextAreaField(
        _l("纠纷说明"),
        validators=[InputRequired(message=_l("请说明纠纷情况。")), Length(max=1000)],
        render_kw={"rows": 3},
    )


class RatingForm(FlaskForm):
    stars = RadioField(
        _l("评分"),
        choices=[SelectChoice(str(n), f"{n} ★") for n in range(5, 0, -1)],
        validators=[InputRequired(message=_l("请选择1到5星。"))],
    )
    comment = TextAreaField(
        _l("评价"), validators=[Optional(), Length(max=500)], render_kw={"rows": 2}
    )


class ReturnForm(FlaskForm):
    deposit_returned = MoneyField(
        _l("退还押金（元）"), validators=[InputRequired(message=_l("请填写退还的押金。"))]
    )


class ReportForm(FlaskForm):
    reason = SelectField(
        _l("举报原因"),
        choices=[SelectChoice(r.value, REPORT_LABELS[r]) for r in ReportReason],
        validators=[InputRequired()],
    )
    text = TextAreaField(
        _l("情况说明"),
        validators=[InputRequired(message=_l("请说明情况。")), Length(max=2000)],
        render_kw={"rows": 4},
    )
    photo = FileField(_l("照片（可选）"), render_kw={"accept": "image/*"})
