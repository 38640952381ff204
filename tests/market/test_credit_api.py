"""The partner credit API: keys, access, events in, grades out, idempotency, limits, audit."""

from __future__ import annotations

import contextlib
import hashlib
import re
import threading
from datetime import timedelta
from typing import Any

import pytest
import sqlalchemy as sa
from flask import Flask
from flask.testing import FlaskClient, FlaskCliRunner
from jsonschema import Draft202012Validator
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT202012
from sqlmodel import col, func, select
from werkzeug.test import TestResponse

import credit.model
from credit.events import org_subject
from market.credit import scores
from market.credit.repository import SqlLedger
from market.credit.services import verify
from market.db import get_engine, utcnow
from market.orgs.models import Organization, OrgKind
from market.platforms import services
from market.platforms.models import ApiCall, ApiKey, IdempotencyRecord
from tests.builders import PASSWORD, app_session, make_organization, make_user
from tests.market.test_credit_ledger import hooked, sell
from tests.support.auth import AuthActions

SELLER = "p:" + hashlib.sha256(b"seller").hexdigest()
SHOP = org_subject("91350100M000100Y43")
EVENTS = "/api/v1/credit/events"
SUBJECT = "/api/v1/credit/subjects/{subject_ref}"
DOC = "urn:xunhuan:openapi"
_DEFAULT = object()
WHEN = (utcnow() - timedelta(hours=1)).isoformat()  # one value, so rebuilt bodies are equal


def buyer(i: int) -> str:
    return "p:" + hashlib.sha256(f"buyer-{i}".encode()).hexdigest()


def trade(i: int, subject: str = SELLER, **overrides: Any) -> dict[str, Any]:
    event = {
        "subject": subject,
        "kind": "trade_completed",
        "weight": None,
        "counterparty": buyer(i),
        "occurred_at": WHEN,
        "evidence": f"order:{i}",
        "event_id": f"t{i}",
    }
    event.update(overrides)
    return event


def make_key(
    app: Flask,
    scopes: tuple[str, ...] = services.SCOPES,
    kind: OrgKind = OrgKind.PARTNER_PLATFORM,
    uscc: str | None = None,
) -> tuple[int, str]:
    with app_session(app) as session:
        org = make_organization(session, kind=kind, uscc=uscc)
        assert org.id is not None
        _row, key = services.create_key(session=session, organization_id=org.id, scopes=scopes)
    return org.id, key


def ledger_seq(app: Flask) -> int:
    with app_session(app) as session:
        return SqlLedger(session).head_seq()


class Api:
    """Calls the API and checks every answer against the served OpenAPI document."""

    def __init__(self, client: FlaskClient, key: str | None = None) -> None:
        self.client = client
        self.key = key
        answer = client.get("/api/v1/openapi.json")
        assert answer.status_code == 200
        self.doc: dict[str, Any] = answer.get_json()
        resource: Resource[Any] = DRAFT202012.create_resource(self.doc)
        self.registry: Registry[Any] = Registry().with_resource(DOC, resource)

    def validator(self, pointer: str) -> Draft202012Validator:
        return Draft202012Validator({"$ref": f"{DOC}#{pointer}"}, registry=self.registry)

    def check(self, response: TestResponse, method: str, template: str) -> TestResponse:
        responses = self.doc["paths"][template][method]["responses"]
        status = str(response.status_code)
        assert status in responses, f"{method} {template} answered undocumented {status}"
        assert response.mimetype == "application/json"
        escaped = template.replace("~", "~0").replace("/", "~1")
        pointer = f"/paths/{escaped}/{method}/responses/{status}/content/application~1json/schema"
        self.validator(pointer).validate(response.get_json())
        if status == "401":
            assert response.headers["WWW-Authenticate"].startswith("Bearer")
        return response

    def _auth(self, key: object) -> dict[str, str]:
        key = self.key if key is _DEFAULT else key
        return {"Authorization": f"Bearer {key}"} if key else {}

    def push(
        self,
        events: list[dict[str, Any]] | None = None,
        idem: str | None = "k1",
        key: object = _DEFAULT,
        raw: bytes | None = None,
    ) -> TestResponse:
        headers = self._auth(key)
        if idem is not None:
            headers["Idempotency-Key"] = idem
        if raw is None:
            body = {"events": events if events is not None else [trade(1)]}
            response = self.client.post(EVENTS, json=body, headers=headers)
            if response.status_code == 201:  # what the server accepts, the document allows
                self.validator("/components/schemas/EventsRequest").validate(body)
        else:
            response = self.client.post(
                EVENTS, data=raw, headers=headers, content_type="application/json"
            )
        return self.check(response, "post", EVENTS)

    def subject(self, ref: str = SELLER, key: object = _DEFAULT) -> TestResponse:
        response = self.client.get(f"/api/v1/credit/subjects/{ref}", headers=self._auth(key))
        return self.check(response, "get", SUBJECT)


@pytest.fixture
def partner(app: Flask, client: FlaskClient) -> Api:
    _org_id, key = make_key(app)
    return Api(client, key)


def test_a_partner_pushes_trades_and_reads_the_grade_move(app: Flask, partner: Api) -> None:
    before = partner.subject().get_json()
    assert before["grade"] == "N" and before["score"] == 90.0 and before["confidence"] == 0
    assert set(before) == {"grade", "score", "confidence", "reasons", "formula_version", "as_of"}

    answer = partner.push([trade(i) for i in range(25)])
    assert answer.status_code == 201, answer.get_json()
    body = answer.get_json()
    assert body["accepted"] == 25 and len(body["entries"]) == 25
    assert body["head_hash"] == body["entries"][-1]["entry_hash"]
    assert [e["seq"] for e in body["entries"]] == list(range(1, 26))

    after = partner.subject().get_json()
    assert after["grade"] == "A" and after["score"] > 95 and after["confidence"] > 24
    assert "new_subject" not in after["reasons"]

    with app_session(app) as session:
        events = SqlLedger(session).events_of(SELLER)
        assert verify(session=session).ok
        org_id = session.exec(select(ApiKey.organization_id)).one()
    assert {e.source for e in events} == {f"platform:{org_id}"}
    assert {e.event_id for e in events} == {f"p{org_id}:t{i}" for i in range(25)}
    assert body["entries"][0]["event_id"] == f"p{org_id}:t0"


def test_an_organization_is_graded_from_partner_events(partner: Api) -> None:
    pushed = partner.push([trade(i, subject=SHOP) for i in range(12)])  # 10 % cap: 10+ buyers
    assert pushed.status_code == 201
    standing = partner.subject(SHOP).get_json()
    assert standing["grade"] == "N" and 0 < standing["confidence"] < 20


@pytest.mark.parametrize(
    ("headers", "reason"),
    [
        ({}, "missing_key"),
        ({"Authorization": "Basic dXNlcjpwdw=="}, "missing_key"),
        ({"Authorization": "Bearer not-a-key"}, "invalid_key"),
        ({"Authorization": "Bearer xh_0123abcd_" + "A" * 43}, "invalid_key"),
    ],
)
def test_calls_without_a_valid_key_get_401(
    app: Flask, partner: Api, headers: dict[str, str], reason: str
) -> None:
    get = partner.client.get(f"/api/v1/credit/subjects/{SELLER}", headers=headers)
    partner.check(get, "get", SUBJECT)
    assert get.status_code == 401 and get.get_json()["error"] == reason
    assert ('error="invalid_token"' in get.headers["WWW-Authenticate"]) == (reason != "missing_key")
    post = partner.client.post(EVENTS, json={"events": [trade(1)]}, headers=headers)
    partner.check(post, "post", EVENTS)
    assert post.status_code == 401 and post.get_json()["error"] == reason
    assert ledger_seq(app) == 0


def test_a_key_with_a_wrong_secret_but_a_real_prefix_gets_401(partner: Api) -> None:
    assert partner.key is not None
    forged = partner.key[:12] + "B" * 43
    assert partner.subject(key=forged).get_json()["error"] == "invalid_key"


def test_a_revoked_key_gets_401(app: Flask, partner: Api) -> None:
    assert partner.subject().status_code == 200
    assert partner.key is not None
    with app_session(app) as session:
        services.revoke_key(session=session, prefix=partner.key[3:11])
    answer = partner.subject()
    assert answer.status_code == 401 and answer.get_json()["error"] == "key_revoked"
    assert partner.push().status_code == 401


def test_a_key_without_the_scope_or_of_a_shop_gets_403(app: Flask, client: FlaskClient) -> None:
    _org, reader = make_key(app, scopes=("subjects:read",))
    api = Api(client, reader)
    assert api.subject().status_code == 200
    refused = api.push()
    assert refused.status_code == 403 and refused.get_json()["error"] == "insufficient_scope"

    _org, writer = make_key(app, scopes=("events:write",))
    refused = api.subject(key=writer)
    assert refused.status_code == 403 and refused.get_json()["error"] == "insufficient_scope"

    _org, shop_key = make_key(app, kind=OrgKind.CONSIGNMENT_SHOP)
    refused = api.push(key=shop_key)
    assert refused.status_code == 403 and refused.get_json()["error"] == "not_a_partner_platform"
    assert ledger_seq(app) == 0


def test_the_same_idempotency_key_and_body_replays_the_first_answer(
    app: Flask, partner: Api
) -> None:
    events = [trade(1), trade(2)]
    first = partner.push(events, idem="order-batch-7")
    assert first.status_code == 201 and "Idempotent-Replayed" not in first.headers
    seq = ledger_seq(app)
    again = partner.push(events, idem="order-batch-7")
    assert again.status_code == 201 and again.headers["Idempotent-Replayed"] == "true"
    assert again.get_data() == first.get_data()
    assert ledger_seq(app) == seq == 2


def test_the_same_idempotency_key_with_another_body_is_a_409(app: Flask, partner: Api) -> None:
    assert partner.push([trade(1)], idem="k").status_code == 201
    reused = partner.push([trade(2)], idem="k")
    assert reused.status_code == 409 and reused.get_json()["error"] == "idempotency_key_reused"
    assert ledger_seq(app) == 1
    _org, other_key = make_key(app)  # keys are per organization
    assert partner.push([trade(2)], idem="k", key=other_key).status_code == 201


def test_an_event_id_already_recorded_is_a_409_and_nothing_is_written(
    app: Flask, partner: Api
) -> None:
    assert partner.push([trade(1)], idem="a").status_code == 201
    duplicate = partner.push([trade(2), trade(1)], idem="b")
    assert duplicate.status_code == 409
    body = duplicate.get_json()
    assert body["error"] == "event_already_recorded" and body["event_ids"][0].endswith(":t1")
    assert ledger_seq(app) == 1
    replay = partner.push([trade(2), trade(1)], idem="b")
    assert replay.status_code == 409 and replay.headers["Idempotent-Replayed"] == "true"
    assert replay.get_data() == duplicate.get_data()


FINDING = "tier=ordinary;status=confirmed;category=fraud"


@pytest.mark.parametrize(
    ("bad", "reason", "event_reason"),
    [
        ({"kind": "void", "detail": "target=x", "evidence": None}, "kind_not_allowed", None),
        ({"kind": "finding", "detail": FINDING, "counterparty": None}, "kind_not_allowed", None),
        ({"source": "xunhuan"}, "invalid_event", "source_not_allowed"),
        ({"subject": "p:1234"}, "invalid_event", "invalid_event"),
        ({"weight": 5}, "invalid_event", "invalid_event"),
        ({"colour": "red"}, "invalid_event", "invalid_event"),
        ({"event_id": None}, "invalid_event", "invalid_event"),
        ({"occurred_at": "2026-13-01T00:00:00+00:00"}, "invalid_event", "invalid_event"),
        ({"occurred_at": "2026-11-01T00:00:00"}, "invalid_event", "invalid_event"),
        ({"event_id": "t0"}, "invalid_event", "invalid_event"),  # twice in one request
    ],
)
def test_a_bad_event_refuses_the_whole_batch(
    app: Flask,
    partner: Api,
    bad: dict[str, Any],
    reason: str,
    event_reason: str | None,
) -> None:
    answer = partner.client.post(
        EVENTS,
        json={"events": [trade(0), trade(1, **bad)]},
        headers={"Authorization": f"Bearer {partner.key}", "Idempotency-Key": "x"},
    )
    partner.check(answer, "post", EVENTS)
    body = answer.get_json()
    assert answer.status_code == 422 and body["error"] == reason
    assert [e["index"] for e in body["errors"]] == [1]
    assert body["errors"][0]["error"] == (event_reason or reason)
    assert ledger_seq(app) == 0
    # 422s are not stored: the corrected batch goes through under the same key
    assert partner.push([trade(0), trade(1)], idem="x").status_code == 201


def test_a_pending_finding_and_a_rating_are_accepted(app: Flask, partner: Api) -> None:
    finding = trade(2, kind="finding", detail="tier=ordinary;status=pending;category=fraud")
    finding["counterparty"] = None
    rating = trade(1, kind="rating", weight=5, event_id="r1")
    answer = partner.push([trade(1), rating, finding])
    assert answer.status_code == 201, answer.get_json()
    with app_session(app) as session:  # the marketplace's regulator sees it waiting ...
        assert "pending_finding" in scores.lookup(session, SELLER).reasons
    # ... but no platform is told of an accusation a regulator has not confirmed.
    assert "pending_finding" not in partner.subject().get_json()["reasons"]


def test_an_event_dated_ahead_is_refused_beyond_five_minutes(app: Flask, partner: Api) -> None:
    ahead = (utcnow() + timedelta(minutes=10)).isoformat()
    refused = partner.push([trade(1, occurred_at=ahead)])
    assert refused.status_code == 422
    assert refused.get_json()["errors"][0]["error"] == "occurred_in_future"
    soon = (utcnow() + timedelta(minutes=2)).isoformat()
    assert partner.push([trade(1, occurred_at=soon)], idem="k2").status_code == 201


def test_a_platform_cannot_report_on_itself(app: Flask, client: FlaskClient) -> None:
    _org, key = make_key(app, uscc=SHOP[2:])
    api = Api(client, key)
    refused = api.push([trade(1, subject=SHOP)])
    assert refused.status_code == 422
    assert refused.get_json()["errors"][0]["error"] == "own_subject"
    assert api.push([trade(1)], idem="k2").status_code == 201  # others' subjects are fine


def test_malformed_requests_are_refused_with_their_reason(app: Flask, partner: Api) -> None:
    missing = partner.push(idem=None)
    assert missing.status_code == 400
    assert missing.get_json()["error"] == "idempotency_key_required"
    bad_key = partner.push(idem="k" * 101)
    assert bad_key.get_json()["error"] == "invalid_idempotency_key"
    not_json = partner.push(raw=b"{events:")
    assert not_json.status_code == 400 and not_json.get_json()["error"] == "invalid_json"
    for body in (b"[]", b'{"events": []}', b'{"events": {}}', b'{"events": [], "x": 1}'):
        answer = partner.push(raw=body, idem=body.decode())
        assert answer.status_code == 422 and answer.get_json()["error"] == "invalid_body"
    too_many = partner.push([trade(i) for i in range(501)])
    assert too_many.status_code == 422 and too_many.get_json()["error"] == "invalid_body"
    too_large = partner.push(raw=b'{"events": [' + b" " * (2 * 1024 * 1024) + b"]}")
    assert too_large.status_code == 413 and too_large.get_json()["error"] == "body_too_large"
    assert ledger_seq(app) == 0


@pytest.mark.parametrize("ref", ["p:ABC", "o:91350100M000100Y44", "someone", "p:" + "0" * 63])
def test_a_malformed_subject_is_a_400(partner: Api, ref: str) -> None:
    answer = partner.subject(ref)
    assert answer.status_code == 400 and answer.get_json()["error"] == "invalid_subject"


def test_calls_beyond_the_limit_get_429_per_key(app: Flask, partner: Api) -> None:
    app.config.update(CREDIT_API_WRITE_LIMIT="2 per minute", CREDIT_API_READ_LIMIT="3 per minute")
    assert [partner.push([trade(i)], idem=f"k{i}").status_code for i in range(2)] == [201, 201]
    limited = partner.push([trade(9)], idem="k9")
    assert limited.status_code == 429 and limited.get_json()["error"] == "rate_limited"
    assert int(limited.headers["Retry-After"]) > 0
    assert [partner.subject().status_code for _ in range(4)] == [200, 200, 200, 429]
    _org, other = make_key(app)
    assert partner.subject(key=other).status_code == 200  # another key has its own budget
    anonymous = [partner.subject(key=None).status_code for _ in range(4)]
    assert anonymous == [401, 401, 401, 429]  # without a key the address is limited
    assert ledger_seq(app) == 2


def test_every_call_is_audited_with_its_answer(app: Flask, partner: Api) -> None:
    app.config.update(CREDIT_API_WRITE_LIMIT="4 per minute")
    org_id = 0
    with app_session(app) as session:
        org_id = session.exec(select(ApiKey.organization_id)).one()
    statuses = [
        partner.push([trade(1)], idem="a").status_code,  # 201
        partner.push([trade(1)], idem="a").status_code,  # 201 replayed
        partner.push([trade(1, kind="void")], idem="b").status_code,  # 422
        partner.push([trade(2)], idem="a").status_code,  # 409
        partner.push([trade(3)], idem="c").status_code,  # 429
        partner.subject(key="xh_nope").status_code,  # 401
        partner.subject().status_code,  # 200
    ]
    assert statuses == [201, 201, 422, 409, 429, 401, 200]
    with app_session(app) as session:
        calls = list(session.exec(select(ApiCall).order_by(col(ApiCall.id))))
        key = session.exec(select(ApiKey)).one()
    assert [c.status for c in calls] == statuses
    assert [c.reason for c in calls] == [
        None,
        None,
        "kind_not_allowed",
        "idempotency_key_reused",
        "rate_limited",
        "invalid_key",
        None,
    ]
    assert [c.idempotency_key for c in calls[:5]] == ["a", "a", "b", "a", "c"]
    assert {c.organization_id for c in calls} == {org_id, None}
    assert calls[5].api_key_id is None and calls[6].api_key_id == key.id
    assert [c.method for c in calls] == ["POST"] * 5 + ["GET"] * 2
    assert calls[-1].path == f"/api/v1/credit/subjects/{SELLER}"
    assert all(c.remote_addr for c in calls)
    assert key.last_used_at is not None and key.last_used_at >= calls[0].at


@pytest.mark.parametrize("same_body", [True, False])
def test_concurrent_requests_with_one_idempotency_key_write_once(
    app: Flask, partner: Api, monkeypatch: pytest.MonkeyPatch, same_body: bool
) -> None:
    # Both requests look the key up before either writes (on PostgreSQL; on SQLite the
    # second request waits for the first's transaction and the barrier gives up).
    barrier = threading.Barrier(2, timeout=2)
    lookup = services.stored_answer

    def racing_lookup(**kwargs: Any) -> services.Answer | None:
        found = lookup(**kwargs)
        if found is None:
            with contextlib.suppress(threading.BrokenBarrierError):
                barrier.wait()
        return found

    monkeypatch.setattr(services, "stored_answer", racing_lookup)
    bodies = [[trade(1), trade(2)], [trade(1), trade(2)] if same_body else [trade(3)]]
    answers: list[TestResponse] = []

    def call(events: list[dict[str, Any]]) -> None:
        client = app.test_client()
        headers = {"Authorization": f"Bearer {partner.key}", "Idempotency-Key": "race"}
        answers.append(client.post(EVENTS, json={"events": events}, headers=headers))

    threads = [threading.Thread(target=call, args=(body,)) for body in bodies]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert len(answers) == 2
    if app.config["DATABASE_URL"].startswith("postgresql"):
        assert not barrier.broken  # both passed the lookup: the unique constraint decided
    for answer in answers:
        partner.check(answer, "post", EVENTS)
    statuses = sorted(a.status_code for a in answers)
    if same_body:
        assert statuses == [201, 201]
        assert answers[0].get_data() == answers[1].get_data()
        assert sorted(a.headers.get("Idempotent-Replayed", "") for a in answers) == ["", "true"]
    else:
        assert statuses == [201, 409]
        loser = max(answers, key=lambda a: a.status_code)
        assert loser.get_json()["error"] == "idempotency_key_reused"
    with app_session(app) as session:
        assert session.exec(select(func.count()).select_from(IdempotencyRecord)).one() == 1
        assert verify(session=session).ok
    winner = next(a for a in answers if a.status_code == 201)
    assert ledger_seq(app) == winner.get_json()["accepted"]


def test_the_key_is_stored_only_as_a_hash(app: Flask, partner: Api) -> None:
    assert partner.key is not None and partner.key.startswith("xh_")
    secret = partner.key.split("_", 2)[2]
    assert len(secret) >= 32
    partner.push()
    with get_engine(app).connect() as conn:
        for table in ("api_keys", "api_calls", "api_idempotency", "credit_ledger"):
            for row in conn.execute(sa.text(f"SELECT * FROM {table}")):  # noqa: S608
                text = " ".join(str(value) for value in row)
                assert secret not in text and partner.key not in text
        stored = conn.execute(sa.text("SELECT key_hash FROM api_keys")).scalar_one()
    assert stored == hashlib.sha256(partner.key.encode()).hexdigest()


def test_the_cli_creates_lists_and_revokes_a_platform_key(
    app: Flask, client: FlaskClient, runner: FlaskCliRunner
) -> None:
    created = runner.invoke(args=["platform", "create", "闲置圈", "--uscc", "91350100M000100Y43"])
    assert created.exit_code == 0, created.output
    key = next(line for line in created.output.splitlines() if line.startswith("xh_"))
    assert "will not be shown again" in created.output
    api = Api(client, key)
    assert api.subject().status_code == 200

    reader = runner.invoke(args=["platform", "create", "闲置圈", "--scope", "subjects:read"])
    assert reader.exit_code == 0, reader.output
    reader_key = next(line for line in reader.output.splitlines() if line.startswith("xh_"))
    assert api.push(key=reader_key).get_json()["error"] == "insufficient_scope"
    with app_session(app) as session:
        orgs = list(session.exec(select(Organization).where(Organization.name == "闲置圈")))
        hashes = list(session.exec(select(ApiKey.key_hash)))
    assert len(orgs) == 1 and orgs[0].kind == OrgKind.PARTNER_PLATFORM
    assert orgs[0].uscc == "91350100M000100Y43"

    listed = runner.invoke(args=["platform", "list"])
    assert listed.exit_code == 0 and "闲置圈" in listed.output and key[3:11] in listed.output
    assert key not in listed.output and not any(h in listed.output for h in hashes)

    revoked = runner.invoke(args=["platform", "revoke", key[3:11]])
    assert revoked.exit_code == 0, revoked.output
    assert api.subject().get_json()["error"] == "key_revoked"
    audit = runner.invoke(args=["platform", "audit", "--limit", "5"])
    assert audit.exit_code == 0 and "401" in audit.output and "key_revoked" in audit.output
    assert runner.invoke(args=["platform", "revoke", "ffffffff"]).exit_code != 0


def test_the_cli_refuses_a_name_taken_by_another_kind_of_organization(
    app: Flask, runner: FlaskCliRunner
) -> None:
    with app_session(app) as session:
        make_organization(session, name="旧物寄卖店", kind=OrgKind.CONSIGNMENT_SHOP)
    refused = runner.invoke(args=["platform", "create", "旧物寄卖店"])
    assert refused.exit_code != 0 and "consignment_shop" in refused.output
    with app_session(app) as session:
        assert session.exec(select(func.count()).select_from(ApiKey)).one() == 0


def test_the_openapi_document_covers_exactly_the_credit_routes(app: Flask, partner: Api) -> None:
    doc = partner.doc
    assert doc["openapi"].startswith("3.1")
    documented = {
        (path.replace("{", "<").replace("}", ">"), method.upper())
        for path, item in doc["paths"].items()
        for method in item
    }
    routes = {
        (rule.rule, method)
        for rule in app.url_map.iter_rules()
        for method in rule.methods or ()
        if method not in ("HEAD", "OPTIONS")
    }
    assert documented <= routes
    credit_routes = {r for r in routes if r[0].startswith("/api/v1/credit/")}
    assert credit_routes and credit_routes <= documented
    for schema in doc["components"]["schemas"].values():
        Draft202012Validator.check_schema(schema)
    assert doc["components"]["securitySchemes"]["apiKey"]["scheme"] == "bearer"
    post = doc["paths"]["/api/v1/credit/events"]["post"]
    assert post["parameters"][0]["name"] == "Idempotency-Key"
    assert {"201", "400", "401", "403", "409", "422", "429"} <= set(post["responses"])
    get = doc["paths"]["/api/v1/credit/subjects/{subject_ref}"]["get"]
    assert {"200", "400", "401", "403", "429"} <= set(get["responses"])
    reasons = doc["components"]["schemas"]["Standing"]["properties"]["reasons"]["items"]
    # every reason the model emits, less what no regulator has confirmed
    assert reasons["enum"] == list(credit.model.SHARED_REASON_CODES)
    assert "pending_finding" not in reasons["enum"]
    assert set(partner.subject().get_json()["reasons"]) <= set(reasons["enum"])


def test_a_seller_gives_the_reference_on_my_credit_and_a_partner_reads_the_same_grade(
    app: Flask, partner: Api
) -> None:
    with app.app_context():
        session = hooked(app)
        seller = make_user(session)
        sell(session, seller, make_user(session))
        mobile = seller.mobile or ""
        session.close()
    AuthActions(partner.client).login(identifier=mobile, password=PASSWORD)
    page = partner.client.get("/my/credit").get_data(as_text=True)
    found = re.search(r'data-testid="subject-ref">(p:[0-9a-f]{64})<', page)
    assert found is not None
    grade = re.search(r'data-testid="credit-grade">([A-DN])<', page)
    shown = re.search(r'data-testid="credit-score">([0-9.]+)<', page)
    assert grade is not None and shown is not None
    answer = partner.subject(found.group(1)).get_json()
    assert answer["grade"] == grade.group(1) and f"{answer['score']:.1f}" == shown.group(1)
    with app_session(app) as session:  # the reference is the seller's, and it has the trade
        assert len(SqlLedger(session).events_of(found.group(1))) == 1
