"""The view helpers every area shares (`market/web.py`), and the lists that now come a page
at a time: the admin's accounts and the regulator's queues."""

from __future__ import annotations

import re

import pytest
from flask import Flask
from flask.testing import FlaskClient
from flask_wtf import FlaskForm
from sqlmodel import Session, col, select
from werkzeug.exceptions import Forbidden, NotFound
from wtforms import StringField

from market.accounts.models import Role, User
from market.admin.forms import OrganizationForm
from market.listings.errors import ListingError
from market.listings.models import Listing
from market.notifications import N_, notify, unread_count
from market.trades.models import Report
from market.web import attach, get_or_404, paginate, render_form
from tests.builders import make_listing, make_user
from tests.support.auth import LoginAs, csrf_token


class _Form(FlaskForm):
    class Meta:
        csrf = False

    title = StringField()
    consignor_rate = StringField()


class _Other(FlaskForm):
    class Meta:
        csrf = False

    floor = StringField()


def _error(field: str | None) -> ListingError:
    error = ListingError("价格不对。")
    error.field = field  # type: ignore[attr-defined]
    return error


def test_a_refusal_lands_on_the_field_it_names_or_above_the_form(app: Flask) -> None:
    with app.test_request_context("/"):
        form, other = _Form(), _Other()
        attach(form, _error("title"))
        attach(form, _error("split"), aliases={"split": "consignor_rate"})
        attach(form, _error("floor"), also=[other])
        attach(form, _error(None), default="title")
        attach(form, _error("data"))  # an attribute of every form, not a field: above the form
        attach(form, _error("price"))  # no such field here
        assert form.title.errors == ["价格不对。", "价格不对。"]
        assert form.consignor_rate.errors == ["价格不对。"]
        assert other.floor.errors == ["价格不对。"]
        assert form.form_errors == ["价格不对。", "价格不对。"]


def test_a_form_page_answers_400_while_it_holds_a_message(app: Flask) -> None:
    page = "admin/organizations.html"
    with app.test_request_context("/"):
        form, other = OrganizationForm(meta={"csrf": False}), _Other()
        assert render_form(page, form, organizations=[])[1] == 200
        assert render_form(page, form, failed=True, organizations=[])[1] == 400
        other.form_errors.append("x")
        assert render_form(page, form, also=[other], organizations=[])[1] == 400
        form.name.errors = ["名称不能为空。"]
        html, status = render_form(page, form, organizations=[])
        assert status == 400 and "名称不能为空。" in html


def test_a_row_or_404_and_someone_elses_is_403(app: Flask, ctx: Session) -> None:
    owner, other = make_user(ctx), make_user(ctx)
    listing = make_listing(ctx, owner)
    with app.test_request_context("/"):
        assert get_or_404(Listing, listing.id, owner=owner).id == listing.id
        assert get_or_404(Listing, listing.id).id == listing.id
        with pytest.raises(Forbidden):
            get_or_404(Listing, listing.id, owner=other)
        with pytest.raises(NotFound):
            get_or_404(Listing, (listing.id or 0) + 1000)


@pytest.mark.parametrize("as_list", [False, True])
def test_a_page_of_a_statement_or_a_list_cuts_the_same_rows(
    app: Flask, ctx: Session, as_list: bool
) -> None:
    for _ in range(5):
        make_user(ctx)
    statement = select(User).order_by(col(User.id))
    everyone = list(ctx.exec(statement))
    rows = everyone if as_list else statement
    with app.test_request_context("/admin/users?page=2&q=张"):
        page = paginate(rows, per_page=2, session=ctx)
        assert [u.id for u in page.items] == [u.id for u in everyone[2:4]]
        assert (page.page, page.pages, page.total) == (2, 3, 5)
        assert page.has_prev and page.has_next
        assert page.url(3) == "/admin/users?q=%E5%BC%A0&page=3"  # other arguments stay
    with app.test_request_context("/admin/users?page=99"):  # past the end: the last page
        page = paginate(rows, per_page=2, session=ctx)
        assert page.page == 3 and [u.id for u in page.items] == [everyone[4].id]
    for nonsense in ("0", "-1", "abc", "1e3", "９"):
        with app.test_request_context(f"/admin/users?page={nonsense}"):
            assert paginate(rows, per_page=2, session=ctx).page == 1


def _rows(html: str) -> int:
    return len(re.findall(r"<tr><td>\d+</td>", html))


def test_the_admin_sees_every_account_a_page_at_a_time(
    app: Flask, client: FlaskClient, session: Session, login_as: LoginAs
) -> None:
    for _ in range(50):
        make_user(session)
    admin = make_user(session, role=Role.ADMIN)
    total = len(session.exec(select(User.id)).all())  # the 50, the admin and anyone before
    session.commit()
    login_as(admin)
    first = client.get("/admin/users").get_data(as_text=True)
    assert _rows(first) == 50 and 'rel="next"' in first and "?page=2" in first
    assert f"共 {total} 条" in first
    second = client.get("/admin/users?page=2").get_data(as_text=True)
    assert _rows(second) == total - 50 and 'rel="prev"' in second
    nonsense = client.get("/admin/users?page=x").get_data(as_text=True)
    assert _rows(nonsense) == 50 and "第 1 / 2 页" in nonsense
    login_as(Role.REGULATOR)
    assert client.get("/admin/users").status_code == 403


def test_the_regulators_report_queue_comes_twenty_at_a_time(
    app: Flask, client: FlaskClient, session: Session, login_as: LoginAs
) -> None:
    reporter, seller = make_user(session), make_user(session)
    listing = make_listing(session, seller)
    for n in range(21):
        session.add(Report(reporter_id=reporter.id or 0, listing_id=listing.id,
                           reason="fraud", text=f"举报第{n:02d}条"))  # fmt: skip
    session.commit()
    login_as(Role.REGULATOR)
    first = client.get("/regulator/reports").get_data(as_text=True)
    assert "举报第00条" in first and "举报第19条" in first and "举报第20条" not in first
    assert 'data-testid="pager"' in first and "共 21 条" in first
    second = client.get("/regulator/reports?page=2").get_data(as_text=True)
    assert "举报第20条" in second and "举报第00条" not in second


def test_notifications_come_thirty_at_a_time_and_all_can_be_marked_read(
    app: Flask, client: FlaskClient, session: Session, login_as: LoginAs
) -> None:
    reader = make_user(session)
    for n in range(31):
        notify(session, user_id=reader.id or 0, message=N_("第%(n)d条通知"), params={"n": n})
    session.commit()
    login_as(reader)
    first = client.get("/notifications").get_data(as_text=True)
    assert "第30条通知" in first and "第1条通知" in first and "第0条通知" not in first
    assert "共 31 条" in first and 'rel="next"' in first
    second = client.get("/notifications?page=2").get_data(as_text=True)
    assert "第0条通知" in second and "第30条通知" not in second
    token = csrf_token(client, "/notifications")
    assert client.post("/notifications/read", data={"csrf_token": token}).status_code == 302
    assert unread_count(session=session, user_id=reader.id or 0) == 0
    session.commit()  # end the read, so the next request may write
    assert "全部标为已读" not in client.get("/notifications?page=2").get_data(as_text=True)


def test_an_organizations_page_shows_its_listings_a_page_at_a_time(
    app: Flask, client: FlaskClient, session: Session
) -> None:
    staff = make_user(session, role=Role.SHOP_STAFF)
    shop_id = staff.organization_id
    for n in range(25):
        make_listing(session, staff, venue=f"shop:{shop_id}", title=f"寄卖品{n:02d}")
    make_listing(session, staff, venue=f"shop:{shop_id}", title="已下架品", status="withdrawn")
    first = client.get(f"/orgs/{shop_id}").get_data(as_text=True)
    assert "寄卖品24" in first and "寄卖品01" in first and "寄卖品00" not in first
    assert "共 25 条" in first and "已下架品" not in first
    second = client.get(f"/orgs/{shop_id}?page=2").get_data(as_text=True)
    assert "寄卖品00" in second and "寄卖品24" not in second
