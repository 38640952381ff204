"""The member's data pages: look at it, download it, delete the account."""

from __future__ import annotations

import json

from flask import Blueprint, Response, current_app, flash, redirect, render_template, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_login import logout_user

from market.accounts import web_sessions
from market.accounts.errors import AccountError
from market.accounts.forms import DeleteForm
from market.db import get_session
from market.mydata import services as mydata
from market.security import login_required
from market.web import attach, me, render_form

bp = Blueprint("mydata", __name__, url_prefix="/account")


@bp.get("/data")
@login_required
def my_data() -> ResponseReturnValue:
    return render_template("mydata/data.html", form=DeleteForm())


@bp.get("/data.json")
@login_required
def data_download() -> ResponseReturnValue:
    data = mydata.export(session=get_session(), user=me(), config=current_app.config)
    body = json.dumps(data, ensure_ascii=False, indent=2, sort_keys=True)
    return Response(
        body,
        mimetype="application/json",
        headers={
            "Content-Disposition": "attachment; filename=xunhuan-my-data.json",
            "Cache-Control": "no-store",
        },
    )


@bp.post("/delete")
@login_required
def delete_account() -> ResponseReturnValue:
    form = DeleteForm()
    if form.validate_on_submit():
        try:
            mydata.delete_account(
                session=get_session(),
                user=me(),
                password=form.password.data or "",
                config=current_app.config,
            )
        except AccountError as error:
            attach(form, error)
        else:
            logout_user()
            web_sessions.forget_browser()
            flash(_("您的账号已注销，个人信息已删除。"), "success")
            return redirect(url_for("main.index"))
    return render_form("mydata/data.html", form)
