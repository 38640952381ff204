"""Shop station keys, the certificate upload API, and the public certificate page."""

from __future__ import annotations

from flask import Blueprint, abort, flash, jsonify, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _

from market.accounts.models import Role
from market.certificates import services
from market.certificates.errors import CertificateRejected
from market.certificates.forms import StationKeyForm
from market.certificates.models import WipeCertificate
from market.db import get_session
from market.extensions import csrf
from market.orgs.models import Organization
from market.security import requires_role
from market.web import get_or_404, me, refused, render_form

bp = Blueprint("certificates", __name__)


@bp.route("/shop/settings", methods=["GET", "POST"])
@requires_role(Role.SHOP_STAFF)
def shop_settings() -> ResponseReturnValue:
    session = get_session()
    user = me()
    if user.organization_id is None:
        abort(403)
    form = StationKeyForm()
    new_token = None
    if form.validate_on_submit():
        try:
            station, new_token = services.register_station_key(
                session=session,
                user=user,
                label=form.label.data or "",
                public_key_pem=form.public_key_pem.data or "",
            )
        except CertificateRejected as error:
            refused(form, error, default="public_key_pem")
        else:
            form = StationKeyForm(formdata=None)
            flash(_("已登记工作站：%(label)s", label=station.label), "success")
    return render_form(
        "shop/settings.html",
        form,
        new_token=new_token,
        shop=session.get(Organization, user.organization_id),
        stations=services.station_keys(session=session, organization_id=user.organization_id),
    )


@bp.post("/shop/settings/keys/<int:station_id>/revoke")
@requires_role(Role.SHOP_STAFF)
def revoke(station_id: int) -> ResponseReturnValue:
    station = services.revoke_station_key(session=get_session(), user=me(), station_id=station_id)
    flash(_("已吊销：%(label)s", label=station.label), "info")
    return redirect(url_for("certificates.shop_settings"))


def _bearer() -> str:
    header = request.headers.get("Authorization", "")
    scheme, _sep, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise CertificateRejected(_("缺少上传令牌。"), code="missing_token", status=401)
    return token.strip()


@bp.post("/api/v1/certificates")
@csrf.exempt
def upload() -> ResponseReturnValue:
    """Accept a certificate from a wipe station (Bearer upload token); idempotent by id."""
    session = get_session()
    station = services.station_for_token(session=session, token=_bearer())
    body = request.get_json(silent=True)
    if not isinstance(body, dict):
        raise CertificateRejected(_("请求体必须是 JSON 格式的证书。"), code="bad_format")
    certificate, created = services.accept_certificate(session=session, station=station, body=body)
    answer = {
        "id": certificate.id,
        "status": "created" if created else "already_received",
        "url": url_for("certificates.page", certificate_id=certificate.id),
    }
    return jsonify(answer), 201 if created else 200


def _load(certificate_id: str) -> tuple[WipeCertificate, dict[str, object]]:
    session = get_session()
    certificate = get_or_404(WipeCertificate, certificate_id.lower())
    shop = session.get(Organization, certificate.organization_id)
    view = services.public_view(
        certificate,
        shop_name=shop.name if shop else "",
        verified=services.signature_verifies(session=session, certificate=certificate),
    )
    return certificate, view


@bp.get("/api/v1/certificates/<certificate_id>")
def api_show(certificate_id: str) -> ResponseReturnValue:
    _certificate, view = _load(certificate_id)
    return jsonify(view)


@bp.get("/certificates/<certificate_id>")
def page(certificate_id: str) -> ResponseReturnValue:
    _certificate, view = _load(certificate_id)
    return render_template("certificates/page.html", cert=view)
