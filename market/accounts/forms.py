"""Account forms; every message goes through Babel."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, PasswordField, SelectField, StringField
from wtforms.validators import DataRequired, EqualTo, Length, ValidationError

from market.accounts.identifiers import has_foreign_digits, parse_identifier
from market.accounts.password_policy import MIN_PASSWORD_LENGTH
from market.streets import street_choices


def _valid_identifier(_form: FlaskForm, field: StringField) -> None:
    if has_foreign_digits(field.data or ""):
        raise ValidationError(str(_l("手机号只能使用数字0–9（全角数字会自动转换），请重新输入。")))
    if parse_identifier(field.data or "") is None:
        raise ValidationError(str(_l("请输入11位手机号或有效的电子邮箱。")))


def _street_field() -> SelectField:
    return SelectField(
        _l("所在街道"),
        choices=street_choices(blank=_l("请选择")),
        validators=[DataRequired(message=_l("请选择所在街道。"))],
    )


class RegisterForm(FlaskForm):
    identifier = StringField(
        _l("手机号或邮箱"),
        validators=[DataRequired(message=_l("请填写手机号或邮箱。")), _valid_identifier],
        render_kw={"autocomplete": "username", "inputmode": "email"},
    )
    display_name = StringField(
        _l("昵称"),
        validators=[
            DataRequired(message=_l("请填写昵称。")),
            Length(max=40, message=_l("昵称最多40个字符。")),
        ],
        render_kw={"autocomplete": "nickname"},
    )
    home_street = _street_field()
    password = PasswordField(
        _l("密码"),
        validators=[
            DataRequired(message=_l("请设置密码。")),
            Length(min=MIN_PASSWORD_LENGTH, max=128, message=_l("密码长度需为8到128个字符。")),
        ],
        render_kw={"autocomplete": "new-password"},
    )
    confirm = PasswordField(
        _l("确认密码"),
        validators=[EqualTo("password", message=_l("两次输入的密码不一致。"))],
        render_kw={"autocomplete": "new-password"},
    )
    consent = BooleanField(
        _l("我已阅读并同意《隐私政策》"),
        validators=[DataRequired(message=_l("请阅读并同意《隐私政策》后再注册。"))],
        default=False,
    )


class VerifyForm(FlaskForm):
    code = StringField(
        _l("验证码"),
        validators=[DataRequired(message=_l("请输入6位数字验证码。"))],
        render_kw={"autocomplete": "one-time-code", "inputmode": "numeric", "maxlength": 6},
    )


class ConsentForm(FlaskForm):
    consent = BooleanField(
        _l("我已阅读并同意新版《隐私政策》"),
        validators=[DataRequired(message=_l("请勾选同意后继续；不同意可以退出登录或注销账号。"))],
        default=False,
    )


class PasswordForm(FlaskForm):
    current = PasswordField(
        _l("当前密码"),
        validators=[DataRequired(message=_l("请填写当前密码。"))],
        render_kw={"autocomplete": "current-password"},
    )
    password = PasswordField(
        _l("新密码"),
        validators=[
            DataRequired(message=_l("请设置新密码。")),
            Length(min=MIN_PASSWORD_LENGTH, max=128, message=_l("密码长度需为8到128个字符。")),
        ],
        render_kw={"autocomplete": "new-password"},
    )
    confirm = PasswordField(
        _l("再次输入新密码"),
        validators=[EqualTo("password", message=_l("两次输入的密码不一致。"))],
        render_kw={"autocomplete": "new-password"},
    )


class DeleteForm(FlaskForm):
    password = PasswordField(
        _l("请输入密码以确认注销"),
        validators=[DataRequired(message=_l("请填写密码。"))],
        render_kw={"autocomplete": "current-password"},
    )


class LoginForm(FlaskForm):
    identifier = StringField(
        _l("手机号或邮箱"),
        validators=[DataRequired(message=_l("请填写手机号或邮箱。"))],
        render_kw={"autocomplete": "username"},
    )
    password = PasswordField(
        _l("密码"),
        validators=[DataRequired(message=_l("请填写密码。"))],
        render_kw={"autocomplete": "current-password"},
    )
    remember = BooleanField(_l("记住我"))


class ProfileForm(FlaskForm):
    display_name = StringField(
        _l("昵称"),
        validators=[
            DataRequired(message=_l("请填写昵称。")),
            Length(max=40, message=_l("昵称最多40个字符。")),
        ],
    )
    home_street = _street_field()


class ResetRequestForm(FlaskForm):
    identifier = StringField(
        _l("手机号或邮箱"),
        validators=[DataRequired(message=_l("请填写手机号或邮箱。")), _valid_identifier],
        render_kw={"autocomplete": "username", "inputmode": "email"},
    )


class ResetForm(FlaskForm):
    code = StringField(
        _l("验证码"),
        validators=[DataRequired(message=_l("请输入6位数字验证码。"))],
        render_kw={"autocomplete": "one-time-code", "inputmode": "numeric", "maxlength": 6},
    )
    password = PasswordField(
        _l("新密码"),
        validators=[
            DataRequired(message=_l("请设置新密码。")),
            Length(min=MIN_PASSWORD_LENGTH, max=128, message=_l("密码长度需为8到128个字符。")),
        ],
        render_kw={"autocomplete": "new-password"},
    )
    confirm = PasswordField(
        _l("再次输入新密码"),
        validators=[EqualTo("password", message=_l("两次输入的密码不一致。"))],
        render_kw={"autocomplete": "new-password"},
    )
