from __future__ import annotations

from dataclasses import replace
from datetime import datetime, timedelta, timezone

import pytest

from credit.errors import InvalidEvent, InvalidSubject
from credit.events import CreditEvent, org_subject, person_subject
from tests.credit.builders import KEY, NOW, SELLER, buyer, finding, rating, trade

RAW_ID = "11010519491231002X"


def test_the_keyed_hash_of_a_person_is_stable_and_hides_the_id() -> None:
    subject = person_subject(RAW_ID, KEY)
    assert subject == person_subject(" 11010519491231002x ", KEY)
    assert subject.startswith("p:") and len(subject) == 66
    assert RAW_ID not in subject and RAW_ID.lower() not in subject
    assert subject != person_subject(RAW_ID, b"another-key-of-32-bytes-length!!")


def test_a_short_key_is_refused() -> None:
    with pytest.raises(InvalidSubject):
        person_subject(RAW_ID, b"short")


def test_an_organization_is_keyed_by_its_checked_uscc() -> None:
    assert org_subject("9135 0100m000100y43") == "o:91350100M000100Y43"
    with pytest.raises(InvalidSubject):
        org_subject("91350100M000100Y44")


def test_an_event_with_a_raw_id_as_subject_is_refused() -> None:
    with pytest.raises(InvalidSubject):
        replace(trade(0), subject=RAW_ID)


def test_kinds_weights_and_times_are_validated() -> None:
    with pytest.raises(InvalidEvent):
        replace(trade(0), kind="gift")
    with pytest.raises(InvalidEvent):
        replace(trade(0), weight=5.0)  # only the formula sets weights
    with pytest.raises(InvalidEvent):
        replace(rating(0), weight=6)
    with pytest.raises(InvalidEvent):
        replace(rating(0), counterparty=None)
    with pytest.raises(InvalidEvent):
        replace(trade(0), occurred_at=datetime(2026, 1, 1))  # naive
    with pytest.raises(InvalidEvent):
        finding("case-1", "ordinary", months=24)  # ordinary records: 3-12 months


def test_canonical_json_is_sorted_compact_and_round_trips() -> None:
    beijing = timezone(timedelta(hours=8))
    event = replace(trade(0), source="闲鱼", occurred_at=NOW.astimezone(beijing))
    text = event.canonical_json()
    assert "闲鱼" in text and ", " not in text
    assert text.index('"counterparty"') < text.index('"kind"') < text.index('"weight"')
    again = CreditEvent.from_dict(event.to_dict())
    assert again == event and again.occurred_at.utcoffset() == timedelta(0)
    assert again.counterparty == buyer(0) and again.subject == SELLER
