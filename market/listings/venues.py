"""Where a trade happens: online (meet anywhere), or at a shop, a flea market or a book corner."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from sqlmodel import Session, col, select

from market.orgs.models import Organization, OrgKind

ONLINE = "online"
PREFIX_OF_KIND = {
    OrgKind.CONSIGNMENT_SHOP: "shop",
    OrgKind.FLEA_MARKET_ORGANIZER: "market",
    OrgKind.SCHOOL: "school",
}
KIND_OF_PREFIX = {prefix: kind for kind, prefix in PREFIX_OF_KIND.items()}
LABELS = {
    "online": _l("线上约见"),
    "shop": _l("寄卖店"),
    "market": _l("跳蚤市场"),
    "school": _l("学校旧书角"),
}


def kind_of(venue: str) -> str:
    """'online', 'shop', 'market' or 'school'."""
    return venue.split(":", 1)[0]


def is_valid(*, session: Session, venue: str) -> bool:
    if venue == ONLINE:
        return True
    prefix, _, raw_id = venue.partition(":")
    if prefix not in KIND_OF_PREFIX or not raw_id.isdecimal():
        return False
    org = session.get(Organization, int(raw_id))
    return org is not None and org.kind == KIND_OF_PREFIX[prefix].value


def choices(*, session: Session) -> list[tuple[str, str]]:
    """(value, label) for every venue a listing may name."""
    orgs = session.exec(
        select(Organization)
        .where(col(Organization.kind).in_([k.value for k in PREFIX_OF_KIND]))
        .order_by(col(Organization.kind), col(Organization.name))
    )
    options = [(ONLINE, str(LABELS["online"]))]
    for org in orgs:
        prefix = PREFIX_OF_KIND[OrgKind(org.kind)]
        options.append((f"{prefix}:{org.id}", f"{LABELS[prefix]} · {org.name}"))
    return options


def label(*, session: Session, venue: str) -> str:
    if venue == ONLINE:
        return str(LABELS["online"])
    prefix, _, raw_id = venue.partition(":")
    org = session.get(Organization, int(raw_id)) if raw_id.isdecimal() else None
    return f"{LABELS.get(prefix, prefix)} · {org.name}" if org else venue


def organization(*, session: Session, venue: str) -> Organization | None:
    """The shop, market organizer or school a venue names (None for online)."""
    prefix, _, raw_id = venue.partition(":")
    if prefix not in KIND_OF_PREFIX or not raw_id.isdecimal():
        return None
    return session.get(Organization, int(raw_id))
