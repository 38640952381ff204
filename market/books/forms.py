"""Book corner forms (every POST carries its CSRF token through FlaskForm)."""

from __future__ import annotations

from typing import Any

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from wtforms import (
    DateField,
    HiddenField,
    IntegerField,
    RadioField,
    SelectField,
    StringField,
    TextAreaField,
)
from wtforms.fields.choices import SelectChoice
from wtforms.validators import InputRequired, Length, Optional

from market.books.catalogue import GRADES, SUBJECTS, TERMS
from market.books.listing import CATEGORY
from market.listings.forms import YES_NO
from market.listings.grading import checklist_for


def _choices(values: tuple[str, ...], blank: Any) -> list[Any]:
    return [SelectChoice("", blank), *(SelectChoice(v, _l(v)) for v in values)]


class JoinForm(FlaskForm):
    school_id = SelectField(_l("学校"), validators=[InputRequired(message=_l("请选择学校。"))])
    code = StringField(
        _l("班级加入码"),
        validators=[InputRequired(message=_l("请填写加入码。")), Length(max=12)],
        render_kw={"autocapitalize": "characters", "autocomplete": "off", "spellcheck": "false"},
    )


class ClassForm(FlaskForm):
    name = StringField(
        _l("班级名称"),
        validators=[InputRequired(message=_l("请填写班级名称。")), Length(max=40)],
        render_kw={"placeholder": _l("如：七年级2班")},
    )


class BookListForm(FlaskForm):
    """Condition checklist of the books category, and the catalogue fields for an unknown ISBN."""

    isbn = HiddenField()
    title = StringField(_l("书名"), validators=[Optional(), Length(max=120)])
    author = StringField(_l("作者/编者"), validators=[Optional(), Length(max=120)])
    publisher = StringField(_l("出版社"), validators=[Optional(), Length(max=80)])
    edition = StringField(_l("版次"), validators=[Optional(), Length(max=40)])
    # Shown only for an unknown ISBN, so absent for a known one; the catalogue service checks them.
    subject = SelectField(
        _l("学科"), choices=_choices(SUBJECTS, _l("请选择")), validate_choice=False
    )
    grade = SelectField(_l("年级"), choices=_choices(GRADES, _l("不限")), validate_choice=False)
    term = SelectField(_l("册次"), choices=_choices(TERMS, _l("不限")), validate_choice=False)
    photo = FileField(_l("照片（可不传）"), render_kw={"accept": "image/*"})


def book_list_form(**kwargs: Any) -> BookListForm:
    checklist = checklist_for(CATEGORY)

    class Form(BookListForm):
        pass

    for question in checklist.questions:
        setattr(
            Form,
            f"q_{question.key}",
            RadioField(
                question.label,
                choices=[SelectChoice(o.value, o.label) for o in question.options],
                validators=[InputRequired(message=_l("请回答此项。"))],
            ),
        )
    for item in checklist.disclosures:
        required = InputRequired(message=_l("请填写此项。"))
        field: Any = (
            SelectField(item.label, choices=YES_NO, validators=[required])
            if item.kind == "yesno"
            else StringField(
                item.label, validators=[required, Length(max=200)], description=item.hint or ""
            )
        )
        setattr(Form, f"d_{item.key}", field)
    form = Form(**kwargs)
    form.question_fields = [getattr(form, f"q_{q.key}") for q in checklist.questions]
    form.disclosure_fields = [getattr(form, f"d_{d.key}") for d in checklist.disclosures]
    form.checklist = checklist  # for the grade preview
    return form


def answers_of(form: BookListForm) -> tuple[dict[str, str], dict[str, str]]:
    checklist = checklist_for(CATEGORY)
    condition = {q.key: getattr(form, f"q_{q.key}").data or "" for q in checklist.questions}
    disclosures = {d.key: getattr(form, f"d_{d.key}").data or "" for d in checklist.disclosures}
    return condition, disclosures


class ActionForm(FlaskForm):
    """A button that only needs its CSRF token."""


class GrantForm(FlaskForm):
    user_id = SelectField(_l("成员"), validators=[InputRequired(message=_l("请选择成员。"))])
    amount = IntegerField(
        _l("积分"), validators=[InputRequired(message=_l("请填写积分数。"))], default=1
    )
    reason = StringField(
        _l("原因"), validators=[InputRequired(message=_l("请写明原因。")), Length(max=200)]
    )


class WantedForm(FlaskForm):
    isbn = StringField(
        _l("ISBN"),
        validators=[InputRequired(message=_l("请输入 ISBN。")), Length(max=32)],
        render_kw={"inputmode": "numeric", "autocomplete": "off"},
    )


class ShareDayForm(FlaskForm):
    day = DateField(_l("日期"), validators=[InputRequired(message=_l("请选择日期。"))])
    place = StringField(
        _l("地点"), validators=[InputRequired(message=_l("请填写地点。")), Length(max=100)]
    )
    notes = TextAreaField(_l("说明"), validators=[Optional(), Length(max=1000)])


class CourseForm(FlaskForm):
    grade = SelectField(
        _l("年级"),
        choices=_choices(GRADES, _l("请选择")),
        validators=[InputRequired(message=_l("请选择年级。"))],
    )
    term = SelectField(_l("册次"), choices=_choices(TERMS, _l("不限")))
    subject = SelectField(_l("学科"), choices=_choices(SUBJECTS, _l("全部学科")))
