"""The credit event: the one format the marketplace and partner platforms write to the ledger.

Kind-specific fields (validated here, interpreted by `credit.model`):
- `rating`: `weight` is the star count 1-5; `counterparty` (the buyer) and `evidence` (the rated
  trade's reference) are required.
- `trade_completed`, `wipe_certificate`: `evidence` is the trade or certificate reference.
- `dispute_outcome`: `detail` is one of DISPUTE_OUTCOMES; only `lost_unresolved` weighs.
- `finding`: `evidence` is the case reference; `detail` is
  `tier=<minor|ordinary|serious>;status=<pending|confirmed>;category=<word>[;months=<n>]`.
- `appeal` (filed by the subject): `detail` is `target=<finding event_id>`; `evidence` optional
  (the appeal case reference).
- `appeal_result`: `detail` is `target=<finding event_id>;decision=<upheld|voided>`.
- `repair`: `detail` is `target=<finding event_id>[;decision=<granted|refused>]` (default granted).
- `void`: `detail` is `target=<event_id>`.
- `grade_review` (a regulator's review of a drop to C or D by the formula alone): `detail` is
  `grade=<C|D>;decision=<confirmed|rejected>`.
- `compliance` (organizations only): `evidence` (the order or complaint reference) is required;
  `detail` is `check=<wipe|complaint>;result=<pass|fail>`.
Every kind but `rating` carries `weight=None`: weights are the formula's, never the sender's.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import re
from dataclasses import dataclass, fields
from datetime import UTC, datetime
from typing import Any

from credit.errors import InvalidEvent, InvalidSubject
from credit.identifiers import is_valid_uscc, normalize_uscc

KINDS = frozenset(
    {
        "trade_completed",
        "rating",
        "dispute_outcome",
        "wipe_certificate",
        "finding",
        "appeal",
        "appeal_result",
        "repair",
        "void",
        "grade_review",
        "compliance",
    }
)
DISPUTE_OUTCOMES = frozenset({"lost_unresolved", "lost_resolved", "won", "withdrawn"})
# Publication periods in months of the 2025 national credit-repair rules: (minimum, maximum).
TIER_MONTHS = {"minor": (0, 3), "ordinary": (3, 12), "serious": (12, 36)}
TIERS = frozenset(TIER_MONTHS)
FINDING_STATUSES = frozenset({"pending", "confirmed"})
APPEAL_DECISIONS = frozenset({"upheld", "voided"})
REPAIR_DECISIONS = frozenset({"granted", "refused"})
REVIEW_GRADES = frozenset({"C", "D"})
REVIEW_DECISIONS = frozenset({"confirmed", "rejected"})
COMPLIANCE_CHECKS = frozenset({"wipe", "complaint"})
COMPLIANCE_RESULTS = frozenset({"pass", "fail"})
NEEDS_EVIDENCE = frozenset(
    {"trade_completed", "rating", "wipe_certificate", "finding", "compliance"}
)
ORGANIZATIONS_ONLY = frozenset({"compliance"})
FINDING_CATEGORIES = frozenset({"fraud", "counterfeit", "misdescription", "penalty", "other"})
MAX_TEXT = 200
# Ids, sources and evidence are references, never prose: the chain is permanent, so a name,
# a phone number or a statement must not fit in it. Personal text goes beside the chain.
REFERENCE = re.compile(r"[A-Za-z0-9._:/#@+=-]{1,120}")
REFERENCE_CHARS = "A-Z a-z 0-9 . _ : / # @ + = -"
_PERSON = re.compile(r"p:[0-9a-f]{64}")
# kind -> (required keys, optional keys, the form shown when the detail is wrong)
_DETAIL_KEYS = {
    "finding": (
        {"tier", "status", "category"},
        {"months", "supersedes"},
        "tier=<minor|ordinary|serious>;status=<pending|confirmed>;category=<fraud|"
        "counterfeit|misdescription|penalty|other>[;months=<n>][;supersedes=<event_id>]",
    ),
    "appeal": ({"target"}, set(), "target=<finding event_id>"),
    "appeal_result": (
        {"target", "decision"},
        set(),
        "target=<finding event_id>;decision=<upheld|voided>",
    ),
    "repair": ({"target"}, {"decision"}, "target=<finding event_id>[;decision=<granted|refused>]"),
    "void": ({"target"}, set(), "target=<event_id>"),
    "grade_review": ({"grade", "decision"}, set(), "grade=<C|D>;decision=<confirmed|rejected>"),
    "compliance": ({"check", "result"}, set(), "check=<wipe|complaint>;result=<pass|fail>"),
}
# kind -> key -> allowed values (keys not listed take any non-empty value)
_DETAIL_VALUES = {
    "finding": {"category": FINDING_CATEGORIES},
    "appeal_result": {"decision": APPEAL_DECISIONS},
    "repair": {"decision": REPAIR_DECISIONS},
    "grade_review": {"grade": REVIEW_GRADES, "decision": REVIEW_DECISIONS},
    "compliance": {"check": COMPLIANCE_CHECKS, "result": COMPLIANCE_RESULTS},
}


def person_subject(raw_id: str, key: bytes) -> str:
    """Key a person by HMAC-SHA256 of the normalized ID number, never the number itself."""
    if len(key) < 16:
        raise InvalidSubject("the subject key must be at least 16 bytes")
    normalized = "".join(raw_id.split()).upper()
    if not normalized:
        raise InvalidSubject("empty ID")
    return "p:" + hmac.new(key, normalized.encode(), hashlib.sha256).hexdigest()


def org_subject(uscc: str) -> str:
    """Key an organization by its unified social credit code (GB 32100), checked."""
    code = normalize_uscc(uscc)
    if not is_valid_uscc(code):
        raise InvalidSubject(f"not a valid unified social credit code: {uscc!r}")
    return "o:" + code


def check_subject(value: str) -> None:
    """Refuse anything but `p:<64 hex>` or `o:<valid USCC>`."""
    if _PERSON.fullmatch(value):
        return
    code = value[2:]
    if value.startswith("o:") and code == normalize_uscc(code) and is_valid_uscc(code):
        return
    raise InvalidSubject(f"not a credit subject: {value[:80]!r}")


def parse_detail(detail: str | None) -> dict[str, str]:
    """Split `k=v;k=v` into a dict (empty for None)."""
    if not detail:
        return {}
    out: dict[str, str] = {}
    for part in detail.split(";"):
        key, sep, value = part.partition("=")
        if not sep or not key or not value or key in out:
            raise InvalidEvent(f"malformed detail: {detail!r}")
        out[key] = value
    return out


@dataclass(frozen=True)
class CreditEvent:
    """One fact about a subject's trading behaviour or record; immutable once written."""

    subject: str
    kind: str
    weight: float | None
    source: str
    counterparty: str | None
    occurred_at: datetime
    evidence: str | None
    event_id: str
    detail: str | None = None

    def __post_init__(self) -> None:
        check_subject(self.subject)
        if self.counterparty is not None:
            check_subject(self.counterparty)
            if self.counterparty == self.subject:
                raise InvalidEvent("a subject cannot be its own counterparty")
        if self.kind not in KINDS:
            raise InvalidEvent(f"unknown kind {self.kind!r}")
        for name in ("source", "event_id", "evidence"):
            value = getattr(self, name)
            if (value is not None or name != "evidence") and not (
                isinstance(value, str) and REFERENCE.fullmatch(value)
            ):
                raise InvalidEvent(f"{name} must be a reference: 1-120 of {REFERENCE_CHARS}")
        if self.detail is not None and (
            not isinstance(self.detail, str) or len(self.detail) > MAX_TEXT
        ):
            raise InvalidEvent(f"detail must be at most {MAX_TEXT} characters")
        if self.occurred_at.tzinfo is None or self.occurred_at.utcoffset() is None:
            raise InvalidEvent("occurred_at must be timezone-aware")
        object.__setattr__(self, "occurred_at", self.occurred_at.astimezone(UTC))
        if self.kind in NEEDS_EVIDENCE and not self.evidence:
            raise InvalidEvent(f"a {self.kind} event needs an evidence reference")
        if self.kind in ORGANIZATIONS_ONLY and not self.subject.startswith("o:"):
            raise InvalidEvent(f"a {self.kind} event is about an organization (subject o:<USCC>)")
        self._check_kind()

    def _check_kind(self) -> None:
        if self.kind == "rating":
            if self.weight not in (1, 2, 3, 4, 5) or isinstance(self.weight, bool):
                raise InvalidEvent("a rating's weight is its star count, 1-5")
            if self.counterparty is None:
                raise InvalidEvent("a rating needs the rating buyer as counterparty")
        elif self.weight is not None:
            raise InvalidEvent(f"a {self.kind} event carries no weight; the formula sets it")
        if self.kind == "dispute_outcome":
            if self.detail not in DISPUTE_OUTCOMES:
                raise InvalidEvent(f"dispute detail must be one of {sorted(DISPUTE_OUTCOMES)}")
        elif self.kind in _DETAIL_KEYS:
            required, optional, form = _DETAIL_KEYS[self.kind]
            parts = parse_detail(self.detail)
            if not required <= parts.keys() <= required | optional:
                raise InvalidEvent(f"{self.kind} detail must be {form}, got {self.detail!r}")
            self._check_detail_values(parts)
        elif self.detail is not None:
            raise InvalidEvent(f"a {self.kind} event carries no detail")

    def _check_detail_values(self, parts: dict[str, str]) -> None:
        for key, allowed in _DETAIL_VALUES.get(self.kind, {}).items():
            if key in parts and parts[key] not in allowed:
                raise InvalidEvent(
                    f"{self.kind} {key} must be one of {sorted(allowed)}, got {parts[key]!r}"
                )
        if self.kind == "finding":
            if parts["tier"] not in TIERS:
                raise InvalidEvent(f"finding tier must be one of {sorted(TIERS)}")
            if parts["status"] not in FINDING_STATUSES:
                raise InvalidEvent(f"finding status must be one of {sorted(FINDING_STATUSES)}")
            low, high = TIER_MONTHS[parts["tier"]]
            months = parts.get("months", str(high))
            if not months.isdigit() or not low <= int(months) <= high:
                raise InvalidEvent(f"{parts['tier']} records are published {low}-{high} months")

    @property
    def details(self) -> dict[str, str]:
        """The parsed `detail`."""
        return parse_detail(self.detail) if self.kind in _DETAIL_KEYS else {}

    def to_dict(self) -> dict[str, Any]:
        """Plain JSON-ready mapping; the time as ISO 8601 in UTC."""
        data = {f.name: getattr(self, f.name) for f in fields(self)}
        data["occurred_at"] = self.occurred_at.isoformat()
        return data

    def canonical_json(self) -> str:
        """Sorted keys, no spaces, UTF-8 kept: the bytes that are hashed and signed."""
        return canonical_json(self.to_dict())

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> CreditEvent:
        """Build and validate an event from `to_dict` output or a partner's JSON."""
        try:
            when = datetime.fromisoformat(str(data["occurred_at"]))
            weight = data.get("weight")
            return cls(
                subject=str(data["subject"]),
                kind=str(data["kind"]),
                weight=None if weight is None else _number(weight),
                source=str(data["source"]),
                counterparty=data.get("counterparty"),
                occurred_at=when,
                evidence=data.get("evidence"),
                event_id=str(data["event_id"]),
                detail=data.get("detail"),
            )
        except (KeyError, TypeError, ValueError) as exc:
            if isinstance(exc, InvalidEvent):
                raise
            raise InvalidEvent(f"malformed event: {exc}") from exc


def _number(value: object) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise InvalidEvent("weight must be a number")
    return value


def canonical_json(data: object) -> str:
    """The one serialization used for hashing and signing."""
    return json.dumps(data, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
