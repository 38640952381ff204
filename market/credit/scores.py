"""The score projection: one `credit_scores` row per subject, kept in step with the ledger.

`refresh` rescores the subjects an append touched, in the append's transaction (incremental:
O(that subject's events)). `lookup` answers badges and the API from the row, and recomputes it
first when the row is of another formula version or past `stale_after`, so a publication period
ends on its day even if no event and no scheduled run came by. `recompute_all` rebuilds every
row in batches, for a formula change (`xunhuan credit recompute`).
"""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Iterable, Iterator
from datetime import datetime, timedelta
from functools import lru_cache
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite
from sqlmodel import Session, col, select

from credit.events import CreditEvent
from credit.model import FORMULA_VERSION, REVIEW_VALID_DAYS, CreditResult, score_subject
from market.credit.models import CreditLedgerEntry, CreditScore
from market.db import utcnow

MAX_AGE = timedelta(days=1)  # decay moves scores slowly; a day-old score is still right to 0.4 %
BATCH = 1000


def stale_after(result: CreditResult, events: Iterable[CreditEvent]) -> datetime:
    """The first moment the result may change without a new event."""
    limit = result.as_of + MAX_AGE
    moments = [m for rec in result.records for m in (rec.repair_from, rec.published_until)]
    review = timedelta(days=REVIEW_VALID_DAYS)
    moments += [e.occurred_at + review for e in events if e.kind == "grade_review"]
    moments += [e.occurred_at for e in events]  # an event dated ahead starts counting then
    return min([limit, *(m for m in moments if m > result.as_of)])


def _values(subject: str, events: list[CreditEvent], now: datetime) -> dict[str, Any]:
    result = score_subject(events, as_of=now, subject=subject)
    return {
        "subject": subject,
        "grade": result.grade,
        "formula_grade": result.formula_grade or result.grade,
        "score": result.score,
        "confidence": result.confidence,
        "reasons": list(result.reasons),
        "formula_version": result.formula_version,
        "events": len(events),
        "as_of": now,
        "stale_after": stale_after(result, events),
    }


@lru_cache(maxsize=4)
def _upsert_statement(dialect: str) -> Any:
    """INSERT ... ON CONFLICT (subject) DO UPDATE, built once per database kind."""
    insert = (postgresql.insert if dialect == "postgresql" else sqlite.insert)(CreditScore)
    columns = [c.name for c in CreditScore.__table__.columns]  # type: ignore[attr-defined]
    update = {c: getattr(insert.excluded, c) for c in columns if c != "subject"}
    return insert.on_conflict_do_update(index_elements=["subject"], set_=update)


def _upsert(session: Session, rows: list[dict[str, Any]]) -> None:
    """Insert or overwrite rows; two writers of one subject cannot collide."""
    if rows:
        session.execute(_upsert_statement(session.get_bind().dialect.name), rows)


def _events_by_subject(session: Session, subjects: Iterable[str]) -> dict[str, list[CreditEvent]]:
    wanted = sorted(set(subjects))
    out: dict[str, list[CreditEvent]] = defaultdict(list)
    for start in range(0, len(wanted), BATCH):
        rows = session.exec(
            select(CreditLedgerEntry.payload, CreditLedgerEntry.subject)
            .where(col(CreditLedgerEntry.subject).in_(wanted[start : start + BATCH]))
            .order_by(col(CreditLedgerEntry.seq))
        )
        for payload, subject in rows:
            event = CreditEvent.from_dict(_event_json(payload))
            if event.subject == subject:  # a row whose subject column lies is not trusted
                out[subject].append(event)
    return out


def _event_json(payload: str) -> dict[str, Any]:
    data = json.loads(payload)["event"]
    assert isinstance(data, dict)
    return data


def refresh(session: Session, subjects: Iterable[str], *, now: datetime | None = None) -> None:
    """Rescore `subjects` from the ledger (including rows flushed in this transaction)."""
    wanted = set(subjects)
    if not wanted:
        return
    when = now or utcnow()
    session.flush()
    events = _events_by_subject(session, wanted)
    _upsert(session, [_values(s, events.get(s, []), when) for s in sorted(wanted)])


def lookup(session: Session, subject: str, *, now: datetime | None = None) -> CreditScore:
    """The subject's current score: the stored row, or computed now if that row is stale.

    Reads never write: a recomputed answer is returned unsaved, and `xunhuan credit tick`
    (or the subject's next event) stores it. A subject the ledger never mentioned is N.
    """
    when = now or utcnow()
    row = session.get(CreditScore, subject)
    if row is not None and row.formula_version == FORMULA_VERSION and when < row.stale_after:
        return row
    events = _events_by_subject(session, [subject]).get(subject, [])
    return CreditScore(**_values(subject, events, when))


def _subject_batches(session: Session) -> Iterator[list[str]]:
    query = (
        select(CreditLedgerEntry.subject)
        .where(col(CreditLedgerEntry.subject).is_not(None))  # the chain's v2 anchor has none
        .distinct()
        .order_by(col(CreditLedgerEntry.subject))
    )
    batch: list[str] = []
    for subject in session.exec(query):
        assert subject is not None
        batch.append(subject)
        if len(batch) == BATCH:
            yield batch
            batch = []
    if batch:
        yield batch


def recompute_all(
    session: Session, *, now: datetime | None = None, only_stale: bool = False
) -> int:
    """Rescore every subject in the ledger (or only the stale ones); commit per batch."""
    when = now or utcnow()
    if only_stale:
        stale = select(CreditScore.subject).where(
            sa.or_(
                col(CreditScore.stale_after) <= when,
                col(CreditScore.formula_version) != FORMULA_VERSION,
            )
        )
        subjects = list(session.exec(stale))
        batches: Iterable[list[str]] = (
            subjects[i : i + BATCH] for i in range(0, len(subjects), BATCH)
        )
    else:
        batches = list(_subject_batches(session))
    count = 0
    for batch in batches:
        refresh(session, batch, now=when)
        session.commit()
        count += len(batch)
    return count
