"""What the suite needs from the machine: skip with a reason here, fail under CI=true."""

from __future__ import annotations

import os

import pytest

IN_CI = os.environ.get("CI", "").lower() == "true"


def need(available: bool, what: str, install: str) -> None:
    """Skip (or, under CI, fail) when `what` is missing, saying how to install it."""
    if available:
        return
    message = f"{what} is missing: {install}"
    if IN_CI:
        pytest.fail(f"CI=true: {message}", pytrace=False)
    pytest.skip(message)
