"""Several processes and threads writing and searching one index at once."""

from __future__ import annotations

import multiprocessing
import threading
import time
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from market.search import SearchIndex
from market.search.storage import WriteLock
from tests.market.test_search_index import listing

SHARED = range(1, 11)  # ids every process writes
ROUNDS = 6
WORKERS = 3


def _version(round_: int, worker: int) -> int:
    return round_ * 10 + worker


def _title(listing_id: int, version: int) -> str:
    return f"商品{listing_id} 版本v{version}"


def _write(path: str, worker: int, start: Any, results: Any) -> None:
    """One gunicorn worker's saves: its own listings and the shared ones, round after round."""
    index = SearchIndex(Path(path), lock_timeout=0.05)
    outcomes: Counter[str] = Counter()
    start.wait()
    for round_ in range(ROUNDS):
        version = _version(round_, worker)
        own = [1000 * worker + round_]
        docs = [listing(_title(i, version), id=i, version=version) for i in [*SHARED, *own]]
        # Half the rounds write the shared ones in reverse, so the processes cross over.
        outcomes[index.upsert(docs if round_ % 2 else docs[::-1])] += 1
        if worker == 1:
            time.sleep(0.15)  # a slow request: its older versions land after the newer ones
    index.close()
    results.put((worker, dict(outcomes)))


@pytest.fixture
def index(tmp_path: Path) -> Iterator[SearchIndex]:
    index = SearchIndex(tmp_path / "search")
    yield index
    index.close()


def test_processes_writing_at_once_leave_every_listing_at_its_last_version(
    index: SearchIndex,
) -> None:
    index.rebuild([])
    context = multiprocessing.get_context("spawn")
    start, results = context.Event(), context.Queue()
    workers = [
        context.Process(target=_write, args=(str(index.path), w, start, results))
        for w in range(1, WORKERS + 1)
    ]
    for process in workers:
        process.start()
    hold = WriteLock(index.path / "write.lock")
    assert hold.acquire(timeout=None)
    start.set()
    time.sleep(0.5)  # a slow writer: the first saves cannot get the lock and are queued
    hold.release()
    outcomes = dict(results.get(timeout=120) for _ in workers)
    for process in workers:
        process.join(timeout=60)
        assert process.exitcode == 0

    assert sum(o.get("queued", 0) for o in outcomes.values()) > 0
    index.apply_pending()
    assert index.status().pending == 0
    last = _version(ROUNDS - 1, WORKERS)
    expected = {i: _title(i, last) for i in SHARED}
    for worker in range(1, WORKERS + 1):
        for round_ in range(ROUNDS):
            own = 1000 * worker + round_
            expected[own] = _title(own, _version(round_, worker))
    everything = index.search("", per_page=100)
    assert {item["id"]: item["title"] for item in everything.items} == expected
    for listing_id, title in expected.items():
        assert listing_id in {item["id"] for item in index.search(title).items}
    # No shared listing is left at the version another process wrote before the last.
    stale = index.search(f"版本v{last - 1}")
    assert stale.total > 0 and all(item["id"] >= 1000 for item in stale.items)


def test_threads_can_search_while_another_thread_writes(index: SearchIndex) -> None:
    index.rebuild(listing(f"台灯 {n}", id=n) for n in range(1, 51))
    errors: list[BaseException] = []
    stop = threading.Event()

    def search() -> None:
        while not stop.is_set():
            try:
                page = index.search("台灯", sort="price_asc", per_page=5)
                assert page.total >= 50 and len(page.items) == 5
            except BaseException as error:  # noqa: BLE001 - reported by the main thread
                errors.append(error)
                return

    readers = [threading.Thread(target=search) for _ in range(6)]
    for thread in readers:
        thread.start()
    for n in range(51, 81):
        index.upsert([listing(f"台灯 {n}", id=n)])
    stop.set()
    for thread in readers:
        thread.join()
    assert errors == []
    assert index.search("台灯").total == 80
