"""The "my credit" page with the subject's appeals and repair requests; the badge's data.

The labels here are shared with the regulator's pages (`market.credit.regulator_views`).
"""

from __future__ import annotations

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from sqlmodel import Session

from market.credit import cases, queues, services
from market.credit.checkpoints import published, station_public_key
from market.credit.errors import CaseError
from market.db import get_session
from market.i18n import current_language
from market.security import login_required
from market.web import abandon, me

bp = Blueprint("credit", __name__)

KIND_LABELS = {
    "trade_completed": _l("完成交易"),
    "rating": _l("评价"),
    "dispute_outcome": _l("纠纷结果"),
    "wipe_certificate": _l("数据清除证书"),
    "finding": _l("监管认定"),
    "appeal": _l("申诉"),
    "appeal_result": _l("申诉结果"),
    "repair": _l("信用修复"),
    "void": _l("撤销"),
    "grade_review": _l("等级复核"),
    "compliance": _l("合规检查"),
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
    "after_as_of": _l("晚于计算时间"),
    "not_the_buyer": _l("评价人不是这笔交易的买家"),
    "repair_before_minimum_period": _l("早于最短公示期，不生效"),
    "appeal_after_deadline": _l("超过15天申诉期"),
    "appeal_target_not_a_record": _l("申诉对象不是已确认的记录"),
    "appeal_already_decided": _l("该记录的申诉已有答复"),
    "repair_refused": _l("修复申请未获准"),
    "review_expired": _l("复核已超过90天有效期"),
}
RECORD_STATUS_LABELS = {
    "pending": _l("待确认"),
    "active": _l("公示中"),
    "voided": _l("已撤销"),
    "repaired": _l("已修复"),
    "ended": _l("公示期满"),
}
TIER_LABELS = {"minor": _l("轻微失信"), "ordinary": _l("一般失信"), "serious": _l("严重失信")}
CATEGORY_LABELS = {
    "fraud": _l("诈骗"),
    "counterfeit": _l("假冒商品"),
    "misdescription": _l("货不对板"),
    "penalty": _l("行政处罚"),
    "other": _l("其他"),
}
DECISION_LABELS = {
    "upheld": _l("维持原记录"),
    "voided": _l("撤销记录"),
    "granted": _l("准予修复"),
    "refused": _l("不予修复"),
    "confirmed": _l("确认"),
    "rejected": _l("驳回"),
    "dismissed": _l("不予处理"),
    "lost_unresolved": _l("卖家败诉且未解决"),
    "lost_resolved": _l("卖家败诉但已解决"),
    "won": _l("卖家胜诉"),
    "withdrawn": _l("已撤回"),
}
LABELS = {
    "kind_labels": KIND_LABELS,
    "grade_labels": GRADE_LABELS,
    "why_not_labels": WHY_NOT_LABELS,
    "record_status_labels": RECORD_STATUS_LABELS,
    "tier_labels": TIER_LABELS,
    "category_labels": CATEGORY_LABELS,
    "decision_labels": DECISION_LABELS,
}


def badge(*, session: Session, user_id: int) -> services.Standing:
    """The seller's standing for the grade badge."""
    key = services.key_from_config(current_app.config)
    return services.standing(session=session, subject=services.user_subject(user_id, key))


def _mine(status: int = 200) -> ResponseReturnValue:
    session = get_session()
    own = badge(session=session, user_id=current_user.id)
    english = current_language() == "en"
    hints = [hint.en if english else hint.zh for hint in own.hints]
    subject = own.result.subject or ""
    return render_template(
        "credit/mine.html",
        standing=own,
        hints=hints,
        records=queues.record_views(session, subject, own.result.records),
        **LABELS,
    ), status


@bp.get("/my/credit")
@login_required
def mine() -> ResponseReturnValue:
    return _mine()


KINDS = {"appeal": cases.file_appeal, "repair": cases.request_repair}


@bp.route("/my/credit/<any(appeal, repair):kind>", methods=["GET", "POST"])
@login_required
def request_form(kind: str) -> ResponseReturnValue:
    """The subject's appeal (within 15 days) or repair request (after the minimum period)."""
    session = get_session()
    finding_id = request.values.get("record", "")
    own = badge(session=session, user_id=current_user.id)
    views = queues.record_views(session, own.result.subject or "", own.result.records)
    view = next((v for v in views if v.record.finding_id == finding_id), None)
    if view is None:
        abort(404)
    status = 200
    if request.method == "POST":
        try:
            KINDS[kind](
                session=session,
                user=me(),
                key=services.key_from_config(current_app.config),
                finding_id=finding_id,
                statement=request.form.get("statement"),
            )
        except CaseError as error:
            abandon()
            flash(str(error.message), "error")
            status = error.status
        else:
            done = (
                _("申诉已提交，监管人员会在15天内答复。")
                if kind == "appeal"
                else _("修复申请已提交，监管人员会尽快答复。")
            )
            flash(done, "success")
            return redirect(url_for("credit.mine"))
    return render_template(
        "credit/request.html",
        kind=kind,
        view=view,
        statement=request.form.get("statement", ""),
        **LABELS,
    ), status


@bp.get("/credit/checkpoints")
def checkpoints() -> ResponseReturnValue:
    """The public page of the ledger's signed checkpoints, for anyone to keep and check later."""
    key = station_public_key(services.checkpoint_key_path(current_app.config))
    return render_template(
        "credit/checkpoints.html", listing=published(get_session(), key=key, limit=50)
    )
