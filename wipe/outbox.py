"""The outbox: certificates written locally first, then delivered to the marketplace exactly once.

Delivery is idempotent by certificate id on the server, so the client may send a certificate twice
(after a crash between the answer and the delete) but never drops one: a queued file is removed
only after the server answered 200 or 201.
"""

from __future__ import annotations

import http.client
import json
import os
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from wipe.files import certificate_json, write_atomic

UPLOAD_PATH = "/api/v1/certificates"
TOKEN_ENV = "XUNHUAN_UPLOAD_TOKEN"  # noqa: S105 - the variable's name, not a token
TOKEN_FILE = "upload_token"  # noqa: S105 - the file's name, not a token
# Answers that say nothing about the certificate itself: try again later, change nothing.
RETRY_LATER = {401, 403, 404, 405, 408, 425, 429}


def resolve_token(token: str | None, key_dir: Path | None) -> str | None:
    """Return the upload token: given, else $XUNHUAN_UPLOAD_TOKEN, else <key_dir>/upload_token."""
    if token:
        return token
    if os.environ.get(TOKEN_ENV):
        return os.environ[TOKEN_ENV]
    if key_dir is not None and (key_dir / TOKEN_FILE).is_file():
        return (key_dir / TOKEN_FILE).read_text(encoding="utf-8").strip() or None
    return None


@dataclass
class SyncResult:
    """What one delivery round did: ids delivered, rejected (with reason) and still pending."""

    delivered: list[str] = field(default_factory=list)
    rejected: dict[str, str] = field(default_factory=dict)
    pending: list[str] = field(default_factory=list)
    error: str | None = None

    @property
    def complete(self) -> bool:
        """Return True when nothing is left to deliver."""
        return not self.pending


class Outbox:
    """A directory of signed certificates waiting for upload, with `rejected/` beside them."""

    def __init__(self, directory: Path) -> None:
        self.directory = directory
        self.rejected_dir = directory / "rejected"

    def enqueue(self, cert: dict[str, Any]) -> Path:
        """Queue a signed certificate for upload (queueing the same one twice is harmless)."""
        self.directory.mkdir(parents=True, exist_ok=True)
        path = self.directory / f"{_safe_id(cert['certificate_id'])}.json"
        write_atomic(path, certificate_json(cert))
        return path

    def pending(self) -> list[str]:
        """Return the ids of queued certificates, oldest first."""
        if not self.directory.is_dir():
            return []
        files = [p for p in self.directory.glob("*.json") if not p.name.startswith(".")]
        files.sort(key=lambda p: (p.stat().st_mtime_ns, p.name))
        return [p.stem for p in files]

    def sync(
        self,
        market_url: str,
        token: str,
        *,
        timeout: float = 10.0,
        only: list[str] | None = None,
    ) -> SyncResult:
        """POST each queued certificate to the marketplace; network failures leave it queued."""
        url = upload_url(market_url)
        result = SyncResult()
        queue = [cid for cid in self.pending() if only is None or cid in only]
        for index, cert_id in enumerate(queue):
            body = (self.directory / f"{cert_id}.json").read_bytes()
            status, answer, error = _post(url, token, body, timeout)
            if status in (200, 201):
                self._delivered(cert_id)
                result.delivered.append(cert_id)
            elif (
                status is not None
                and 400 <= status < 500
                and status not in RETRY_LATER
                and (reason := _reason(answer))
            ):
                self._reject(cert_id, status, reason, answer)
                result.rejected[cert_id] = reason
            else:
                result.error = error or f"HTTP {status}"
                result.pending.append(cert_id)
                if status is None or status in RETRY_LATER:
                    # The marketplace is unreachable or refuses this station: the rest would
                    # fail the same way, so leave them queued without waiting on each.
                    result.pending.extend(queue[index + 1 :])
                    break
        return result

    def _delivered(self, cert_id: str) -> None:
        # The local copy next to the outbox stays; only the queue entry goes.
        (self.directory / f"{cert_id}.json").unlink()

    def _reject(self, cert_id: str, status: int, reason: str, answer: Any) -> None:
        self.rejected_dir.mkdir(parents=True, exist_ok=True)
        note = {"status": status, "reason": reason, "answer": answer}
        write_atomic(
            self.rejected_dir / f"{cert_id}.reason.json",
            (json.dumps(note, ensure_ascii=False, indent=2) + "\n").encode("utf-8"),
        )
        os.replace(self.directory / f"{cert_id}.json", self.rejected_dir / f"{cert_id}.json")


def upload_url(market_url: str) -> str:
    """Return the upload endpoint for a marketplace base URL (http or https only)."""
    parsed = urllib.parse.urlsplit(market_url)
    if parsed.scheme not in ("http", "https") or not parsed.netloc:
        raise ValueError(f"the marketplace URL must be http(s)://host[:port], not {market_url!r}")
    return market_url.rstrip("/") + UPLOAD_PATH


def _safe_id(cert_id: object) -> str:
    text = str(cert_id)
    if not text or "/" in text or text.startswith("."):
        raise ValueError(f"not a certificate id: {text!r}")
    return text


def _post(url: str, token: str, body: bytes, timeout: float) -> tuple[int | None, Any, str | None]:
    request = urllib.request.Request(  # noqa: S310 - upload_url() allows only http(s)
        url,
        data=body,
        method="POST",
        headers={
            "Content-Type": "application/json; charset=utf-8",
            "Accept": "application/json",
            "Authorization": f"Bearer {token}",
        },
    )
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:  # noqa: S310
            return response.status, _json_or_none(response.read()), None
    except urllib.error.HTTPError as exc:
        with exc:
            return exc.code, _json_or_none(exc.read()), f"HTTP {exc.code} from {url}"
    except (urllib.error.URLError, http.client.HTTPException, OSError) as exc:
        reason = getattr(exc, "reason", exc)
        return None, None, f"cannot reach {url}: {reason}"


def _json_or_none(raw: bytes) -> Any:
    try:
        return json.loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, ValueError):
        return None


def _reason(answer: Any) -> str | None:
    # The marketplace answers {"error": "<code>", "reason": "<message>"}; keep both.
    if not isinstance(answer, dict):
        return None
    parts = [answer[k] for k in ("error", "reason", "message") if isinstance(answer.get(k), str)]
    return ": ".join(part for part in parts if part) or None
