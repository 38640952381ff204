"""Issuing a certificate on the station: complete the report, sign it, keep it on disk with
its PDF, queue it in the outbox and try one upload. The schema itself is `wipe.certificate`."""

from __future__ import annotations

import copy
import socket
import uuid
from pathlib import Path
from typing import Any

from wipe.certificate import (
    ISSUED_FIELDS,
    SCHEMA,
    TOOL_NAME,
    ReportInvalid,
    sign_certificate,
    tool_version,
    validate_report,
)
from wipe.files import certificate_json, write_atomic
from wipe.keys import load_private_key
from wipe.outbox import Outbox, resolve_token, upload_url
from wipe.pdf import render_certificate_pdf


def issue_certificate(
    report: dict[str, Any],
    *,
    key_dir: Path,
    out_dir: Path,
    market_url: str | None,
    token: str | None = None,
) -> tuple[dict[str, Any], Path]:
    """Validate, sign and store a certificate, render its PDF, queue it and try one upload."""
    if any(name in report for name in ISSUED_FIELDS):
        raise ReportInvalid("report", f"must not carry {', '.join(ISSUED_FIELDS)}: they are issued")
    validate_report(report)
    if market_url:
        upload_url(market_url)  # a malformed URL is a usage error, found before anything is signed
    private_key = load_private_key(key_dir)
    cert = copy.deepcopy(report)
    cert["certificate_id"] = str(uuid.uuid4())
    cert["schema"] = SCHEMA
    cert["tool"] = {"name": TOOL_NAME, "version": tool_version()}
    cert["host"] = socket.gethostname()
    signed = sign_certificate(cert, private_key)
    out_dir.mkdir(parents=True, exist_ok=True)
    json_path = out_dir / f"{signed['certificate_id']}.json"
    write_atomic(json_path, certificate_json(signed))
    outbox = Outbox(out_dir / "outbox")
    outbox.enqueue(signed)
    render_certificate_pdf(signed, json_path.with_suffix(".pdf"), market_url=market_url)
    upload_token = resolve_token(token, key_dir)
    if market_url and upload_token:
        outbox.sync(market_url, upload_token, only=[signed["certificate_id"]])
    return signed, json_path
