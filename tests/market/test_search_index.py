"""The search index, on real whoosh indexes in a temporary directory."""

from __future__ import annotations

import html
import random
import re
from collections import Counter
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from itertools import count
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from market.search import SORTS, SearchIndex, SearchUnavailable
from market.search.storage import WriteLock

_ids = count(1)
DAY0 = datetime(2026, 3, 1, 9, 0, tzinfo=UTC)


def listing(title: str, **overrides: Any) -> dict[str, Any]:
    """An active listing dict as the app hands it over; each call a new id, a day newer."""
    listing_id = overrides.pop("id", None) or next(_ids)
    doc: dict[str, Any] = {
        "id": listing_id,
        "version": 1,
        "title": title,
        "description": "",
        "category": "其他",
        "grade": "A",
        "mode": "sell",
        "status": "active",
        "street": "学府",
        "venue": "online",
        "price_fen": 1000,
        "published_at": DAY0 + timedelta(days=listing_id % 1000),
        "owner_id": 1,
        "thumb": "",
    }
    doc.update(overrides)
    return doc


CATALOG = [
    listing("小米 13 手机 8+256G", id=1, category="电子产品/手机", price_fen=159900),
    listing("iPhone 12 64G 白色", id=2, category="电子产品/手机", price_fen=189900, grade="B"),
    listing("捷安特 ATX 山地自行车", id=3, category="运动/自行车", price_fen=90000, grade="B"),
    listing("人教版 高中数学 必修一", id=4, category="图书/教材教辅", price_fen=1000, grade="C"),
    listing("小米 电动滑板车 Pro", id=5, category="运动/自行车", price_fen=120000),
    listing("华为 MatePad 平板", id=6, category="电子产品/平板", price_fen=99900, street="华苑"),
    listing(
        "蓝牙耳机",
        id=7,
        category="电子产品/智能穿戴",
        description="送一个手机支架，九成新",
        price_fen=5000,
        venue="shop:3",
    ),
    listing("Decathlon road bikes", id=8, category="运动/自行车", price_fen=80000, mode="rent"),
    listing("宜家 书桌", id=9, category="家具", price_fen=0, mode="give"),
]


OpenIndex = Callable[..., SearchIndex]


@pytest.fixture
def open_index() -> Iterator[OpenIndex]:
    """Open SearchIndex instances, each closed after the test as a worker closes at exit."""
    opened: list[SearchIndex] = []

    def open_(path: Path, **options: Any) -> SearchIndex:
        opened.append(SearchIndex(path, **options))
        return opened[-1]

    yield open_
    for index in opened:
        index.close()


@pytest.fixture
def index(tmp_path: Path, open_index: OpenIndex) -> SearchIndex:
    index = open_index(tmp_path / "search")
    index.rebuild(CATALOG)
    return index


def ids(page: Any) -> list[int]:
    return [item["id"] for item in page.items]


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        # 7 says 手机 only in its description; 2 never says it but is listed under 电子产品/手机
        ("手机", {1, 2, 7}),
        ("小米 手机", {1}),
        ("数学", {4}),
        ("iphone", {2}),
        ("自行车", {3, 5, 8}),  # 5 and 8 never say it but are listed under 运动/自行车
        ("小米", {1, 5}),
        ("IPHONE", {2}),
        ("ｉＰｈｏｎｅ", {2}),  # full-width letters from a Chinese keyboard
        ("bike", {8}),
        ("高中数学", {4}),
        ("山地车", set()),
    ],
)
def test_words_find_the_listings_a_person_expects(
    index: SearchIndex, query: str, expected: set[int]
) -> None:
    page = index.search(query)
    assert set(ids(page)) == expected
    assert page.total == len(expected)


def test_a_listing_must_contain_every_typed_word(index: SearchIndex) -> None:
    assert ids(index.search("小米 平板")) == []
    assert ids(index.search("华为 平板")) == [6]


def test_only_active_listings_show_unless_other_statuses_are_asked_for(
    tmp_path: Path, open_index: OpenIndex
) -> None:
    index = open_index(tmp_path / "search")
    statuses = ["active", "draft", "reserved", "completed", "withdrawn", "expired"]
    index.rebuild(listing(f"台灯 {s}", id=n, status=s) for n, s in enumerate(statuses, 1))
    assert ids(index.search("台灯")) == [1]
    assert set(ids(index.search("台灯", statuses=["active", "reserved"]))) == {1, 3}
    assert index.search("", statuses=["withdrawn"]).total == 1
    with pytest.raises(ValueError):
        index.search("台灯", statuses=["deleted"])


def test_an_owner_can_be_shown_only_their_own_listings(
    tmp_path: Path, open_index: OpenIndex
) -> None:
    index = open_index(tmp_path / "search")
    index.rebuild(
        [
            listing("台灯 a", id=1, owner_id=7, status="reserved"),
            listing("台灯 b", id=2, owner_id=8, status="reserved"),
            listing("台灯 c", id=3, owner_id=7),
        ]
    )
    mine = index.search("台灯", owner_id=7, statuses=["active", "reserved"])
    assert set(ids(mine)) == {1, 3}


def test_a_top_category_matches_all_its_subcategories(index: SearchIndex) -> None:
    assert set(ids(index.search("", category="电子产品"))) == {1, 2, 6, 7}
    assert set(ids(index.search("", category="电子产品/手机"))) == {1, 2}
    assert set(ids(index.search("", category="运动/自行车"))) == {3, 5, 8}
    assert set(ids(index.search("", category=["家具", "图书"]))) == {4, 9}
    assert ids(index.search("", category="电子")) == []


def test_filters_narrow_by_grade_mode_street_venue_and_price(index: SearchIndex) -> None:
    assert set(ids(index.search("", grade=["B", "C"]))) == {2, 3, 4}
    assert ids(index.search("", mode="rent")) == [8]
    assert ids(index.search("", street="华苑")) == [6]
    assert ids(index.search("", venue="shop:3")) == [7]
    assert set(ids(index.search("", min_price=80000, max_price=100000))) == {3, 6, 8}
    assert set(ids(index.search("", max_price=1000))) == {4, 9}
    assert ids(index.search("手机", grade="C")) == []


def test_sorts_order_by_price_and_by_date(index: SearchIndex) -> None:
    by_price = [item["price_fen"] for item in index.search("", sort="price_asc").items]
    assert by_price == sorted(by_price) and len(by_price) == len(CATALOG)
    dearest = index.search("", sort="price_desc").items
    assert [i["price_fen"] for i in dearest] == sorted(by_price, reverse=True)
    newest = [item["published_at"] for item in index.search("", sort="newest").items]
    assert newest == sorted(newest, reverse=True)


def test_an_empty_query_lists_everything_newest_first(index: SearchIndex) -> None:
    page = index.search("")
    assert page.total == len(CATALOG)
    assert ids(page) == sorted((doc["id"] for doc in CATALOG), reverse=True)


def test_relevance_puts_title_matches_before_description_matches(
    tmp_path: Path, open_index: OpenIndex
) -> None:
    index = open_index(tmp_path / "search")
    index.rebuild(
        [
            listing("台灯 LED", id=1),
            listing("旧书 一箱", id=2, description="附赠一个台灯"),  # the newest
        ]
    )
    assert ids(index.search("台灯")) == [1, 2]
    assert ids(index.search("台灯", sort="newest")) == [2, 1]


def test_a_listing_is_found_by_its_category_words_after_the_title_matches(
    index: SearchIndex,
) -> None:
    # The iPhone (2) never says 手机 but is listed under 电子产品/手机; it ranks with the
    # description-only match (7) below the listing that says 手机 in its title (1).
    assert ids(index.search("手机")) == [1, 7, 2]
    assert ids(index.search("iphone 手机")) == [2]
    assert ids(index.search("电子产品", category="电子产品/手机")) == [2, 1]


def test_facets_count_the_whole_matching_set_not_just_the_page(index: SearchIndex) -> None:
    page = index.search("", per_page=2)
    assert len(page.items) == 2
    assert page.facets["category"]["电子产品"] == 4
    assert page.facets["category"]["电子产品/手机"] == 2
    assert page.facets["grade"] == {"A": 6, "B": 2, "C": 1}
    assert page.facets["mode"]["give"] == 1
    assert page.facets["street"] == {"学府": 8, "华苑": 1}
    assert page.facets["venue"] == {"online": 8, "shop:3": 1}


def test_each_facet_ignores_its_own_filter_but_obeys_the_others(index: SearchIndex) -> None:
    page = index.search("", grade="B", category="运动")
    assert set(ids(page)) == {3}
    assert page.facets["grade"] == {"B": 1, "A": 2}  # what choosing another grade would give
    assert page.facets["category"]["电子产品"] == 1  # iPhone 12 is grade B too
    assert page.facets["street"] == {"学府": 1}


def test_pages_split_the_results_without_gaps_or_repeats(
    tmp_path: Path, open_index: OpenIndex
) -> None:
    index = open_index(tmp_path / "search")
    index.rebuild(listing(f"旧书 第{n}本", id=n) for n in range(1, 46))
    pages = [index.search("旧书", page=n, per_page=20) for n in (1, 2, 3, 4)]
    assert [p.pages for p in pages] == [3, 3, 3, 3]
    assert [len(p.items) for p in pages] == [20, 20, 5, 0]
    seen = [i for p in pages for i in ids(p)]
    assert sorted(seen) == list(range(1, 46))
    assert all(p.total == 45 for p in pages)


def test_highlights_mark_the_matches_and_escape_everything_else(
    tmp_path: Path, open_index: OpenIndex
) -> None:
    index = open_index(tmp_path / "search")
    evil = '<img src=x onerror="alert(1)"> 手机 & <b>壳</b>'
    index.rebuild([listing(f"<script>手机</script> {'x' * 5}", id=1, description=evil)])
    item = index.search("手机").items[0]
    title, snippet = item["highlights"]["title"], item["highlights"]["snippet"]
    assert title == "&lt;script&gt;<mark>手机</mark>&lt;/script&gt; xxxxx"
    assert "<mark>手机</mark>" in snippet and "&lt;img" in snippet and "&amp;" in snippet
    assert re.sub(r"</?mark>", "", snippet).count("<") == 0
    assert html.unescape(re.sub(r"</?mark>", "", title)) == item["title"]


def test_a_snippet_shows_the_part_of_a_long_description_that_matched(
    tmp_path: Path, open_index: OpenIndex
) -> None:
    index = open_index(tmp_path / "search")
    description = "很长的介绍。" * 40 + "附赠原装充电器一个。" + "结尾" * 30
    index.rebuild([listing("手机", id=1, description=description)])
    snippet = index.search("充电器").items[0]["highlights"]["snippet"]
    assert "<mark>充电器</mark>" in snippet
    assert snippet.startswith("…") and snippet.endswith("…")
    assert len(re.sub(r"</?mark>", "", snippet)) <= 82


@pytest.mark.parametrize(
    "query",
    [
        '"unbalanced',
        "AND",
        "OR NOT",
        "*",
        "手机 AND",
        "title:手机",
        "status:withdrawn",
        "(((",
        "手机~2^3",
        "a" * 2000,
        "手机" * 1000,
        "\x00\n\t",
        "<script>alert(1)</script>",
    ],
)
def test_malformed_query_text_is_answered_as_plain_words(index: SearchIndex, query: str) -> None:
    page = index.search(query)
    assert page.total >= 0
    assert all(item["status"] == "active" for item in page.items)


def test_field_syntax_cannot_reach_hidden_listings(tmp_path: Path, open_index: OpenIndex) -> None:
    index = open_index(tmp_path / "search")
    index.rebuild([listing("台灯", id=1, status="withdrawn")])
    for query in ("status:withdrawn", "tags:status:withdrawn", "台灯 OR status:withdrawn"):
        assert index.search(query).total == 0


@settings(
    max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(query=st.text(max_size=300), page=st.integers(-5, 50), sort=st.sampled_from(SORTS))
def test_arbitrary_query_text_never_raises(
    index: SearchIndex, query: str, page: int, sort: Any
) -> None:
    result = index.search(query, page=page, sort=sort, grade=["A", "B"])
    assert result.total <= len(CATALOG)
    assert len(result.items) <= 20


def test_a_saved_listing_is_findable_as_soon_as_upsert_returns(
    index: SearchIndex, open_index: OpenIndex
) -> None:
    other_process_view = open_index(index.path)
    assert other_process_view.search("收音机").total == 0
    assert index.upsert([listing("老式 收音机", id=100)]) == "applied"
    assert ids(index.search("收音机")) == [100]
    assert ids(other_process_view.search("收音机")) == [100]


def test_an_edit_replaces_the_listing_instead_of_adding_a_second(index: SearchIndex) -> None:
    index.upsert([listing("小米 13 手机 已降价", id=1, version=2, price_fen=99900)])
    assert index.search("小米 手机").total == 1
    assert index.search("降价").items[0]["price_fen"] == 99900
    index.upsert([listing("小米 13 手机", id=1, version=3, status="reserved")])
    assert index.search("小米 手机").total == 0


def test_an_older_version_never_overwrites_a_newer_one(index: SearchIndex) -> None:
    index.upsert([listing("台灯 新的", id=50, version=7)])
    index.upsert([listing("台灯 旧的", id=50, version=6)])
    assert [i["title"] for i in index.search("台灯").items] == ["台灯 新的"]
    index.upsert([listing("台灯 旧的", id=50, version=5), listing("台灯 最新", id=50, version=8)])
    assert [i["title"] for i in index.search("台灯").items] == ["台灯 最新"]


def test_updated_at_can_stand_in_for_the_version(index: SearchIndex) -> None:
    later, earlier = DAY0 + timedelta(hours=2), DAY0 + timedelta(hours=1)
    base = listing("台灯", id=60)
    del base["version"]
    index.upsert([{**base, "title": "台灯 后改", "updated_at": later}])
    index.upsert([{**base, "title": "台灯 先改", "updated_at": earlier}])
    assert index.search("台灯").items[0]["title"] == "台灯 后改"


def test_a_deleted_listing_stays_gone_even_if_a_late_write_arrives(index: SearchIndex) -> None:
    index.delete([1])
    assert 1 not in ids(index.search("手机"))
    index.upsert([listing("小米 13 手机", id=1, version=99)])
    assert 1 not in ids(index.search("手机"))
    index.rebuild(doc for doc in CATALOG if doc["id"] != 1)
    index.upsert([listing("小米 13 手机", id=1, version=100)])
    assert 1 not in ids(index.search("手机"))


@pytest.mark.parametrize(
    "bad",
    [
        {"grade": "S"},
        {"status": "deleted"},
        {"price_fen": -1},
        {"published_at": datetime(2026, 1, 1)},  # naive
        {"category": ""},
        {"title": None},
        {"version": None},
    ],
)
def test_a_malformed_listing_is_refused_before_anything_is_written(
    index: SearchIndex, bad: dict[str, Any]
) -> None:
    with pytest.raises(ValueError):
        index.upsert([listing("好的 台灯", id=70), {**listing("坏的", id=71), **bad}])
    assert index.search("台灯").total == 0


def test_a_write_that_cannot_get_the_lock_is_queued_then_applied_by_the_next_writer(
    index: SearchIndex, open_index: OpenIndex
) -> None:
    impatient = open_index(index.path, lock_timeout=0.05)
    held = WriteLock(index.path / "write.lock")
    assert held.acquire(timeout=0)
    try:
        assert impatient.upsert([listing("收音机", id=200)]) == "queued"
        assert impatient.status().pending == 1
    finally:
        held.release()
    assert index.upsert([listing("唱片机", id=201)]) == "applied"
    assert ids(index.search("收音机")) == [200] and ids(index.search("唱片机")) == [201]
    assert index.status().pending == 0


def test_a_queued_write_is_applied_by_the_next_search(
    index: SearchIndex, open_index: OpenIndex
) -> None:
    impatient = open_index(index.path, lock_timeout=0)
    held = WriteLock(index.path / "write.lock")
    assert held.acquire(timeout=0)
    try:
        assert impatient.delete([2]) == "queued"
        assert 2 in ids(index.search("iphone"))  # lock still held: the queue waits
    finally:
        held.release()
    assert 2 not in ids(index.search("iphone"))


def test_a_rebuild_swaps_in_a_fresh_index_and_drops_the_old_one(index: SearchIndex) -> None:
    before = index.path / (index.path / "CURRENT").read_text().strip()
    assert index.rebuild([listing("收音机", id=300)]) == 1
    assert index.search("").total == 1 and ids(index.search("收音机")) == [300]
    assert not before.exists()


def test_writes_during_a_rebuild_are_queued_and_land_in_the_new_index(
    index: SearchIndex, open_index: OpenIndex
) -> None:
    meanwhile = open_index(index.path)

    def docs() -> Iterator[dict[str, Any]]:
        yield from CATALOG
        # A request saving a listing while the rebuild runs: it must not wait, nor be lost.
        assert meanwhile.upsert([listing("收音机", id=400)]) == "queued"
        assert meanwhile.status().rebuilding
        assert ids(meanwhile.search("小米 手机")) == [1]  # the old index still answers

    index.rebuild(docs())
    assert ids(index.search("收音机")) == [400]
    assert index.status().pending == 0 and not index.status().rebuilding


def test_a_failed_rebuild_leaves_the_old_index_in_place(index: SearchIndex) -> None:
    with pytest.raises(ValueError):
        index.rebuild([*CATALOG[:2], listing("坏的", id=500, grade="S")])
    assert index.search("").total == len(CATALOG)
    assert len(list(index.path.glob("gen-*"))) == 1


def test_status_reports_a_ready_index_and_its_size(index: SearchIndex) -> None:
    status = index.status()
    assert (status.state, status.documents, status.pending) == ("ready", len(CATALOG), 0)


def test_a_missing_index_is_reported_and_search_raises_until_rebuilt(
    tmp_path: Path, open_index: OpenIndex
) -> None:
    index = open_index(tmp_path / "nothing-here")
    with pytest.raises(SearchUnavailable) as raised:
        index.search("手机")
    assert raised.value.problem == "missing"
    assert index.status().state == "missing"
    assert index.upsert([listing("收音机", id=600)]) == "queued"  # kept for the rebuild
    index.rebuild(CATALOG)
    assert index.search("手机").total == 3 and ids(index.search("收音机")) == [600]


def _segment_files(index: SearchIndex) -> list[Path]:
    live = index.path / (index.path / "CURRENT").read_text().strip()
    return sorted(live.glob("*.seg"))


def _corrupt_toc(index: SearchIndex) -> None:
    live = index.path / (index.path / "CURRENT").read_text().strip()
    for toc in live.glob("*.toc"):
        toc.write_bytes(b"\x00garbage" * 10)


def _truncate_segment(index: SearchIndex) -> None:
    for seg in _segment_files(index):
        seg.write_bytes(seg.read_bytes()[: seg.stat().st_size // 3])


def _scribble_on_segment(index: SearchIndex) -> None:
    for seg in _segment_files(index):
        data = bytearray(seg.read_bytes())
        data[100:-100] = bytes(len(data) - 200)
        seg.write_bytes(bytes(data))


def _remove_generation(index: SearchIndex) -> None:
    for live in index.path.glob("gen-*"):
        for f in live.iterdir():
            f.unlink()
        live.rmdir()


@pytest.mark.parametrize(
    ("damage", "problem"),
    [
        (_corrupt_toc, "corrupt"),
        (_truncate_segment, "corrupt"),
        (_scribble_on_segment, "corrupt"),
        (_remove_generation, "missing"),
    ],
)
def test_a_damaged_index_is_reported_until_a_rebuild_repairs_it(
    tmp_path: Path, damage: Any, problem: str, open_index: OpenIndex
) -> None:
    index = open_index(tmp_path / "search")
    index.rebuild(CATALOG)
    warm = open_index(index.path)  # a worker that had the index open when the damage came
    assert warm.search("手机").total == 3
    damage(index)
    cold = open_index(index.path)  # a worker started afterwards
    with pytest.raises(SearchUnavailable) as raised:
        cold.search("手机")
    assert raised.value.problem == problem
    assert cold.status().state == problem
    # The warm worker may answer from memory until it touches the damage; a write does.
    assert warm.upsert([listing("收音机", id=700)]) == "queued"
    assert warm.status().state == problem
    with pytest.raises(SearchUnavailable):
        warm.search("手机")
    index.rebuild(CATALOG)
    for who in (cold, warm, index):
        assert set(ids(who.search("手机"))) == {1, 2, 7}
        assert ids(who.search("收音机")) == [700]


def test_an_unreadable_queued_write_is_set_aside_and_does_not_block_the_others(
    index: SearchIndex,
) -> None:
    pending = index.path / "pending"
    pending.mkdir(exist_ok=True)
    (pending / "00000000000000000001-1-aaaa.json").write_text("{not json")
    (pending / "00000000000000000002-1-bbbb.json").write_text('{"records": [{"id": "x"}]}')
    assert index.upsert([listing("收音机", id=800)]) == "applied"
    assert ids(index.search("收音机")) == [800]
    assert index.status().pending == 0
    assert len(list((pending / "unreadable").iterdir())) == 2


def _reference(docs: dict[int, dict[str, Any]], query: str, **f: Any) -> tuple[list[int], dict]:
    """What a search must answer, worked out the slow obvious way from the same analysis."""
    from market.search.analyzer import query_groups, terms

    groups = query_groups(query)

    def has(group: Any, words: set[str]) -> bool:
        return group.whole in words or bool(group.parts) and set(group.parts) <= words

    def passes(doc: dict[str, Any], skip: str = "") -> bool:
        # A word counts in the title, the description or the words of the category path.
        category_words = " ".join(doc["category"].split("/"))
        text = {*terms(doc["title"]), *terms(doc["description"]), *terms(category_words)}
        cats = {doc["category"], doc["category"].split("/")[0]}
        return (
            doc["status"] == "active"
            and all(has(g, text) for g in groups)
            and (skip == "grade" or "grade" not in f or doc["grade"] in f["grade"])
            and (skip == "street" or "street" not in f or doc["street"] == f["street"])
            and (skip == "category" or "category" not in f or f["category"] in cats)
            and f.get("min_price", 0) <= doc["price_fen"] <= f.get("max_price", 10**12)
        )

    def key(doc: dict[str, Any]) -> tuple[Any, ...]:
        newest = (-doc["published_at"].timestamp(), -doc["id"])
        title = set(terms(doc["title"]))
        tier = 2 if all(has(g, title) for g in groups) else int(any(has(g, title) for g in groups))
        sort = f.get("sort", "relevance")
        if sort == "price_asc":
            return (doc["price_fen"], *newest)
        if sort == "price_desc":
            return (-doc["price_fen"], *newest)
        return (-tier, *newest) if sort == "relevance" and groups else newest

    found = sorted((d for d in docs.values() if passes(d)), key=key)
    grades = Counter(d["grade"] for d in docs.values() if passes(d, skip="grade"))
    return [d["id"] for d in found], dict(grades)


def test_results_facets_and_pages_agree_with_a_plain_model_across_segments(
    tmp_path: Path, open_index: OpenIndex
) -> None:
    rng = random.Random(7)
    words = ["手机", "小米", "自行车", "数学", "iPhone", "台灯", "书桌", "bike", "九成新", "自提"]
    docs: dict[int, dict[str, Any]] = {}

    def random_listing(listing_id: int, version: int = 1) -> dict[str, Any]:
        return listing(
            " ".join(rng.sample(words, 2)),
            id=listing_id,
            version=version,
            description=" ".join(rng.sample(words, 3)),
            category=rng.choice(["电子产品/手机", "电子产品/平板", "家具", "图书/教材教辅"]),
            grade=rng.choice(["A", "B", "C"]),
            street=rng.choice(["学府", "华苑", "长虹"]),
            status=rng.choice(["active"] * 4 + ["reserved"]),
            price_fen=rng.choice([0, 500, 1000, 2500, 99900]),
            published_at=DAY0 + timedelta(hours=rng.randint(0, 400)),
        )

    index = open_index(tmp_path / "search")
    docs = {n: random_listing(n) for n in range(1, 201)}
    index.rebuild(list(docs.values()), procs=2)  # two writer processes: two segments
    for n in rng.sample(range(1, 260), 60):  # edits and new listings: more, smaller segments
        docs[n] = random_listing(n, version=2)
        index.upsert([docs[n]])
    for n in rng.sample(sorted(docs), 10):
        index.delete([n])
        del docs[n]

    cases: list[tuple[str, dict[str, Any]]] = [
        ("", {}),
        ("手机", {}),
        ("小米 手机", {"sort": "newest"}),
        ("iphone", {"sort": "price_asc"}),
        ("九成新", {"sort": "price_desc", "grade": ["A", "C"]}),
        ("", {"category": "电子产品", "sort": "price_asc", "min_price": 500, "max_price": 2500}),
        ("自提", {"street": "华苑", "category": "家具"}),
        ("平板 九成新", {}),  # 平板 is only ever a category word here
        ("电子产品 自提", {"sort": "price_desc"}),
        ("家具 书桌", {}),
    ]
    for query, filters in cases:
        expected, grades = _reference(docs, query, **filters)
        pages = [index.search(query, page=p, per_page=7, **filters) for p in range(1, 40)]
        assert [i for page in pages for i in ids(page)] == expected, (query, filters)
        assert pages[0].total == len(expected)
        assert pages[0].facets["grade"] == grades
