"""Issue 4 end to end: a shop registers its station, wipes a real loop device, and the
certificate travels to the listing; openssl checks the signature; a tampered copy is refused."""

from __future__ import annotations

import base64
import json
import os
import subprocess
import sys
import urllib.error
import urllib.request
from collections.abc import Callable
from pathlib import Path

from flask import Flask
from playwright.sync_api import Page, expect
from sqlmodel import select

from market.accounts.models import Role
from market.certificates.models import WipeCertificate
from market.images.processing import save_photo
from market.listings.models import ListingPhoto
from tests.builders import PASSWORD, app_session, make_listing, make_user, picture
from tests.e2e import pages
from wipe.certificate import canonical_bytes


def agent(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(Path(sys.executable).parent / "wipe-agent"), *args],
        capture_output=True,
        text=True,
        timeout=300,
        env={**os.environ, **(env or {})},
        check=False,
    )


def test_station_key_wipe_upload_listing_and_tamper(
    app: Flask,
    page: Page,
    live_server: str,
    tmp_path: Path,
    loop_device: Callable[..., str],  # noqa: F811 - the imported fixture
    artifacts: Path,
) -> None:
    base = live_server
    with app.app_context(), app_session(app) as session:
        staff = make_user(session, role=Role.SHOP_STAFF, display_name="王店员")
        seller = make_user(session, display_name="李居民")
        phone = make_listing(
            session,
            seller,
            title="小米 13 手机",
            category="电子产品/手机",
            status="draft",
            disclosures={"activation_lock_off": "yes"},
        )
        photo = save_photo(app.extensions["xunhuan.images"], picture())
        session.add(ListingPhoto(listing_id=phone.id or 0, position=0, image_key=photo))
        session.commit()

    # The station makes its key; the shop registers the public key and gets an upload token.
    keys = tmp_path / "station"
    assert agent("keys", "init", "--key-dir", str(keys)).returncode == 0
    shown = agent("keys", "show", "--key-dir", str(keys))
    assert shown.returncode == 0
    pem = shown.stdout[shown.stdout.index("-----BEGIN") : shown.stdout.index("-----END")]
    pem += "-----END PUBLIC KEY-----\n"
    pages.log_in(page, base, identifier=staff.mobile or "", password=PASSWORD)
    page.goto(f"{base}/shop/settings")
    page.get_by_label("工作站名称").fill("柜台1号机")
    page.get_by_label("公钥（PEM）").fill(pem)
    page.get_by_role("button", name="登记").click()
    token = page.get_by_test_id("upload-token").inner_text().strip()
    assert len(token) > 30

    # Wipe a real loop device with the marketplace unreachable: the certificate waits in the outbox.
    device = loop_device(32)
    out = tmp_path / "certificates"
    erased = agent(
        "erase",
        device,
        "--profile",
        "nist-clear",
        "--operator",
        "王店员",
        "--organization",
        "长虹社区寄卖店",
        "--listing",
        str(phone.id),
        "--yes",
        "--key-dir",
        str(keys),
        "--out",
        str(out),
        "--json",
    )
    assert erased.returncode == 0, erased.stderr
    cert_path = next(out.glob("*.json"))
    cert = json.loads(cert_path.read_text())
    assert cert["result"] == "passed" and cert["level"] == "clear"
    assert cert["listing_id"] == phone.id

    # ...then `sync` delivers it; a second sync finds nothing left to send.
    sync = ["sync", "--market", base, "--out", str(out), "--key-dir", str(keys)]
    for _round in range(2):
        synced = agent(*sync, env={"XUNHUAN_UPLOAD_TOKEN": token})
        assert synced.returncode == 0, synced.stdout + synced.stderr
    assert not list((out / "outbox").glob("*.json"))
    with app_session(app) as session:
        stored = session.exec(select(WipeCertificate)).all()
    assert [c.id for c in stored] == [cert["certificate_id"]]

    # Any Ed25519 tool verifies it: openssl over the canonical bytes.
    (tmp_path / "pub.pem").write_text(pem)
    (tmp_path / "canonical.bin").write_bytes(canonical_bytes(cert))
    (tmp_path / "sig.bin").write_bytes(base64.b64decode(cert["signature"]["value"]))
    checked = subprocess.run(
        [
            "openssl",
            "pkeyutl",
            "-verify",
            "-pubin",
            "-inkey",
            str(tmp_path / "pub.pem"),
            "-rawin",
            "-in",
            str(tmp_path / "canonical.bin"),
            "-sigfile",
            str(tmp_path / "sig.bin"),
        ],
        capture_output=True,
        text=True,
        check=False,
    )
    assert checked.returncode == 0, checked.stdout + checked.stderr

    # The seller can now publish; the listing shows the badge, which opens the certificate.
    page.get_by_role("button", name="退出").click()
    pages.log_in(page, base, identifier=seller.mobile or "", password=PASSWORD)
    page.goto(f"{base}/listings/{phone.id}")
    page.get_by_role("button", name="发布").click()
    expect(page.locator(".listing .status")).to_have_count(0)
    page.get_by_test_id("wiped-badge").click()
    expect(page.get_by_test_id("signature-status")).to_contain_text("数字签名有效")
    expect(page.get_by_test_id("certificate-result")).to_contain_text("清除通过")
    page.screenshot(path=str(artifacts / "certificate-phone.png"), full_page=True)

    # A tampered copy is refused, and the agent's own verify says why.
    forged = dict(cert, operator="someone else")
    request = urllib.request.Request(  # noqa: S310 - our own live server
        f"{base}/api/v1/certificates",
        data=json.dumps(forged).encode(),
        method="POST",
        headers={"Content-Type": "application/json", "Authorization": f"Bearer {token}"},
    )
    try:
        urllib.request.urlopen(request, timeout=10)  # noqa: S310 - our own live server
        raise AssertionError("a tampered certificate was accepted")
    except urllib.error.HTTPError as error:
        assert error.code == 400  # the signature no longer matches the content
        assert json.loads(error.read())["reason"]
    (tmp_path / "forged.json").write_text(json.dumps(forged, ensure_ascii=False))
    verdict = agent("verify", str(tmp_path / "forged.json"), "--pubkey", str(tmp_path / "pub.pem"))
    assert verdict.returncode == 1
