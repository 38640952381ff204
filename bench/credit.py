"""Benchmark the credit library: 1,000,000 events over 50,000 subjects, deterministic.

    .venv/bin/python bench/credit.py                         # the full run, about 2 minutes
    .venv/bin/python bench/credit.py --events 100000 --subjects 5000   # a quick look

Measures the full recompute of every subject, the incremental update (one new event rescoring
its subject only), grade lookups from the dict of results, and the ledger: appending every
event and verifying the whole chain. Baselines run in the same process: a naive recompute
(plain sum of fixed weights per subject, no decay, caps or records) and bare hashlib over the
same bytes the chain verification hashes.
"""

from __future__ import annotations

import argparse
import hashlib
import random
import resource
import statistics
import sys
import time
from collections import Counter, defaultdict
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from credit.events import CreditEvent, person_subject  # noqa: E402
from credit.identifiers import USCC_ALPHABET, uscc_check_character  # noqa: E402
from credit.ledger import InMemoryLedger, append_event, verify_chain  # noqa: E402
from credit.model import ScoreBook  # noqa: E402

AS_OF = datetime(2026, 11, 28, tzinfo=UTC)
KEY = b"bench-subject-key-32-bytes-long!"


def subjects(rng: random.Random, count: int) -> list[str]:
    """Half organizations (valid USCCs), half keyed persons."""
    out = []
    for i in range(count):
        if i % 2:
            first17 = "9112" + "".join(rng.choice(USCC_ALPHABET) for _ in range(13))
            out.append("o:" + first17 + uscc_check_character(first17))
        else:
            out.append(person_subject(f"seller-{i}", KEY))
    return out


def generate(rng: random.Random, n_events: int, sellers: list[str]) -> list[CreditEvent]:
    """Trades, ratings of them, disputes, wipe certificates and a few findings over two years."""
    buyers = [person_subject(f"buyer-{i}", KEY) for i in range(len(sellers) * 2)]
    trades: dict[str, list[tuple[str, str, datetime]]] = defaultdict(list)
    events: list[CreditEvent] = []
    for i in range(n_events):
        seller = rng.choice(sellers)
        when = AS_OF - timedelta(seconds=rng.randrange(2 * 365 * 86400))
        roll = rng.random()
        done = trades[seller]
        if roll < 0.35 and done:
            ref, cp, t0 = rng.choice(done)
            stars = rng.choice((5, 5, 5, 4, 3, 2, 1))
            events.append(
                CreditEvent(seller, "rating", stars, "xunhuan", cp, max(when, t0), ref, f"e{i}")
            )
            continue
        cp = rng.choice(buyers)
        if roll < 0.90:
            events.append(
                CreditEvent(seller, "trade_completed", None, "xunhuan", cp, when, f"t{i}", f"e{i}")
            )
            done.append((f"t{i}", cp, when))
        elif roll < 0.96:
            events.append(
                CreditEvent(
                    seller, "wipe_certificate", None, "xunhuan", None, when, f"c{i}", f"e{i}"
                )
            )
        elif roll < 0.998:
            outcome = rng.choice(("lost_unresolved", "lost_resolved", "won", "withdrawn"))
            events.append(
                CreditEvent(
                    seller, "dispute_outcome", None, "partner", cp, when, None, f"e{i}", outcome
                )
            )
        else:
            tier = rng.choice(("minor", "ordinary", "serious"))
            detail = f"tier={tier};status=confirmed;category=misdescription"
            events.append(
                CreditEvent(
                    seller, "finding", None, "regulator", None, when, f"case{i}", f"e{i}", detail
                )
            )
    return events


def p95_ms(samples_ns: list[int]) -> float:
    return statistics.quantiles(samples_ns, n=100)[94] / 1e6


def timed(label: str, action: object) -> float:
    started = time.perf_counter()
    action()  # type: ignore[operator]
    took = time.perf_counter() - started
    print(f"{label}: {took:.2f} s", flush=True)
    return took


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, default=1_000_000)
    parser.add_argument("--subjects", type=int, default=50_000)
    parser.add_argument("--updates", type=int, default=5_000)
    parser.add_argument("--lookups", type=int, default=100_000)
    args = parser.parse_args()
    rng = random.Random(2026)
    sellers = subjects(rng, args.subjects)
    events: list[CreditEvent] = []
    timed(
        f"generate {args.events:,} events",
        lambda: events.extend(generate(rng, args.events, sellers)),
    )

    book = ScoreBook()
    book.load(events)
    recompute = timed("full recompute", lambda: book.recompute_all(as_of=AS_OF))
    naive: dict[str, float] = defaultdict(float)
    fixed = {"trade_completed": 1.0, "wipe_certificate": 0.5, "rating": 1.0}

    def naive_recompute() -> None:
        for e in events:
            naive[e.subject] += fixed.get(e.kind, -1.0)

    baseline_recompute = timed("baseline naive recompute", naive_recompute)

    new = generate(random.Random(7), args.updates, sellers)
    update_ns = []
    for e in new:
        started = time.perf_counter_ns()
        book.add(e, as_of=AS_OF)
        update_ns.append(time.perf_counter_ns() - started)
    results = {s: book.result(s) for s in sellers}
    lookup_ns = []
    for _ in range(args.lookups):
        subject = sellers[rng.randrange(len(sellers))]
        started = time.perf_counter_ns()
        grade = results[subject].grade  # type: ignore[union-attr]
        lookup_ns.append(time.perf_counter_ns() - started)
    assert grade in "ABCDN"
    grades = sorted(Counter(r.grade for r in results.values() if r).items())
    print(
        f"incremental update p95: {p95_ms(update_ns):.3f} ms, max {max(update_ns) / 1e6:.2f} ms "
        f"(subject sizes {len(events) / len(sellers):.0f} events on average)"
    )
    print(f"grade lookup p95: {p95_ms(lookup_ns) * 1000:.2f} µs; grades {grades}")

    ledger = InMemoryLedger()
    timed("ledger append all events", lambda: [append_event(ledger, e) for e in events])  # type: ignore[func-returns-value]
    verify_s = timed("verify chain", lambda: print("  ", verify_chain(ledger).ok))

    def bare_hashlib() -> None:
        prev = "0" * 64
        for entry in ledger.entries:
            prev = hashlib.sha256((prev + entry.payload).encode()).hexdigest()

    baseline_verify = timed("baseline bare hashlib over the same bytes", bare_hashlib)
    middle = len(ledger.entries) // 2
    ledger.entries[middle] = replace(
        ledger.entries[middle], payload=ledger.entries[middle].payload.replace("e", "E", 1)
    )
    timed("verify after editing the middle entry", lambda: print("  ", verify_chain(ledger)))
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"peak memory {peak:,.0f} MiB")
    print(
        f"ratios: recompute {recompute / baseline_recompute:.1f} x naive, "
        f"verify {verify_s / baseline_verify:.1f} x bare hashlib"
    )


if __name__ == "__main__":
    main()
