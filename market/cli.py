"""The `xunhuan` commands over the library functions; `market.app.main` runs them."""

from __future__ import annotations

import click
from flask import Flask, current_app
from flask.cli import with_appcontext
from sqlmodel import func, select

from credit.errors import LedgerBroken
from market.accounts import services as accounts
from market.accounts.errors import AccountError
from market.accounts.models import ROLE_ORG_KINDS, Role, User
from market.books.catalogue import seed
from market.consignment.lifecycle import tick
from market.credit import services
from market.credit.checkpoints import describe, require_intact, station_public_key, verify
from market.credit.scores import recompute_all
from market.credit.services import (
    checkpoint,
    checkpoint_key_path,
    deliver_all,
    key_from_config,
    load_private_key,
)
from market.db import unit_of_work
from market.demo import seed_demo
from market.listings.services import expire_due, hold_ungated
from market.migrate import upgrade
from market.orgs.models import Organization
from market.platforms.errors import PlatformError
from market.platforms.models import SCOPES
from market.platforms.services import create_platform, list_keys, recent_calls, revoke_key
from market.search.views import rebuild_index


@click.command("init-db")
@with_appcontext
def init_db_command() -> None:
    """Create or upgrade the database schema (Alembic migrations)."""
    upgrade(current_app.config["DATABASE_URL"])
    click.echo("database at head")
    if current_app.extensions["xunhuan.search"].status().state != "ready":
        click.echo(f"search index rebuilt: {_rebuild_index()} listings")


@click.command("seed-demo")
@with_appcontext
@click.option("--if-empty", is_flag=True, help="Do nothing when the database already has accounts.")
def seed_demo_command(if_empty: bool) -> None:
    """Load the deterministic demo data and print the demo accounts (never in production)."""
    if current_app.config.get("XUNHUAN_ENV") == "production":
        # The demo accounts' passwords are printed and in the repository: anyone could log in.
        raise click.ClickException("seed-demo is refused in production (XUNHUAN_ENV=production)")
    with unit_of_work() as session:
        if if_empty and session.exec(select(func.count()).select_from(User)).one():
            click.echo("database has accounts; demo data not loaded")
            return
        # The unit of work indexes the listings and delivers the credit events it commits.
        logins = seed_demo(session=session, images=current_app.extensions["xunhuan.images"])
    click.echo("demo accounts (role, login, password):")
    for role, login, password in logins:
        click.echo(f"  {role:<20} {login:<14} {password}")


@click.command("create-user")
@with_appcontext
@click.option("--identifier", required=True, help="Mobile number or e-mail address.")
@click.option("--name", "display_name", required=True)
@click.option("--role", type=click.Choice([r.value for r in Role]), default=Role.RESIDENT.value)
@click.option("--organization-id", type=int, default=None)
@click.option("--street", default=None, help="Home street (one of the 12).")
@click.password_option()
def create_user_command(
    identifier: str,
    display_name: str,
    role: str,
    organization_id: int | None,
    street: str | None,
    password: str,
) -> None:
    """Create an account with a role (staff roles need --organization-id)."""
    with unit_of_work() as session:
        org = session.get(Organization, organization_id) if organization_id else None
        if organization_id and org is None:
            raise click.UsageError(f"no organization with id {organization_id}")
        if Role(role) in ROLE_ORG_KINDS and org is None:
            raise click.UsageError(
                f"role {role} needs --organization-id of a {ROLE_ORG_KINDS[Role(role)]}"
            )
        try:
            user = accounts.register_user(
                session=session,
                identifier=identifier,
                password=password,
                display_name=display_name,
                home_street=street,
                role=Role(role),
                organization=org,
            )
        except AccountError as error:
            raise click.ClickException(error.message) from error
        click.echo(f"created user {user.id} ({role})")


def _rebuild_index() -> int:
    import os

    return rebuild_index(procs=min(os.cpu_count() or 1, 4))


@click.command("reindex")
@with_appcontext
def reindex_command() -> None:
    """Rebuild the search index from the database (searches keep working meanwhile)."""
    count = _rebuild_index()
    click.echo(f"indexed {count} listings")


@click.group("listings")
def listings_group() -> None:
    """Scheduled work on listings."""


@listings_group.command("expire")
@with_appcontext
def expire_command() -> None:
    """Expire active listings older than 60 days (run it daily; pages show them expired already)."""
    with unit_of_work() as session:
        ids = expire_due(session=session)
    click.echo(f"expired {len(ids)} listings")


@listings_group.command("hold-ungated")
@with_appcontext
def hold_ungated_command() -> None:
    """Turn active device listings without a wipe certificate or reason back into drafts.

    Run once after upgrading to the device gate: listings published before it are held
    back until their owners wipe them or say why they store no personal data.
    """

    with unit_of_work() as session:
        held, locked = hold_ungated(session=session)
    click.echo(f"held {len(held)} listings as drafts")
    for listing_id in locked:
        click.echo(f"listing {listing_id} is managed by a shop or book corner: settle it there")


@click.group("credit")
def credit_group() -> None:
    """The credit ledger: deliver outbox events, verify the chain, sign checkpoints."""


@credit_group.command("deliver")
@with_appcontext
def credit_deliver_command() -> None:
    """Append every undelivered trade and certificate event to the ledger (idempotent)."""
    with unit_of_work() as session:
        count = deliver_all(session=session, key=key_from_config(current_app.config))
    click.echo(f"delivered {count} outbox events")


def _station_key() -> str | None:

    return station_public_key(checkpoint_key_path(current_app.config))


@credit_group.command("verify")
@with_appcontext
def credit_verify_command() -> None:
    """Check the chain, its head and every signed checkpoint: print the head hash (exit 0), or
    the first checkpoint or entry that fails and why (exit 1)."""

    with unit_of_work() as session:
        result = verify(session=session, station_key=_station_key())
    if not result.ok:
        click.echo(describe(result), err=True)
        raise SystemExit(1)
    click.echo(f"ledger intact; {result.length} entries; head {result.head_hash}")


@credit_group.command("checkpoint")
@with_appcontext
def credit_checkpoint_command() -> None:
    """Verify the ledger, then sign its head with the Ed25519 key in the data dir (created 0600
    on first use); a ledger that does not verify is not signed (exit 1)."""

    with unit_of_work() as session:
        try:
            require_intact(session=session, station_key=_station_key())
        except LedgerBroken as error:
            click.echo(f"not signing: {error}", err=True)
            raise SystemExit(1) from error
        session.commit()  # end the read transaction (SQLite holds its lock until then)
    key = load_private_key(checkpoint_key_path(current_app.config))
    with unit_of_work() as session:
        row = checkpoint(session=session, private_key=key)
        click.echo(f"checkpoint {row.id}: seq {row.seq} head {row.head_hash}")


@credit_group.command("recompute")
@click.option("--stale", is_flag=True, help="Only scores past their stale time or formula.")
@with_appcontext
def credit_recompute_command(stale: bool) -> None:
    """Verify the ledger, then rescore every subject from it (after a formula change), or only
    the stale ones; a ledger that does not verify is refused (exit 1, nothing written)."""
    import time

    started = time.perf_counter()
    with unit_of_work() as session:
        try:
            require_intact(session=session, station_key=_station_key())
        except LedgerBroken as error:
            click.echo(f"not recomputing scores: {error}; nothing written", err=True)
            raise SystemExit(1) from error
        session.commit()  # end the read transaction (SQLite holds its lock until then)
        count = recompute_all(session, only_stale=stale)
    click.echo(f"recomputed {count} subjects in {time.perf_counter() - started:.1f} s")


@credit_group.command("tick")
@with_appcontext
def credit_tick_command() -> None:
    """The scheduled run (cron, every few minutes): deliver, refresh stale scores, checkpoint."""
    config = current_app.config
    with unit_of_work() as session:
        delivered = services.deliver_all(session=session, key=services.key_from_config(config))
        refreshed = recompute_all(session, only_stale=True)
        row = services.checkpoint_if_due(
            session=session,
            key_path=services.checkpoint_key_path(config),
            interval=services.checkpoint_interval(config),
        )
        signed = f"checkpoint at seq {row.seq}" if row else "no checkpoint due"
    click.echo(f"delivered {delivered} outbox events, refreshed {refreshed} scores, {signed}")


@click.group("platform")
def platform_group() -> None:
    """Partner platforms: API keys for the credit API, and its audit."""


@platform_group.command("create")
@with_appcontext
@click.argument("name")
@click.option("--uscc", default=None, help="Unified social credit code of a new platform.")
@click.option(
    "--scope",
    "scopes",
    multiple=True,
    type=click.Choice(["events:write", "subjects:read"]),
    help="Repeat for each scope (default: both).",
)
def platform_create_command(name: str, uscc: str | None, scopes: tuple[str, ...]) -> None:
    """Register partner platform NAME (or reuse it) and print a new API key once."""
    with unit_of_work() as session:
        try:
            org, row, key = create_platform(
                session=session, name=name, uscc=uscc, scopes=scopes or SCOPES
            )
        except PlatformError as error:
            raise click.ClickException(str(error)) from error
        click.echo(f"platform {org.id} {org.name}: key {row.prefix} ({row.scopes})")
    click.echo(key)
    click.echo("Store this key now: it will not be shown again.", err=True)


@platform_group.command("revoke")
@with_appcontext
@click.argument("prefix")
def platform_revoke_command(prefix: str) -> None:
    """Revoke the API key with PREFIX (the 8 characters after xh_)."""
    with unit_of_work() as session:
        try:
            row = revoke_key(session=session, prefix=prefix)
        except PlatformError as error:
            raise click.ClickException(str(error)) from error
        click.echo(f"key {row.prefix} revoked at {row.revoked_at:%Y-%m-%d %H:%M:%S} UTC")


def _when(value: object) -> str:
    return f"{value:%Y-%m-%d %H:%M}" if value is not None else "-"


@platform_group.command("list")
@with_appcontext
def platform_list_command() -> None:
    """List the API keys: platform, prefix, scopes, created, last used, revoked (UTC)."""
    with unit_of_work() as session:
        rows = list_keys(session=session)
    click.echo(f"{'platform':<24} {'prefix':<8}  {'scopes':<28} created / last used / revoked")
    for key, org in rows:
        times = " / ".join(_when(t) for t in (key.created_at, key.last_used_at, key.revoked_at))
        click.echo(f"{org.name:<24} {key.prefix:<8}  {key.scopes:<28} {times}")


@platform_group.command("audit")
@with_appcontext
@click.option("--limit", default=50, show_default=True, type=click.IntRange(1, 10_000))
def platform_audit_command(limit: int) -> None:
    """Show the latest calls to the partner credit API, newest first."""
    with unit_of_work() as session:
        calls = recent_calls(session=session, limit=limit)
    for call in calls:
        click.echo(
            f"{call.at:%Y-%m-%d %H:%M:%S} {call.status} {call.method:<4} {call.path} "
            f"key={call.api_key_id or '-'} org={call.organization_id or '-'} "
            f"reason={call.reason or '-'} idem={call.idempotency_key or '-'} "
            f"from={call.remote_addr or '-'}"
        )


@click.group("consignment")
def consignment_group() -> None:
    """Scheduled work of consignment shops."""


@consignment_group.command("tick")
@with_appcontext
def consignment_tick_command() -> None:
    """Apply due markdowns and end-of-term actions (run it daily after 00:00 China time)."""
    with unit_of_work() as session:
        ids = tick(session=session)
    click.echo(f"updated {len(ids)} consigned listings")


@click.group("books")
def books_group() -> None:
    """School book corners."""


@books_group.command("seed-catalogue")
@with_appcontext
def books_seed_command() -> None:
    """Load the textbook catalogue seed (market/books/data/textbooks.csv); never overwrites."""
    with unit_of_work() as session:
        added = seed(session=session)
    click.echo(f"added {added} textbooks to the catalogue")


def register_commands(app: Flask) -> None:
    for command in (
        init_db_command,
        seed_demo_command,
        create_user_command,
        reindex_command,
        listings_group,
        books_group,
        consignment_group,
        credit_group,
        platform_group,
    ):
        app.cli.add_command(command)
