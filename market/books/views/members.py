"""Book corner pages for members: join, the shelf, list a book by ISBN, take one, swap credits,
looking-for, browse. The coordinator's desk is in desk.py (same blueprint)."""

from __future__ import annotations

from flask import abort, current_app, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_login import current_user

from market.accounts.models import User
from market.books import catalogue, corner, swap_credits, wanted
from market.books import listing as book_listing
from market.books.errors import BookError
from market.books.forms import (
    ActionForm,
    BookListForm,
    JoinForm,
    WantedForm,
    answers_of,
    book_list_form,
)
from market.books.isbn import IsbnError, parse
from market.books.listing import list_book, withdraw_book
from market.books.models import CornerBook, Textbook
from market.books.views.blueprint import bp, ensure_catalogue
from market.db import get_session
from market.extensions import limiter
from market.images.errors import ImageRejected
from market.images.processing import Photo, store_uploads
from market.listings import services as listings
from market.listings.assessment import explain
from market.listings.errors import ListingError
from market.listings.grading import answer_labels, checklist_for
from market.ratelimit import guard
from market.security import login_required
from market.web import image_store, me, refused, render_form

JOIN_RATE_LIMIT = "10 per hour"  # guessing a 6-character class code takes far more tries


def _join_limit() -> str:
    return str(current_app.config.get("BOOKS_JOIN_RATE_LIMIT", JOIN_RATE_LIMIT))


def _per_user() -> str:
    return f"books-join:{current_user.get_id()}"


@bp.route("/books", methods=["GET", "POST"])
@login_required
@limiter.limit(_join_limit, methods=["POST"], key_func=_per_user)
def my_corners() -> ResponseReturnValue:
    session = get_session()
    schools = corner.all_schools(session=session)
    form = JoinForm()
    form.school_id.choices = [("", _("请选择"))] + [(str(s.id), s.name) for s in schools]
    if form.validate_on_submit():
        try:
            corner.join(
                session=session,
                user=me(),
                school_id=int(form.school_id.data or 0),
                code=form.code.data or "",
            )
        except BookError as error:
            refused(form, error, default="code")
        else:
            flash(_("已加入旧书角！"), "success")
            return redirect(url_for("books.home", school_id=int(form.school_id.data or 0)))
    mine = corner.schools_of(session=session, user=me())
    return render_form("books/mine.html", form, schools=mine)


@bp.get("/schools/<int:school_id>/books")
@login_required
def home(school_id: int) -> ResponseReturnValue:
    session = get_session()
    ensure_catalogue(session)
    access = corner.access(session=session, school_id=school_id, user=me())
    books = corner.on_offer(session=session, school_id=school_id)
    return render_template(
        "books/home.html",
        corner=access,
        books=books,
        covers=listings.cover_photos(session=session, listing_ids=[b.id or 0 for b, _c in books]),
        balance=swap_credits.balance(session=session, school_id=school_id, user_id=me().id or 0),
        wanted=wanted.wanted_of(session=session, user_id=me().id or 0, school_id=school_id),
        wanted_form=WantedForm(formdata=None),
        share_days=wanted.share_days_of(session=session, school_id=school_id)[:3],
        action_form=ActionForm(formdata=None),
    )


def _photo(form: BookListForm) -> list[Photo]:
    """The photo sent, decoded and stored now, before the listing's transaction writes."""
    upload = form.photo.data
    data = upload.read() if upload and getattr(upload, "filename", "") else b""
    return store_uploads(image_store(), [data] if data else [], at_most=1)


@bp.route("/schools/<int:school_id>/books/new", methods=["GET", "POST"])
@login_required
@guard("LISTING_RATE_LIMIT")
@guard("UPLOAD_RATE_LIMIT", uploads=True)
def new(school_id: int) -> ResponseReturnValue:
    session = get_session()
    ensure_catalogue(session)
    access = corner.access(session=session, school_id=school_id, user=me())
    raw = request.values.get("isbn", "")
    isbn13, isbn_error, book = None, None, None
    if raw:
        try:
            isbn13 = parse(raw)
        except IsbnError as error:
            isbn_error = str(error.message)
        else:
            book = catalogue.lookup(session=session, isbn13=isbn13)
    form = book_list_form(data={"isbn": isbn13} if request.method == "GET" else None)
    if request.method == "POST" and isbn13 and form.validate_on_submit():
        entry = None
        if book is None:
            entry = catalogue.TextbookInput(
                title=form.title.data or "",
                author=form.author.data or "",
                publisher=form.publisher.data or "",
                edition=form.edition.data or "",
                subject=form.subject.data or "",
                grade=form.grade.data or "",
                term=form.term.data or "",
            )
        try:
            condition, disclosures = answers_of(form)
            listing = list_book(
                session=session,
                owner=me(),
                school_id=school_id,
                isbn13=isbn13,
                condition=condition,
                disclosures=disclosures,
                photos=_photo(form),
                store=image_store(),
                entry=entry,
            )
        except (ListingError, ImageRejected) as error:
            refused(form, error, default="photo" if isinstance(error, ImageRejected) else None)
            book = catalogue.lookup(session=session, isbn13=isbn13)
        else:
            flash(_("已上架！请把书送到旧书角，协调人登记后您会得到1个交换积分。"), "success")
            return redirect(url_for("books.show", school_id=school_id, listing_id=listing.id))
    return render_form(
        "books/new.html", form, failed=bool(isbn_error), corner=access, raw=raw,
        isbn13=isbn13, isbn_error=isbn_error, book=book,
    )  # fmt: skip


@bp.get("/schools/<int:school_id>/books/<int:listing_id>")
@login_required
def show(school_id: int, listing_id: int) -> ResponseReturnValue:
    session = get_session()
    access = corner.access(session=session, school_id=school_id, user=me())
    listing = swap_credits.corner_listing(
        session=session, school_id=school_id, listing_id=listing_id
    )
    listing = listings.as_of_now(listing)
    book = session.get(CornerBook, listing_id)
    entry = session.get(Textbook, book.isbn13) if book else None
    return render_template(
        "books/show.html",
        corner=access,
        listing=listing,
        corner_book=book,
        may_take=book_listing.may_take(user=me(), listing=listing),
        may_withdraw=book_listing.may_withdraw(
            corner=access, user=me(), listing=listing, book=book
        ),
        entry=entry,
        giver=session.get(User, listing.owner_id),
        photos=listings.photos_of(session=session, listing_id=listing_id),
        answers=answer_labels(checklist_for(listing.category), listing.condition or {}),
        why=explain(
            checklist_for(listing.category),
            listing.condition or {},
            listing.disclosures or {},
            listing.grade,
        ),
        balance=swap_credits.balance(session=session, school_id=school_id, user_id=me().id or 0),
        action_form=ActionForm(formdata=None),
    )


@bp.post("/schools/<int:school_id>/books/<int:listing_id>/take")
@login_required
def take(school_id: int, listing_id: int) -> ResponseReturnValue:
    if not ActionForm().validate_on_submit():
        return redirect(url_for("books.show", school_id=school_id, listing_id=listing_id))
    reservation = swap_credits.take_book(
        session=get_session(), taker=me(), school_id=school_id, listing_id=listing_id
    )
    flash(_("已用1个交换积分领取，请到旧书角取书。"), "success")
    return redirect(url_for("trades.show", reservation_id=reservation.id))


@bp.post("/schools/<int:school_id>/books/<int:listing_id>/withdraw")
@login_required
def withdraw(school_id: int, listing_id: int) -> ResponseReturnValue:
    if ActionForm().validate_on_submit():
        withdraw_book(session=get_session(), user=me(), school_id=school_id, listing_id=listing_id)
        flash(_("已从旧书角下架。"), "info")
    return redirect(url_for("books.show", school_id=school_id, listing_id=listing_id))


@bp.get("/schools/<int:school_id>/books/credits")
@login_required
def my_credits(school_id: int) -> ResponseReturnValue:
    session = get_session()
    access = corner.access(session=session, school_id=school_id, user=me())
    whose: User | None = me()
    asked = request.args.get("user_id", "")
    if asked and access.coordinator:
        # Only a member of this school's corner: a coordinator sees no one else's name here.
        wanted_id = int(asked) if asked.isascii() and asked.isdecimal() and len(asked) < 10 else 0
        whose = corner.member_user(session=session, school_id=school_id, user_id=wanted_id)
        if whose is None:
            abort(404)
    assert whose is not None
    return render_template(
        "books/credits.html",
        corner=access,
        whose=whose,
        balance=swap_credits.balance(session=session, school_id=school_id, user_id=whose.id or 0),
        moves=swap_credits.history(session=session, school_id=school_id, user_id=whose.id or 0),
    )


@bp.get("/schools/<int:school_id>/books/browse")
@login_required
def browse(school_id: int) -> ResponseReturnValue:
    session = get_session()
    ensure_catalogue(session)
    access = corner.access(session=session, school_id=school_id, user=me())
    grade, subject = request.args.get("grade", ""), request.args.get("subject", "")
    return render_template(
        "books/browse.html",
        corner=access,
        grade=grade,
        subject=subject,
        grades=catalogue.GRADES,
        subjects=catalogue.SUBJECTS,
        books=catalogue.browse(session=session, grade=grade or None, subject=subject or None),
        offered=wanted.offered_counts(session=session, school_id=school_id),
        grade_label=catalogue.grade_label,
    )


@bp.post("/schools/<int:school_id>/books/wanted")
@login_required
def add_wanted(school_id: int) -> ResponseReturnValue:
    form = WantedForm()
    if form.validate_on_submit():
        wanted.add_wanted(
            session=get_session(), user=me(), school_id=school_id, raw_isbn=form.isbn.data or ""
        )
        flash(_("已加入“我在找”清单，有同学送来时会通知您。"), "success")
    else:
        flash(_("请输入 ISBN。"), "error")
    return redirect(url_for("books.home", school_id=school_id))


@bp.post("/schools/<int:school_id>/books/wanted/<int:entry_id>/delete")
@login_required
def remove_wanted(school_id: int, entry_id: int) -> ResponseReturnValue:
    if ActionForm().validate_on_submit():
        wanted.remove_wanted(
            session=get_session(), user=me(), school_id=school_id, entry_id=entry_id
        )
        flash(_("已从清单移除。"), "info")
    return redirect(url_for("books.home", school_id=school_id))
