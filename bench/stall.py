"""Benchmark page latency while the heaviest photos upload, before and after issue 18's fix.

    .venv/bin/python bench/stall.py                 # about 2 minutes on 2 cores
    .venv/bin/python bench/stall.py --listings 1    # a quick look

One SQLite app on a live threaded server (werkzeug, as the tests use), a fresh database per run.
An uploader publishes `--listings` listings of 9 photos each, every photo as heavy as the
pipeline takes (40 megapixels of PNG just under 10 MB); meanwhile a signed-in reader and an
anonymous visitor load `/`, `/healthz`, a listing, a search and "my listings" one after another.

"before" is the old transaction rule, rebuilt in this process: every SQLite transaction began
with BEGIN IMMEDIATE, so a request held the write lock from its first query to its end, with
the old 10 s busy timeout and rate limits counted in memory (as they were).
"after" is the code as it is (deferred transactions, the write lock from the first write,
photos decoded before it). The baseline is the same pages with no upload, in the same run.
"""

from __future__ import annotations

import argparse
import io
import logging
import statistics
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any
from urllib.parse import quote

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import sqlalchemy as sa  # noqa: E402
from PIL import Image  # noqa: E402
from werkzeug.serving import make_server  # noqa: E402

from market import create_app, db  # noqa: E402
from market.images.processing import MAX_PIXELS  # noqa: E402
from market.listings.services import MAX_PHOTOS  # noqa: E402
from market.migrate import upgrade  # noqa: E402
from tests.builders import FURNITURE_FORM, PASSWORD, app_session, make_listing, make_user  # noqa: E402
from tests.support.server import HttpClient  # noqa: E402

NEW_DESK = "/listings/new/" + quote("家具")


def heaviest_png() -> bytes:
    noise = Image.effect_noise((140, 112), 40).convert("RGB")
    out = io.BytesIO()
    noise.resize((8000, MAX_PIXELS // 8000), Image.Resampling.BILINEAR).save(out, "PNG")
    return out.getvalue()


def legacy_begin(conn: sa.Connection) -> None:
    """The rule before issue 18: the write lock at the first query of every transaction."""
    conn.exec_driver_sql("BEGIN IMMEDIATE")
    conn.info[db.READ_ONLY] = False


def run(mode: str, photo: bytes, listings: int) -> dict[str, Any]:
    workdir = Path(tempfile.mkdtemp(prefix=f"stall-{mode}-"))
    url = f"sqlite:///{workdir / 'x.db'}"
    upgrade(url)
    original = db._sqlite_on_begin
    if mode == "before":
        db._sqlite_on_begin = legacy_begin  # make_engine listens to what the name holds now
    config: dict[str, Any] = {"DATABASE_URL": url, "DATA_DIR": str(workdir / "data")}
    if mode == "before":
        config |= {"DATABASE_LOCK_TIMEOUT_MS": 10_000, "RATELIMIT_STORAGE_URI": "memory://"}
    try:
        app = create_app(config)
    finally:
        db._sqlite_on_begin = original
    app.extensions["xunhuan.search"].rebuild([])
    server = make_server("127.0.0.1", 0, app, threaded=True)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    base = f"http://127.0.0.1:{server.server_port}"
    try:
        return measure(app, base, photo, listings)
    finally:
        server.shutdown()
        db.get_engine(app).dispose()


def measure(app: Any, base: str, photo: bytes, listings: int) -> dict[str, Any]:
    clients = []
    for _ in range(2):
        with app_session(app) as session:
            user = make_user(session)
            listing_id, identifier = make_listing(session, user).id, user.mobile or ""
            session.commit()
        client = HttpClient(base)
        client.login(identifier, PASSWORD)
        clients.append(client)
    uploader, reader = clients
    anonymous = HttpClient(base)
    pages = [(reader, "/"), (anonymous, "/healthz"), (reader, f"/listings/{listing_id}"),
             (anonymous, "/search?q=" + quote("书桌")), (reader, "/my/listings")]  # fmt: skip

    def load(count: int | None, until: threading.Thread | None) -> list[tuple[int, float]]:
        seen: list[tuple[int, float]] = []
        while (count is not None and len(seen) < count) or (until and until.is_alive()):
            client, path = pages[len(seen) % len(pages)]
            answer = client.get(path, timeout=60)
            seen.append((answer.status, answer.seconds))
        return seen

    load(len(pages), None)  # warm up (the first search loads the word list)
    quiet = load(50, None)
    fields = dict(FURNITURE_FORM) | {"action": "publish"}
    files = [("photos", f"p{i}.png", photo) for i in range(MAX_PHOTOS)]
    posted: list[int] = []

    def burst() -> None:
        for _ in range(listings):
            posted.append(uploader.post(NEW_DESK, fields, files, timeout=300).status)

    upload = threading.Thread(target=burst)
    started = time.perf_counter()
    upload.start()
    busy = load(None, upload)
    upload.join()
    return {"quiet": quiet, "busy": busy, "upload_s": time.perf_counter() - started,
            "posted": posted}  # fmt: skip


def per_second(result: dict[str, Any]) -> float:
    return len(result["busy"]) / result["upload_s"]


def summary(samples: list[tuple[int, float]]) -> dict[str, float]:
    seconds = sorted(s for _, s in samples)
    return {
        "n": len(seconds),
        "median_ms": statistics.median(seconds) * 1000,
        "p95_ms": seconds[int(0.95 * (len(seconds) - 1))] * 1000,
        "max_ms": seconds[-1] * 1000,
        "not_200": sum(1 for status, _ in samples if status != 200),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--listings", type=int, default=2, help="listings of 9 photos to upload")
    args = parser.parse_args()
    logging.getLogger("werkzeug").setLevel(logging.ERROR)
    logging.getLogger("market.app").setLevel(logging.ERROR)
    photo = heaviest_png()
    print(f"photo: {len(photo) / 1e6:.1f} MB, {MAX_PIXELS / 1e6:.0f} megapixels; "
          f"{args.listings} listing(s) of {MAX_PHOTOS}")  # fmt: skip
    results = {mode: run(mode, photo, args.listings) for mode in ("before", "after")}
    for mode, result in results.items():
        print(f"\n{mode}: upload burst {result['upload_s']:.1f} s, answers {result['posted']}, "
              f"{per_second(result):.1f} pages/s during it")  # fmt: skip
        for name in ("quiet", "busy"):
            s = summary(result[name])
            print(f"  {name:5} pages n={s['n']:3d}  median {s['median_ms']:7.1f} ms  "
                  f"p95 {s['p95_ms']:7.1f} ms  max {s['max_ms']:7.1f} ms  "
                  f"not 200: {s['not_200']}")  # fmt: skip
    before, after = (summary(results[m]["busy"]) for m in ("before", "after"))
    for key in ("median_ms", "p95_ms", "max_ms"):
        quiet = summary(results["after"]["quiet"])[key]
        print(f"{key}: before/after {before[key] / after[key]:.1f}x; "
              f"after under upload / quiet {after[key] / quiet:.1f}x")  # fmt: skip


if __name__ == "__main__":
    main()
