"""Benchmark login answers for known and unknown accounts: the times should not tell them apart.

    .venv/bin/python bench/login.py              # 30 logins of each kind, about 30 seconds
    .venv/bin/python bench/login.py --rounds 10  # a quick look

Through the real app and form on a fresh SQLite database: a wrong password for an account
that exists, any password for a number nobody registered, and the right password (the
baseline a person waits for anyway). Each round uses a fresh identifier pair so no lockout
or rate limit is reached. Prints medians and the ratio unknown / known-wrong (1.0 is the goal).
"""

from __future__ import annotations

import argparse
import logging
import re
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from market import create_app  # noqa: E402
from market.accounts import services  # noqa: E402
from market.db import open_session  # noqa: E402
from market.migrate import upgrade  # noqa: E402

PASSWORD = "bench-pass-phrase"  # noqa: S105 - a throwaway account in a temporary database
CSRF = re.compile(r'name="csrf_token" type="hidden" value="([^"]+)"')


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rounds", type=int, default=30)
    rounds = parser.parse_args().rounds
    logging.disable(logging.WARNING)
    with tempfile.TemporaryDirectory() as tmp:
        url = f"sqlite:///{tmp}/bench.db"
        upgrade(url)
        app = create_app({"DATABASE_URL": url, "DATA_DIR": tmp, "RATELIMIT_ENABLED": False})
        with app.app_context(), open_session(app) as session:
            for n in range(rounds):
                services.register_user(
                    session=session,
                    identifier=f"1370000{n:04d}",
                    password=PASSWORD,
                    display_name=f"用户{n}",
                )
        client = app.test_client()
        token = CSRF.search(client.get("/account/login").get_data(as_text=True))
        assert token
        times: dict[str, list[float]] = {"known, wrong": [], "unknown": [], "known, right": []}

        def login(identifier: str, password: str) -> float:
            data = {"csrf_token": token.group(1), "identifier": identifier, "password": password}
            start = time.perf_counter()
            client.post("/account/login", data=data)
            return time.perf_counter() - start

        for n in range(rounds):
            times["known, wrong"].append(login(f"1370000{n:04d}", "wrong-pass-phrase"))
            times["unknown"].append(login(f"1360000{n:04d}", "wrong-pass-phrase"))
            times["known, right"].append(login(f"1370000{n:04d}", PASSWORD))
            client.post("/account/logout", data={"csrf_token": token.group(1)})
    medians = {kind: statistics.median(values) * 1000 for kind, values in times.items()}
    for kind, ms in medians.items():
        print(f"{kind:<14} median {ms:7.1f} ms over {rounds}")
    print(f"unknown / known-wrong: {medians['unknown'] / medians['known, wrong']:.2f}")


if __name__ == "__main__":
    main()
