"""Shop settings forms."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import StringField, TextAreaField
from wtforms.validators import InputRequired, Length


class StationKeyForm(FlaskForm):
    label = StringField(
        _l("工作站名称"),
        validators=[InputRequired(message=_l("请填写工作站名称。")), Length(max=60)],
        render_kw={"placeholder": _l("如：柜台1号机")},
    )
    public_key_pem = TextAreaField(
        _l("公钥（PEM）"),
        validators=[InputRequired(message=_l("请粘贴公钥。")), Length(max=400)],
        render_kw={"rows": 4, "spellcheck": "false", "placeholder": "-----BEGIN PUBLIC KEY-----"},
    )


class AttachCertificateForm(FlaskForm):
    certificate_id = StringField(
        _l("数据清除证书编号"),
        validators=[InputRequired(message=_l("请填写证书编号。")), Length(min=36, max=36)],
        render_kw={"spellcheck": "false", "autocapitalize": "off"},
    )
