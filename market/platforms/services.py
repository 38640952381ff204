"""Partner platforms: their API keys, the access check, event intake, grades out, the audit.

Keys look like `xh_<8 hex prefix>_<43 url-safe chars>`; only the SHA-256 of the whole key is
kept, beside the prefix that finds the row. A partner's events are written with source
`platform:<org id>` and event id `p<org id>:<their id>`, so two partners' ids never collide and
no partner can write as the marketplace or as a regulator.

Idempotency: the first answer to an (organization, Idempotency-Key) is stored with the SHA-256
of the raw body when it is a 201 or a 409 "event_already_recorded", in the same transaction as
the ledger append. Validation errors (400, 422) are not stored, so a corrected retry with the
same key goes through, and after a 422 the same key may carry a different body.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import re
import secrets
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Engine
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select

from credit.errors import InvalidSubject
from credit.events import check_subject, org_subject
from credit.identifiers import normalize_uscc
from credit.model import SHARED_REASON_CODES
from market.credit import scores
from market.credit.models import CreditLedgerEntry
from market.credit.repository import SqlLedger
from market.credit.services import append_events
from market.db import utcnow
from market.orgs.errors import OrganizationError
from market.orgs.models import Organization, OrgKind
from market.orgs.services import create_organization
from market.platforms.errors import ApiError, PlatformError
from market.platforms.models import SCOPES, ApiCall, ApiKey, IdempotencyRecord

KEY_RE = re.compile(r"xh_([0-9a-f]{8})_[A-Za-z0-9_-]{32,100}")


def hash_key(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


def _check_scopes(scopes: Iterable[str]) -> list[str]:
    wanted = sorted(set(scopes))
    unknown = [s for s in wanted if s not in SCOPES]
    if not wanted or unknown:
        raise PlatformError(f"scopes must be among {', '.join(SCOPES)}; got {wanted}")
    return wanted


def create_key(
    *, session: Session, organization_id: int, scopes: Iterable[str] = SCOPES
) -> tuple[ApiKey, str]:
    """Issue a key for the organization; return the row and the key, which is never stored."""
    wanted = " ".join(_check_scopes(scopes))
    for _attempt in range(3):  # an 8-hex prefix may collide; the unique constraint says so
        prefix = secrets.token_hex(4)
        key = f"xh_{prefix}_{secrets.token_urlsafe(32)}"
        row = ApiKey(
            organization_id=organization_id, prefix=prefix, key_hash=hash_key(key), scopes=wanted
        )
        session.add(row)
        try:
            session.commit()
        except IntegrityError:
            session.rollback()
            continue
        return row, key
    raise PlatformError("could not find a free key prefix; try again")


def create_platform(
    *, session: Session, name: str, uscc: str | None = None, scopes: Iterable[str] = SCOPES
) -> tuple[Organization, ApiKey, str]:
    """Find or register the partner platform called `name` and issue it a key."""
    name = name.strip()
    if not 1 <= len(name) <= 80:
        raise PlatformError("the platform name must be 1-80 characters")
    _check_scopes(scopes)
    same_name = list(session.exec(select(Organization).where(Organization.name == name)))
    org = next((o for o in same_name if o.kind == OrgKind.PARTNER_PLATFORM), None)
    if org is None and same_name:
        raise PlatformError(f"organization {name!r} exists and is a {same_name[0].kind}")
    if org is None:
        try:
            org = create_organization(
                session=session, name=name, kind=OrgKind.PARTNER_PLATFORM, uscc=uscc
            )
        except OrganizationError as error:
            raise PlatformError(str(error.message)) from error
    elif uscc and normalize_uscc(uscc) != org.uscc:
        raise PlatformError(f"platform {name!r} exists with USCC {org.uscc or '(none)'}")
    assert org.id is not None
    row, key = create_key(session=session, organization_id=org.id, scopes=scopes)
    return org, row, key


def revoke_key(*, session: Session, prefix: str) -> ApiKey:
    """Revoke the key with this prefix (revoking twice keeps the first time)."""
    row = session.exec(select(ApiKey).where(ApiKey.prefix == prefix.strip())).first()
    if row is None:
        raise PlatformError(f"no API key with prefix {prefix!r}")
    if row.revoked_at is None:
        row.revoked_at = utcnow()
        session.add(row)
        session.commit()
    return row


def list_keys(*, session: Session) -> list[tuple[ApiKey, Organization]]:
    query = (
        select(ApiKey, Organization)
        .join(Organization, col(Organization.id) == col(ApiKey.organization_id))
        .order_by(col(Organization.name), col(ApiKey.created_at))
    )
    return [(key, org) for key, org in session.exec(query)]


def recent_calls(*, session: Session, limit: int = 50) -> list[ApiCall]:
    query = select(ApiCall).order_by(col(ApiCall.id).desc()).limit(limit)
    return list(session.exec(query))


@dataclass(frozen=True)
class Caller:
    """Who presented a key whose hash matched; `revoked` keys are known but refused."""

    key_id: int
    prefix: str
    organization_id: int
    scopes: frozenset[str]
    revoked: bool
    partner: bool
    subject: str | None  # the organization's own credit subject, when its USCC is recorded


def find_caller(*, session: Session, token: str) -> Caller | None:
    """The key's holder, or None for a malformed or unknown key (compared in constant time)."""
    match = KEY_RE.fullmatch(token)
    if match is None:
        return None
    row = session.exec(select(ApiKey).where(ApiKey.prefix == match.group(1))).first()
    if row is None or not hmac.compare_digest(row.key_hash, hash_key(token)):
        return None
    org = session.get(Organization, row.organization_id)
    assert row.id is not None
    return Caller(
        key_id=row.id,
        prefix=row.prefix,
        organization_id=row.organization_id,
        scopes=row.scope_set,
        revoked=row.revoked_at is not None,
        partner=org is not None and org.kind == OrgKind.PARTNER_PLATFORM,
        subject=org_subject(org.uscc) if org is not None and org.uscc else None,
    )


def authorize(caller: Caller | None, *, presented: bool, scope: str) -> Caller:
    """The one access check of the partner API: 401 without a usable key, 403 without rights."""
    if not presented:
        raise ApiError(401, "missing_key", "Send the API key as 'Authorization: Bearer <key>'.")
    if caller is None:
        raise ApiError(401, "invalid_key", "The API key is not valid.")
    if caller.revoked:
        raise ApiError(401, "key_revoked", "The API key has been revoked.")
    if not caller.partner:
        raise ApiError(
            403, "not_a_partner_platform", "The key's organization is not a partner platform."
        )
    if scope not in caller.scopes:
        raise ApiError(403, "insufficient_scope", f"The API key lacks the {scope} scope.")
    return caller


def record_call(*, engine: Engine, call: ApiCall, touch_key: bool) -> None:
    """Write the audit row (and the key's last use) in a session of its own."""
    with Session(engine) as session:
        session.add(call)
        if touch_key and call.api_key_id is not None:
            session.execute(
                sa.update(ApiKey)
                .where(col(ApiKey.id) == call.api_key_id)
                .values(last_used_at=call.at)
            )
        session.commit()


@dataclass(frozen=True)
class Answer:
    """An answer of the events endpoint as first given: status and exact JSON text."""

    status: int
    text: str
    replayed: bool = False


def dumps(data: dict[str, Any]) -> str:
    return json.dumps(data, ensure_ascii=False, separators=(",", ":"))


def body_hash(raw: bytes) -> str:
    return hashlib.sha256(raw).hexdigest()


def stored_answer(
    *, session: Session, organization_id: int, key: str, digest: str
) -> Answer | None:
    """The first answer to this key, or None; a different body with the same key is a 409."""
    row = session.exec(
        select(IdempotencyRecord).where(
            IdempotencyRecord.organization_id == organization_id, IdempotencyRecord.key == key
        )
    ).first()
    if row is None:
        return None
    if not hmac.compare_digest(row.body_sha256, digest):
        raise ApiError(
            409,
            "idempotency_key_reused",
            "This Idempotency-Key was used with a different body; use a new key.",
        )
    return Answer(row.status, row.response, replayed=True)


def _recorded(session: Session, event_ids: Sequence[str]) -> list[str]:
    rows = session.exec(
        select(CreditLedgerEntry.event_id).where(col(CreditLedgerEntry.event_id).in_(event_ids))
    )
    return sorted(rows)


def push_events(
    *, session: Session, organization_id: int, key: str, digest: str, events: Sequence[Any]
) -> Answer:
    """Append validated events and store the answer under the key, all in one transaction.

    The idempotency row is flushed first: a concurrent request with the same key blocks on
    it (PostgreSQL) or waits for the whole transaction (SQLite), then finds the stored answer.
    """
    record = IdempotencyRecord(
        organization_id=organization_id, key=key, body_sha256=digest, status=0, response=""
    )
    session.add(record)
    try:
        session.flush()
        SqlLedger(session).lock_head()  # from here on no other writer can add these ids
        duplicates = _recorded(session, [e.event_id for e in events])
        if duplicates:
            body: dict[str, Any] = {
                "error": "event_already_recorded",
                "reason": "Some events are already in the ledger; nothing was recorded.",
                "event_ids": duplicates,
            }
            answer = Answer(409, dumps(body))
        else:
            entries = append_events(session, [(event, None) for event in events])
            body = {
                "accepted": len(entries),
                "entries": [
                    {"event_id": e.event().event_id, "seq": e.seq, "entry_hash": e.entry_hash}
                    for e in entries
                ],
                "head_hash": entries[-1].entry_hash,
            }
            answer = Answer(201, dumps(body))
        record.status, record.response = answer.status, answer.text
        session.add(record)
        session.commit()
    except IntegrityError:
        session.rollback()
        again = stored_answer(
            session=session, organization_id=organization_id, key=key, digest=digest
        )
        if again is None:
            raise
        return again
    return answer


def subject_view(*, session: Session, subject_ref: str) -> dict[str, Any]:
    """The grade answer: codes and numbers only, nothing personal."""
    try:
        check_subject(subject_ref)
    except InvalidSubject as error:
        raise ApiError(
            400,
            "invalid_subject",
            "The subject must be p:<64 lowercase hex> or o:<valid unified social credit code>.",
        ) from error
    result = scores.lookup(session, subject_ref)  # the projection: one row, fresh or recomputed
    return {
        "grade": result.grade,
        "score": round(result.score, 2),
        "confidence": round(result.confidence, 2),
        "reasons": [r for r in result.reasons if r in SHARED_REASON_CODES],
        "formula_version": result.formula_version,
        "as_of": result.as_of.astimezone(UTC).isoformat(),
    }
