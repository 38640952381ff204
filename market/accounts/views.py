"""Register, log in, log out, profile."""

from __future__ import annotations

from flask import Blueprint, current_app, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_login import current_user, login_user, logout_user

from market.accounts import services
from market.accounts.errors import AccountError
from market.accounts.forms import LoginForm, ProfileForm, RegisterForm
from market.db import get_session
from market.extensions import limiter
from market.i18n import safe_next
from market.security import login_required

bp = Blueprint("accounts", __name__, url_prefix="/account")


def _attach(form: RegisterForm | LoginForm | ProfileForm, error: AccountError) -> None:
    field = getattr(form, error.field or "", None)
    if field is not None:
        field.errors = [*field.errors, error.message]
    else:
        form.form_errors.append(error.message)


@bp.route("/register", methods=["GET", "POST"])
def register() -> ResponseReturnValue:
    if current_user.is_authenticated:
        return redirect(url_for("main.index"))
    form = RegisterForm()
    if form.validate_on_submit():
        try:
            user = services.register_user(
                session=get_session(),
                identifier=form.identifier.data or "",
                password=form.password.data or "",
                display_name=form.display_name.data or "",
                home_street=form.home_street.data or None,
            )
        except AccountError as error:
            _attach(form, error)
        else:
            login_user(user)
            flash(_("欢迎加入循环！"), "success")
            return redirect(url_for("main.index"))
    status = 400 if form.errors or form.form_errors else 200
    return render_template("accounts/register.html", form=form), status


def _login_limit() -> str:
    return str(current_app.config["LOGIN_RATE_LIMIT"])


@bp.route("/login", methods=["GET", "POST"])
@limiter.limit(_login_limit, methods=["POST"])
def login() -> ResponseReturnValue:
    if current_user.is_authenticated:
        return redirect(url_for("main.index"))
    form = LoginForm()
    if form.validate_on_submit():
        try:
            user = services.authenticate(
                session=get_session(),
                identifier=form.identifier.data or "",
                password=form.password.data or "",
            )
        except AccountError as error:
            _attach(form, error)
        else:
            login_user(user, remember=bool(form.remember.data))
            return redirect(safe_next(request.args.get("next"), url_for("main.index")))
    status = 400 if form.errors or form.form_errors else 200
    return render_template("accounts/login.html", form=form), status


@bp.post("/logout")
def logout() -> ResponseReturnValue:
    logout_user()
    flash(_("您已退出登录。"), "info")
    return redirect(url_for("main.index"))


@bp.route("/profile", methods=["GET", "POST"])
@login_required
def profile() -> ResponseReturnValue:
    form = ProfileForm(obj=current_user)
    if form.validate_on_submit():
        try:
            services.update_profile(
                session=get_session(),
                user=current_user._get_current_object(),  # type: ignore[attr-defined]
                display_name=form.display_name.data or "",
                home_street=form.home_street.data or None,
            )
        except AccountError as error:
            _attach(form, error)
        else:
            flash(_("资料已保存。"), "success")
            return redirect(url_for("accounts.profile"))
    status = 400 if form.errors or form.form_errors else 200
    return render_template("accounts/profile.html", form=form), status
