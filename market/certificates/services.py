"""Register station keys, accept signed wipe certificates, link them to listings."""

from __future__ import annotations

import hashlib
import json
import secrets
import uuid
from datetime import datetime
from typing import Any

from flask_babel import lazy_gettext as _l
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select

from market.accounts.models import Role, User
from market.certificates.errors import CertificateRejected
from market.certificates.models import StationKey, WipeCertificate
from market.db import utcnow
from market.listings.models import Listing
from market.privacy import mask_serial
from market.trades.events import EventKind, emit
from wipe.certificate import (
    CertificateInvalid,
    canonical_bytes,
    key_id_of,
    load_public_key_pem,
    verify_certificate,
)

# Which listings need a passed certificate is market.listings.devices' rule (GB 46864-2025).


def _hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def _shop_of(user: User) -> int:
    if user.role != Role.SHOP_STAFF.value or user.organization_id is None:
        raise CertificateRejected(
            _l("只有寄卖店店员可以管理工作站密钥。"), code="forbidden", status=403
        )
    return user.organization_id


def register_station_key(
    *, session: Session, user: User, label: str, public_key_pem: str
) -> tuple[StationKey, str]:
    """Register a station's public key for the user's shop; return it and its upload token.

    The token is shown once: only its hash is kept.
    """
    shop_id = _shop_of(user)
    name = label.strip()
    if not name or len(name) > 60:
        raise CertificateRejected(_l("请填写工作站名称（最多60个字符）。"), code="bad_label")
    try:
        key = load_public_key_pem(public_key_pem.strip())
    except CertificateInvalid as error:
        raise CertificateRejected(
            _l("这不是有效的 Ed25519 公钥（PEM 格式）。"), code="bad_key"
        ) from error
    key_id = key_id_of(key)
    if session.exec(select(StationKey).where(StationKey.key_id == key_id)).first():
        raise CertificateRejected(_l("这个公钥已经登记过了。"), code="duplicate_key", status=409)
    token = secrets.token_urlsafe(32)
    station = StationKey(
        organization_id=shop_id,
        label=name,
        key_id=key_id,
        public_key_pem=public_key_pem.strip(),
        token_hash=_hash_token(token),
        created_by=user.id or 0,
    )
    session.add(station)
    try:
        session.commit()
    except IntegrityError as exc:
        session.rollback()
        raise CertificateRejected(
            _l("这个公钥已经登记过了。"), code="duplicate_key", status=409
        ) from exc
    return station, token


def revoke_station_key(*, session: Session, user: User, station_id: int) -> StationKey:
    shop_id = _shop_of(user)
    station = session.get(StationKey, station_id)
    if station is None or station.organization_id != shop_id:
        raise CertificateRejected(_l("工作站不存在。"), code="not_found", status=404)
    station.revoked_at = station.revoked_at or utcnow()
    session.add(station)
    session.commit()
    return station


def station_keys(*, session: Session, organization_id: int) -> list[StationKey]:
    query = select(StationKey).where(StationKey.organization_id == organization_id)
    return list(session.exec(query.order_by(col(StationKey.created_at).desc())))


def station_for_token(*, session: Session, token: str) -> StationKey:
    station = session.exec(
        select(StationKey).where(StationKey.token_hash == _hash_token(token))
    ).first()
    if station is None or station.revoked_at is not None:
        raise CertificateRejected(_l("上传令牌无效或已吊销。"), code="bad_token", status=401)
    return station


def _parse_time(value: Any) -> datetime | None:
    if not isinstance(value, str):
        return None
    try:
        return datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None


def accept_certificate(
    *, session: Session, station: StationKey, body: dict[str, Any]
) -> tuple[WipeCertificate, bool]:
    """Store a certificate signed by a key of the uploading station's shop.

    Returns (certificate, created). The same certificate again is accepted as already
    there; the same id with other content is refused (409), so uploads are idempotent.
    """
    if not isinstance(body, dict) or not isinstance(body.get("certificate_id"), str):
        raise CertificateRejected(_l("证书格式不正确。"), code="bad_format")
    try:
        certificate_id = str(uuid.UUID(body["certificate_id"]))
    except ValueError as exc:
        raise CertificateRejected(_l("证书格式不正确。"), code="bad_format") from exc
    key_id = (
        (body.get("signature") or {}).get("key_id")
        if isinstance(body.get("signature"), dict)
        else None
    )
    signer = session.exec(
        select(StationKey).where(
            StationKey.key_id == key_id, StationKey.organization_id == station.organization_id
        )
    ).first()
    if signer is None or signer.revoked_at is not None:
        raise CertificateRejected(
            _l("签名密钥未在本店登记或已吊销。"), code="unknown_key", status=403
        )
    try:
        verify_certificate(body, signer.public_key_pem)
    except CertificateInvalid as error:
        raise CertificateRejected(
            _l("证书签名无效：内容被改动或格式不正确。"), code=error.reason, status=400
        ) from error
    digest = hashlib.sha256(canonical_bytes(body)).hexdigest()
    existing = session.get(WipeCertificate, certificate_id)
    if existing is not None:
        if existing.body_sha256 == digest:
            return existing, False
        raise CertificateRejected(_l("同一证书编号已上传过不同内容。"), code="conflict", status=409)
    # "passed" on the marketplace means cleared AND verified: an unverified overwrite
    # (custom profile, --verify none) proves nothing a buyer can rely on.
    verification = body.get("verification") if isinstance(body.get("verification"), dict) else {}
    result = str(body.get("result", ""))
    if result == "passed" and (verification or {}).get("result") != "passed":
        result = "unverified"
    listing_id = body.get("listing_id")
    listing = session.get(Listing, listing_id) if isinstance(listing_id, int) else None
    certificate = WipeCertificate(
        id=certificate_id,
        organization_id=station.organization_id,
        station_key_id=signer.id or 0,
        listing_id=listing.id if listing else None,
        body=body,
        body_sha256=digest,
        result=result,
        level=str(body.get("level", "")),
        device_model=str((body.get("device") or {}).get("model") or "")[:120],
        finished_at=_parse_time(body.get("finished_at")),
    )
    session.add(certificate)
    if result == "passed":
        emit(
            session=session,
            kind=EventKind.WIPE_CERTIFICATE,
            subject_user_id=None,
            certificate_id=certificate_id,
            organization_id=station.organization_id,
        )
    try:
        session.commit()
    except IntegrityError as exc:  # a concurrent upload of the same id won: answer as it did
        session.rollback()
        existing = session.get(WipeCertificate, certificate_id)
        if existing is None:
            raise
        if existing.body_sha256 != digest:
            raise CertificateRejected(
                _l("同一证书编号已上传过不同内容。"), code="conflict", status=409
            ) from exc
        return existing, False
    return certificate, True


def signature_verifies(*, session: Session, certificate: WipeCertificate) -> bool:
    """Check the stored certificate again against its station's key."""
    station = session.get(StationKey, certificate.station_key_id)
    if station is None:
        return False
    try:
        verify_certificate(certificate.body, station.public_key_pem)
    except CertificateInvalid:
        return False
    return True


def passed_certificate_of(*, session: Session, listing_id: int) -> WipeCertificate | None:
    query = select(WipeCertificate).where(
        WipeCertificate.listing_id == listing_id, WipeCertificate.result == "passed"
    )
    return session.exec(query.order_by(col(WipeCertificate.received_at).desc())).first()


def attach_certificate(
    *, session: Session, listing: Listing, user: User, certificate_id: str
) -> WipeCertificate:
    """Link a passed certificate to the owner's listing (not yet committed)."""
    certificate = session.get(WipeCertificate, certificate_id.strip().lower())
    if certificate is None:
        raise CertificateRejected(_l("找不到这个证书编号。"), code="not_found")
    if certificate.result != "passed":
        raise CertificateRejected(_l("这份证书的清除结果不是“通过”。"), code="not_passed")
    if certificate.listing_id not in (None, listing.id):
        raise CertificateRejected(_l("这份证书已关联到其他物品。"), code="taken", status=409)
    if listing.owner_id != user.id:
        raise CertificateRejected(_l("只有发布者可以关联证书。"), code="forbidden", status=403)
    certificate.listing_id = listing.id
    session.add(certificate)
    return certificate


def public_view(certificate: WipeCertificate, *, shop_name: str, verified: bool) -> dict[str, Any]:
    """What anyone may see of a certificate: the serial masked, nothing personal."""
    body = certificate.body
    device = body.get("device") or {}
    serial = str(device.get("serial") or "")
    masked = mask_serial(serial) or "****"
    verification = body.get("verification") or {}
    return {
        "id": certificate.id,
        "model": device.get("model") or "",
        "serial_masked": masked,
        "media": device.get("media"),
        "standard": body.get("standard"),
        "level": body.get("level"),
        "technique": body.get("technique"),
        "passes": [p.get("pattern") for p in body.get("passes") or []],
        "verification": {
            "mode": verification.get("mode"),
            "coverage_percent": verification.get("coverage_percent"),
            "result": verification.get("result"),
        },
        "result": certificate.result,
        "finished_at": body.get("finished_at"),
        "shop": shop_name,
        "listing_id": certificate.listing_id,
        "signature_verified": verified,
    }


def canonical_json(body: dict[str, Any]) -> str:
    return json.dumps(body, sort_keys=True, ensure_ascii=False, indent=2)
