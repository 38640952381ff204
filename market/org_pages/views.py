"""The public page of a shop, flea-market organizer or school: who they are, their grade."""

from __future__ import annotations

from flask import Blueprint, abort, render_template
from flask.typing import ResponseReturnValue
from sqlmodel import Session

from market.credit.services import org_grade
from market.db import get_session
from market.listings import services as listings
from market.listings.venues import PREFIX_OF_KIND
from market.orgs.models import Organization, OrgKind
from market.trades.services import completed_at_venue
from market.web import paginate

bp = Blueprint("orgs", __name__)
PUBLIC_KINDS = {*PREFIX_OF_KIND, OrgKind.PARTNER_PLATFORM}
PER_PAGE = 24


@bp.get("/orgs/<int:org_id>")
def page(org_id: int) -> ResponseReturnValue:
    session: Session = get_session()
    org = session.get(Organization, org_id)
    if org is None or org.kind_enum not in PUBLIC_KINDS:
        abort(404)
    prefix = PREFIX_OF_KIND.get(org.kind_enum)
    venue = f"{prefix}:{org.id}" if prefix else None
    shown = paginate(listings.live_at_venue(venue), per_page=PER_PAGE) if venue else None
    rows = shown.items if shown else []
    return render_template(
        "orgs/page.html",
        org=org,
        credit=org_grade(session=session, org=org),
        trades_count=completed_at_venue(session=session, venue=venue) if venue else 0,
        listings=rows,
        page=shown,
        covers=listings.cover_photos(session=session, listing_ids=[r.id for r in rows if r.id]),
    )
