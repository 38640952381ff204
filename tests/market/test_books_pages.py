"""Book corner pages: hand entry of an unknown ISBN, browsing, grants, share days, the CLI."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient, FlaskCliRunner
from sqlmodel import select

from market.accounts.models import Role
from market.books import catalogue, corner, swap_credits, wanted
from market.books.errors import BookError
from market.books.models import CornerBook, CreditMove, Textbook
from market.orgs.models import OrgKind
from tests.builders import app_session, make_organization, make_user
from tests.market.test_books import BOOK_ANSWERS, BOOK_DISCLOSURES, _list
from tests.support.auth import LoginAs, csrf_token


@pytest.fixture
def school(app: Flask) -> dict[str, Any]:
    with app.app_context(), app_session(app) as session:
        catalogue.seed(session=session)
        org = make_organization(
            session, kind=OrgKind.SCHOOL, name="天津市第二十五中学", street="广开"
        )
        coordinator = make_user(session, Role.SCHOOL_COORDINATOR, organization=org)
        klass = corner.create_class(
            session=session, coordinator=coordinator, school_id=org.id or 0, name="八年级3班"
        )
        student = make_user(session, display_name="赵小明")
        corner.join(session=session, user=student, school_id=org.id or 0, code=klass.join_code)
        return {"id": org.id, "coordinator": coordinator, "student": student}


def test_an_unknown_isbn_is_entered_by_hand_on_the_page_and_then_known(
    app: Flask, client: FlaskClient, school: dict[str, Any], login_as: LoginAs
) -> None:
    sid = school["id"]
    login_as(school["student"])
    path = f"/schools/{sid}/books/new?isbn=0-8044-2957-X"
    assert "书目里还没有这本书" in client.get(path).get_data(as_text=True)
    token = csrf_token(client, path)
    answers = {f"q_{k}": v for k, v in BOOK_ANSWERS.items()}
    answers |= {f"d_{k}": v for k, v in BOOK_DISCLOSURES.items()}
    refused = client.post(path, data={"csrf_token": token, **answers})
    assert refused.status_code == 400 and "请填写书名" in refused.get_data(as_text=True)
    with app_session(app) as session:
        assert session.get(Textbook, "9780804429573") is None
    done = client.post(
        path,
        data={"csrf_token": token, "title": "A Guide to Chinese", "publisher": "Ungar",
              "subject": "英语", "grade": "八年级", "term": "上册", **answers},
    )  # fmt: skip
    assert done.status_code == 302
    with app_session(app) as session:
        entry = session.get(Textbook, "9780804429573")
        assert entry is not None and entry.added_by == school["student"].id
        assert session.exec(select(CornerBook)).one().isbn13 == "9780804429573"
    again = client.get(f"/schools/{sid}/books/new?isbn=9780804429573").get_data(as_text=True)
    assert "A Guide to Chinese" in again and "书目里还没有这本书" not in again


def test_textbooks_browse_by_grade_and_subject_with_shelf_counts(
    app: Flask, client: FlaskClient, school: dict[str, Any], login_as: LoginAs
) -> None:
    with app.app_context(), app_session(app) as session:
        _list(app, session, school["student"], school["id"])
    login_as(school["student"])
    html = client.get(f"/schools/{school['id']}/books/browse?grade=三年级&subject=英语").get_data(
        as_text=True
    )
    assert "英语 三年级 上册" in html and "数学 三年级 上册" not in html
    assert "<td>1</td>" in html  # one on the shelf
    maths = client.get(f"/schools/{school['id']}/books/browse?subject=数学").get_data(as_text=True)
    assert "数学 二年级 上册" in maths and "英语" not in maths.split("<tbody>")[1]


def test_grants_need_a_reason_a_member_and_never_leave_a_negative_balance(
    app: Flask, school: dict[str, Any]
) -> None:
    sid, coordinator, student = school["id"], school["coordinator"], school["student"]
    with app.app_context(), app_session(app) as session:
        outsider = make_user(session)
        with pytest.raises(BookError, match="原因"):
            swap_credits.grant(session=session, coordinator=coordinator, school_id=sid,
                               user_id=student.id, amount=2, reason=" ")  # fmt: skip
        with pytest.raises(BookError, match="不是本校"):
            swap_credits.grant(session=session, coordinator=coordinator, school_id=sid,
                               user_id=outsider.id, amount=2, reason="奖励")  # fmt: skip
        with pytest.raises(BookError, match="小于0"):
            swap_credits.grant(session=session, coordinator=coordinator, school_id=sid,
                               user_id=student.id, amount=-1, reason="更正")  # fmt: skip
        swap_credits.grant(session=session, coordinator=coordinator, school_id=sid,
                           user_id=student.id, amount=3, reason="图书管理员")  # fmt: skip
        swap_credits.grant(session=session, coordinator=coordinator, school_id=sid,
                           user_id=student.id, amount=-1, reason="重复发放更正")  # fmt: skip
        assert swap_credits.balance(session=session, school_id=sid, user_id=student.id) == 2
        assert [m.delta for m in session.exec(select(CreditMove))] == [3, -1]


def test_history_page_shows_the_persons_own_moves_and_coordinators_see_anyones(
    app: Flask, client: FlaskClient, school: dict[str, Any], login_as: LoginAs
) -> None:
    sid, student = school["id"], school["student"]
    with app.app_context(), app_session(app) as session:
        swap_credits.grant(session=session, coordinator=school["coordinator"], school_id=sid,
                           user_id=student.id, amount=2, reason="读书月奖励")  # fmt: skip
    login_as(student)
    html = client.get(f"/schools/{sid}/books/credits").get_data(as_text=True)
    assert "读书月奖励" in html and 'data-testid="credit-balance">2<' in html
    # A member asking for someone else's history still sees their own.
    other = client.get(f"/schools/{sid}/books/credits?user_id={school['coordinator'].id}")
    assert "读书月奖励" in other.get_data(as_text=True)
    client.post("/account/logout", data={"csrf_token": csrf_token(client, "/")})
    login_as(school["coordinator"])
    seen = client.get(f"/schools/{sid}/books/credits?user_id={student.id}").get_data(as_text=True)
    assert "赵小明" in seen and "读书月奖励" in seen


def test_a_share_day_counts_wanted_and_offered_per_title_of_its_course_list(
    app: Flask, client: FlaskClient, school: dict[str, Any], login_as: LoginAs
) -> None:
    sid, coordinator, student = school["id"], school["coordinator"], school["student"]
    with app.app_context(), app_session(app) as session:
        day = wanted.create_share_day(
            session=session,
            coordinator=coordinator,
            school_id=sid,
            day=date(2027, 1, 15),
            place="图书馆一楼",
            notes="",
        )
        with pytest.raises(BookError):
            wanted.add_course(session=session, coordinator=coordinator, share_day=day,
                              grade="十年级", term="", subject="")  # fmt: skip
        added = wanted.add_course(session=session, coordinator=coordinator, share_day=day,
                                  grade="三年级", term="上册", subject="")  # fmt: skip
        assert added == 3  # 语文, 英语, 数学 三年级上册 in the seed
        reader = make_user(session)
        klass = corner.classes_of(session=session, school_id=sid)[0]
        corner.join(session=session, user=reader, school_id=sid, code=klass.join_code)
        wanted.add_wanted(session=session, user=reader, school_id=sid, raw_isbn="9787107382505")
        _list(app, session, student, sid)
        counts = {t.book.isbn13: (t.wanted, t.offered)
                  for t in wanted.share_day_titles(session=session, share_day=day)}  # fmt: skip
        assert counts["9787107382505"] == (1, 1)
        assert counts["9787107369247"] == (0, 0)
        day_id = day.id
    login_as(student)
    html = client.get(f"/schools/{sid}/books/share-days/{day_id}").get_data(as_text=True)
    assert "图书馆一楼" in html and "英语 三年级 上册" in html
    assert "加入课本清单" not in html  # only coordinators edit the course list


def test_coordinator_desk_is_for_this_schools_coordinators_only(
    app: Flask, client: FlaskClient, school: dict[str, Any], login_as: LoginAs
) -> None:
    with app.app_context(), app_session(app) as session:
        other = make_user(session, Role.SCHOOL_COORDINATOR)
    login_as(school["student"])
    assert client.get(f"/schools/{school['id']}/books/desk").status_code == 403
    client.post("/account/logout", data={"csrf_token": csrf_token(client, "/")})
    login_as(other)
    assert client.get(f"/schools/{school['id']}/books/desk").status_code == 403
    token = csrf_token(client, "/")
    refused = client.post(
        f"/schools/{school['id']}/books/classes", data={"csrf_token": token, "name": "x"}
    )
    assert refused.status_code == 403


def test_seed_catalogue_command_is_idempotent(app: Flask, runner: FlaskCliRunner) -> None:
    first = runner.invoke(args=["books", "seed-catalogue"])
    second = runner.invoke(args=["books", "seed-catalogue"])
    assert first.exit_code == 0 and "added 8 textbooks" in first.output
    assert "added 0 textbooks" in second.output
    with app_session(app) as session:
        assert len(session.exec(select(Textbook)).all()) == 8


def test_a_corner_book_page_says_what_capped_its_grade(
    app: Flask, client: FlaskClient, school: dict[str, Any], login_as: LoginAs
) -> None:
    from market.books.listing import list_book
    from tests.market.test_books import ENGLISH_3A

    with app.app_context(), app_session(app) as session, app.test_request_context():
        listing = list_book(
            session=session, owner=school["student"], school_id=school["id"], isbn13=ENGLISH_3A,
            condition=BOOK_ANSWERS, disclosures={**BOOK_DISCLOSURES, "ex_library": "yes"},
            photos=[], store=app.extensions["xunhuan.images"],
        )  # fmt: skip
        assert listing.grade == "C"
    login_as(school["student"])
    html = client.get(f"/schools/{school['id']}/books/{listing.id}").get_data(as_text=True)
    assert "为何是此成色" in html and "馆藏旧书" in html
