"""The listing form: common fields plus the category's checklist and disclosures."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import MultipleFileField
from wtforms import (
    BooleanField,
    DecimalField,
    RadioField,
    SelectField,
    StringField,
    TextAreaField,
)
from wtforms.fields.choices import SelectChoice
from wtforms.validators import InputRequired, Length, NumberRange, Optional

from market.listings import devices
from market.listings.catalog import MODE_LABELS, Mode
from market.listings.grading import checklist_for
from market.listings.models import DESCRIPTION_MAX, TITLE_MAX
from market.listings.services import ListingInput
from market.money import fen_to_yuan, yuan_to_fen
from market.streets import street_choices

YES_NO = [
    SelectChoice("", _l("请选择")),
    SelectChoice("yes", _l("是")),
    SelectChoice("no", _l("否")),
]


class MoneyField(DecimalField):
    """An amount of yuan with two decimals, 0 to 1,000,000; Infinity and NaN are not amounts."""

    def __init__(self, label: Any = None, validators: list[Any] | None = None, **kwargs: Any):
        bounds = NumberRange(min=0, max=1_000_000, message=_l("价格需在 0 到 1,000,000 元之间。"))
        kwargs.setdefault("places", 2)
        kwargs.setdefault("render_kw", {"inputmode": "decimal", "step": "0.01", "min": "0"})
        super().__init__(label, [*(validators or []), bounds], **kwargs)

    def process_formdata(self, valuelist: list[Any]) -> None:
        super().process_formdata(valuelist)
        amount: Decimal | None = getattr(self, "data", None)
        if amount is not None and not amount.is_finite():
            self.data = None
            raise ValueError(str(_l("请输入有效的金额。")))


class ListingForm(FlaskForm):
    title = StringField(
        _l("标题"),
        validators=[InputRequired(message=_l("请填写标题。")), Length(max=TITLE_MAX)],
        render_kw={
            "maxlength": TITLE_MAX,
            "placeholder": _l("品牌 型号 规格，如：小米 13 手机 256G"),
        },
    )
    description = TextAreaField(
        _l("描述"), validators=[Optional(), Length(max=DESCRIPTION_MAX)], render_kw={"rows": 5}
    )
    mode = RadioField(
        _l("交易方式"),
        choices=[SelectChoice(m.value, MODE_LABELS[m]) for m in Mode],
        default=Mode.SELL.value,
        validators=[InputRequired(message=_l("请选择交易方式。"))],
    )
    price = MoneyField(_l("价格（元）"), validators=[Optional()])
    deposit = MoneyField(_l("押金（元，仅租赁）"), validators=[Optional()])
    street = SelectField(
        _l("交易街道"),
        choices=street_choices(blank=_l("请选择")),
        validators=[InputRequired(message=_l("请选择交易街道。"))],
    )
    venue = SelectField(_l("交易地点"), validators=[InputRequired()])
    photos = MultipleFileField(_l("照片（1–9张）"), render_kw={"accept": "image/*"})
    certificate_id = StringField(
        _l("数据清除证书编号"),
        validators=[Optional(), Length(min=36, max=36, message=_l("证书编号为36位。"))],
        description=_l("寄卖店清除数据后给您的证书编号；也可由店员清除时直接关联本物品。"),
        render_kw={"spellcheck": "false", "autocapitalize": "off"},
    )
    no_data = BooleanField(_l("此物品不存储个人数据"))
    # Checked by the service (devices.clean_reason), so an unknown value gets its own message.
    no_data_reason = SelectField(
        _l("原因"),
        choices=[
            SelectChoice("", _l("请选择")),
            *(SelectChoice(r.key, r.label) for r in devices.REASONS.values()),
        ],
        validate_choice=False,
    )
    no_data_note = StringField(
        _l("拆除或销毁说明"),
        validators=[Optional(), Length(max=devices.NOTE_MAX)],
        description=_l("选“已损坏……存储已拆除或物理销毁”时必填，如：硬盘已拆下自留。"),
    )


class DescriptionForm(FlaskForm):
    """What a seller may still edit while the listing is reserved."""

    description = TextAreaField(
        _l("描述"), validators=[Optional(), Length(max=DESCRIPTION_MAX)], render_kw={"rows": 6}
    )


def build_form(category: str, venue_choices: list[tuple[str, str]], **kwargs: Any) -> ListingForm:
    """A ListingForm with radio questions `q_*` and disclosure fields `d_*` for `category`."""
    checklist = checklist_for(category)

    class CategoryForm(ListingForm):
        pass

    for question in checklist.questions:
        setattr(
            CategoryForm,
            f"q_{question.key}",
            RadioField(
                question.label,
                choices=[SelectChoice(o.value, o.label) for o in question.options],
                validators=[InputRequired(message=_l("请回答此项。"))],
            ),
        )
    for item in checklist.disclosures:
        name = f"d_{item.key}"
        required = InputRequired(message=_l("请填写此项。"))
        if item.kind == "yesno":
            field: Any = SelectField(item.label, choices=YES_NO, validators=[required])
        else:
            render = {"inputmode": "numeric"} if item.kind in ("percent", "number") else {}
            field = StringField(
                item.label,
                validators=[required, Length(max=200)],
                render_kw=render,
                description=item.hint or "",
            )
        setattr(CategoryForm, name, field)
    form = CategoryForm(**kwargs)
    form.venue.choices = venue_choices
    form.question_fields = [getattr(form, f"q_{q.key}") for q in checklist.questions]
    form.disclosure_fields = [getattr(form, f"d_{d.key}") for d in checklist.disclosures]
    form.checklist = checklist  # for the grade preview
    return form


def to_input(form: ListingForm, category: str) -> ListingInput:
    checklist = checklist_for(category)
    return ListingInput(
        title=form.title.data or "",
        description=form.description.data or "",
        category=category,
        mode=form.mode.data or "",
        street=form.street.data or "",
        price_fen=yuan_to_fen(form.price.data),
        deposit_fen=yuan_to_fen(form.deposit.data),
        venue=form.venue.data or "online",
        condition={q.key: getattr(form, f"q_{q.key}").data or "" for q in checklist.questions},
        disclosures={d.key: getattr(form, f"d_{d.key}").data for d in checklist.disclosures},
        no_data=bool(form.no_data.data),
        no_data_reason=form.no_data_reason.data or "",
        no_data_note=form.no_data_note.data or "",
    )


def form_data_of(listing: Any) -> dict[str, Any]:
    """Field values to pre-fill the form when editing `listing`."""

    data: dict[str, Any] = {
        "title": listing.title,
        "description": listing.description,
        "mode": listing.mode,
        "price": fen_to_yuan(listing.price_fen) if listing.price_fen else None,
        "deposit": fen_to_yuan(listing.deposit_fen) if listing.deposit_fen else None,
        "street": listing.street,
        "venue": listing.venue,
        "no_data": bool(listing.no_data_reason),
        "no_data_reason": listing.no_data_reason,
        "no_data_note": listing.no_data_note,
    }
    data.update({f"q_{k}": v for k, v in (listing.condition or {}).items()})
    data.update({f"d_{k}": str(v) for k, v in (listing.disclosures or {}).items()})
    return data
