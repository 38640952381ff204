"""The partner credit API: push events, read a grade, the public checkpoints, the OpenAPI document.

Every call under /api/v1/credit/ is audited in `api_calls` after its answer is made, whatever
that answer is (401, 403, 409, 422, 429 included). Rate limits count per key prefix for a
valid key and per remote address otherwise; CREDIT_API_WRITE_LIMIT and CREDIT_API_READ_LIMIT
set them.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable
from functools import wraps
from typing import Any, ParamSpec, TypeVar

from flask import Blueprint, Response, current_app, g, jsonify, request
from flask.typing import ResponseReturnValue
from flask_limiter.util import get_remote_address

from credit.errors import ProofUnavailable
from market.credit.checkpoints import (
    MAX_LISTED,
    MAX_PROOF_ENTRIES,
    proof,
    published,
    station_public_key,
)
from market.credit.repository import SqlLedger
from market.credit.services import checkpoint_key_path
from market.db import get_engine, get_session, utcnow
from market.extensions import csrf, limiter
from market.platforms import openapi, services
from market.platforms.errors import ApiError
from market.platforms.intake import parse_events
from market.platforms.models import ApiCall

log = logging.getLogger(__name__)
bp = Blueprint("platform_api", __name__, url_prefix="/api/v1")
csrf.exempt(bp)  # a bearer key, not a cookie, authenticates these calls

AUDITED = "/api/v1/credit/"
MAX_BODY = 2 * 1024 * 1024
P = ParamSpec("P")
R = TypeVar("R")
_UNSET = object()


def _token() -> str | None:
    scheme, _sep, token = request.headers.get("Authorization", "").partition(" ")
    return token.strip() if scheme.lower() == "bearer" and token.strip() else None


def _caller() -> services.Caller | None:
    """The holder of the presented key, looked up once per request."""
    cached = g.get("api_caller", _UNSET)
    if cached is _UNSET:
        token = _token()
        cached = services.find_caller(session=get_session(), token=token) if token else None
        g.api_caller = cached
    return cached


def _rate_key() -> str:
    caller = _caller()
    if caller is not None and not caller.revoked:
        return f"key:{caller.prefix}"
    return f"addr:{get_remote_address()}"


def _write_limit() -> str:
    return str(current_app.config.get("CREDIT_API_WRITE_LIMIT", "60 per minute"))


def _read_limit() -> str:
    return str(current_app.config.get("CREDIT_API_READ_LIMIT", "120 per minute"))


def requires_scope(scope: str) -> Callable[[Callable[P, R]], Callable[P, R]]:
    """Let in a partner platform's valid key that carries `scope`."""

    def decorator(view: Callable[P, R]) -> Callable[P, R]:
        @wraps(view)
        def wrapped(*args: P.args, **kwargs: P.kwargs) -> R:
            g.api_authorized = services.authorize(
                _caller(), presented=_token() is not None, scope=scope
            )
            return view(*args, **kwargs)

        return wrapped

    return decorator


def _idempotency_key() -> str:
    key = request.headers.get("Idempotency-Key", "").strip()
    if not key:
        raise ApiError(400, "idempotency_key_required", "Send an Idempotency-Key header.")
    if len(key) > 100 or not all(" " <= c <= "~" for c in key):
        raise ApiError(
            400,
            "invalid_idempotency_key",
            "The Idempotency-Key must be 1-100 printable ASCII characters.",
        )
    return key


def _refuse_constant(name: str) -> Any:
    raise ValueError(f"{name} is not JSON")


def _json_body(raw: bytes) -> object:
    try:
        return json.loads(raw.decode("utf-8"), parse_constant=_refuse_constant)
    except ValueError as error:  # UnicodeDecodeError and JSONDecodeError are ValueErrors
        raise ApiError(400, "invalid_json", "The body is not valid UTF-8 JSON.") from error


@bp.post("/credit/events")
@limiter.limit(_write_limit, key_func=_rate_key)
@requires_scope("events:write")
def push_events() -> ResponseReturnValue:
    """Record a batch of events; replays the first answer for a repeated Idempotency-Key."""
    caller: services.Caller = g.api_authorized
    key = _idempotency_key()
    request.max_content_length = MAX_BODY
    raw = request.get_data(cache=True)
    digest = services.body_hash(raw)
    session = get_session()
    found = services.stored_answer(
        session=session, organization_id=caller.organization_id, key=key, digest=digest
    )
    if found is None:
        events = parse_events(
            _json_body(raw),
            organization_id=caller.organization_id,
            own_subject=caller.subject,
            now=utcnow(),
        )
        found = services.push_events(
            session=session,
            organization_id=caller.organization_id,
            key=key,
            digest=digest,
            events=events,
        )
    response = Response(found.text, status=found.status, mimetype="application/json")
    if found.replayed:
        response.headers["Idempotent-Replayed"] = "true"
    return response


@bp.get("/credit/subjects/<subject_ref>")
@limiter.limit(_read_limit, key_func=_rate_key)
@requires_scope("subjects:read")
def subject(subject_ref: str) -> ResponseReturnValue:
    """A subject's grade, score, confidence and reason codes."""
    return jsonify(services.subject_view(session=get_session(), subject_ref=subject_ref))


def _station_key() -> str | None:
    return station_public_key(checkpoint_key_path(current_app.config))


def _whole(name: str, default: int | None = None) -> int:
    raw = request.args.get(name)
    if raw is None or raw == "":
        if default is not None:
            return default
        raise ApiError(400, "missing_parameter", f"Give `{name}`, a whole number.")
    if not raw.isascii() or not raw.isdecimal() or len(raw) > 12:
        raise ApiError(400, "not_a_whole_number", f"`{name}` must be a whole number >= 0.")
    return int(raw)


# Public: checkpoints are published so that anyone holding one can later check the ledger was
# not rewritten; nothing in them is personal. Rate-limited per remote address like reads.
@bp.get("/credit/checkpoints")
@limiter.limit(_read_limit, key_func=_rate_key)
def checkpoints() -> ResponseReturnValue:
    """The newest signed checkpoints, the station's public key and its fingerprint."""
    limit = _whole("limit", 100)
    if not 1 <= limit <= MAX_LISTED:
        raise ApiError(400, "out_of_range", f"`limit` must be 1-{MAX_LISTED}.")
    return jsonify(published(get_session(), key=_station_key(), limit=limit))


@bp.get("/credit/checkpoints/consistency")
@limiter.limit(_read_limit, key_func=_rate_key)
def consistency() -> ResponseReturnValue:
    """The payload digests that lead from the head at `from` to the head at `to`."""
    session = get_session()
    head_seq = SqlLedger(session).head_seq()
    first, last = _whole("from"), _whole("to", head_seq)
    if last > head_seq:
        raise ApiError(400, "out_of_range", f"The ledger holds {head_seq} entries.")
    if first > last:
        raise ApiError(400, "from_after_to", "`from` must not be after `to`.")
    if last - first > MAX_PROOF_ENTRIES:
        raise ApiError(
            400,
            "range_too_long",
            f"Ask for at most {MAX_PROOF_ENTRIES} entries; chain proofs for longer ranges.",
        )
    try:
        return jsonify(proof(session, first=first, last=last))
    except ProofUnavailable as error:
        raise ApiError(
            400,
            "no_digest_proof",
            f"No digest-only proof: {error}. Version 1 "
            "entries hash their payload; start at the version 2 anchor's "
            "previous seq or later.",
        ) from error


@bp.get("/openapi.json")
def openapi_document() -> ResponseReturnValue:
    return jsonify(openapi.document())


@bp.after_request
def _audit(response: Response) -> Response:
    """Audit the call in a session of its own, so refused and failed calls are kept too."""
    if not request.path.startswith(AUDITED):
        return response
    session = g.get("db_session")
    if session is not None:
        session.rollback()  # the view committed or failed; SQLite needs the lock released
    caller = g.get("api_caller")
    known = isinstance(caller, services.Caller)
    body = response.get_json(silent=True) if response.status_code >= 400 else None
    reason = body.get("error") if isinstance(body, dict) else None  # the machine code
    call = ApiCall(
        at=utcnow(),
        api_key_id=caller.key_id if known else None,
        organization_id=caller.organization_id if known else None,
        method=request.method[:10],
        path=request.path[:200],
        status=response.status_code,
        reason=str(reason)[:40] if reason else None,
        idempotency_key=request.headers.get("Idempotency-Key", "")[:100] or None,
        remote_addr=(request.remote_addr or "")[:64] or None,
    )
    try:
        services.record_call(engine=get_engine(), call=call, touch_key=known and not caller.revoked)
    except Exception:  # noqa: BLE001 - the answer stands; the failure is logged loudly
        log.exception("could not audit %s %s", request.method, request.path)
    return response
