"""The person's own account pages: profile, password, sessions, my data and deletion."""

from __future__ import annotations

from flask import flash, redirect, render_template, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_login import current_user

from market.accounts import services, sessions, web_sessions
from market.accounts.blueprint import bp
from market.accounts.errors import AccountError
from market.accounts.forms import PasswordForm, ProfileForm
from market.db import get_session
from market.security import login_required
from market.web import attach, me, render_form


@bp.route("/profile", methods=["GET", "POST"])
@login_required
def profile() -> ResponseReturnValue:
    form = ProfileForm(obj=current_user)
    if form.validate_on_submit():
        try:
            services.update_profile(
                session=get_session(),
                user=me(),
                display_name=form.display_name.data or "",
                home_street=form.home_street.data or None,
            )
        except AccountError as error:
            attach(form, error)
        else:
            flash(_("资料已保存。"), "success")
            return redirect(url_for("accounts.profile"))
    return render_form("accounts/profile.html", form)


@bp.route("/password", methods=["GET", "POST"])
@login_required
def password() -> ResponseReturnValue:
    form = PasswordForm()
    if form.validate_on_submit():
        try:
            ended = services.change_password(
                session=get_session(),
                user=me(),
                current=form.current.data or "",
                new=form.password.data or "",
                keep_session_id=web_sessions.current_session_id(),
            )
        except AccountError as error:
            attach(form, error)
        else:
            flash(_("密码已修改，其他 %(n)d 个设备上的登录已结束。", n=ended), "success")
            return redirect(url_for("accounts.profile"))
    return render_form("accounts/password.html", form)


@bp.get("/sessions")
@login_required
def session_list() -> ResponseReturnValue:
    rows = [
        (row, sessions.device_label(row.user_agent) or _("未知设备"))
        for row in sessions.live_sessions(session=get_session(), user_id=me().id or 0)
    ]
    return render_template(
        "accounts/sessions.html", rows=rows, current_id=web_sessions.current_session_id()
    )


@bp.post("/sessions/<int:session_id>/end")
@login_required
def end_session(session_id: int) -> ResponseReturnValue:
    if session_id == web_sessions.current_session_id():
        return logout_here()
    if sessions.end_one(session=get_session(), user_id=me().id or 0, session_id=session_id):
        flash(_("该设备上的登录已结束。"), "success")
    else:
        flash(_("没有找到这个登录，可能已经结束。"), "error")
    return redirect(url_for("accounts.session_list"))


def logout_here() -> ResponseReturnValue:
    web_sessions.log_out()
    flash(_("您已退出登录。"), "info")
    return redirect(url_for("main.index"))


@bp.post("/sessions/end-others")
@login_required
def end_other_sessions() -> ResponseReturnValue:
    db = get_session()
    ended = sessions.end_all(
        session=db, user_id=me().id or 0, keep=web_sessions.current_session_id()
    )
    db.commit()
    flash(_("已结束其他 %(n)d 个设备上的登录。", n=ended), "success")
    return redirect(url_for("accounts.session_list"))
