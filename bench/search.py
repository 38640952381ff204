"""Benchmark the search index on 100,000 listings against a naive SQLite LIKE scan of the same rows.

    .venv/bin/python bench/search.py            # about 1.5 minutes on 2 cores
    .venv/bin/python bench/search.py --count 20000 --skip-single-process

Reports: rebuild time (2 writer processes, then 1), index size, the latency of 500 mixed
queries (page 1 of 20, the total and the facets) on cold and then warm term caches, how soon a
saved listing is found by another worker, and the same 500 queries as LIKE scans in an
in-memory SQLite database (page 1 of 20 and the total only: no facets, no highlights).
"""

from __future__ import annotations

import argparse
import random
import shutil
import sqlite3
import statistics
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from functools import partial
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from market.search import SearchIndex, load_dictionary  # noqa: E402

SEED = 20260101
STREETS = ["长虹", "鼓楼", "兴南", "广开", "万兴", "学府", "向阳路", "嘉陵道", "王顶堤", "水上公园",
           "体育中心", "华苑"]  # fmt: skip
GRADES = ["N", "A+", "A", "B", "C", "D", "F"]
MODES = ["sell"] * 14 + ["swap", "swap", "give", "give", "rent", "rent"]
STATUSES = ["active"] * 70 + ["reserved"] * 5 + ["completed"] * 10 + ["withdrawn"] * 5
STATUSES += ["expired"] * 8 + ["draft"] * 2
VENUES = ["online"] * 14 + [f"shop:{n}" for n in range(1, 5)] + ["market:1", "market:2"]
# category: (weight, price range in yuan, title templates)
ITEMS: dict[str, tuple[int, tuple[int, int], list[str]]] = {
    "电子产品/手机": (12, (150, 6000), [
        "小米 {n} 手机 8+256G", "iPhone {n} Pro 256GB", "华为 Mate {n} 手机", "OPPO Reno{n} 手机",
        "vivo X{n} 5G手机", "荣耀 {n} 手机 12+512G", "Redmi Note {n} 备用机", "Samsung Galaxy S{n}",
        "二手 iPhone {n} 国行", "一加 {n} 游戏手机"]),
    "电子产品/电脑": (8, (500, 9000), [
        "联想 ThinkPad X1 第{n}代", "MacBook Air M{n} 13寸", "戴尔 XPS {n} 笔记本电脑",
        "华硕 天选{n} 游戏本", "惠普 战{n} 笔记本", "组装台式机 i5 {n}代 主机"]),
    "电子产品/平板": (4, (300, 5000), [
        "iPad Air {n} 64G", "华为 MatePad {n} 平板", "小米平板 {n} 学习机", "iPad mini {n} WiFi"]),
    "电子产品/相机": (3, (400, 12000), [
        "佳能 EOS {n}D 单反相机", "索尼 A7M{n} 微单", "富士 X-T{n} 相机", "GoPro Hero {n}"]),
    "电子产品/存储设备": (3, (30, 1200), [
        "三星 T{n} 移动硬盘 1TB", "闪迪 U盘 {n}GB", "西部数据 硬盘 {n}TB", "金士顿 SSD 固态硬盘"]),
    "电子产品/智能穿戴": (3, (80, 2500), [
        "Apple Watch S{n}", "小米手环 {n}", "华为 Watch GT{n} 智能手表", "AirPods Pro {n} 耳机"]),
    "电子产品/其他数码": (3, (20, 2000), [
        "任天堂 Switch 游戏机", "索尼 PS{n} 主机 双手柄", "Kindle 阅读器 第{n}代",
        "罗技 机械键盘 G{n}", "蓝牙音箱 JBL Flip {n}"]),
    "图书/教材教辅": (10, (5, 120), [
        "人教版 高中数学 必修{c}", "高等数学 同济第七版 {c}册", "新概念英语 第{c}册",
        "考研数学 复习全书",
        "五年高考三年模拟 物理", "大学英语四级 真题 CET-4", "线性代数 第{n}版", "初中 语文 教辅",
        "Calculus textbook {n}th edition", "雅思 IELTS 剑桥真题 {n}"]),
    "图书/课外读物": (6, (5, 200), [
        "三体 全集 刘慈欣", "哈利波特 Harry Potter 全{n}册", "百年孤独 精装", "儿童绘本 {n}本",
        "The Little Prince 英文原版", "鲁迅全集 第{n}卷", "漫画 海贼王 {n}-{m}卷"]),
    "图书/其他": (2, (5, 100), ["旧杂志 打包 {n}本", "新华字典 第{n}版", "钢琴 练习曲 乐谱"]),
    "服装": (9, (10, 800), [
        "优衣库 羽绒服 {s}码", "Nike 运动鞋 {n}码", "阿迪达斯 Adidas 卫衣", "Levi's 牛仔裤 {n}腰",
        "汉服 齐胸襦裙", "冬季 大衣 女款 {s}", "校服 南开中学 {s}码", "T恤 纯棉 {n}件"]),
    "家具": (7, (20, 3000), [
        "宜家 书桌 {n}0cm", "实木 双人床 1.8米", "布艺沙发 三人位", "电脑椅 人体工学",
        "书架 五层 置物架", "衣柜 两门", "IKEA Billy bookcase 白色"]),
    "家电": (7, (50, 5000), [
        "美的 空调 {n}匹 挂机", "海尔 冰箱 {n}0L 双门", "小米 扫地机器人 {n}代",
        "戴森 Dyson V{n} 吸尘器",
        "格力 电风扇 落地扇", "微波炉 格兰仕 {n}L", "洗衣机 滚筒 {n}公斤"]),
    "母婴": (5, (10, 2000), [
        "好孩子 婴儿推车", "儿童安全座椅 {n}-{m}岁", "婴儿床 实木", "乐高 LEGO 积木 {n}00件",
        "纸尿裤 L码 {n}0片", "儿童自行车 {n}寸"]),
    "运动/自行车": (7, (50, 6000), [
        "捷安特 ATX {n} 山地自行车", "美利达 公路车 {n}速", "迪卡侬 折叠自行车",
        "小米 电动滑板车 {n}",
        "哑铃 {n}kg 一对", "瑜伽垫 加厚 {n}mm", "尤尼克斯 羽毛球拍 YONEX", "斯伯丁 篮球 {n}号",
        "Decathlon road bike {n} speed"]),
    "其他": (4, (1, 500), [
        "绿植 多肉 {n}盆", "吉他 雅马哈 F{n}0 民谣", "行李箱 {n}寸 万向轮", "台灯 LED 护眼",
        "电动车 雅迪 {n}V", "宠物笼 猫爬架"]),
}  # fmt: skip
PHRASES = [
    "九成新，无划痕，功能一切正常。", "自提优先，南开大学附近可面交。", "配件齐全，原装盒子都在。",
    "搬家急出，价格可小刀。", "只用过几次，几乎全新。", "有轻微使用痕迹，不影响使用。",
    "支持当面验货。", "Barely used, original box included.", "Pick up near Nankai University.",
    "Works perfectly, minor scratches.", "毕业清仓，便宜出。", "送充电器和保护壳。",
    "电池健康{n}%，续航不错。", "周末可以在{street}街道附近交易。", "孩子长大了用不上了。",
    "English manual included, price negotiable.", "成色很好，有发票。", "可以换同价位的书或文具。",
    "租期最短一周，押金另议。", "免费送给有需要的邻居。", "本人上班族，晚上{n}点后可以看货。",
    "同城快递或者地铁站面交。", "Comes with charger and case.", "{y}年{m}月购入，用了{n}个月。",
    "原价{p}元，现在半价出。", "在{street}{n}号楼{m}门自提。", "联系时请说明在循环上看到的。",
]  # fmt: skip
EPOCH = datetime(2026, 1, 1, tzinfo=UTC)


def make_listings(count: int, seed: int = SEED) -> Iterator[dict[str, Any]]:
    """`count` listings as the app hands them to the index, the same ones for the same seed."""
    rng = random.Random(seed)
    cats = list(ITEMS)
    weights = [ITEMS[c][0] for c in cats]
    for listing_id in range(1, count + 1):
        category = rng.choices(cats, weights)[0]
        _, (low, high), templates = ITEMS[category]
        n, m = rng.randint(2, 15), rng.randint(16, 30)
        title = rng.choice(templates).format(
            n=n, m=m, c=rng.choice("一二三四上下"), s=rng.choice(["S", "M", "L", "XL", "170"])
        )
        street, status, mode = rng.choice(STREETS), rng.choice(STATUSES), rng.choice(MODES)
        said = [
            p.format(n=rng.randint(1, 99), m=rng.randint(1, 12), y=rng.randint(2018, 2025),
                     p=rng.randint(low, high), street=street)
            for p in rng.sample(PHRASES, rng.randint(2, 4))
        ]  # fmt: skip
        published = EPOCH + timedelta(seconds=rng.randint(0, 180 * 86400))
        yield {
            "id": listing_id,
            "version": 1,
            "title": title,
            "description": f"出 {title}。" + "".join(said),
            "category": category,
            "grade": rng.choice(GRADES),
            "mode": mode,
            "status": status,
            "street": street,
            "venue": rng.choice(VENUES),
            "price_fen": 0 if mode == "give" else rng.randint(low, high) * 100,
            "published_at": None if status == "draft" else published,
            "owner_id": rng.randint(1, 5000),
            "thumb": f"{rng.getrandbits(256):064x}" if rng.random() < 0.9 else "",
        }


ONE_WORD = ["手机", "自行车", "数学", "笔记本", "书桌", "冰箱", "羽绒服", "耳机", "相机", "平板",
            "教材", "婴儿", "吉他", "空调", "沙发", "硬盘", "英语"]  # fmt: skip
TWO_WORDS = ["小米 手机", "华为 手机", "高中 数学", "山地 自行车", "儿童 自行车", "游戏 主机",
             "机械 键盘", "实木 床", "九成新 手机", "考研 数学"]  # fmt: skip
ENGLISH = ["iphone", "macbook", "nike", "ipad", "lego", "kindle", "bike", "switch", "dyson",
           "galaxy", "calculus", "adidas"]  # fmt: skip
SORTS = ["relevance"] * 10 + ["newest"] * 4 + ["price_asc"] * 3 + ["price_desc"] * 3


def make_queries(count: int = 500, seed: int = SEED) -> list[tuple[str, dict[str, Any]]]:
    """A fixed mix: one Chinese word, two words, English, a few blank; filters and sorts."""
    rng = random.Random(seed)
    queries = []
    for _ in range(count):
        kind = rng.random()
        words = [ONE_WORD, TWO_WORDS, ENGLISH][rng.choice([0, 0, 1, 2])] if kind > 0.1 else [""]
        filters: dict[str, Any] = {"sort": rng.choice(SORTS)}
        if rng.random() < 0.3:
            category = rng.choice(list(ITEMS))
            filters["category"] = category if rng.random() < 0.5 else category.split("/")[0]
        if rng.random() < 0.2:
            filters["grade"] = rng.sample(GRADES, rng.randint(1, 3))
        if rng.random() < 0.2:
            filters["street"] = rng.choice(STREETS)
        if rng.random() < 0.1:
            filters["mode"] = rng.choice(["sell", "give", "rent", "swap"])
        if rng.random() < 0.2:
            low = rng.choice([0, 1000, 5000, 20000])
            filters["min_price"], filters["max_price"] = low, low * 10 + 10000
        queries.append((rng.choice(words), filters))
    return queries


def sqlite_db(docs: list[dict[str, Any]]) -> sqlite3.Connection:
    db = sqlite3.connect(":memory:")
    db.execute(
        "CREATE TABLE listings (id INTEGER PRIMARY KEY, title TEXT, description TEXT,"
        " category TEXT, grade TEXT, mode TEXT, status TEXT, street TEXT, venue TEXT,"
        " price_fen INTEGER, published_at TEXT)"
    )
    db.executemany(
        "INSERT INTO listings VALUES (?,?,?,?,?,?,?,?,?,?,?)",
        [
            (
                d["id"],
                d["title"],
                d["description"],
                d["category"],
                d["grade"],
                d["mode"],
                d["status"],
                d["street"],
                d["venue"],
                d["price_fen"],
                d["published_at"].isoformat() if d["published_at"] else None,
            )
            for d in docs
        ],  # fmt: skip
    )
    db.commit()
    return db


ORDER = {
    "relevance": "published_at DESC",
    "newest": "published_at DESC",
    "price_asc": "price_fen ASC, published_at DESC",
    "price_desc": "price_fen DESC, published_at DESC",
}


def sqlite_search(db: sqlite3.Connection, q: str, f: dict[str, Any]) -> tuple[int, list[int]]:
    """What an app without a search index does: LIKE over every row, page 1 and the total."""
    where, args = ["status = 'active'"], []
    for word in q.split():
        where.append("(title LIKE ? OR description LIKE ?)")
        args += [f"%{word}%", f"%{word}%"]
    if "category" in f:
        where.append("(category = ? OR category LIKE ?)")
        args += [f["category"], f["category"] + "/%"]
    for name in ("grade", "street", "mode"):
        values = f.get(name)
        if values:
            values = [values] if isinstance(values, str) else values
            where.append(f"{name} IN ({','.join('?' * len(values))})")
            args += values
    if "min_price" in f:
        where.append("price_fen BETWEEN ? AND ?")
        args += [f["min_price"], f["max_price"]]
    sql = (
        f"SELECT id, COUNT(*) OVER () FROM listings WHERE {' AND '.join(where)}"  # noqa: S608
        f" ORDER BY {ORDER[f['sort']]} LIMIT 20"
    )
    rows = db.execute(sql, args).fetchall()
    return (rows[0][1] if rows else 0), [r[0] for r in rows]


def timed(fn: Callable[[], Any]) -> tuple[float, Any]:
    start = time.perf_counter()
    result = fn()
    return time.perf_counter() - start, result


def latencies(label: str, seconds: list[float]) -> tuple[float, float]:
    ms = sorted(s * 1000 for s in seconds)
    median, p95 = statistics.median(ms), ms[int(len(ms) * 0.95) - 1]
    print(f"  {label:<34} median {median:7.2f} ms   p95 {p95:7.2f} ms   max {ms[-1]:7.2f} ms")
    return median, p95


def directory_size(path: Path) -> int:
    return sum(f.stat().st_size for f in path.rglob("*") if f.is_file())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=100_000)
    parser.add_argument("--skip-single-process", action="store_true")
    args = parser.parse_args()
    root = Path(tempfile.mkdtemp(prefix="xunhuan-bench-"))
    try:
        run(args.count, root, single=not args.skip_single_process)
    finally:
        shutil.rmtree(root, ignore_errors=True)


def run(count: int, root: Path, *, single: bool) -> None:
    print(f"Search benchmark: {count:,} listings, 500 queries\n")
    seconds, docs = timed(lambda: list(make_listings(count)))
    print(f"  generate listings                  {seconds:7.1f} s")
    seconds, _ = timed(load_dictionary)
    print(f"  load jieba's dictionary            {seconds:7.2f} s")
    index = SearchIndex(root / "search")
    for procs in (2, 1) if single else (2,):
        seconds, indexed = timed(partial(index.rebuild, iter(docs), procs=procs))
        label = f"rebuild, {procs} writer process{'es' if procs > 1 else ''}"
        print(f"  {label:<34} {seconds:7.1f} s  ({indexed:,} listings)")
    print(f"  index size on disk                 {directory_size(index.path) / 1e6:7.1f} MB")
    seconds, _ = timed(lambda: SearchIndex(index.path).search("手机"))
    print(f"  first search of a fresh worker     {seconds * 1000:7.0f} ms (loads the segments)")

    queries = make_queries()
    index.search("")
    runs = [[timed(partial(index.search, q, **f))[0] for q, f in queries] for _ in (1, 2)]
    totals = [index.search(q, **f).total for q, f in queries]
    print("\nwhoosh index (page 1 of 20 + total + facets + highlights):")
    cold = latencies("500 queries, cold term caches", runs[0])
    warm = latencies("same 500 again, warm", runs[1])

    worker, found_after = SearchIndex(index.path), []
    worker.search("")
    for n in range(20):
        doc = {**docs[n], "id": count + 1 + n, "title": f"收音机 编号{n}", "status": "active"}
        start = time.perf_counter()
        index.upsert([doc])
        while worker.search(f"收音机 编号{n}").total == 0:
            time.sleep(0.001)
        found_after.append(time.perf_counter() - start)
    print("\nfindable after save (upsert here, found by another worker's index):")
    latencies("20 saves", found_after)

    db = sqlite_db(docs)
    sql = [timed(partial(sqlite_search, db, q, f)) for q, f in queries]
    print("\nbaseline, SQLite LIKE scan in memory (page 1 of 20 + total only):")
    base = latencies("500 queries", [seconds for seconds, _ in sql])
    same = sum(total == result[0] for total, (_, result) in zip(totals, sql, strict=True))
    print(
        f"  same total as the index for {same} of 500 queries"
        " (LIKE matches substrings of title and description;"
        " the index matches words, category words too)"
    )
    print(
        f"\n  index vs LIKE scan: {base[0] / cold[0]:.0f}x faster at the median,"
        f" {base[1] / cold[1]:.0f}x at p95 (cold caches);"
        f" {base[0] / warm[0]:.0f}x and {base[1] / warm[1]:.0f}x warm"
    )


if __name__ == "__main__":
    main()
