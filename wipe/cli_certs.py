"""Command lines for station keys, certificate verification and outbox delivery.

`keys`, `verify` and `sync` are added to the `wipe-agent` group in wipe/cli.py.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import click

from wipe.certificate import CertificateInvalid, key_id_of, load_public_key_pem, verify_certificate
from wipe.keys import StationKeyError, default_key_dir, init_station_key, public_key_pem
from wipe.outbox import Outbox, resolve_token

MARKET_ENV = "XUNHUAN_MARKET_URL"
OUT_ENV = "XUNHUAN_WIPE_OUT"


def default_out_dir() -> Path:
    """Return $XUNHUAN_WIPE_OUT, or the `certificates` folder in the key directory."""
    out = os.environ.get(OUT_ENV)
    return Path(out) if out else default_key_dir() / "certificates"


key_dir_option = click.option(
    "--key-dir",
    type=click.Path(file_okay=False, path_type=Path),
    default=None,
    help="Station key directory (default: $XUNHUAN_WIPE_HOME or ~/.config/xunhuan-wipe).",
)


@click.group()
def keys() -> None:
    """Make and show this station's signing key."""


@keys.command("init")
@key_dir_option
@click.option(
    "--force", is_flag=True, help="Replace an existing key (old certificates stay valid)."
)
def keys_init(key_dir: Path | None, force: bool) -> None:
    """Create the station's Ed25519 signing key (private file mode 0600)."""
    directory = key_dir or default_key_dir()
    try:
        path = init_station_key(directory, force=force)
    except StationKeyError as exc:
        raise click.ClickException(str(exc)) from None
    click.echo(f"已创建签名密钥 station key created: {path}")
    click.echo("请在商城店铺设置中登记以下公钥 register this public key in the shop settings:")
    click.echo(public_key_pem(directory), nl=False)


@keys.command("show")
@key_dir_option
def keys_show(key_dir: Path | None) -> None:
    """Print the station's public key (PEM) and its key id."""
    try:
        pem = public_key_pem(key_dir or default_key_dir())
    except StationKeyError as exc:
        raise click.ClickException(str(exc)) from None
    click.echo(pem, nl=False)
    click.echo(f"key id: {key_id_of(load_public_key_pem(pem))}")


@click.command()
@click.argument("cert_file", metavar="CERT.json", type=click.Path(dir_okay=False, path_type=Path))
@click.option(
    "--pubkey",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="Public key PEM to check against (default: this station's own key).",
)
@key_dir_option
def verify(cert_file: Path, pubkey: Path | None, key_dir: Path | None) -> None:
    """Check a certificate's signature: exit 0 if valid, 1 if not (with the reason)."""
    try:
        pem = pubkey.read_bytes() if pubkey else public_key_pem(key_dir or default_key_dir())
    except (OSError, StationKeyError) as exc:
        raise click.ClickException(f"no public key to check against: {exc}") from None
    try:
        cert = json.loads(cert_file.read_text(encoding="utf-8"))
        verify_certificate(cert, pem)
    except (OSError, UnicodeDecodeError, ValueError) as exc:
        _invalid("bad_format", f"{cert_file} is not a readable JSON certificate: {exc}")
    except CertificateInvalid as exc:
        _invalid(exc.reason, exc.message)
    click.echo(
        f"有效 VALID: {cert['certificate_id']} · {cert['result']} · "
        f"key {cert['signature']['key_id']}"
    )


def _invalid(reason: str, message: str) -> None:
    click.echo(f"无效 INVALID ({reason}): {message}", err=True)
    raise SystemExit(1)


@click.command()
@click.option(
    "--out",
    "out_dir",
    type=click.Path(file_okay=False, path_type=Path),
    default=None,
    help="Certificate folder whose outbox/ to deliver "
    "(default: $XUNHUAN_WIPE_OUT or <key dir>/certificates).",
)
@click.option("--market", "market_url", envvar=MARKET_ENV, help="Marketplace URL.")
@click.option(
    "--token", default=None, help="Upload token ($XUNHUAN_UPLOAD_TOKEN, <key dir>/upload_token)."
)
@key_dir_option
@click.option("--timeout", default=10.0, show_default=True, help="Seconds to wait for each answer.")
def sync(
    out_dir: Path | None,
    market_url: str | None,
    token: str | None,
    key_dir: Path | None,
    timeout: float,
) -> None:
    """Deliver queued certificates: exit 0 when none is left pending, 1 otherwise."""
    if not market_url:
        raise click.UsageError("give --market URL or set XUNHUAN_MARKET_URL")
    upload_token = resolve_token(token, key_dir or default_key_dir())
    if not upload_token:
        raise click.UsageError(
            "no upload token: give --token, set XUNHUAN_UPLOAD_TOKEN "
            "or write <key dir>/upload_token"
        )
    outbox = Outbox((out_dir or default_out_dir()) / "outbox")
    try:
        result = outbox.sync(market_url, upload_token, timeout=timeout)
    except ValueError as exc:
        raise click.UsageError(str(exc)) from None
    for cert_id in result.delivered:
        click.echo(f"已送达 delivered: {cert_id}")
    for cert_id, reason in result.rejected.items():
        click.echo(f"被拒绝 rejected: {cert_id} ({reason}) -> {outbox.rejected_dir}", err=True)
    for cert_id in result.pending:
        click.echo(f"待发送 pending: {cert_id}", err=True)
    if result.error and result.pending:
        click.echo(f"原因 reason: {result.error}", err=True)
    click.echo(
        f"{len(result.delivered)} delivered, {len(result.rejected)} rejected, "
        f"{len(result.pending)} pending"
    )
    raise SystemExit(0 if result.complete else 1)
