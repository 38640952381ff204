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
    event = replace(trade(0), source="platform:7", occurred_at=NOW.astimezone(beijing))
    text = event.canonical_json()
    assert '"source":"platform:7"' in text and ", " not in text
    assert text.index('"counterparty"') < text.index('"kind"') < text.index('"weight"')
    again = CreditEvent.from_dict(event.to_dict())
    assert again == event and again.occurred_at.utcoffset() == timedelta(0)
    assert again.counterparty == buyer(0) and again.subject == SELLER


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("evidence", "张三 13812345678"),
        ("evidence", "order 1"),
        ("event_id", "x" * 121),
        ("source", "闲鱼"),
        ("detail", "tier=minor;status=pending;category=张三欠钱不还"),
    ],
)
def test_the_chain_takes_references_never_prose(field: str, value: str) -> None:
    """The ledger is permanent: names, phones and statements must not fit in an event."""
    base = _event("finding", "tier=minor;status=pending;category=fraud")
    with pytest.raises(InvalidEvent):
        replace(base, **{field: value})


def _event(
    kind: str, detail: str | None, *, subject: str = SELLER, evidence: str | None = "ref:1"
) -> CreditEvent:
    return CreditEvent(subject, kind, None, "xunhuan", None, NOW, evidence, f"{kind}-1", detail)


def test_the_new_kinds_are_accepted_with_their_detail_and_round_trip() -> None:
    events = [
        _event("appeal", "target=finding-1", evidence=None),
        _event("repair", "target=finding-1"),
        _event("repair", "target=finding-1;decision=refused"),
        _event("grade_review", "grade=D;decision=confirmed", evidence=None),
        _event("compliance", "check=wipe;result=fail"),
    ]
    for event in events:
        assert CreditEvent.from_dict(event.to_dict()) == event
    assert events[2].details == {"target": "finding-1", "decision": "refused"}


@pytest.mark.parametrize(
    ("kind", "detail", "message"),
    [
        ("appeal", None, "appeal detail must be target=<finding event_id>"),
        ("appeal", "target=f;decision=voided", "appeal detail must be target="),
        ("repair", "target=f;decision=maybe", "decision must be one of ['granted', 'refused']"),
        ("grade_review", "grade=B;decision=confirmed", "grade must be one of ['C', 'D']"),
        ("grade_review", "grade=C", "grade_review detail must be grade=<C|D>;decision="),
        ("grade_review", "grade=C;decision=ok", "must be one of ['confirmed', 'rejected']"),
        ("compliance", "check=wipe", "compliance detail must be check=<wipe|complaint>;result="),
        ("compliance", "check=audit;result=pass", "check must be one of ['complaint', 'wipe']"),
        ("compliance", "check=wipe;result=ok", "result must be one of ['fail', 'pass']"),
        ("appeal_result", "target=f;decision=granted", "must be one of ['upheld', 'voided']"),
    ],
)
def test_a_wrong_detail_is_refused_with_the_expected_form(
    kind: str, detail: str | None, message: str
) -> None:
    with pytest.raises(InvalidEvent) as refused:
        _event(kind, detail)
    assert message in str(refused.value)


def test_a_compliance_event_is_about_an_organization_and_names_its_evidence() -> None:
    with pytest.raises(InvalidEvent, match="about an organization"):
        _event("compliance", "check=wipe;result=pass", subject=buyer(1))
    with pytest.raises(InvalidEvent, match="needs an evidence reference"):
        _event("compliance", "check=wipe;result=pass", evidence=None)
    with pytest.raises(InvalidEvent, match="carries no weight"):
        replace(_event("compliance", "check=wipe;result=pass"), weight=1.0)
