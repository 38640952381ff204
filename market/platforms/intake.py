"""Check a partner's batch of credit events: every event is checked before any is written.

A partner may report trades, ratings, dispute outcomes, wipe certificates, compliance checks,
and findings that are still pending: confirming a finding, voiding, repairing and answering
appeals are a regulator's acts on the marketplace, never a partner's.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from credit.errors import InvalidEvent
from credit.events import MAX_TEXT, CreditEvent
from market.platforms.errors import ApiError

PARTNER_KINDS = (
    "trade_completed",
    "rating",
    "dispute_outcome",
    "wipe_certificate",
    "compliance",
    "finding",
)
EVENT_FIELDS = (
    "subject",
    "kind",
    "weight",
    "counterparty",
    "occurred_at",
    "evidence",
    "event_id",
    "detail",
)
REQUIRED_FIELDS = ("subject", "kind", "occurred_at", "event_id")
MAX_EVENTS = 500
FUTURE_SLACK = timedelta(minutes=5)  # clocks drift; an event dated later is refused


def platform_source(organization_id: int) -> str:
    return f"platform:{organization_id}"


def ledger_event_id(organization_id: int, event_id: str) -> str:
    """Namespace a partner's own event id, so no partner can collide with another's ids."""
    return f"p{organization_id}:{event_id}"


class _Refused(Exception):
    def __init__(self, reason: str, message: str) -> None:
        super().__init__(message)
        self.reason = reason
        self.message = message


def _check_one(
    item: object, organization_id: int, own_subject: str | None, now: datetime
) -> CreditEvent:
    if not isinstance(item, dict):
        raise _Refused("invalid_event", "Each event must be a JSON object.")
    if "source" in item:
        raise _Refused(
            "source_not_allowed",
            "Leave out source: the server records platform:<your organization id>.",
        )
    unknown = sorted(str(k) for k in item if k not in EVENT_FIELDS)
    if unknown:
        raise _Refused("invalid_event", f"Unknown fields: {', '.join(unknown)[:200]}.")
    missing = [k for k in REQUIRED_FIELDS if item.get(k) is None]
    if missing:
        raise _Refused("invalid_event", f"Missing fields: {', '.join(missing)}.")
    kind = item["kind"]
    if kind not in PARTNER_KINDS:
        raise _Refused(
            "kind_not_allowed",
            f"Partners may send only these kinds: {', '.join(PARTNER_KINDS)}.",
        )
    for name in ("subject", "occurred_at", "event_id"):
        if not isinstance(item[name], str):
            raise _Refused("invalid_event", f"{name} must be a string.")
    prefix = ledger_event_id(organization_id, "")
    if len(item["event_id"]) > MAX_TEXT - len(prefix):
        raise _Refused(
            "invalid_event", f"event_id must be at most {MAX_TEXT - len(prefix)} characters."
        )
    data: dict[str, Any] = {
        **item,
        "source": platform_source(organization_id),
        "event_id": prefix + item["event_id"],
    }
    try:
        event = CreditEvent.from_dict(data)
    except InvalidEvent as error:
        raise _Refused("invalid_event", str(error)[:300]) from error
    if event.kind == "finding" and event.details.get("status") != "pending":
        raise _Refused(
            "kind_not_allowed",
            "Partners may send findings with status=pending only; a regulator confirms them.",
        )
    if own_subject is not None and event.subject == own_subject:
        raise _Refused("own_subject", "A platform cannot report events about itself.")
    if event.occurred_at > now + FUTURE_SLACK:
        raise _Refused("occurred_in_future", "occurred_at is more than 5 minutes ahead.")
    return event


def parse_events(
    body: object, *, organization_id: int, own_subject: str | None, now: datetime
) -> list[CreditEvent]:
    """The batch's events, all valid, or an ApiError(422) naming each refused event.

    `own_subject` is the sender's own credit subject: a platform does not grade itself.
    """
    if not isinstance(body, dict) or set(body) != {"events"}:
        raise ApiError(422, "invalid_body", 'The body must be a JSON object {"events": [...]}.')
    items = body["events"]
    if not isinstance(items, list) or not 1 <= len(items) <= MAX_EVENTS:
        raise ApiError(422, "invalid_body", f"events must be a list of 1-{MAX_EVENTS} events.")
    events: list[CreditEvent] = []
    errors: list[dict[str, Any]] = []
    seen: set[str] = set()
    for index, item in enumerate(items):
        try:
            event = _check_one(item, organization_id, own_subject, now)
            if event.event_id in seen:
                raise _Refused("invalid_event", "This event_id appears twice in the request.")
        except _Refused as refused:
            errors.append({"index": index, "error": refused.reason, "reason": refused.message})
            continue
        seen.add(event.event_id)
        events.append(event)
    if errors:
        kinds = any(e["error"] == "kind_not_allowed" for e in errors)
        raise ApiError(
            422,
            "kind_not_allowed" if kinds else "invalid_event",
            f"{len(errors)} of {len(items)} events were refused; nothing was recorded.",
            errors=errors,
        )
    return events
