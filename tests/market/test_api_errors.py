"""Every /api/v1 route refuses bad input with the one error shape the OpenAPI document names."""

from __future__ import annotations

from typing import Any

import pytest
from flask import Flask, Response
from flask.testing import FlaskClient
from flask_wtf.csrf import CSRFError
from jsonschema import Draft202012Validator

from market import error_handlers
from market.errors import DomainError
from market.listings.errors import NotFound

# (method, path, query or body) -> (status, machine code); at least one per /api/v1 route
BAD: list[tuple[str, str, dict[str, Any], int, str]] = [
    ("GET", "/api/v1/listings", {"page": "0"}, 400, "bad_request"),
    ("POST", "/api/v1/listings", {}, 405, "method_not_allowed"),
    ("GET", "/api/v1/listings/999999", {}, 404, "not_found"),
    ("POST", "/api/v1/certificates", {}, 401, "missing_token"),
    ("GET", "/api/v1/certificates/no-such-id", {}, 404, "not_found"),
    ("POST", "/api/v1/credit/events", {}, 401, "missing_key"),
    ("GET", "/api/v1/credit/subjects/p:nobody", {}, 401, "missing_key"),
    ("GET", "/api/v1/credit/checkpoints", {"limit": "x"}, 400, "not_a_whole_number"),
    ("GET", "/api/v1/credit/checkpoints/consistency", {}, 400, "missing_parameter"),
    ("POST", "/api/v1/openapi.json", {}, 405, "method_not_allowed"),
    ("GET", "/api/v1/no-such-thing", {}, 404, "not_found"),
]


def _error_validator(client: FlaskClient) -> Draft202012Validator:
    doc = client.get("/api/v1/openapi.json").get_json()
    return Draft202012Validator(doc["components"]["schemas"]["Error"])


def _ask(client: FlaskClient, method: str, path: str, args: dict[str, Any], **kw: Any) -> Any:
    if method == "GET":
        return client.get(path, query_string=args, **kw)
    return client.open(path, method=method, json=args or None, **kw)


def test_every_api_route_is_walked_with_bad_input(app: Flask) -> None:
    routes = {r.rule for r in app.url_map.iter_rules() if r.rule.startswith("/api/v1")}
    walked = {rule for rule in routes for _m, path, *_rest in BAD if _matches(rule, path)}
    assert walked == routes, f"add a bad request for {sorted(routes - walked)}"


def _matches(rule: str, path: str) -> bool:
    head, _sep, _var = rule.partition("<")
    return path == rule if not _sep else path.startswith(head) and "/" not in path[len(head) :]


@pytest.mark.parametrize(("method", "path", "args", "status", "code"), BAD)
def test_a_refusal_has_the_one_shape_in_the_readers_language(
    client: FlaskClient, method: str, path: str, args: dict[str, Any], status: int, code: str
) -> None:
    validator = _error_validator(client)
    answers = [
        _ask(client, method, path, args),
        _ask(client, method, path, args, headers={"Accept-Language": "en-US,en;q=0.9"}),
    ]
    for answer in answers:
        assert answer.status_code == status and answer.is_json
        body = answer.get_json()
        validator.validate(body)
        assert body["error"] == code and body["reason"].strip()
    assert answers[0].get_json().keys() == answers[1].get_json().keys()
    if code in {"bad_request", "not_found", "method_not_allowed"}:  # said by us, not a partner
        chinese, english = (a.get_json()["reason"] for a in answers)
        assert chinese != english and not chinese.isascii() and english.isascii()


def test_the_lang_cookie_outranks_accept_language_on_the_api(client: FlaskClient) -> None:
    client.set_cookie("lang", "zh")
    answer = client.get("/api/v1/listings/999999", headers={"Accept-Language": "en"})
    assert answer.get_json() == {"error": "not_found", "reason": "物品不存在。"}


def test_an_unexpected_failure_is_a_json_500_in_the_one_shape(
    app: Flask, client: FlaskClient
) -> None:
    def boom() -> None:
        raise RuntimeError("a bug")

    app.config["PROPAGATE_EXCEPTIONS"] = False
    app.view_functions["search.api_search"] = boom
    answer = client.get("/api/v1/listings", headers={"Accept-Language": "en"})
    assert answer.status_code == 500
    _error_validator(client).validate(answer.get_json())
    assert answer.get_json()["error"] == "internal_error"
    assert "a bug" not in answer.get_data(as_text=True)


def test_a_csrf_refusal_on_an_api_route_has_the_one_shape(app: Flask) -> None:
    with app.test_request_context("/api/v1/listings", method="POST"):
        response = error_handlers.handle_csrf_error(CSRFError("The CSRF token is missing."))
    assert isinstance(response, Response) and response.status_code == 400
    assert response.get_json()["error"] == "csrf_failed" and response.get_json()["reason"]


def test_every_domain_error_answers_through_the_one_handler(app: Flask) -> None:
    assert issubclass(NotFound, DomainError)
    assert app.error_handler_spec[None][None][DomainError] is error_handlers.handle_domain_error
    assert DomainError("x").error_code == "domain_error"
    assert NotFound("x").error_code == "not_found"
