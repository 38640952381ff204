"""Book corners: classes and codes, listing by ISBN, swap credits, looking-for, access."""

from __future__ import annotations

import threading
from typing import Any

import pytest
import sqlalchemy as sa
from flask import Flask
from flask.testing import FlaskClient
from sqlmodel import Session, func, select

from market.accounts.models import Role, User
from market.books import catalogue, corner, swap_credits
from market.books.errors import BookError, NoCredit, NotMember, NotThroughCorner
from market.books.listing import list_book, withdraw_book
from market.books.models import CornerBook, CornerMember, CreditMove, Textbook, WantedBook
from market.listings import services as listings
from market.listings.errors import InvalidTransition, NotFound
from market.listings.models import Listing, ListingPhoto
from market.notifications.models import Notification
from market.orgs.models import OrgKind
from market.trades import services as trades
from market.trades.models import Reservation
from tests.builders import app_session, make_listing, make_organization, make_user
from tests.support.auth import LoginAs, csrf_token

ENGLISH_3A = "9787107382505"
BOOK_ANSWERS = {"new": "used", "condition": "fine", "writing": "no"}
BOOK_DISCLOSURES = {"highlighting": "无", "ex_library": "no", "missing_media": "no"}


@pytest.fixture
def corner_setup(app: Flask) -> dict[str, Any]:
    with app.app_context(), app_session(app) as session:
        catalogue.seed(session=session)
        school = make_organization(session, kind=OrgKind.SCHOOL, name="南开中学", street="学府")
        coordinator = make_user(session, Role.SCHOOL_COORDINATOR, organization=school)
        klass = corner.create_class(
            session=session, coordinator=coordinator, school_id=school.id or 0, name="七年级2班"
        )
        students = [make_user(session) for _ in range(3)]
        for student in students:
            corner.join(
                session=session, user=student, school_id=school.id or 0, code=klass.join_code
            )
        return {
            "school_id": school.id, "coordinator": coordinator, "students": students,
            "code": klass.join_code, "class_id": klass.id,
        }  # fmt: skip


def _list(app: Flask, session: Session, owner: User, school_id: int) -> Listing:
    with app.test_request_context():
        return list_book(
            session=session, owner=owner, school_id=school_id, isbn13=ENGLISH_3A,
            condition=BOOK_ANSWERS, disclosures=BOOK_DISCLOSURES, photos=[],
            store=app.extensions["xunhuan.images"],
        )  # fmt: skip


def test_join_codes_use_unambiguous_characters_and_are_unique_per_school(
    app: Flask, corner_setup: dict[str, Any]
) -> None:
    code = corner_setup["code"]
    assert len(code) == 6 and not set(code) & set("0O1IL")
    with app.app_context(), app_session(app) as session:
        klass = corner.regenerate_code(
            session=session, coordinator=corner_setup["coordinator"],
            school_id=corner_setup["school_id"], class_id=corner_setup["class_id"],
        )  # fmt: skip
        assert klass.join_code != code
        late = make_user(session)
        with pytest.raises(BookError, match="加入码不对"):
            corner.join(session=session, user=late, school_id=corner_setup["school_id"], code=code)
        member = corner.join(
            session=session, user=late, school_id=corner_setup["school_id"],
            code=klass.join_code.lower(),
        )  # fmt: skip
        assert member.role == "student"


def test_a_coordinator_of_another_school_cannot_create_classes_here(
    app: Flask, corner_setup: dict[str, Any]
) -> None:
    with app.app_context(), app_session(app) as session:
        other = make_user(session, Role.SCHOOL_COORDINATOR)
        with pytest.raises(NotMember):
            corner.create_class(
                session=session, coordinator=other, school_id=corner_setup["school_id"], name="x"
            )


def test_listing_by_isbn_fills_the_catalogue_data_and_makes_a_swap_with_a_cover(
    app: Flask, corner_setup: dict[str, Any]
) -> None:
    giver = corner_setup["students"][0]
    with app.app_context(), app_session(app) as session:
        listing = _list(app, session, giver, corner_setup["school_id"])
        assert listing.title == "义务教育教科书 英语 三年级 上册"
        assert listing.mode == "swap" and listing.price_fen == 0
        assert listing.category == "图书/教材教辅" and listing.status == "active"
        assert listing.venue == f"school:{corner_setup['school_id']}"
        assert "人民教育出版社" in listing.description and listing.grade == "A"
        assert session.get(CornerBook, listing.id).isbn13 == ENGLISH_3A  # type: ignore[union-attr]
        from market.listings.services import photo_count

        assert photo_count(session=session, listing_id=listing.id or 0) == 1


def test_an_unknown_isbn_entered_by_hand_is_known_to_everyone_after(
    app: Flask, corner_setup: dict[str, Any]
) -> None:
    student = corner_setup["students"][0]
    with app.app_context(), app_session(app) as session:
        assert catalogue.lookup(session=session, isbn13="9780804429573") is None
        with pytest.raises(BookError, match="书名"):
            catalogue.add_by_hand(
                session=session, isbn13="9780804429573", user=student,
                data=catalogue.TextbookInput(title="  "),
            )  # fmt: skip
        catalogue.add_by_hand(
            session=session, isbn13="9780804429573", user=student,
            data=catalogue.TextbookInput(title="课外读物", subject="语文", grade="七年级"),
        )  # fmt: skip
        session.commit()
    with app_session(app) as session:
        entry = catalogue.lookup(session=session, isbn13="9780804429573")
        assert entry is not None and entry.added_by == student.id and entry.source == "member"


def test_credits_earn_on_hand_in_spend_on_take_and_refuse_at_zero(
    app: Flask, corner_setup: dict[str, Any]
) -> None:
    giver, taker, broke = corner_setup["students"]
    school_id, coordinator = corner_setup["school_id"], corner_setup["coordinator"]
    with app.app_context(), app_session(app) as session:
        first = _list(app, session, giver, school_id)
        second = _list(app, session, giver, school_id)
        swap_credits.hand_in(session=session, coordinator=coordinator, school_id=school_id,
                             listing_id=first.id or 0)  # fmt: skip
        swap_credits.hand_in(session=session, coordinator=coordinator, school_id=school_id,
                             listing_id=first.id or 0)  # fmt: skip
        assert (
            swap_credits.balance(session=session, school_id=school_id, user_id=giver.id or 0) == 1
        )
        with pytest.raises(NoCredit, match="积分不足"):
            swap_credits.take_book(session=session, taker=broke, school_id=school_id,
                                   listing_id=first.id or 0)  # fmt: skip
        assert session.get(Listing, first.id).status == "active"  # type: ignore[union-attr]
        swap_credits.grant(session=session, coordinator=coordinator, school_id=school_id,
                           user_id=taker.id or 0, amount=1, reason="班级图书管理员")  # fmt: skip
        reservation = swap_credits.take_book(
            session=session, taker=taker, school_id=school_id, listing_id=first.id or 0
        )
        assert (
            swap_credits.balance(session=session, school_id=school_id, user_id=taker.id or 0) == 0
        )
        swap_credits.hand_out(session=session, coordinator=coordinator, school_id=school_id,
                              listing_id=first.id or 0)  # fmt: skip
        session.refresh(reservation)
        assert reservation.status == "completed"
        # The giver was credited at hand-in; completing the trade does not pay twice.
        assert (
            swap_credits.balance(session=session, school_id=school_id, user_id=giver.id or 0) == 1
        )
        kinds = [m.kind for m in swap_credits.history(session=session, school_id=school_id,
                                                  user_id=taker.id or 0)]  # fmt: skip
        assert kinds == ["take", "grant"]
        # A book never handed in: the giver earns when the two complete the normal trade flow.
        swap_credits.grant(session=session, coordinator=coordinator, school_id=school_id,
                           user_id=broke.id or 0, amount=1, reason="补发")  # fmt: skip
        r2 = swap_credits.take_book(session=session, taker=broke, school_id=school_id,
                                    listing_id=second.id or 0)  # fmt: skip
        trades.confirm_handover(session=session, reservation_id=r2.id or 0, user=giver)
        trades.confirm_handover(session=session, reservation_id=r2.id or 0, user=broke)
        assert (
            swap_credits.balance(session=session, school_id=school_id, user_id=giver.id or 0) == 2
        )


def test_a_cancelled_take_is_refunded_and_the_normal_reserve_button_is_refused(
    app: Flask, corner_setup: dict[str, Any]
) -> None:
    giver, taker, _other = corner_setup["students"]
    school_id, coordinator = corner_setup["school_id"], corner_setup["coordinator"]
    with app.app_context(), app_session(app) as session:
        book = _list(app, session, giver, school_id)
        with pytest.raises(NotThroughCorner):
            trades.reserve_listing(session=session, listing_id=book.id or 0, buyer=taker)
        session.rollback()
        swap_credits.grant(session=session, coordinator=coordinator, school_id=school_id,
                           user_id=taker.id or 0, amount=1, reason="开学")  # fmt: skip
        reservation = swap_credits.take_book(session=session, taker=taker, school_id=school_id,
                                             listing_id=book.id or 0)  # fmt: skip
        trades.cancel_reservation(session=session, reservation_id=reservation.id or 0,
                                  user=taker, reason="买到新书了")  # fmt: skip
        assert (
            swap_credits.balance(session=session, school_id=school_id, user_id=taker.id or 0) == 1
        )
        assert session.get(Listing, book.id).status == "active"  # type: ignore[union-attr]


def test_two_takes_of_the_last_credit_cannot_both_succeed(
    app: Flask, corner_setup: dict[str, Any]
) -> None:
    giver, taker, _other = corner_setup["students"]
    school_id, coordinator = corner_setup["school_id"], corner_setup["coordinator"]
    with app.app_context(), app_session(app) as session:
        ids = [_list(app, session, giver, school_id).id or 0 for _ in range(2)]
        swap_credits.grant(session=session, coordinator=coordinator, school_id=school_id,
                           user_id=taker.id or 0, amount=1, reason="一分")  # fmt: skip
    barrier, outcomes = threading.Barrier(2), []

    def attempt(listing_id: int) -> None:
        with app.app_context(), app_session(app) as own:
            barrier.wait()  # no transaction open yet: on SQLite BEGIN takes the write lock
            try:
                swap_credits.take_book(session=own, taker=taker, school_id=school_id,
                                       listing_id=listing_id)  # fmt: skip
                outcomes.append("took")
            except NoCredit:
                outcomes.append("refused")

    threads = [threading.Thread(target=attempt, args=(i,)) for i in ids]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert sorted(outcomes) == ["refused", "took"]
    with app_session(app) as session:
        assert (
            swap_credits.balance(session=session, school_id=school_id, user_id=taker.id or 0) == 0
        )
        takes = session.exec(select(CreditMove).where(CreditMove.kind == "take")).all()
        assert len(takes) == 1


def test_a_member_looking_for_a_book_is_told_when_it_is_listed(
    app: Flask, corner_setup: dict[str, Any]
) -> None:
    from market.books import wanted

    giver, seeker, _other = corner_setup["students"]
    school_id = corner_setup["school_id"]
    with app.app_context(), app_session(app) as session:
        with pytest.raises(BookError, match="校验位"):
            wanted.add_wanted(session=session, user=seeker, school_id=school_id,
                              raw_isbn="9787107382506")  # fmt: skip
        wanted.add_wanted(session=session, user=seeker, school_id=school_id,
                          raw_isbn="978-7-107-38250-5")  # fmt: skip
        listing = _list(app, session, giver, school_id)
        notes = session.exec(select(Notification).where(Notification.user_id == seeker.id)).all()
        assert len(notes) == 1 and notes[0].params["title"] == "义务教育教科书 英语 三年级 上册"
        assert notes[0].link == f"/schools/{school_id}/books/{listing.id}"
        assert not session.exec(select(Notification).where(Notification.user_id == giver.id)).all()
        assert session.exec(select(WantedBook)).one().isbn13 == ENGLISH_3A


def test_non_members_get_403_and_other_schools_404(
    app: Flask, client: FlaskClient, corner_setup: dict[str, Any], login_as: LoginAs
) -> None:
    school_id = corner_setup["school_id"]
    with app.app_context(), app_session(app) as session:
        outsider = make_user(session)
        shop = make_organization(session)
    login_as(outsider)
    for path in ("", "/desk", "/credits", "/new", "/browse"):
        assert client.get(f"/schools/{school_id}/books{path}").status_code == 403
    assert client.get(f"/schools/{shop.id}/books").status_code == 404
    assert "加入码" in client.get(f"/schools/{school_id}/books").get_data(as_text=True)


def test_a_member_lists_a_book_by_typing_its_isbn_through_the_pages(
    app: Flask, client: FlaskClient, corner_setup: dict[str, Any], login_as: LoginAs
) -> None:
    school_id, student = corner_setup["school_id"], corner_setup["students"][0]
    login_as(student)
    page = client.get(f"/schools/{school_id}/books/new?isbn=978-7-107-38250-5")
    html = page.get_data(as_text=True)
    assert page.status_code == 200 and "人民教育出版社" in html and "英语 三年级 上册" in html
    bad = client.get(f"/schools/{school_id}/books/new?isbn=9787107382506")
    assert bad.status_code == 400 and "校验位不对" in bad.get_data(as_text=True)
    token = csrf_token(client, f"/schools/{school_id}/books/new?isbn=9787107382505")
    answers = {f"q_{k}": v for k, v in BOOK_ANSWERS.items()}
    answers |= {f"d_{k}": v for k, v in BOOK_DISCLOSURES.items()}
    response = client.post(
        f"/schools/{school_id}/books/new?isbn=9787107382505",
        data={"csrf_token": token, "isbn": "9787107382505", **answers},
    )
    assert response.status_code == 302, response.get_data(as_text=True)[-3000:]
    with app_session(app) as session:
        assert session.exec(select(Textbook).where(Textbook.isbn13 == ENGLISH_3A)).one()
        assert session.exec(select(CornerBook)).one().school_id == school_id


# --- review fixes ---------------------------------------------------------------------------

UNKNOWN = "9780804429573"


def _count(session: Session, model: type[Any]) -> int:
    return session.exec(select(func.count()).select_from(model)).one()


def test_a_listing_that_only_wears_the_schools_venue_cannot_be_taken_for_a_credit(
    app: Flask, corner_setup: dict[str, Any]
) -> None:
    school_id, coordinator = corner_setup["school_id"], corner_setup["coordinator"]
    taker = corner_setup["students"][0]
    with app.app_context(), app_session(app) as session:
        outsider = make_user(session)
        stray = make_listing(session, outsider, venue=f"school:{school_id}", mode="swap",
                             price_fen=0)  # fmt: skip
        swap_credits.grant(session=session, coordinator=coordinator, school_id=school_id,
                           user_id=taker.id or 0, amount=1, reason="开学")  # fmt: skip
        with pytest.raises(NotFound, match="旧书角没有这本书"):
            swap_credits.take_book(session=session, taker=taker, school_id=school_id,
                                   listing_id=stray.id or 0)  # fmt: skip
        session.rollback()
        assert (
            swap_credits.balance(session=session, school_id=school_id, user_id=taker.id or 0) == 1
        )
        assert session.get(Listing, stray.id).status == "active"  # type: ignore[union-attr]
        assert _count(session, Reservation) == 0
        # Nor can the coordinator hand it in to pay its owner a credit.
        with pytest.raises(NotFound):
            swap_credits.hand_in(session=session, coordinator=coordinator, school_id=school_id,
                                 listing_id=stray.id or 0)  # fmt: skip
        session.rollback()
        assert _count(session, CreditMove) == 1  # the grant only


def test_a_book_already_handed_out_cannot_be_taken_again(
    app: Flask, corner_setup: dict[str, Any]
) -> None:
    giver, taker, _ = corner_setup["students"]
    school_id, coordinator = corner_setup["school_id"], corner_setup["coordinator"]
    with app.app_context(), app_session(app) as session:
        book = _list(app, session, giver, school_id)
        row = session.get(CornerBook, book.id)
        assert row is not None
        row.handed_out_at = row.handed_in_at = book.published_at  # a stale, out-of-step shelf
        session.add(row)
        session.commit()
        swap_credits.grant(session=session, coordinator=coordinator, school_id=school_id,
                           user_id=taker.id or 0, amount=1, reason="开学")  # fmt: skip
        with pytest.raises(BookError, match="已被领走"):
            swap_credits.take_book(session=session, taker=taker, school_id=school_id,
                                   listing_id=book.id or 0)  # fmt: skip


def test_the_owner_cannot_edit_withdraw_or_renew_a_corner_book_on_the_listing_pages(
    app: Flask, client: FlaskClient, corner_setup: dict[str, Any], login_as: LoginAs
) -> None:
    giver, school_id = corner_setup["students"][0], corner_setup["school_id"]
    with app.app_context(), app_session(app) as session:
        book = _list(app, session, giver, school_id)
        data = listings.ListingInput(
            title="改个名字", category=book.category, mode="sell", street=book.street,
            price_fen=500, venue=book.venue, condition=BOOK_ANSWERS,
            disclosures=BOOK_DISCLOSURES,
        )  # fmt: skip
        attempts = {
            "withdraw": lambda: listings.withdraw_listing(
                session=session, listing_id=book.id or 0, user=giver
            ),
            "renew": lambda: listings.renew_listing(
                session=session, listing_id=book.id or 0, user=giver
            ),
            "describe": lambda: listings.update_description(
                session=session, listing_id=book.id or 0, user=giver, description="x"
            ),
            "edit": lambda: listings.update_listing(
                session=session,
                listing_id=book.id or 0,
                user=giver,
                data=data,
                photos=[],
                remove_photo_ids=[],
                store=app.extensions["xunhuan.images"],
                publish=True,
            ),  # fmt: skip
        }
        for name, attempt in attempts.items():
            with pytest.raises(InvalidTransition, match="旧书角的书请在旧书角管理"):
                attempt()
            session.rollback()
            again = session.get(Listing, book.id)
            assert again is not None, name
            assert (again.status, again.title, again.mode) == ("active", book.title, "swap")
        # An ordinary listing of the same owner is not locked.
        plain = make_listing(session, giver)
        listings.withdraw_listing(session=session, listing_id=plain.id or 0, user=giver)
    login_as(giver)
    token = csrf_token(client, f"/listings/{book.id}")
    client.post(f"/listings/{book.id}/withdraw", data={"csrf_token": token})
    with app_session(app) as session:
        assert session.get(Listing, book.id).status == "active"  # type: ignore[union-attr]


def test_the_giver_withdraws_from_the_corner_until_hand_in_then_only_the_coordinator(
    app: Flask, client: FlaskClient, corner_setup: dict[str, Any], login_as: LoginAs
) -> None:
    giver, other, _ = corner_setup["students"]
    school_id, coordinator = corner_setup["school_id"], corner_setup["coordinator"]
    with app.app_context(), app_session(app) as session:
        first_id, second_id = (_list(app, session, giver, school_id).id or 0 for _ in range(2))
        with pytest.raises(BookError, match="只有送书人或协调人"):
            withdraw_book(session=session, user=other, school_id=school_id,
                          listing_id=first_id)  # fmt: skip
        session.rollback()
        swap_credits.hand_in(session=session, coordinator=coordinator, school_id=school_id,
                             listing_id=second_id)  # fmt: skip
        with pytest.raises(BookError, match="请找协调人"):
            withdraw_book(session=session, user=giver, school_id=school_id,
                          listing_id=second_id)  # fmt: skip
        session.rollback()
        withdraw_book(session=session, user=coordinator, school_id=school_id,
                      listing_id=second_id)  # fmt: skip
        assert session.get(Listing, second_id).status == "withdrawn"  # type: ignore[union-attr]
    login_as(giver)
    page = f"/schools/{school_id}/books/{first_id}"
    assert "从旧书角下架" in client.get(page).get_data(as_text=True)
    token = csrf_token(client, page)
    done = client.post(f"{page}/withdraw", data={"csrf_token": token})
    assert done.status_code == 302
    with app_session(app) as session:
        assert session.get(Listing, first_id).status == "withdrawn"  # type: ignore[union-attr]


def test_listing_a_book_commits_once(app: Flask, corner_setup: dict[str, Any]) -> None:
    giver, school_id = corner_setup["students"][0], corner_setup["school_id"]
    with app.app_context(), app_session(app) as session:
        commits: list[int] = []
        sa.event.listen(session, "after_commit", lambda _s: commits.append(1))
        with app.test_request_context():
            list_book(
                session=session, owner=giver, school_id=school_id, isbn13=UNKNOWN,
                condition=BOOK_ANSWERS, disclosures=BOOK_DISCLOSURES, photos=[],
                store=app.extensions["xunhuan.images"],
                entry=catalogue.TextbookInput(title="A Guide to Chinese", subject="英语"),
            )  # fmt: skip
        assert len(commits) == 1
    with app_session(app) as session:
        assert session.get(Textbook, UNKNOWN) is not None
        assert session.exec(select(CornerBook)).one().isbn13 == UNKNOWN


def test_a_refused_listing_leaves_no_catalogue_entry_listing_or_corner_book(
    app: Flask, client: FlaskClient, login_as: LoginAs
) -> None:
    with app.app_context(), app_session(app) as session:
        school = make_organization(session, kind=OrgKind.SCHOOL, name="无街道学校", street=None)
        coordinator = make_user(session, Role.SCHOOL_COORDINATOR, organization=school)
        klass = corner.create_class(session=session, coordinator=coordinator,
                                    school_id=school.id or 0, name="一班")  # fmt: skip
        student = make_user(session, home_street=None)
        corner.join(session=session, user=student, school_id=school.id or 0, code=klass.join_code)
        school_id = school.id
    login_as(student)
    path = f"/schools/{school_id}/books/new?isbn={UNKNOWN}"
    token = csrf_token(client, path)
    answers = {f"q_{k}": v for k, v in BOOK_ANSWERS.items()}
    answers |= {f"d_{k}": v for k, v in BOOK_DISCLOSURES.items()}
    refused = client.post(path, data={"csrf_token": token, "title": "A Guide to Chinese",
                                      "subject": "英语", **answers})  # fmt: skip
    assert refused.status_code == 400
    assert "请先在个人资料中选择所在街道" in refused.get_data(as_text=True)
    with app_session(app) as session:
        assert session.get(Textbook, UNKNOWN) is None
        assert _count(session, Listing) == _count(session, CornerBook) == 0
        assert _count(session, ListingPhoto) == 0


def test_the_credits_page_shows_only_members_of_this_school(
    app: Flask, client: FlaskClient, corner_setup: dict[str, Any], login_as: LoginAs
) -> None:
    school_id, coordinator = corner_setup["school_id"], corner_setup["coordinator"]
    member = corner_setup["students"][0]
    with app.app_context(), app_session(app) as session:
        outsider = make_user(session, display_name="钱多多")
        elsewhere = make_organization(session, kind=OrgKind.SCHOOL, name="别校", street="学府")
        other_coordinator = make_user(session, Role.SCHOOL_COORDINATOR, organization=elsewhere)
        klass = corner.create_class(session=session, coordinator=other_coordinator,
                                    school_id=elsewhere.id or 0, name="二班")  # fmt: skip
        corner.join(session=session, user=outsider, school_id=elsewhere.id or 0,
                    code=klass.join_code)  # fmt: skip
    login_as(coordinator)
    base = f"/schools/{school_id}/books/credits"
    shown = client.get(f"{base}?user_id={member.id}")
    assert shown.status_code == 200 and member.display_name in shown.get_data(as_text=True)
    for asked in (outsider.id, 999999, "x"):
        response = client.get(f"{base}?user_id={asked}")
        assert response.status_code == 404, asked
        assert "钱多多" not in response.get_data(as_text=True)
    # A member's own page ignores the parameter: only coordinators look at others.
    client.post("/account/logout", data={"csrf_token": csrf_token(client, base)})
    login_as(member)
    mine = client.get(f"{base}?user_id={outsider.id}")
    assert mine.status_code == 200 and "钱多多" not in mine.get_data(as_text=True)


def test_joining_is_rate_limited_per_user(
    app: Flask, client: FlaskClient, corner_setup: dict[str, Any], login_as: LoginAs
) -> None:
    with app.app_context(), app_session(app) as session:
        guesser = make_user(session)
    login_as(guesser)
    token = csrf_token(client, "/books")
    school_id = corner_setup["school_id"]
    statuses = [
        client.post(
            "/books", data={"csrf_token": token, "school_id": school_id, "code": f"WRONG{i}"}
        ).status_code  # fmt: skip
        for i in range(11)
    ]
    assert statuses == [400] * 10 + [429]
    right = client.post("/books", data={"csrf_token": token, "school_id": school_id,
                                        "code": corner_setup["code"]})  # fmt: skip
    assert right.status_code == 429
    assert client.get("/books").status_code == 200  # looking is not limited
    with app_session(app) as session:
        assert not session.exec(
            select(CornerMember).where(CornerMember.user_id == guesser.id)
        ).first()


def test_members_join_as_students_and_the_coordinator_marks_teachers(
    app: Flask, client: FlaskClient, corner_setup: dict[str, Any], login_as: LoginAs
) -> None:
    school_id, coordinator = corner_setup["school_id"], corner_setup["coordinator"]
    with app.app_context(), app_session(app) as session:
        teacher = make_user(session, display_name="孙老师")
    login_as(teacher)
    token = csrf_token(client, "/books")
    joined = client.post(
        "/books",
        data={"csrf_token": token, "school_id": school_id, "code": corner_setup["code"],
              "role": "teacher"},
    )  # fmt: skip
    assert joined.status_code == 302
    with app.app_context(), app_session(app) as session:
        member = session.exec(select(CornerMember).where(CornerMember.user_id == teacher.id)).one()
        assert member.role == "student"
        with pytest.raises(NotMember):
            corner.set_role(session=session, coordinator=teacher, school_id=school_id,
                            user_id=teacher.id or 0, role="teacher")  # fmt: skip
    client.post("/account/logout", data={"csrf_token": token})
    login_as(coordinator)
    desk = f"/schools/{school_id}/books/desk"
    assert "设为老师" in client.get(desk).get_data(as_text=True)
    marked = client.post(
        f"/schools/{school_id}/books/members/{teacher.id}/role",
        data={"csrf_token": csrf_token(client, desk), "role": "teacher"},
    )
    assert marked.status_code == 302
    with app.app_context(), app_session(app) as session:
        member = session.exec(select(CornerMember).where(CornerMember.user_id == teacher.id)).one()
        assert member.role == "teacher"
        with pytest.raises(BookError, match="请选择学生或老师"):
            corner.set_role(session=session, coordinator=coordinator, school_id=school_id,
                            user_id=teacher.id or 0, role="admin")  # fmt: skip
        # Moving class with a new code keeps the role the coordinator gave.
        corner.join(session=session, user=teacher, school_id=school_id,
                    code=corner_setup["code"])  # fmt: skip
        session.refresh(member)
        assert member.role == "teacher"
