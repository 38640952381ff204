"""Transactions that match the work: a reader holds no lock, writers queue and lose nothing."""

from __future__ import annotations

import threading

from flask import Flask
from sqlmodel import select

from market.db import open_session
from market.listings.models import Listing
from tests.builders import app_session, make_listing, make_user


def _a_listing(app: Flask) -> int:
    with app_session(app) as session:
        listing = make_listing(session, make_user(session), price_fen=0)
        session.commit()
        return listing.id or 0


def test_a_transaction_that_only_reads_holds_no_lock_a_writer_waits_on(app: Flask) -> None:
    listing_id = _a_listing(app)
    reader = open_session(app)
    try:
        assert reader.exec(select(Listing)).all()  # a read transaction stays open
        with app_session(app) as writer:
            row = writer.get(Listing, listing_id, with_for_update=True)
            assert row is not None
            row.price_fen = 500
            writer.commit()  # on SQLite this once waited for the reader's BEGIN IMMEDIATE
    finally:
        reader.close()
    with app_session(app) as session:
        assert session.get(Listing, listing_id).price_fen == 500  # type: ignore[union-attr]


def test_writers_that_read_then_write_queue_and_lose_no_update(app: Flask) -> None:
    listing_id = _a_listing(app)
    errors: list[BaseException] = []

    def add_one_yuan_ten_times() -> None:
        for _ in range(10):
            session = open_session(app)
            try:
                session.exec(select(Listing)).all()  # reads first, as a request does
                row = session.get(Listing, listing_id, with_for_update=True, populate_existing=True)
                assert row is not None
                row.price_fen += 100
                session.commit()
            except BaseException as error:  # noqa: BLE001 - reported by the assertion below
                errors.append(error)
            finally:
                session.close()

    threads = [threading.Thread(target=add_one_yuan_ten_times) for _ in range(3)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    with app_session(app) as session:
        assert session.get(Listing, listing_id).price_fen == 3000  # type: ignore[union-attr]
