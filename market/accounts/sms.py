"""Sending one-time codes: a small protocol, a sender that writes to the log, and the hook.

Production names its gateway with XUNHUAN_SMS_SENDER="package.module:factory", where
`factory(app)` returns an `SmsSender`. Without one, production refuses registration (existing
accounts keep working: the marketplace must not go down because a gateway contract lapsed);
development and tests print the code to the server log.
"""

from __future__ import annotations

import importlib
import logging
from typing import Protocol

from flask import Flask, current_app

logger = logging.getLogger(__name__)
EXTENSION = "xunhuan.sms"


class SmsSender(Protocol):
    def send(self, *, to: str, text: str) -> None:
        """Deliver `text` to `to` (a mobile number, or an e-mail address if the gateway can)."""


class LogSender:
    """Write the message to the server log, for development and tests only."""

    def send(self, *, to: str, text: str) -> None:
        logger.warning("one-time code to %s: %s", to, text)


def _load(spec: str, app: Flask) -> SmsSender:
    module_name, _, attr = spec.partition(":")
    factory = getattr(importlib.import_module(module_name), attr)
    sender: SmsSender = factory(app)
    return sender


def init_app(app: Flask) -> None:
    """Put the configured sender on `app.extensions`; none in production without a gateway."""
    configured = app.config.get("XUNHUAN_SMS_SENDER")
    sender: SmsSender | None
    if isinstance(configured, str) and configured:
        sender = _load(configured, app)
    elif configured is not None and not isinstance(configured, str):
        sender = configured  # an object given directly by a test configuration
    elif app.config.get("XUNHUAN_ENV") == "production":
        logger.error("XUNHUAN_SMS_SENDER is not set: registration is refused until it is")
        sender = None
    else:
        sender = LogSender()
    app.extensions[EXTENSION] = sender


def current_sender() -> SmsSender | None:
    sender: SmsSender | None = current_app.extensions.get(EXTENSION)
    return sender
