"""The app on a live 127.0.0.1 server, and a small HTTP client with cookies for it."""

from __future__ import annotations

import threading
import time
import uuid
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from http.cookiejar import CookieJar
from urllib.error import HTTPError
from urllib.parse import urlencode
from urllib.request import HTTPCookieProcessor, Request, build_opener

import pytest
from flask import Flask
from werkzeug.serving import make_server

from tests.support.auth import CSRF_RE


@pytest.fixture
def live_server(app: Flask) -> Iterator[str]:
    """Serve `app` on a free port of 127.0.0.1 in a thread; stop it after the test."""
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()
        thread.join(timeout=10)


@dataclass(frozen=True)
class Answer:
    status: int
    body: str
    headers: dict[str, str]
    seconds: float
    url: str


class HttpClient:
    """One visitor of a live server: keeps its cookies, follows redirects, times each answer."""

    def __init__(self, base: str) -> None:
        assert base.startswith("http://127.0.0.1:")
        self.base = base
        self.opener = build_opener(HTTPCookieProcessor(CookieJar()))

    def get(self, path: str, *, timeout: float = 60) -> Answer:
        return self._send(Request(self.base + path), timeout)  # noqa: S310 - http://127.0.0.1

    def post(
        self, path: str, fields: dict[str, str],
        files: Sequence[tuple[str, str, bytes]] = (), *, timeout: float = 120,
    ) -> Answer:  # fmt: skip
        """POST `fields` (and `files`: (field, file name, bytes)) with the page's CSRF token."""
        fields = {"csrf_token": self.csrf_token(path), **fields}
        if not files:
            body = urlencode(fields).encode()
            kind = "application/x-www-form-urlencoded"
        else:
            body, kind = _multipart(fields, files)
        headers = {"Content-Type": kind}
        request = Request(self.base + path, data=body, headers=headers)  # noqa: S310 - as above
        return self._send(request, timeout)

    def csrf_token(self, path: str) -> str:
        match = CSRF_RE.search(self.get(path).body)
        assert match, f"no CSRF token on {path}"
        return match.group(1) or match.group(2)

    def login(self, identifier: str, password: str) -> None:
        answer = self.post("/account/login", {"identifier": identifier, "password": password})
        assert answer.status == 200 and not answer.url.endswith("/account/login"), answer.status

    def _send(self, request: Request, timeout: float) -> Answer:
        started = time.perf_counter()
        try:
            with self.opener.open(request, timeout=timeout) as response:
                status, body, url = response.status, response.read(), response.url
                headers = dict(response.headers.items())
        except HTTPError as error:
            status, body, url = error.code, error.read(), error.url
            headers = dict(error.headers.items())
        text = body.decode("utf-8", "replace")
        return Answer(status, text, headers, time.perf_counter() - started, url)


def _multipart(
    fields: dict[str, str], files: Sequence[tuple[str, str, bytes]]
) -> tuple[bytes, str]:
    boundary = uuid.uuid4().hex
    parts: list[bytes] = []
    for name, value in fields.items():
        parts.append(
            f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n'.encode()
            + value.encode()
            + b"\r\n"
        )
    for name, filename, data in files:
        head = (
            f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"; '
            f'filename="{filename}"\r\nContent-Type: application/octet-stream\r\n\r\n'
        )
        parts.append(head.encode() + data + b"\r\n")
    parts.append(f"--{boundary}--\r\n".encode())
    return b"".join(parts), f"multipart/form-data; boundary={boundary}"
