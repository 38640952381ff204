"""Forgot password: ask for a code, then type it with the new password."""

from __future__ import annotations

from flask import current_app, flash, redirect, session, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_login import current_user

from market.accounts import reset
from market.accounts.blueprint import bp
from market.accounts.errors import AccountError
from market.accounts.forms import ResetForm, ResetRequestForm
from market.accounts.sms import current_sender
from market.db import get_session
from market.extensions import limiter
from market.web import attach, render_form

RESET_KEY = "password_reset"


def _limit() -> str:
    return str(current_app.config["LOGIN_RATE_LIMIT"])


@bp.route("/reset", methods=["GET", "POST"])
@limiter.limit(_limit, methods=["POST"])
def reset_request() -> ResponseReturnValue:
    if current_user.is_authenticated:
        return redirect(url_for("accounts.password"))
    form = ResetRequestForm()
    if form.validate_on_submit():
        try:
            pending = reset.start_reset(
                session=get_session(),
                identifier=form.identifier.data or "",
                secret=current_app.config["SECRET_KEY"],
                sender=current_sender(),
            )
        except AccountError as error:
            attach(form, error)
        else:
            session[RESET_KEY] = pending.id
            # The same words whether or not an account has the identifier.
            flash(_("如果该手机号或邮箱已注册，验证码已发送，请查收。"), "info")
            return redirect(url_for("accounts.reset_finish"))
    return render_form("accounts/reset_request.html", form)


@bp.route("/reset/code", methods=["GET", "POST"])
@limiter.limit(_limit, methods=["POST"])
def reset_finish() -> ResponseReturnValue:
    if session.get(RESET_KEY) is None:
        flash(_("重置信息已失效，请重新获取验证码。"), "info")
        return redirect(url_for("accounts.reset_request"))
    form = ResetForm()
    if form.validate_on_submit():
        try:
            reset.finish_reset(
                session=get_session(),
                reset_id=session.get(RESET_KEY),
                code=form.code.data or "",
                password=form.password.data or "",
                secret=current_app.config["SECRET_KEY"],
                sender=current_sender(),
            )
        except AccountError as error:
            attach(form, error)
        else:
            session.pop(RESET_KEY, None)
            flash(_("密码已重置，所有设备上的登录都已结束，请用新密码登录。"), "success")
            return redirect(url_for("accounts.login"))
    return render_form("accounts/reset_finish.html", form)
