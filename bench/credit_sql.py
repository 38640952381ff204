"""Benchmark the credit ledger through the marketplace's storage, on SQLite and PostgreSQL.

    .venv/bin/python bench/credit_sql.py --database sqlite        # full size, minutes
    .venv/bin/python bench/credit_sql.py --database postgresql    # a throwaway cluster
    .venv/bin/python bench/credit_sql.py --events 100000 --subjects 5000   # both, a quick look

The events are bench/credit.py's (same generator, same seed). Per database, migrated with the
project's migrations (`market.migrate.upgrade`, what `xunhuan init-db` runs): bulk-load the chained
entries into `credit_ledger`; `market.credit.scores.recompute_all` over every subject, then once
more with its steps timed; single events through `append_events` + commit, alone, step by step
and from concurrent writer processes; `scores.lookup` against a bare `session.get`;
`services.verify` over the whole chain. Baselines in the same process: the library's
`ScoreBook.recompute_all` on the same events in memory, bare hashlib over the same strings, and
the same chain read with Core. `--what-if` repeats recompute, appends and verification with the
changes docs/benchmarks.md recommends, patched into this process only (the project's code is not
changed). The PostgreSQL cluster (tests/support/pg.py) is stopped and deleted on exit, Ctrl-C,
SIGTERM or error; the SQLite file lives in a temporary directory that is removed.
"""

from __future__ import annotations

import argparse
import contextlib
import cProfile
import functools
import gc
import hashlib
import multiprocessing as mp
import os
import platform
import pstats
import random
import resource
import signal
import sqlite3
import statistics
import sys
import tempfile
import time
from collections import Counter, defaultdict
from collections.abc import Callable, Iterator
from datetime import datetime, timedelta
from multiprocessing.synchronize import Barrier
from pathlib import Path
from types import FrameType, SimpleNamespace
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import sqlalchemy as sa  # noqa: E402
from sqlalchemy.dialects import postgresql, sqlite  # noqa: E402
from sqlalchemy.engine import Engine  # noqa: E402
from sqlmodel import Session, select  # noqa: E402

import credit.events  # noqa: E402
from bench.credit import AS_OF, KEY, generate, subjects  # noqa: E402
from credit.events import CreditEvent, person_subject  # noqa: E402
from credit.ledger import GENESIS_HASH, LedgerEntry, append_event, build_entry  # noqa: E402
from credit.model import ScoreBook  # noqa: E402
from market.credit import scores  # noqa: E402
from market.credit.models import (  # noqa: E402
    HEAD_ID,
    CreditLedgerEntry,
    CreditLedgerHead,
    CreditScore,
)
from market.credit.repository import SqlLedger  # noqa: E402
from market.credit.services import append_events, verify  # noqa: E402
from market.db import make_engine  # noqa: E402
from market.migrate import upgrade  # noqa: E402
from tests.support.pg import PostgresCluster, find_bindir  # noqa: E402

LEDGER = CreditLedgerEntry.__table__  # type: ignore[attr-defined]
HEAD = CreditLedgerHead.__table__  # type: ignore[attr-defined]
SCORES = CreditScore.__table__  # type: ignore[attr-defined]
Summary = list[tuple[str, str]]


def spread(samples_ns: list[int]) -> str:
    """p50 / p95 / max of nanosecond samples, in ms."""
    q = statistics.quantiles(samples_ns, n=100)
    return f"p50 {q[49] / 1e6:.2f} ms, p95 {q[94] / 1e6:.2f} ms, max {max(samples_ns) / 1e6:.2f} ms"


def peak_mib() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def load_average() -> str:
    return "load average " + " ".join(f"{x:.1f}" for x in os.getloadavg())


class Clock:
    """Seconds spent per label, summed over the calls of wrapped functions."""

    def __init__(self) -> None:
        self.spent: dict[str, float] = defaultdict(float)

    def wrap(self, label: str, fn: Callable[..., Any]) -> Callable[..., Any]:
        def timed(*args: Any, **kwargs: Any) -> Any:
            started = time.perf_counter()
            try:
                return fn(*args, **kwargs)
            finally:
                self.spent[label] += time.perf_counter() - started

        return timed


def timed(label: str, action: Callable[[], object]) -> float:
    started = time.perf_counter()
    action()
    took = time.perf_counter() - started
    print(f"{label}: {took:.2f} s", flush=True)
    return took


Cpu = Callable[[], float]


def no_server() -> float:
    return 0.0


def cluster_cpu(postmaster: int) -> Cpu:
    """CPU seconds of a PostgreSQL cluster: its live processes and the children it reaped."""
    tick = os.sysconf("SC_CLK_TCK")

    def total() -> float:
        ticks = 0
        for entry in Path("/proc").iterdir():
            if not entry.name.isdigit():
                continue
            try:
                text = (entry / "stat").read_text()
            except OSError:  # gone meanwhile: its time is in the postmaster's children's time
                continue
            fields = text[text.rfind(")") + 2 :].split()
            utime, stime, cutime, cstime = (int(f) for f in fields[11:15])
            if int(entry.name) == postmaster:
                ticks += utime + stime + cutime + cstime
            elif int(fields[1]) == postmaster:
                ticks += utime + stime
        return ticks / tick

    return total


def start_clock(server: Cpu = no_server) -> Callable[[], tuple[float, float, float]]:
    """Call the result to get wall, this process's CPU and the server's CPU seconds since."""
    wall, cpu, srv = time.perf_counter(), time.process_time(), server()
    return lambda: (time.perf_counter() - wall, time.process_time() - cpu, server() - srv)


def costs(wall: float, cpu: float, srv: float) -> str:
    text = f"{wall:.1f} s wall, {cpu:.1f} s CPU in this process"
    return text + (f" + {srv:.1f} s in PostgreSQL" if srv else "")


# --- the data and the in-memory baselines ----------------------------------------------------


def chain(events: list[CreditEvent]) -> list[LedgerEntry]:
    """The ledger entries `append_event` would write for `events`, no personal data."""
    entries: list[LedgerEntry] = []
    prev = None
    for event in events:
        prev = build_entry(prev, event, None)
        entries.append(prev)
    return entries


def in_memory_recompute(events: list[CreditEvent]) -> tuple[tuple[float, float], Counter[str]]:
    """The library's own full recompute, the baseline; its grades to compare with SQL's."""
    book = ScoreBook()
    book.load(events)
    stop = start_clock()
    book.recompute_all(as_of=AS_OF)
    wall, cpu, _srv = stop()
    print(f"baseline: ScoreBook.recompute_all in memory: {costs(wall, cpu, 0)}", flush=True)
    return (wall, cpu), Counter(
        r.grade for s in {e.subject for e in events} if (r := book.result(s)) is not None
    )


def prepare(args: argparse.Namespace) -> dict[str, Any]:
    """The events, the in-memory baselines, the chained entries."""
    rng = random.Random(2026)
    sellers = subjects(rng, args.subjects)
    events: list[CreditEvent] = []
    timed(
        f"generate {args.events:,} events (bench/credit.py)",
        lambda: events.extend(generate(rng, args.events, sellers)),
    )
    # The harness's million events and entries are kept out of the collector's full walks: a
    # web worker or `xunhuan credit recompute` holds no such heap, and walking it inflated
    # every measurement below (recompute on PostgreSQL took 51 s instead of 32 s).
    gc.freeze()
    book, grades = in_memory_recompute(events)
    entries: list[LedgerEntry] = []
    timed("build the chained entries (build_entry)", lambda: entries.extend(chain(events)))
    gc.freeze()

    def bare_hashlib() -> None:
        prev = GENESIS_HASH
        for entry in entries:
            prev = hashlib.sha256((prev + entry.payload).encode()).hexdigest()

    hash_s = timed("baseline: bare hashlib over the same strings", bare_hashlib)
    print(
        f"grades in memory {sorted(grades.items())}; peak memory {peak_mib():,.0f} MiB", flush=True
    )
    return {
        "events": events,
        "entries": entries,
        "sellers": sellers,
        "book": book,
        "hash_s": hash_s,
        "grades": grades,
    }


def new_trades(rng: random.Random, count: int, sellers: list[str], tag: str) -> list[CreditEvent]:
    """A completed trade for a random existing subject with one of the generator's buyers."""
    out = []
    for i in range(count):
        buyer = person_subject(f"buyer-{rng.randrange(len(sellers) * 2)}", KEY)
        out.append(
            CreditEvent(
                rng.choice(sellers),
                "trade_completed",
                None,
                "xunhuan",
                buyer,
                AS_OF - timedelta(minutes=1),
                f"{tag}{i}",
                f"bench:{tag}{i}",
            )
        )
    return out


# --- the databases ---------------------------------------------------------------------------


@contextlib.contextmanager
def sqlite_database() -> Iterator[tuple[str, str, Cpu]]:
    with tempfile.TemporaryDirectory(prefix="credit-bench-") as tmp:
        yield (
            f"sqlite:///{tmp}/bench.db",
            f"SQLite {sqlite3.sqlite_version} (WAL, file in {tmp})",
            no_server,
        )


@contextlib.contextmanager
def postgresql_database() -> Iterator[tuple[str, str, Cpu]]:
    bindir = find_bindir()
    if bindir is None:
        raise SystemExit("no PostgreSQL server binaries (initdb) on this machine")
    cluster = PostgresCluster(bindir)
    try:
        cluster.start()
        url = cluster.create_database("credit_bench")
        engine = sa.create_engine(url)
        with engine.connect() as conn:
            version = conn.exec_driver_sql("SHOW server_version").scalar()
        engine.dispose()
        postmaster = int((cluster.datadir / "postmaster.pid").read_text().split()[0])
        yield (
            url,
            (
                f"PostgreSQL {version} (throwaway cluster on 127.0.0.1, fsync=off, "
                "synchronous_commit=off)"
            ),
            cluster_cpu(postmaster),
        )
    finally:
        cluster.stop()


DATABASES = {"sqlite": sqlite_database, "postgresql": postgresql_database}


def database_size(engine: Engine, url: str) -> str:
    if engine.dialect.name == "sqlite":
        path = Path(url.removeprefix("sqlite:///"))
        total = sum(p.stat().st_size for p in path.parent.glob(path.name + "*"))
    else:
        with engine.connect() as conn:
            total = int(
                conn.exec_driver_sql("SELECT pg_database_size(current_database())").scalar() or 0
            )
    return f"{total / 2**20:,.0f} MiB"


# --- the measurements ------------------------------------------------------------------------


def load(
    engine: Engine, entries: list[LedgerEntry], events: list[CreditEvent], batch: int
) -> float:
    """Insert every entry with Core executemany, one transaction per batch; set the head."""
    started = time.perf_counter()
    for start in range(0, len(entries), batch):
        rows = [
            {
                "seq": entry.seq,
                "prev_hash": entry.prev_hash,
                "payload": entry.payload,
                "entry_hash": entry.entry_hash,
                "personal_ref": entry.personal_ref,
                "subject": entry.subject,
                "event_id": entry.event_id,
                "recorded_at": datetime.fromisoformat(entry.recorded_at or ""),
            }
            for entry, event in zip(
                entries[start : start + batch], events[start : start + batch], strict=True
            )
        ]
        with engine.begin() as conn:
            conn.execute(LEDGER.insert(), rows)
    last = entries[-1]
    with engine.begin() as conn:
        conn.execute(
            HEAD.update()
            .where(HEAD.c.id == HEAD_ID)
            .values(seq=last.seq, entry_hash=last.entry_hash)
        )
    return time.perf_counter() - started


def recompute(engine: Engine, server: Cpu) -> tuple[tuple[float, float, float], int]:
    """Wall, CPU and server CPU seconds of `recompute_all`, and the subjects it scored."""
    with Session(engine) as session:
        stop = start_clock(server)
        count = scores.recompute_all(session, now=AS_OF)
        return stop(), count


def recompute_by_phase(engine: Engine) -> dict[str, float]:
    """`recompute_all` again with its steps timed: which part of the SQL path costs what."""
    clock = Clock()
    saved = {
        name: getattr(scores, name)
        for name in ("_event_json", "_values", "_upsert", "score_subject", "CreditEvent")
    }
    scores._event_json = clock.wrap("json.loads of the payloads", scores._event_json)
    scores.CreditEvent = SimpleNamespace(  # type: ignore[misc,assignment]
        from_dict=clock.wrap("CreditEvent.from_dict (validation)", CreditEvent.from_dict)
    )
    scores._values = clock.wrap("_values", scores._values)
    scores.score_subject = clock.wrap("score_subject (the formula)", scores.score_subject)
    scores._upsert = clock.wrap("upsert into credit_scores", scores._upsert)
    try:
        with Session(engine) as session:
            session.commit = clock.wrap("commits", session.commit)  # type: ignore[method-assign]
            started = time.perf_counter()
            scores.recompute_all(session, now=AS_OF)
            total = time.perf_counter() - started
    finally:
        for name, value in saved.items():
            setattr(scores, name, value)
    spent = dict(clock.spent)
    spent["stale_after and the row dict"] = (
        spent.pop("_values") - spent["score_subject (the formula)"]
    )
    spent["the rest: queries, row fetch, flush, loop"] = total - sum(spent.values())
    spent["total (with the timers' own cost)"] = total
    return spent


def score_grades(engine: Engine) -> Counter[str]:
    with Session(engine) as session:
        rows = session.exec(select(CreditScore.grade, sa.func.count()).group_by(CreditScore.grade))
        return Counter({grade: count for grade, count in rows})


def appends(engine: Engine, events: list[CreditEvent]) -> tuple[list[int], list[int]]:
    """Each event through `append_events` and a commit, in a session of its own.

    Wall and this process's CPU time per event (with SQLite, nearly all the work is ours).
    """
    walls, cpus = [], []
    for event in events:
        with Session(engine) as session:
            wall, cpu = time.perf_counter_ns(), time.process_time_ns()
            append_events(session, [(event, None)])
            session.commit()
            walls.append(time.perf_counter_ns() - wall)
            cpus.append(time.process_time_ns() - cpu)
    return walls, cpus


def appends_by_step(engine: Engine, events: list[CreditEvent]) -> dict[str, list[int]]:
    """The steps `append_events` takes, timed one by one, then the commit."""
    steps: dict[str, list[int]] = defaultdict(list)
    for event in events:
        with Session(engine) as session:
            t0 = time.perf_counter_ns()
            ledger = SqlLedger(session)
            ledger.lock_head()
            t1 = time.perf_counter_ns()
            append_event(ledger, event, None)
            session.flush()
            t2 = time.perf_counter_ns()
            scores.refresh(session, {event.subject})
            t3 = time.perf_counter_ns()
            session.commit()
            t4 = time.perf_counter_ns()
        steps["lock the head (BEGIN, SELECT ... FOR UPDATE)"].append(t1 - t0)
        steps["build the entry, INSERT (flush)"].append(t2 - t1)
        steps["scores.refresh (read the subject's rows, score, upsert)"].append(t3 - t2)
        steps["commit"].append(t4 - t3)
        steps["total"].append(t4 - t0)
    return steps


def writer(url: str, events: list[CreditEvent], barrier: Barrier, out: Any, fixes: bool) -> None:
    """A writer process: (lock wait, total) per event; the lock is taken as `append_events` does."""
    engine = make_engine(url)
    samples = []
    with proposed_fixes() if fixes else contextlib.nullcontext():
        barrier.wait()
        for event in events:
            with Session(engine) as session:
                t0 = time.perf_counter_ns()
                SqlLedger(session).lock_head()  # append_events locks again, held already
                t1 = time.perf_counter_ns()
                append_events(session, [(event, None)])
                session.commit()
                samples.append((t1 - t0, time.perf_counter_ns() - t0))
    engine.dispose()
    out.put(samples)


def concurrent_appends(
    url: str, events: list[CreditEvent], writers: int, fixes: bool = False
) -> tuple[float, list[int], list[int]]:
    """Wall seconds, lock waits and the rest of each append, `writers` processes at once."""
    ctx = mp.get_context("spawn")
    barrier = ctx.Barrier(writers + 1)
    out = ctx.Queue()
    procs = [
        ctx.Process(target=writer, args=(url, events[k::writers], barrier, out, fixes))
        for k in range(writers)
    ]
    for proc in procs:
        proc.start()
    try:
        barrier.wait(timeout=300)
        started = time.perf_counter()
        samples = [s for _ in procs for s in out.get(timeout=3600)]
        wall = time.perf_counter() - started
    finally:
        for proc in procs:
            proc.join(timeout=30)
            if proc.is_alive():
                proc.terminate()
    return wall, [lock for lock, _ in samples], [total - lock for lock, total in samples]


def lookups(engine: Engine, wanted: list[str], read: Callable[[Session, str], object]) -> list[int]:
    """One read per fresh session, as each request has its own; the close is not timed."""
    samples = []
    for subject in wanted:
        with Session(engine) as session:
            started = time.perf_counter_ns()
            row = read(session, subject)
            samples.append(time.perf_counter_ns() - started)
        assert row is not None
    return samples


def timed_verify(engine: Engine, server: Cpu) -> tuple[float, float, float]:
    with Session(engine) as session:
        stop = start_clock(server)
        result = verify(session=session)
        took = stop()
    assert result.ok, result
    return took


def core_verify(engine: Engine) -> float:
    """Stream the chain's columns with Core and hash them (chain v2): the read and the hashing
    alone, without the column checks."""
    query = sa.select(
        LEDGER.c.seq, LEDGER.c.prev_hash, LEDGER.c.payload, LEDGER.c.entry_hash
    ).order_by(LEDGER.c.seq)
    started = time.perf_counter()
    prev = GENESIS_HASH
    with engine.connect() as conn:
        for _seq, prev_hash, payload, entry_hash in conn.execution_options(yield_per=1000).execute(
            query
        ):
            assert prev_hash == prev
            digest = hashlib.sha256(payload.encode()).hexdigest()
            prev = hashlib.sha256((prev + digest).encode()).hexdigest()
            assert prev == entry_hash
    return time.perf_counter() - started


# --- what the recommended changes would give (patched here only) -----------------------------


@functools.cache
def _upsert_statement(dialect: str) -> Any:
    insert = (postgresql.insert if dialect == "postgresql" else sqlite.insert)(SCORES)
    return insert.on_conflict_do_update(
        index_elements=["subject"],
        set_={c.name: insert.excluded[c.name] for c in SCORES.columns if c.name != "subject"},
    )


def _upsert_executemany(session: Session, rows: list[dict[str, Any]]) -> None:
    """One cached statement, rows as executemany parameters (no multi-VALUES compile)."""
    if rows:
        session.execute(_upsert_statement(session.get_bind().dialect.name), rows)


@contextlib.contextmanager
def proposed_fixes() -> Iterator[None]:
    """Swap in the recommended changes for the duration of the block (the third, Core rows in
    `SqlLedger.iter_entries`, is in the code since chain v2)."""
    patches = [
        (scores, "_upsert", _upsert_executemany),
        (
            credit.events,
            "is_valid_uscc",
            functools.lru_cache(maxsize=65_536)(credit.events.is_valid_uscc),
        ),
    ]
    saved = [(owner, name, getattr(owner, name)) for owner, name, _new in patches]
    for owner, name, new in patches:
        setattr(owner, name, new)
    try:
        yield
    finally:
        for owner, name, old in saved:
            setattr(owner, name, old)


# --- one database ----------------------------------------------------------------------------


def measure_recompute(engine: Engine, server: Cpu, data: dict[str, Any], profile: bool) -> Summary:
    out: Summary = []
    (wall, cpu, srv), count = recompute(engine, server)
    book_wall, book_cpu = data["book"]
    grades = score_grades(engine)
    same = grades == data["grades"]
    line = (
        f"{costs(wall, cpu, srv)}, {count:,} subjects; {wall / book_wall:.1f} x ScoreBook's "
        f"wall ({book_wall:.1f} s), {(cpu + srv) / book_cpu:.1f} x its CPU "
        f"({book_cpu:.1f} s); grades {'match the library' if same else 'DIFFER'}"
    )
    print(f"recompute_all: {line}", flush=True)
    out.append(("full recompute (scores.recompute_all)", line))
    if not same:
        print(f"  SQL {sorted(grades.items())}, memory {sorted(data['grades'].items())}")
    for label, seconds in recompute_by_phase(engine).items():
        print(f"  {label}: {seconds:.2f} s", flush=True)
        out.append((f"recompute, by step: {label}", f"{seconds:.2f} s"))
    if profile:
        profiler = cProfile.Profile()
        with Session(engine) as session:
            profiler.runcall(scores.recompute_all, session, now=AS_OF)
        pstats.Stats(profiler).sort_stats("tottime").print_stats(20)
    return out


def measure_appends(
    engine: Engine, url: str, args: argparse.Namespace, rng: random.Random, sellers: list[str]
) -> Summary:
    out: Summary = []
    walls, cpus = appends(engine, new_trades(rng, args.updates, sellers, "u"))
    for label, values in (
        (f"incremental: {args.updates:,} x append_events + commit", walls),
        ("incremental, CPU time of this process", cpus),
    ):
        print(f"{label}: {spread(values)}", flush=True)
        out.append((label, spread(values)))
    for label, values in appends_by_step(
        engine, new_trades(rng, args.updates, sellers, "v")
    ).items():
        print(f"  {label}: {spread(values)}", flush=True)
        out.append((f"incremental, by step: {label}", spread(values)))
    if args.writers > 1:
        wall, locks, rest = concurrent_appends(
            url, new_trades(rng, args.updates, sellers, "w"), args.writers
        )
        label = f"incremental, {args.writers} writer processes at once"
        totals = [a + b for a, b in zip(locks, rest, strict=True)]
        for what, values in (
            ("total", totals),
            ("waiting for the head lock", locks),
            ("total without the lock wait", rest),
        ):
            print(f"  {label}, {what}: {spread(values)}", flush=True)
            out.append((f"{label}, {what}", spread(values)))
        out.append((f"{label}, throughput", f"{len(totals) / wall:,.0f} events/s"))
    return out


def measure_lookups(engine: Engine, count: int, rng: random.Random) -> Summary:
    out: Summary = []
    with Session(engine) as session:
        fresh = list(session.exec(select(CreditScore.subject)))
    wanted = [fresh[rng.randrange(len(fresh))] for _ in range(count)]
    found = lookups(engine, wanted, lambda s, subject: scores.lookup(s, subject, now=AS_OF))
    bare = lookups(engine, wanted, lambda s, subject: s.get(CreditScore, subject))
    later = AS_OF + timedelta(days=2)  # past every row's stale_after: rescored from the ledger
    stale = lookups(
        engine,
        wanted[: max(count // 10, 2)],
        lambda s, subject: scores.lookup(s, subject, now=later),
    )
    for label, values in (
        (f"lookup: {len(found):,} x scores.lookup, fresh rows", found),
        ("baseline: session.get(CreditScore, subject)", bare),
        (f"lookup of a stale row ({len(stale):,}, rescored)", stale),
    ):
        print(f"{label}: {spread(values)}", flush=True)
        out.append((label, spread(values)))
    p95 = statistics.quantiles(found, n=100)[94] / statistics.quantiles(bare, n=100)[94]
    out.append(("lookup against session.get, p95", f"{p95:.2f} x"))
    return out


def measure_verify(engine: Engine, server: Cpu, data: dict[str, Any]) -> Summary:
    wall, cpu, srv = timed_verify(engine, server)
    core = core_verify(engine)
    with Session(engine) as session:
        total = SqlLedger(session).head_seq()
    line = (
        f"{costs(wall, cpu, srv)}; {wall / data['hash_s']:.1f} x bare hashlib in memory "
        f"({data['hash_s']:.2f} s), {wall / core:.1f} x Core read + hashlib ({core:.1f} s)"
    )
    print(f"verify {total:,} entries: {line}", flush=True)
    return [(f"chain verification (services.verify), {total:,} entries", line)]


def measure_what_if(
    engine: Engine,
    server: Cpu,
    url: str,
    args: argparse.Namespace,
    rng: random.Random,
    data: dict[str, Any],
) -> Summary:
    out: Summary = []
    sellers = data["sellers"]
    with proposed_fixes():
        took, _count = recompute(engine, server)
        same = score_grades(engine) == data["grades"]
        out.append(
            (
                "what-if: full recompute",
                f"{costs(*took)}; grades {'match the library' if same else 'DIFFER'}",
            )
        )
        walls, _cpus = appends(engine, new_trades(rng, args.updates, sellers, "x"))
        out.append(("what-if: append_events + commit", spread(walls)))
        if args.writers > 1:
            _wall, locks, rest = concurrent_appends(
                url, new_trades(rng, args.updates, sellers, "y"), args.writers, fixes=True
            )
            totals = [a + b for a, b in zip(locks, rest, strict=True)]
            out.append((f"what-if: {args.writers} writers, total", spread(totals)))
            out.append((f"what-if: {args.writers} writers, without the lock wait", spread(rest)))
        out.append(("what-if: chain verification", costs(*timed_verify(engine, server))))
    for label, value in out:
        print(f"{label}: {value}", flush=True)
    return out


def run(name: str, args: argparse.Namespace, data: dict[str, Any]) -> Summary:
    entries: list[LedgerEntry] = data["entries"]
    out: Summary = []
    with DATABASES[name]() as (url, version, server):
        print(f"\n== {version}; {load_average()}", flush=True)
        out.append(("database", version))
        timed("schema (market.migrate.upgrade, as `xunhuan init-db`)", lambda: upgrade(url))
        engine = make_engine(url)
        try:
            took = load(engine, entries, data["events"], args.batch)
            line = (
                f"{took:.1f} s, {len(entries) / took:,.0f} rows/s, "
                f"{database_size(engine, url)} on disk"
            )
            print(f"load {len(entries):,} entries: {line}", flush=True)
            out.append((f"load (Core executemany, {args.batch:,} rows a transaction)", line))
            if engine.dialect.name == "postgresql":
                with engine.begin() as conn:  # what autovacuum does shortly after a bulk load
                    conn.exec_driver_sql("ANALYZE")
            rng = random.Random(7)
            steps: list[Callable[[], Summary]] = [
                lambda: measure_recompute(engine, server, data, args.profile),
                lambda: measure_appends(engine, url, args, rng, data["sellers"]),
                lambda: measure_lookups(engine, args.lookups, rng),
                lambda: measure_verify(engine, server, data),
            ]
            if args.what_if:
                steps.append(lambda: measure_what_if(engine, server, url, args, rng, data))
            for step in steps:
                out += step()
                print(f"  ({load_average()}; other work on the machine shows here)", flush=True)
        finally:
            engine.dispose()
    out.append(("peak memory of the process so far", f"{peak_mib():,.0f} MiB"))
    out.append(("at the end", load_average()))
    return out


def stop_on_term(_signum: int, _frame: FrameType | None) -> None:
    raise SystemExit(143)  # unwinds through the cluster's `finally`, as Ctrl-C does


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, default=1_000_000)
    parser.add_argument("--subjects", type=int, default=50_000)
    parser.add_argument("--database", choices=("sqlite", "postgresql", "both"), default="both")
    parser.add_argument("--updates", type=int, default=2_000)
    parser.add_argument(
        "--writers",
        type=int,
        default=2,
        help="writer processes for the contention run (1: skip it)",
    )
    parser.add_argument("--lookups", type=int, default=20_000)
    parser.add_argument("--batch", type=int, default=10_000, help="rows per INSERT transaction")
    parser.add_argument("--profile", action="store_true", help="cProfile one more recompute")
    parser.add_argument(
        "--what-if",
        action="store_true",
        help="repeat with the recommended changes patched in (this process)",
    )
    args = parser.parse_args()
    signal.signal(signal.SIGTERM, stop_on_term)
    print(
        f"{os.cpu_count()} cores, Python {platform.python_version()}, "
        f"SQLAlchemy {sa.__version__}, SQLite {sqlite3.sqlite_version}; {load_average()}",
        flush=True,
    )
    data = prepare(args)
    names = ["sqlite", "postgresql"] if args.database == "both" else [args.database]
    summaries = {name: run(name, args, data) for name in names}
    for name, summary in summaries.items():
        print(f"\n## {name}: {args.events:,} events, {args.subjects:,} subjects")
        for label, value in summary:
            print(f"- {label}: {value}")


if __name__ == "__main__":
    main()
