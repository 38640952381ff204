"""Where a trade happens: online (meet anywhere), or at a shop, a flea market or a book corner."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from sqlmodel import Session

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


def choices(*, session: Session, current: str | None = None) -> list[tuple[str, str]]:
    """(value, label) for the listing form: online, and the venue the listing already has.

    A shop's, market's or school's venue is given by its own routine (a shop's intake, a book
    corner), never chosen by a resident on the listing form.
    """
    options = [(ONLINE, str(LABELS["online"]))]
    if current and current != ONLINE and is_valid(session=session, venue=current):
        options.append((current, label(session=session, venue=current)))
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
