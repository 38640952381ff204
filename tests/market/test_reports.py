from __future__ import annotations

import io

from flask import Flask
from flask.testing import FlaskClient
from sqlmodel import select

from market.trades.models import Report
from tests.builders import app_session, make_listing, make_user, picture
from tests.support.auth import LoginAs, csrf_token


def test_a_resident_reports_a_listing_with_a_photo(
    app: Flask, client: FlaskClient, login_as: LoginAs
) -> None:
    with app.app_context(), app_session(app) as session:
        seller = make_user(session)
        listing = make_listing(session, seller, category="电子产品/手机")
        reporter = make_user(session)
    login_as(reporter)
    url = f"/report?listing={listing.id}"
    response = client.post(
        url,
        data={
            "csrf_token": csrf_token(client, url),
            "reason": "data_not_cleared",
            "text": "手机里还有前主人的照片。",
            "photo": (io.BytesIO(picture()), "evidence.jpg"),
        },
        content_type="multipart/form-data",
    )
    assert response.status_code == 302
    with app_session(app) as session:
        report = session.exec(select(Report)).one()
    assert (report.listing_id, report.reporter_id, report.reason) == (
        listing.id,
        reporter.id,
        "data_not_cleared",
    )
    assert report.photo_key and client.get(f"/images/{report.photo_key}/320.jpg").status_code == 200


def test_a_report_without_text_is_refused_and_stores_nothing(
    app: Flask, client: FlaskClient, login_as: LoginAs
) -> None:
    with app.app_context(), app_session(app) as session:
        target = make_user(session)
        reporter = make_user(session)
    login_as(reporter)
    url = f"/report?user={target.id}"
    response = client.post(url, data={"csrf_token": csrf_token(client, url), "reason": "fraud"})
    assert response.status_code == 400 and "请说明情况。" in response.get_data(as_text=True)
    with app_session(app) as session:
        assert session.exec(select(Report)).all() == []


def test_the_seller_page_masks_the_name_and_counts_trades(app: Flask, client: FlaskClient) -> None:
    with app.app_context(), app_session(app) as session:
        seller = make_user(session, display_name="王小明")
        make_listing(session, seller, title="儿童自行车")
    page = client.get(f"/users/{seller.id}").get_data(as_text=True)
    assert "王**" in page and "王小明" not in page
    assert "儿童自行车" in page
