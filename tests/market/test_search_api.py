from __future__ import annotations

from flask import Flask
from flask.testing import FlaskClient

from market.listings.models import Listing
from tests.builders import make_listing, make_user

TITLES = [
    ("小米 13 手机 8+256G 黑色", "电子产品/手机", 159900, "A"),
    ("iPhone 12 64G 白色", "电子产品/手机", 189900, "B"),
    ("捷安特 ATX 山地自行车", "运动/自行车", 90000, "B"),
    ("人教版 高中数学 必修一", "图书/教材教辅", 1000, "C"),
    ("宜家 书桌 120x60", "家具", 20000, "B"),
]


def _seed(app: Flask) -> dict[str, Listing]:
    """Listings saved through a request session, so the index follows them as in production."""
    made: dict[str, Listing] = {}
    with app.test_request_context():
        from market.db import get_session

        session = get_session()
        owner = make_user(session)
        for title, category, price, grade in TITLES:
            made[title] = make_listing(
                session, owner, title=title, category=category, price_fen=price, grade=grade
            )
    return made


def test_search_api_finds_chinese_and_english_words(app: Flask, client: FlaskClient) -> None:
    _seed(app)
    expectations = {
        # The category's words count too: the iPhone is listed under 电子产品/手机.
        "手机": {"小米 13 手机 8+256G 黑色", "iPhone 12 64G 白色"},
        "自行车": {"捷安特 ATX 山地自行车"},
        "数学": {"人教版 高中数学 必修一"},
        "iphone": {"iPhone 12 64G 白色"},
        "小米 手机": {"小米 13 手机 8+256G 黑色"},
    }
    for query, titles in expectations.items():
        body = client.get("/api/v1/listings", query_string={"q": query}).json
        assert {item["title"] for item in body["items"]} == titles, query
        assert body["total"] == len(titles)


def test_search_api_returns_the_documented_fields(app: Flask, client: FlaskClient) -> None:
    made = _seed(app)
    body = client.get("/api/v1/listings", query_string={"q": "书桌"}).json
    assert body["page"] == 1 and body["total"] == 1
    item = body["items"][0]
    assert set(item) == {
        "id",
        "title",
        "price_fen",
        "grade",
        "mode",
        "category",
        "street",
        "venue",
        "status",
        "thumb_url",
        "url",
    }
    assert item["id"] == made["宜家 书桌 120x60"].id and item["price_fen"] == 20000
    detail = client.get(item["url"].replace("/listings/", "/api/v1/listings/")).json
    assert detail["title"] == "宜家 书桌 120x60" and detail["description"]


def test_filters_and_sorting(app: Flask, client: FlaskClient) -> None:
    _seed(app)
    phones = client.get("/api/v1/listings", query_string={"category": "电子产品"}).json
    assert phones["total"] == 2
    cheap = client.get(
        "/api/v1/listings", query_string={"category": "电子产品", "max_price": 170000}
    ).json
    assert [i["title"] for i in cheap["items"]] == ["小米 13 手机 8+256G 黑色"]
    by_price = client.get("/api/v1/listings", query_string={"sort": "price_asc"}).json
    prices = [i["price_fen"] for i in by_price["items"]]
    assert prices == sorted(prices) and len(prices) == 5
    grade_b = client.get("/api/v1/listings", query_string={"grade": "B"}).json
    assert grade_b["total"] == 3


def test_reserved_and_withdrawn_listings_are_not_offered(app: Flask, client: FlaskClient) -> None:
    made = _seed(app)
    with app.test_request_context():
        from market.db import get_session
        from market.listings.services import withdraw_listing
        from market.trades.services import reserve_listing

        session = get_session()
        buyer = make_user(session)
        owner = session.get(type(buyer), made["宜家 书桌 120x60"].owner_id)
        reserve_listing(session=session, listing_id=made["宜家 书桌 120x60"].id or 0, buyer=buyer)
        withdraw_listing(session=session, listing_id=made["iPhone 12 64G 白色"].id or 0, user=owner)  # type: ignore[arg-type]
    titles = {i["title"] for i in client.get("/api/v1/listings").json["items"]}
    assert "宜家 书桌 120x60" not in titles and "iPhone 12 64G 白色" not in titles
    assert len(titles) == 3


def test_bad_parameters_get_json_with_a_reason(app: Flask, client: FlaskClient) -> None:
    _seed(app)
    for args in (
        {"min_price": "-1"},
        {"max_price": "abc"},
        {"category": "汽车"},
        {"grade": "Z"},
        {"sort": "random"},
        {"page": "0"},
        {"page": "99"},
        {"q": "手" * 101},
        {"min_price": "500", "max_price": "100"},
    ):
        response = client.get("/api/v1/listings", query_string=args)
        assert response.status_code == 400, args
        assert response.json["reason"], args


def test_unknown_listing_is_a_json_404(client: FlaskClient) -> None:
    response = client.get("/api/v1/listings/999999")
    assert response.status_code == 404 and response.json["reason"]


def test_the_search_page_highlights_and_escapes(app: Flask, client: FlaskClient) -> None:
    with app.test_request_context():
        from market.db import get_session

        session = get_session()
        make_listing(session, make_user(session), title="<b>书桌</b> 简约", category="家具")
    html = client.get("/search", query_string={"q": "书桌"}).get_data(as_text=True)
    assert "<mark>书桌</mark>" in html
    assert "<b>" not in html  # the seller's markup is shown as text, never as markup
    assert "&lt;b&gt;" in html


def test_a_broken_index_still_serves_and_says_it_is_rebuilding(
    app: Flask, client: FlaskClient
) -> None:
    from market.search.errors import SearchUnavailable

    class Broken:
        def search(self, *args: object, **kwargs: object) -> None:
            raise SearchUnavailable("corrupt")

    app.extensions["xunhuan.search"] = Broken()
    page = client.get("/search", query_string={"q": "书桌"})
    assert page.status_code == 200
    assert "搜索索引正在重建" in page.get_data(as_text=True)
    assert client.get("/").status_code == 200
    assert client.get("/api/v1/listings").status_code == 503


def test_a_corrupted_index_on_disk_is_rebuilt_from_the_database(
    app: Flask, client: FlaskClient
) -> None:
    import time
    from pathlib import Path

    _seed(app)
    root = Path(app.config["DATA_DIR"]) / "search"
    for path in root.rglob("*"):
        if path.is_file() and path.suffix in (".toc", ".seg", ".pst", ".trm", ".fdt", ".pos"):
            path.write_bytes(b"\x00garbage" * 7)
    index = app.extensions["xunhuan.search"]
    index.close()
    first = client.get("/search", query_string={"q": "书桌"})
    assert first.status_code == 200
    assert "搜索索引正在重建" in first.get_data(as_text=True)
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        body = client.get("/api/v1/listings", query_string={"q": "书桌"})
        if body.status_code == 200:
            break
        time.sleep(0.2)
    assert body.status_code == 200 and body.json["total"] == 1


def test_reindex_command_rebuilds_from_the_database(app: Flask, client: FlaskClient) -> None:
    _seed(app)
    app.extensions["xunhuan.search"].rebuild([])
    assert client.get("/api/v1/listings").json["total"] == 0
    result = app.test_cli_runner().invoke(args=["reindex"])
    assert result.exit_code == 0 and "indexed 5 listings" in result.output
    assert client.get("/api/v1/listings").json["total"] == 5


def test_odd_numbers_and_huge_ids_are_answered_not_crashed_on(client: FlaskClient) -> None:
    for args in ({"page": "²"}, {"min_price": "³"}, {"max_price": "¼"}):
        response = client.get("/api/v1/listings", query_string=args)
        assert response.status_code == 400 and response.json["reason"], args
    assert client.get("/search", query_string={"min_yuan": "²"}).status_code == 400
    for path in (
        "/listings/99999999999999999999",
        "/users/99999999999999999999",
        "/api/v1/listings/99999999999999999999",
    ):
        assert client.get(path).status_code == 404, path
