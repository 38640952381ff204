"""Admin forms."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import SelectField, StringField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Length, Optional

from market.orgs.models import ORG_KIND_LABELS, OrgKind
from market.streets import street_choices


class OrganizationForm(FlaskForm):
    name = StringField(
        _l("名称"),
        validators=[DataRequired(message=_l("请填写名称。")), Length(max=80)],
    )
    kind = SelectField(
        _l("类型"),
        choices=[SelectChoice(k.value, ORG_KIND_LABELS[k]) for k in OrgKind],
        validators=[DataRequired()],
    )
    street = SelectField(
        _l("所在街道"), choices=street_choices(blank=_l("不限")), validators=[Optional()]
    )
    address = StringField(_l("地址"), validators=[Optional(), Length(max=200)])
    uscc = StringField(
        _l("统一社会信用代码"),
        validators=[Optional(), Length(min=18, max=22, message=_l("统一社会信用代码为18位。"))],
        render_kw={"autocapitalize": "characters", "spellcheck": "false"},
    )
