"""The coordinator's desk: classes and codes, hand-ins and take-outs, balances and grants,
share days."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _

from market.books import corner, swap_credits, wanted
from market.books.errors import BookError
from market.books.forms import ActionForm, ClassForm, CourseForm, GrantForm, ShareDayForm
from market.books.models import ShareDay
from market.books.views.blueprint import bp, ensure_catalogue
from market.db import get_session
from market.security import login_required
from market.web import me, refused


def _grant_form(members: list, **kwargs: object) -> GrantForm:
    form = GrantForm(**kwargs)
    form.user_id.choices = [("", _("请选择"))] + [
        (str(u.id), _("%(name)s（%(klass)s）", name=u.display_name, klass=klass))
        for _m, u, klass in members
    ]
    return form


def _desk(school_id: int, status: int = 200, **forms: object) -> ResponseReturnValue:
    session = get_session()
    access = corner.access(session=session, school_id=school_id, user=me(), coordinator=True)
    shelf = corner.shelf(session=session, school_id=school_id)
    members = corner.members_of(session=session, school_id=school_id)
    users = {u.id: u for _m, u, _c in members}
    defaults: dict[str, object] = {
        "class_form": ClassForm(formdata=None),
        "grant_form": _grant_form(members, formdata=None),
        "share_day_form": ShareDayForm(formdata=None),
    }
    defaults.update(forms)
    return render_template(
        "books/desk.html",
        corner=access,
        classes=corner.classes_of(session=session, school_id=school_id),
        rows=shelf.rows,
        open_takes=shelf.open_takes,
        members=members,
        users=users,
        people=shelf.people,
        balances=swap_credits.balances(session=session, school_id=school_id),
        action_form=ActionForm(formdata=None),
        **defaults,
    ), status


@bp.get("/schools/<int:school_id>/books/desk")
@login_required
def desk(school_id: int) -> ResponseReturnValue:
    ensure_catalogue(get_session())
    return _desk(school_id)


@bp.post("/schools/<int:school_id>/books/classes")
@login_required
def create_class(school_id: int) -> ResponseReturnValue:
    form = ClassForm()
    if form.validate_on_submit():
        try:
            klass = corner.create_class(
                session=get_session(), coordinator=me(), school_id=school_id,
                name=form.name.data or "",
            )  # fmt: skip
        except BookError as error:
            get_session().rollback()
            form.name.errors = [str(error.message)]
        else:
            flash(
                _("已创建班级“%(name)s”，加入码 %(code)s。", name=klass.name, code=klass.join_code),
                "success",
            )
            return redirect(url_for("books.desk", school_id=school_id))
    return _desk(school_id, 400, class_form=form)


@bp.post("/schools/<int:school_id>/books/classes/<int:class_id>/code")
@login_required
def regenerate(school_id: int, class_id: int) -> ResponseReturnValue:
    if ActionForm().validate_on_submit():
        klass = corner.regenerate_code(
            session=get_session(), coordinator=me(), school_id=school_id, class_id=class_id
        )
        flash(
            _(
                "“%(name)s”的新加入码：%(code)s；旧码已失效。",
                name=klass.name,
                code=klass.join_code,
            ),
            "success",
        )
    return redirect(url_for("books.desk", school_id=school_id))


@bp.post("/schools/<int:school_id>/books/<int:listing_id>/hand-in")
@login_required
def hand_in(school_id: int, listing_id: int) -> ResponseReturnValue:
    if ActionForm().validate_on_submit():
        swap_credits.hand_in(
            session=get_session(), coordinator=me(), school_id=school_id, listing_id=listing_id
        )
        flash(_("已登记收书，送书人得到1个交换积分。"), "success")
    return redirect(url_for("books.desk", school_id=school_id))


@bp.post("/schools/<int:school_id>/books/<int:listing_id>/hand-out")
@login_required
def hand_out(school_id: int, listing_id: int) -> ResponseReturnValue:
    if ActionForm().validate_on_submit():
        swap_credits.hand_out(
            session=get_session(), coordinator=me(), school_id=school_id, listing_id=listing_id
        )
        flash(_("已登记取书，交换完成。"), "success")
    return redirect(url_for("books.desk", school_id=school_id))


@bp.post("/schools/<int:school_id>/books/members/<int:user_id>/role")
@login_required
def set_role(school_id: int, user_id: int) -> ResponseReturnValue:
    if ActionForm().validate_on_submit():
        role = request.form.get("role", "")
        corner.set_role(
            session=get_session(), coordinator=me(), school_id=school_id, user_id=user_id,
            role=role,
        )  # fmt: skip
        flash(_("已设为老师。") if role == "teacher" else _("已设为学生。"), "success")
    return redirect(url_for("books.desk", school_id=school_id))


@bp.post("/schools/<int:school_id>/books/grant")
@login_required
def grant(school_id: int) -> ResponseReturnValue:
    session = get_session()
    corner.access(session=session, school_id=school_id, user=me(), coordinator=True)
    form = _grant_form(corner.members_of(session=session, school_id=school_id))
    if form.validate_on_submit():
        try:
            swap_credits.grant(
                session=session, coordinator=me(), school_id=school_id,
                user_id=int(form.user_id.data or 0), amount=form.amount.data or 0,
                reason=form.reason.data or "",
            )  # fmt: skip
        except BookError as error:
            refused(form, error, default="reason")
        else:
            flash(_("已发放积分。"), "success")
            return redirect(url_for("books.desk", school_id=school_id))
    return _desk(school_id, 400, grant_form=form)


@bp.post("/schools/<int:school_id>/books/share-days")
@login_required
def create_share_day(school_id: int) -> ResponseReturnValue:
    form = ShareDayForm()
    if form.validate_on_submit() and form.day.data:
        share_day = wanted.create_share_day(
            session=get_session(), coordinator=me(), school_id=school_id, day=form.day.data,
            place=form.place.data or "", notes=form.notes.data or "",
        )  # fmt: skip
        return redirect(url_for("books.share_day", school_id=school_id, day_id=share_day.id))
    return _desk(school_id, 400, share_day_form=form)


def _share_day(school_id: int, day_id: int) -> ShareDay:
    share_day = get_session().get(ShareDay, day_id)
    if share_day is None or share_day.school_id != school_id:
        abort(404)
    return share_day


@bp.get("/schools/<int:school_id>/books/share-days/<int:day_id>")
@login_required
def share_day(school_id: int, day_id: int) -> ResponseReturnValue:
    session = get_session()
    access = corner.access(session=session, school_id=school_id, user=me())
    day = _share_day(school_id, day_id)
    return render_template(
        "books/share_day.html",
        corner=access,
        day=day,
        titles=wanted.share_day_titles(session=session, share_day=day),
        course_form=CourseForm(formdata=None),
    )


@bp.post("/schools/<int:school_id>/books/share-days/<int:day_id>/courses")
@login_required
def add_course(school_id: int, day_id: int) -> ResponseReturnValue:
    day = _share_day(school_id, day_id)
    form = CourseForm()
    if form.validate_on_submit():
        added = wanted.add_course(
            session=get_session(), coordinator=me(), share_day=day, grade=form.grade.data or "",
            term=form.term.data or "", subject=form.subject.data or "",
        )  # fmt: skip
        flash(_("已加入%(n)d种课本。", n=added), "success")
    else:
        flash(_("请选择年级。"), "error")
    return redirect(url_for("books.share_day", school_id=school_id, day_id=day_id))
