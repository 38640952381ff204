"""Register (details and consent, then the code), log in, log out, consent, privacy notice."""

from __future__ import annotations

from flask import (
    current_app,
    flash,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_login import current_user

from market.accounts import registration, services, web_sessions
from market.accounts import reset_views as _reset_routes  # noqa: F401  (its routes join `bp`)
from market.accounts import settings_views as _settings_routes  # noqa: F401  (its routes join `bp`)
from market.accounts.blueprint import bp
from market.accounts.consent import PRIVACY_NOTICE_VERSION, needs_consent
from market.accounts.errors import AccountError
from market.accounts.forms import ConsentForm, LoginForm, RegisterForm, VerifyForm
from market.accounts.models import PendingRegistration
from market.accounts.sms import current_sender
from market.db import get_session
from market.extensions import limiter
from market.i18n import safe_next
from market.privacy import mask_mobile
from market.ratelimit import guard
from market.web import attach, me, render_form

PENDING_KEY = "pending_registration"

# What a person who has not agreed to the current notice may still do: read it, agree,
# leave, or take their data and go.
CONSENT_FREE = {
    "static",
    "i18n.switch",
    "accounts.consent",
    "accounts.logout",
    "accounts.privacy",
    "accounts.reset_request",
    "accounts.reset_finish",
    "mydata.my_data",
    "mydata.data_download",
    "mydata.delete_account",
}


@bp.before_app_request
def ask_for_consent() -> ResponseReturnValue | None:
    if request.endpoint is None or request.endpoint in CONSENT_FREE:
        return None
    if current_user.is_authenticated and needs_consent(current_user):
        target = request.full_path if request.method == "GET" else None
        return redirect(url_for("accounts.consent", next=target))
    return None


@bp.get("/privacy")
def privacy() -> ResponseReturnValue:
    return render_template("accounts/privacy.html", version=PRIVACY_NOTICE_VERSION)


@bp.route("/register", methods=["GET", "POST"])
@guard("REGISTER_RATE_LIMIT")
def register() -> ResponseReturnValue:
    if current_user.is_authenticated:
        return redirect(url_for("main.index"))
    form = RegisterForm()
    if form.validate_on_submit():
        try:
            pending = registration.start_registration(
                session=get_session(),
                identifier=form.identifier.data or "",
                password=form.password.data or "",
                display_name=form.display_name.data or "",
                home_street=form.home_street.data or None,
                consent=bool(form.consent.data),
                key=current_app.config["SECRET_KEY"],
                sender=current_sender(),
            )
        except AccountError as error:
            attach(form, error)
        else:
            session[PENDING_KEY] = pending.id
            flash(_("验证码已发送，请查收。"), "info")
            return redirect(url_for("accounts.verify"))
    return render_form("accounts/register.html", form)


def _pending() -> PendingRegistration | None:
    pending_id = session.get(PENDING_KEY)
    return get_session().get(PendingRegistration, pending_id) if pending_id else None


@bp.route("/verify", methods=["GET", "POST"])
def verify() -> ResponseReturnValue:
    pending = _pending()
    if pending is None:
        flash(_("注册信息已失效，请重新注册。"), "info")
        return redirect(url_for("accounts.register"))
    form = VerifyForm()
    if form.validate_on_submit():
        try:
            user = registration.verify_code(
                session=get_session(),
                pending_id=pending.id,
                code=form.code.data or "",
                key=current_app.config["SECRET_KEY"],
            )
        except AccountError as error:
            attach(form, error)
        else:
            session.pop(PENDING_KEY, None)
            web_sessions.log_in(user, remember=False)
            flash(_("欢迎加入循环！"), "success")
            return redirect(url_for("main.index"))
    shown = (
        mask_mobile(pending.identifier)
        if pending.identifier_kind == "mobile"
        else (pending.identifier)
    )
    return render_form("accounts/verify.html", form, to=shown)


@bp.post("/verify/resend")
def resend() -> ResponseReturnValue:
    pending = _pending()
    try:
        registration.resend_code(
            session=get_session(),
            pending_id=pending.id if pending else None,
            key=current_app.config["SECRET_KEY"],
            sender=current_sender(),
        )
    except AccountError as error:
        flash(error.message, "error")
    else:
        flash(_("验证码已重新发送。"), "info")
    return redirect(url_for("accounts.verify"))


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
                secret=current_app.config["SECRET_KEY"],
                sender=current_sender(),
            )
        except AccountError as error:
            attach(form, error)
        else:
            web_sessions.log_in(user, remember=bool(form.remember.data))
            target = safe_next(request.args.get("next"), url_for("main.index"))
            if needs_consent(user):
                return redirect(url_for("accounts.consent", next=target))
            return redirect(target)
    return render_form("accounts/login.html", form)


@bp.post("/logout")
def logout() -> ResponseReturnValue:
    web_sessions.log_out()
    flash(_("您已退出登录。"), "info")
    return redirect(url_for("main.index"))


@bp.route("/consent", methods=["GET", "POST"])
def consent() -> ResponseReturnValue:
    if not current_user.is_authenticated:
        return redirect(url_for("accounts.login"))
    target = safe_next(request.args.get("next"), url_for("main.index"))
    if not needs_consent(current_user):
        return redirect(target)
    form = ConsentForm()
    if form.validate_on_submit():
        services.record_consent(
            session=get_session(),
            user=me(),
            version=PRIVACY_NOTICE_VERSION,
        )
        flash(_("感谢您的同意。"), "success")
        return redirect(target)
    return render_form(
        "accounts/consent.html",
        form,
        version=PRIVACY_NOTICE_VERSION,
        earlier=current_user.consent_version,
    )
