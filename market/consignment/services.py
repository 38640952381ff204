"""The shop's side: who may act for a shop, its profile, consignors, and intake at the counter."""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from flask_babel import lazy_gettext as _l
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, func, select

from market.accounts.models import Role, User
from market.consignment import terms
from market.consignment.errors import ConsignmentError, ItemNotFound, NotShopStaff
from market.consignment.models import ConsignmentItem, Consignor, ShopProfile
from market.db import utcnow
from market.images.processing import Photo
from market.images.store import ImageStore
from market.listings import services as listings
from market.listings.catalog import Mode
from market.listings.models import Listing
from market.listings.services import ListingInput
from market.orgs.models import Organization, OrgKind

NAME_MAX = 40


# ---- access: the one check that a user acts for this shop ------------------------------


def shop_of(*, session: Session, user: User) -> Organization:
    """The consignment shop `user` works for; staff of no shop (or not staff) are refused."""
    org = session.get(Organization, user.organization_id) if user.organization_id else None
    if user.role != Role.SHOP_STAFF.value or org is None or org.kind != OrgKind.CONSIGNMENT_SHOP:
        raise NotShopStaff(_l("只有本店店员可以办理寄卖业务。"))
    return org


def item_for_staff(*, session: Session, user: User, item_id: int) -> ConsignmentItem:
    """An item of the user's own shop; another shop's item is refused, not shown."""
    shop = shop_of(session=session, user=user)
    item = session.get(ConsignmentItem, item_id)
    if item is None:
        raise ItemNotFound(_l("找不到这个寄卖编号。"))
    if item.organization_id != shop.id:
        raise NotShopStaff(_l("这件物品不是本店的寄卖品。"))
    return item


def consignor_for_staff(*, session: Session, user: User, consignor_id: int) -> Consignor:
    shop = shop_of(session=session, user=user)
    consignor = session.get(Consignor, consignor_id)
    if consignor is None:
        raise ItemNotFound(_l("寄卖人不存在。"))
    if consignor.organization_id != shop.id:
        raise NotShopStaff(_l("这位寄卖人不是本店的。"))
    return consignor


# ---- the shop's profile and house rules ------------------------------------------------


def profile_of(*, session: Session, org_id: int) -> ShopProfile:
    """The shop's profile, or the defaults (not saved) when it has none yet."""
    return session.get(ShopProfile, org_id) or ShopProfile(organization_id=org_id)


def staff_count(*, session: Session, org_id: int) -> int:
    return session.exec(
        select(func.count())
        .select_from(User)
        .where(
            User.organization_id == org_id,
            User.role == Role.SHOP_STAFF.value,
            col(User.is_active).is_(True),
        )
    ).one()


def save_profile(*, session: Session, user: User, values: dict[str, Any]) -> ShopProfile:
    """Change the shop's hours, description and house rules (the rules apply to new intakes)."""
    shop = shop_of(session=session, user=user)
    profile = profile_of(session=session, org_id=shop.id or 0)
    for name, value in values.items():
        setattr(profile, name, value)
    _house_policy(profile)  # refuses bad rates or tiers before anything is saved
    schedule = terms.MarkdownSchedule(steps=steps_of(profile.steps))
    if schedule.steps[-1].day >= terms.TERM_MAX_DAYS:
        # A step past every possible term would save and then refuse each intake.
        raise ConsignmentError(
            _l("降价天数须在第 0 到 %(n)d 天之间。", n=terms.TERM_MAX_DAYS - 1), field="steps"
        )
    if not 0 < profile.term_days <= terms.TERM_MAX_DAYS:
        raise ConsignmentError(
            _l("寄卖期须为 1 到 %(n)d 天。", n=terms.TERM_MAX_DAYS), field="term_days"
        )
    last = profile.steps[-1][0] if profile.steps else 0
    if profile.term_days <= last:
        raise ConsignmentError(
            _l("寄卖期须长于最后一次降价的天数（第 %(day)d 天）。", day=last), field="term_days"
        )
    if not 0 <= profile.minimum_payout_fen <= terms.PRICE_MAX_FEN:
        raise ConsignmentError(
            _l("最低结算金额须在 0 到 1,000,000 元之间。"), field="minimum_payout_fen"
        )
    if profile.end_action not in {a.value for a in terms.EndAction}:
        raise ConsignmentError(_l("请选择到期后的处理方式。"), field="end_action")
    profile.updated_at = utcnow()
    session.add(profile)
    session.commit()
    return profile


def _house_policy(profile: ShopProfile, consignor: Consignor | None = None) -> terms.SplitPolicy:
    return terms.SplitPolicy(
        default_bp=profile.default_rate_bp,
        tiers=tuple(terms.PriceTier(up, rate) for up, rate in profile.tiers),
        categories=tuple(terms.CategoryRate(p, rate) for p, rate in profile.category_rates),
        consignors=(
            (terms.ConsignorRate(consignor.id or 0, consignor.rate_bp),)
            if consignor is not None and consignor.rate_bp is not None
            else ()
        ),
    )


def steps_of(raw: list[Any]) -> tuple[terms.MarkdownStep, ...]:
    return tuple(terms.MarkdownStep(int(day), int(bp)) for day, bp in raw)


# ---- the agreement of an item, as the pure core sees it --------------------------------


def split_to_json(policy: terms.SplitPolicy) -> dict[str, Any]:
    return {
        "default_bp": policy.default_bp,
        "tiers": [[t.up_to_fen, t.rate_bp] for t in policy.tiers],
        "categories": [[c.prefix, c.rate_bp] for c in policy.categories],
        "consignors": [[c.consignor_id, c.rate_bp] for c in policy.consignors],
    }


def split_from_json(raw: dict[str, Any]) -> terms.SplitPolicy:
    return terms.SplitPolicy(
        default_bp=int(raw["default_bp"]),
        tiers=tuple(terms.PriceTier(up, rate) for up, rate in raw.get("tiers", [])),
        categories=tuple(terms.CategoryRate(p, rate) for p, rate in raw.get("categories", [])),
        consignors=tuple(terms.ConsignorRate(i, rate) for i, rate in raw.get("consignors", [])),
    )


def agreement_of(item: ConsignmentItem) -> terms.Agreement:
    return terms.Agreement(
        list_price_fen=item.list_price_fen,
        intake_at=item.intake_at,
        term_days=item.term_days,
        end_action=terms.EndAction(item.end_action),
        split=split_from_json(item.split),
        category=item.category,
        consignor_id=item.consignor_id,
        markdown=terms.MarkdownSchedule(
            steps=steps_of(item.steps),
            do_not_discount=item.do_not_discount,
            floor_fen=item.floor_fen,
        ),
    )


# ---- consignors -------------------------------------------------------------------------


def _clean_mobile(mobile: str) -> str:
    digits = "".join(mobile.split()).removeprefix("+86")
    if len(digits) != 11 or not digits.isdecimal() or not digits.startswith("1"):
        raise ConsignmentError(_l("请填写寄卖人的11位手机号。"), field="consignor_mobile")
    return digits


def find_or_add_consignor(*, session: Session, shop_id: int, mobile: str, name: str) -> Consignor:
    """The shop's consignor with this mobile, else a new walk-in record (not committed).

    A mobile number alone never links a record to an account: anyone can register with any
    number. The resident links it with the claim code printed on their agreement.
    """
    number = _clean_mobile(mobile)
    found = session.exec(
        select(Consignor).where(Consignor.organization_id == shop_id, Consignor.mobile == number)
    ).first()
    if found is not None:
        return found
    clean_name = " ".join(name.split())
    if not clean_name or len(clean_name) > NAME_MAX:
        raise ConsignmentError(
            _l("请填写寄卖人姓名（最多%(n)d个字符）。", n=NAME_MAX), field="consignor_name"
        )
    consignor = Consignor(organization_id=shop_id, mobile=number, name=clean_name)
    session.add(consignor)
    session.flush()
    return consignor


# ---- claim codes: the only way a consignor record joins an account ---------------------

CLAIM_ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"  # no 0/O, 1/I/L
CLAIM_LENGTH = 8


def _claim_hash(code: str) -> str:
    return hashlib.sha256(normalize_claim_code(code).encode()).hexdigest()


def normalize_claim_code(text: str) -> str:
    """What a person typed, without spaces, dashes and case: 'abcd-efgh' -> 'ABCDEFGH'."""
    return "".join(ch for ch in text.upper() if ch.isalnum())


def format_claim_code(code: str) -> str:
    return f"{code[:4]}-{code[4:]}"


def issue_claim_code(*, session: Session, consignor: Consignor) -> str | None:
    """A new single-use claim code for a record not linked to an account (not committed).

    Only its SHA-256 is kept, so the code is shown once (intake page, printed agreement); a
    new code replaces the previous one. None when the record is already linked.
    """
    if consignor.user_id is not None:
        return None
    code = "".join(secrets.choice(CLAIM_ALPHABET) for _ in range(CLAIM_LENGTH))
    consignor.claim_code_hash = _claim_hash(code)
    session.add(consignor)
    return format_claim_code(code)


def claim_with_code(*, session: Session, user: User, code: str) -> Consignor:
    """Link the consignor record whose claim code this is to `user`, once."""
    wrong = ConsignmentError(
        _l("认领码不正确或已使用。请核对寄卖协议上的8位认领码，或请店员重新生成。"),
        field="code",
    )
    raw = normalize_claim_code(code)
    if len(raw) != CLAIM_LENGTH or any(ch not in CLAIM_ALPHABET for ch in raw):
        raise wrong
    consignor = session.exec(
        select(Consignor).where(Consignor.claim_code_hash == _claim_hash(raw)).with_for_update()
    ).first()
    if consignor is None or consignor.user_id is not None:
        raise wrong
    if (
        session.exec(
            select(Consignor.id).where(
                Consignor.organization_id == consignor.organization_id,
                Consignor.user_id == user.id,
            )
        ).first()
        is not None
    ):
        raise ConsignmentError(
            _l("您的账号在这家店已有寄卖记录，请到店由店员核对后处理。"), field="code"
        )
    consignor.user_id, consignor.claimed_at = user.id, utcnow()
    consignor.claim_code_hash = None  # single use
    session.add(consignor)
    try:
        session.commit()
    except IntegrityError as error:  # a concurrent claim of the same record or shop
        session.rollback()
        raise wrong from error
    return consignor


def reissue_claim_code(*, session: Session, staff: User, consignor_id: int) -> str:
    """A new claim code for a walk-in who lost theirs; the old one stops working."""
    consignor = consignor_for_staff(session=session, user=staff, consignor_id=consignor_id)
    code = issue_claim_code(session=session, consignor=consignor)
    if code is None:
        raise ConsignmentError(_l("这位寄卖人已关联账号，无需认领码。"))
    session.commit()
    return code


def unlink_consignor(*, session: Session, staff: User, consignor_id: int) -> str:
    """Undo a wrong link: the record is a walk-in again, with a new claim code to give out."""
    consignor = consignor_for_staff(session=session, user=staff, consignor_id=consignor_id)
    if consignor.user_id is None:
        raise ConsignmentError(_l("这位寄卖人尚未关联账号。"))
    consignor.user_id, consignor.claimed_at = None, None
    code = issue_claim_code(session=session, consignor=consignor)
    assert code is not None
    session.commit()
    return code


def consignors_of_user(*, session: Session, user_id: int) -> list[Consignor]:
    return list(session.exec(select(Consignor).where(Consignor.user_id == user_id)))


# ---- intake -----------------------------------------------------------------------------


@dataclass
class IntakeInput:
    """What the counter fills in for one item; the listing part reuses the listing checks."""

    title: str
    category: str
    description: str
    price_fen: int
    condition: dict[str, str]
    disclosures: dict[str, Any]
    consignor_mobile: str
    consignor_name: str
    term_days: int
    steps: tuple[terms.MarkdownStep, ...]
    end_action: str
    do_not_discount: bool = False
    floor_fen: int | None = None
    consignor_rate_bp: int | None = None
    accepted: bool = False
    certificate_id: str | None = None
    photos: Sequence[Photo] = field(default_factory=list)
    no_data: bool = False  # the item stores no personal data, for this reason (devices.REASONS)
    no_data_reason: str = ""
    no_data_note: str = ""


@dataclass(frozen=True)
class Intake:
    """A taken-in item, and the claim code to give a walk-in (None for a linked account)."""

    item: ConsignmentItem
    claim_code: str | None


def intake(
    *,
    session: Session,
    staff: User,
    data: IntakeInput,
    store: ImageStore,
    now: datetime | None = None,
) -> Intake:
    """Take an item in: an active listing at the shop plus the signed agreement, in one commit.

    A refusal rolls back, so it changes nothing. The listing belongs to the staff member who
    took it in: the shop sells, its staff confirm online handovers, and the trade counts for
    the shop's grade through the venue.
    """
    try:
        return _intake(session=session, staff=staff, data=data, store=store, now=now)
    except Exception:
        session.rollback()
        raise


def _intake(
    *,
    session: Session,
    staff: User,
    data: IntakeInput,
    store: ImageStore,
    now: datetime | None,
) -> Intake:
    shop = shop_of(session=session, user=staff)
    when = now or utcnow()
    if not shop.street:
        raise ConsignmentError(_l("本店尚未登记所在街道，请联系管理员补全机构资料。"))
    listing_input = ListingInput(
        title=data.title,
        category=data.category,
        mode=Mode.SELL.value,
        street=shop.street,
        description=data.description,
        price_fen=data.price_fen,
        venue=f"shop:{shop.id}",
        condition=data.condition,
        disclosures=data.disclosures,
        no_data=data.no_data,
        no_data_reason=data.no_data_reason,
        no_data_note=data.no_data_note,
    )
    listings.validate(session=session, data=listing_input, trusted_venue=True)
    if not data.photos:
        raise ConsignmentError(_l("请至少拍一张照片。"), field="photos")
    if not data.accepted:
        raise ConsignmentError(_l("请确认寄卖人已阅读并同意寄卖协议。"), field="accepted")
    if data.consignor_rate_bp is not None and not 0 <= data.consignor_rate_bp <= terms.FULL_BP:
        raise ConsignmentError(_l("分成比例须在 0% 到 100% 之间。"), field="consignor_rate")
    profile = profile_of(session=session, org_id=shop.id or 0)
    consignor = find_or_add_consignor(
        session=session,
        shop_id=shop.id or 0,
        mobile=data.consignor_mobile,
        name=data.consignor_name,
    )
    if data.consignor_rate_bp is not None:
        consignor.rate_bp = data.consignor_rate_bp
    agreement = terms.Agreement(
        list_price_fen=data.price_fen,
        intake_at=when,
        term_days=data.term_days,
        end_action=data.end_action,  # type: ignore[arg-type]  # validated by Agreement
        split=_house_policy(profile, consignor),
        category=data.category,
        consignor_id=consignor.id or 0,
        markdown=terms.MarkdownSchedule(
            steps=data.steps, do_not_discount=data.do_not_discount, floor_fen=data.floor_fen
        ),
    )
    listing = listings.add_listing(
        session=session,
        owner=staff,
        data=listing_input,
        photos=data.photos,
        store=store,
        publish=True,
        certificate_id=data.certificate_id,
        trusted_venue=True,
    )
    listing.expires_at = terms.expires_at(agreement)
    item = ConsignmentItem(
        organization_id=shop.id or 0,
        consignor_id=consignor.id or 0,
        listing_id=listing.id or 0,
        intake_by=staff.id or 0,
        intake_at=when,
        list_price_fen=agreement.list_price_fen,
        category=agreement.category,
        term_days=agreement.term_days,
        end_action=agreement.end_action.value,
        split=split_to_json(agreement.split),
        steps=[[s.day, s.percent_bp] for s in agreement.markdown.steps],
        do_not_discount=agreement.markdown.do_not_discount,
        floor_fen=agreement.markdown.floor_fen,
        accepted_at=when,
        expires_at=terms.expires_at(agreement),
    )
    claim_code = issue_claim_code(session=session, consignor=consignor)
    session.add(listing)
    session.add(item)
    session.commit()
    return Intake(item=item, claim_code=claim_code)


def item_of_listing(*, session: Session, listing_id: int) -> ConsignmentItem | None:
    return session.exec(
        select(ConsignmentItem).where(ConsignmentItem.listing_id == listing_id)
    ).first()


def listing_of(*, session: Session, item: ConsignmentItem) -> Listing:
    listing = session.get(Listing, item.listing_id)
    assert listing is not None  # a foreign key
    return listing
