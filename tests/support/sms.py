"""The one-time codes the app printed to its log, read back the way a developer would."""

from __future__ import annotations

import logging
import re
import threading

from market.accounts.identifiers import parse_identifier
from market.accounts.sms import logger as sms_logger

CODE_RE = re.compile(r"\b([0-9]{6})\b")


class CodeLog(logging.Handler):
    """Keep the last code `LogSender` wrote for each recipient."""

    def __init__(self) -> None:
        super().__init__(level=logging.INFO)
        self._codes: dict[str, str] = {}
        self._lock = threading.Lock()

    def emit(self, record: logging.LogRecord) -> None:
        if not (isinstance(record.args, tuple) and len(record.args) == 2):
            return  # not a message the LogSender sent
        to, text = record.args
        match = CODE_RE.search(str(text))
        if match:
            with self._lock:
                self._codes[str(to)] = match.group(1)

    def latest(self, identifier: str) -> str:
        parsed = parse_identifier(identifier)
        key = parsed[1] if parsed else identifier
        with self._lock:
            code = self._codes.get(key)
        assert code, f"no code was logged for {identifier}"
        return code

    def sent(self, identifier: str) -> bool:
        parsed = parse_identifier(identifier)
        with self._lock:
            return (parsed[1] if parsed else identifier) in self._codes


codes = CodeLog()


def install() -> None:
    if codes not in sms_logger.handlers:
        sms_logger.addHandler(codes)
    if sms_logger.level == logging.NOTSET or sms_logger.level > logging.INFO:
        sms_logger.setLevel(logging.INFO)
