"""The "my credit" page; the seller badge's data comes from `badge`."""

from __future__ import annotations

from flask import Blueprint, current_app, render_template
from flask.typing import ResponseReturnValue
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from sqlmodel import Session

from market.credit import services
from market.db import get_session
from market.i18n import current_language
from market.security import login_required

bp = Blueprint("credit", __name__)

KIND_LABELS = {
    "trade_completed": _l("完成交易"),
    "rating": _l("评价"),
    "dispute_outcome": _l("纠纷结果"),
    "wipe_certificate": _l("数据清除证书"),
    "finding": _l("监管认定"),
    "appeal_result": _l("申诉结果"),
    "repair": _l("信用修复"),
    "void": _l("撤销"),
}
GRADE_LABELS = {
    "A": _l("优秀"),
    "B": _l("良好"),
    "C": _l("一般"),
    "D": _l("较差"),
    "N": _l("新用户，数据不足"),
}
WHY_NOT_LABELS = {
    "counterparty_cap": _l("同一交易对象的分量已达上限"),
    "one_rating_per_counterparty_per_week": _l("同一买家每周只计一次评价"),
    "no_completed_trade": _l("没有对应的已完成交易"),
    "trade_already_rated": _l("这笔交易已评价过"),
    "voided": _l("已撤销"),
    "record_layer": _l("记录层，不计入分数"),
}


def badge(*, session: Session, user_id: int) -> services.Standing:
    """The seller's standing for the grade badge."""
    key = services.key_from_config(current_app.config)
    return services.standing(session=session, subject=services.user_subject(user_id, key))


@bp.get("/my/credit")
@login_required
def mine() -> ResponseReturnValue:
    session = get_session()
    own = badge(session=session, user_id=current_user.id)
    english = current_language() == "en"
    hints = [hint.en if english else hint.zh for hint in own.hints]
    return render_template(
        "credit/mine.html",
        standing=own,
        hints=hints,
        kind_labels=KIND_LABELS,
        grade_labels=GRADE_LABELS,
        why_not_labels=WHY_NOT_LABELS,
    )
