from __future__ import annotations

import pytest
from flask import Flask
from flask.testing import FlaskClient

from market.accounts.models import Role
from tests.builders import app_session, make_user
from tests.support.auth import LoginAs, csrf_token


@pytest.mark.parametrize("role", [r for r in Role if r is not Role.ADMIN])
def test_admin_pages_answer_403_to_other_roles(
    app: Flask, login_as: LoginAs, client: FlaskClient, role: Role
) -> None:
    login_as(role)
    for path in ("/admin/organizations", "/admin/users"):
        response = client.get(path)
        assert response.status_code == 403
        assert "没有权限" in response.get_data(as_text=True)


def test_admin_pages_open_for_admins(app: Flask, login_as: LoginAs, client: FlaskClient) -> None:
    login_as(Role.ADMIN)
    assert client.get("/admin/organizations").status_code == 200
    assert client.get("/admin/users").status_code == 200


def test_anonymous_visitors_are_sent_to_log_in(client: FlaskClient) -> None:
    response = client.get("/admin/users")
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/account/login?next=")


def test_staff_roles_need_an_organization_of_their_kind(app: Flask) -> None:
    from market.accounts.errors import AccountError
    from market.orgs.models import OrgKind
    from tests.builders import make_organization

    with app.app_context(), app_session(app) as session:
        school = make_organization(session, kind=OrgKind.SCHOOL)
        with pytest.raises(AccountError):
            make_user(session, role=Role.SHOP_STAFF, organization=school)
        with pytest.raises(AccountError):
            make_user(session, role=Role.REGULATOR, organization=None)
        staff = make_user(session, role=Role.SCHOOL_COORDINATOR, organization=school)
        assert staff.organization_id == school.id


def test_admin_adds_an_organization_with_a_valid_code_only(
    app: Flask, login_as: LoginAs, client: FlaskClient
) -> None:
    login_as(Role.ADMIN)
    form = {"name": "鼓楼寄卖店", "kind": "consignment_shop", "street": "鼓楼", "address": ""}
    token = csrf_token(client, "/admin/organizations")
    bad = client.post(
        "/admin/organizations", data={**form, "csrf_token": token, "uscc": "91350100M000100Y44"}
    )
    assert bad.status_code == 400
    assert "统一社会信用代码无效" in bad.get_data(as_text=True)
    assert "鼓楼寄卖店" not in client.get("/admin/organizations").get_data(as_text=True)
    good = client.post(
        "/admin/organizations", data={**form, "csrf_token": token, "uscc": "91350100m000100y43"}
    )
    assert good.status_code == 302
    page = client.get("/admin/organizations").get_data(as_text=True)
    assert "鼓楼寄卖店" in page and "91350100M000100Y43" in page
