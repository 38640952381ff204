"""wipe-agent: find disks, clear them to standard, verify them and sign one certificate each."""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import click
from rich.console import Console
from rich.markup import escape
from rich.table import Table

from wipe.certificate import ReportInvalid, validate_report
from wipe.cli_certs import MARKET_ENV, default_out_dir, key_dir_option, keys, sync, verify
from wipe.devices import Device, list_devices, probe
from wipe.engine import PassResult
from wipe.errors import DeviceNotFound, DeviceRefused, ProfileError, WipeError
from wipe.files import write_atomic
from wipe.identify import ATA_LIKE, hidden_areas, run_tool
from wipe.issue import issue_certificate
from wipe.keys import default_key_dir, load_private_key
from wipe.patterns import Filler
from wipe.profiles import PROFILES, VERIFY_MODES, Plan, overwrite_plan
from wipe.purge import PurgeUnsupported, plan_purge
from wipe.report import DESTINATIONS, build_report
from wipe.runner import EraseOutcome, run_jobs, utc_now
from wipe.verify import Verification


class Refused(click.ClickException):
    """Nothing was erased: a device is protected, busy, unconfirmed or cannot be certified."""

    exit_code = 2


@dataclass(frozen=True)
class Job:
    """One device, what will be done to it, and its hidden-area status."""

    device: Device
    plan: Plan
    hidden: dict[str, str]


def _size(size: int) -> str:
    value, unit = float(size), "B"
    for unit in ("B", "KiB", "MiB", "GiB", "TiB"):
        if value < 1024 or unit == "TiB":
            break
        value /= 1024
    return f"{size} B" if unit == "B" else f"{value:.1f} {unit}"


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
def main() -> None:
    """Clear storage to GB 46864-2025 or NIST SP 800-88, verify it and sign certificates."""


main.add_command(keys)
main.add_command(verify)
main.add_command(sync)


@main.command()
@click.option("--json", "as_json", is_flag=True, help="Print JSON instead of a table.")
def devices(as_json: bool) -> None:
    """List whole disks with their identity and whether they are protected from erasing."""
    found = list_devices()
    if as_json:
        click.echo(json.dumps([d.as_json() for d in found], indent=2, ensure_ascii=False))
        return
    table = Table("Device", "Model", "Serial", "Size", "Bus", "Media", "RO", "Protected")
    for d in found:
        table.add_row(
            d.path,
            escape(d.model or "-"),
            escape(d.serial or "-"),
            _size(d.size_bytes),
            d.transport,
            d.media + (" (rotational)" if d.rotational else ""),
            "yes" if d.read_only else "",
            f"[red]{escape(d.protected_reason or '')}[/]" if d.protected else "[green]no[/]",
        )
    Console().print(table)


def _refuse_purge(device: Device) -> None:
    """Refuse nist-purge with the reason; a firmware purge is planned, never pretended."""
    ata = run_tool(["hdparm", "-I", device.path]) if device.transport in ATA_LIKE else None
    nvme = run_tool(["nvme", "id-ctrl", "-H", device.path]) if device.transport == "nvme" else None
    try:
        plan = plan_purge(device.report_fields(), hdparm_output=ata, nvme_output=nvme)
    except PurgeUnsupported as exc:
        raise Refused(f"cannot purge {device.path}: {exc.reason}") from None
    commands = "; ".join(" ".join(argv) for argv in plan.commands)
    raise Refused(
        f"{device.path} supports {plan.method} ({plan.technique}), but this agent does "
        f"not run firmware purge commands yet; nothing was erased. Plan: {commands}"
    )


def _dry_outcome(plan: Plan) -> EraseOutcome:
    now = utc_now()
    passes = [PassResult(p, 0, 0.0, [], False, Filler(p)) for p in plan.passes]
    return EraseOutcome(
        passes, Verification(plan.verify, result="passed"), now, now, False, len(plan.passes)
    )


def _prepare(paths: tuple[str, ...], options: dict[str, Any]) -> list[Job]:
    """Probe every device and refuse them all if any is protected, unclear or uncertifiable."""
    jobs: list[Job] = []
    seen: set[str] = set()
    for path in paths:
        try:
            device = probe(path, allow_file=options["allow_file"])
        except (DeviceNotFound, DeviceRefused) as exc:
            raise Refused(str(exc)) from None
        if device.protected:
            raise Refused(f"refusing to erase {device.path}: {device.protected_reason}")
        if os.path.realpath(device.path) in seen:
            raise click.UsageError(f"{path} names a device listed twice")
        seen.add(os.path.realpath(device.path))
        if options["profile"] == "nist-purge":
            _refuse_purge(device)
        try:
            plan = overwrite_plan(
                options["profile"], device, passes=options["passes"], verify=options["verify_mode"]
            )
        except ProfileError as exc:
            raise click.UsageError(str(exc)) from None
        hidden = hidden_areas(device.path, device.transport)
        if "present" in (hidden["hpa"], hidden["dco"]):
            raise Refused(
                f"{device.path} hides sectors an overwrite cannot reach "
                f"({hidden['detail']}); remove the HPA/DCO with hdparm first"
            )
        try:
            validate_report(_report(Job(device, plan, hidden), _dry_outcome(plan), options))
        except ReportInvalid as exc:
            raise Refused(f"the certificate for {device.path} would be invalid: {exc}") from None
        jobs.append(Job(device, plan, hidden))
    return jobs


def _report(job: Job, outcome: EraseOutcome, options: dict[str, Any]) -> dict[str, Any]:
    return build_report(
        device=job.device,
        hidden_areas=job.hidden,
        plan=job.plan,
        outcome=outcome,
        operator=options["operator"],
        organization=options["organization"],
        customer=options["customer"],
        asset_tag=options["asset_tag"],
        listing_id=options["listing_id"],
        destination=options["destination"],
    )


def _confirm(jobs: list[Job], console: Console) -> None:
    """Show what will be erased and make the operator type each device's name."""
    table = Table("Device", "Model", "Serial", "Size", "Media", "Passes", "Verify", "Standard")
    for job in jobs:
        d = job.device
        table.add_row(
            escape(d.path),
            escape(d.model or "-"),
            escape(d.serial or "-"),
            _size(d.size_bytes),
            d.media,
            ", ".join(p.name for p in job.plan.passes),
            job.plan.verify,
            f"{job.plan.standard} ({job.plan.level})",
        )
    console.print("[bold red]Every byte on these devices will be overwritten:[/]")
    console.print(table)
    for job in jobs:
        try:
            typed = click.prompt(
                f'Type "{job.device.name}" to erase {job.device.path}',
                default="",
                show_default=False,
                err=True,
            )
        except click.Abort:
            raise Refused("not confirmed; nothing was erased") from None
        if typed.strip() != job.device.name:
            raise Refused(f"typed {typed.strip()!r}, not {job.device.name!r}; nothing was erased")


def _certify(
    report: dict[str, Any],
    options: dict[str, Any],
    console: Console,
) -> tuple[dict[str, Any], Path | None]:
    """Sign and store the report; if that fails, keep it unsigned on disk and say so."""
    try:
        cert, path = issue_certificate(
            report,
            key_dir=options["key_dir"],
            out_dir=options["out_dir"],
            market_url=options["market_url"],
        )
        return cert, path
    except (WipeError, ValueError, OSError) as exc:
        name = Path(report["device"]["path"]).name
        path = options["out_dir"] / f"unsigned-{name}-{report['started_at']}.json"
        options["out_dir"].mkdir(parents=True, exist_ok=True)
        write_atomic(path, json.dumps(report, indent=2, ensure_ascii=False).encode())
        console.print(
            f"[red]no certificate for {escape(name)}: {escape(str(exc))}; "
            f"report kept at {escape(str(path))}[/]"
        )
        return report, None


@main.command()
@click.argument("paths", nargs=-1, required=True, metavar="DEVICE...")
@click.option("--profile", required=True, type=click.Choice(PROFILES), help="Erasure profile.")
@click.option("--operator", required=True, help="Who runs the erasure.")
@click.option(
    "--organization",
    required=True,
    envvar="XUNHUAN_WIPE_ORGANIZATION",
    help="The shop or company on the certificate ($XUNHUAN_WIPE_ORGANIZATION).",
)
@click.option("--customer", help="Customer or consignor who handed the device in.")
@click.option("--asset-tag", help="Asset tag of the device.")
@click.option("--listing", "listing_id", type=click.IntRange(min=1), help="Marketplace listing.")
@click.option(
    "--verify",
    "verify_mode",
    type=click.Choice(VERIFY_MODES),
    help="Read-back: full, sample (NIST, >= 10 %) or none (custom only).",
)
@click.option(
    "--out",
    "out_dir",
    type=click.Path(file_okay=False, path_type=Path),
    help="Certificate folder (default: $XUNHUAN_WIPE_OUT or <key dir>/certificates).",
)
@key_dir_option
@click.option("--market", "market_url", envvar=MARKET_ENV, help="Marketplace URL for upload.")
@click.option(
    "--destination",
    type=click.Choice(DESTINATIONS),
    default="resale",
    show_default=True,
    help="Where the device goes next.",
)
@click.option(
    "--pass",
    "passes",
    multiple=True,
    metavar="PATTERN",
    help="custom profile: zero, one, random or 0xNN; repeat for more passes.",
)
@click.option("--yes", is_flag=True, help="Do not ask to type each device's name.")
@click.option("--json", "as_json", is_flag=True, help="Print the certificates as JSON.")
@click.option("--allow-file", is_flag=True, help="Accept disk image files as devices.")
def erase(paths: tuple[str, ...], **options: Any) -> None:
    """Overwrite DEVICE... to a profile, verify them, and sign one certificate each.

    \b
    Profiles (every overwrite is NIST "clear"; a certificate never says purge for one):
      gb46864     GB 46864-2025: hard disks get random, one, zero and a 10 % sample
                  verify; flash (SSD, NVMe, USB, SD) one random pass and a full verify
      nist-clear  NIST SP 800-88 Clear: one zero pass, full verify
      custom      the --pass list in order, full verify unless --verify says otherwise
      nist-purge  firmware sanitize: refused with the reason where the drive cannot

    Devices that are mounted, hold the system, sit under LVM/RAID, are read-only or are
    not whole disks are refused whatever the flags. Several devices wipe in parallel;
    Ctrl-C stops at the next chunk and the certificate says aborted.

    Exit 0 when every device passed, 1 when any failed or was aborted, 2 when refused.
    """
    console = Console(stderr=True)
    options["key_dir"] = options["key_dir"] or default_key_dir()
    options["out_dir"] = options["out_dir"] or default_out_dir()
    try:
        load_private_key(options["key_dir"])
    except WipeError as exc:
        raise Refused(str(exc)) from None
    jobs = _prepare(paths, options)
    if not options["yes"]:
        _confirm(jobs, console)
    outcomes = run_jobs([(j.device, j.plan.passes, j.plan.verify) for j in jobs], console=console)
    table = Table("Device", "Result", "Passes", "Verification")
    table.add_column("Certificate", overflow="fold")
    printed, code = [], 0
    for job, outcome in zip(jobs, outcomes, strict=True):
        if outcome.refused is not None:
            console.print(f"[red]refused {escape(job.device.path)}: {escape(outcome.refused)}[/]")
            code = 2
            continue
        cert, path = _certify(_report(job, outcome, options), options, console)
        printed.append(cert)
        code = max(code, 0 if cert["result"] == "passed" and path is not None else 1)
        colour = "green" if cert["result"] == "passed" else "red"
        table.add_row(
            escape(job.device.path),
            f"[{colour}]{cert['result']}[/]",
            " ".join(p["pattern"] for p in cert["passes"]),
            f"{cert['verification']['mode']}: {cert['verification']['result']}",
            escape(str(path or "-")),
        )
    if options["as_json"]:
        click.echo(json.dumps(printed, indent=2, ensure_ascii=False))
    else:
        Console().print(table)
    raise SystemExit(code)


if __name__ == "__main__":
    main()
