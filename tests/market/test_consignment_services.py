"""The consignment routine on both databases: intake, markdowns, expiry, sales, payouts, claims."""

from __future__ import annotations

import hashlib
import re
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
import sqlalchemy as sa
from flask import Flask
from sqlmodel import Session, col, func, select

from market.accounts.models import Role, User
from market.consignment import lifecycle, payouts, services, terms
from market.consignment.errors import ConsignmentError, ItemNotForSale, NotShopStaff
from market.consignment.models import (
    ConsignmentItem,
    ConsignmentPayout,
    ConsignmentSale,
    Consignor,
    ItemStatus,
    ShopProfile,
)
from market.listings import services as listings
from market.listings.errors import ListingError
from market.listings.models import Listing
from market.orgs.models import OrgKind
from market.trades import services as trades
from market.trades.models import Reservation
from tests.builders import app_session, make_organization, make_user, picture

STEPS = (
    terms.MarkdownStep(0, 10_000),
    terms.MarkdownStep(30, 8_000),
    terms.MarkdownStep(60, 6_000),
)
PHONE = {
    "new": "used",
    "body": "light",
    "screen": "invisible",
    "battery": "85",
    "repaired": "no",
    "works": "yes",
    "damage": "no",
}
PHONE_D = {
    "serial": "35-209900-176148-1",
    "activation_lock_off": "yes",
    "battery_percent": "87",
    "repairs": "无",
}
INTAKE = datetime(2026, 3, 1, 7, 0, tzinfo=UTC)  # 15:00 in the shop


def staff_of_new_shop(session: Session, **shop: Any) -> User:
    org = make_organization(session, kind=OrgKind.CONSIGNMENT_SHOP, street="学府", **shop)
    session.add(
        ShopProfile(organization_id=org.id or 0, minimum_payout_fen=5_000, default_rate_bp=2_500)
    )
    session.commit()
    return make_user(session, role=Role.SHOP_STAFF, organization=org)


def desk(**overrides: Any) -> services.IntakeInput:
    fields: dict[str, Any] = {
        "title": "实木书桌",
        "category": "家具",
        "description": "桌面轻微划痕。",
        "price_fen": 128_800,
        "condition": {"new": "used", "surface": "wear", "pests": "no"},
        "disclosures": {"dimensions": "120×60×75 cm", "material": "实木", "odour": "no"},
        "consignor_mobile": "13900001111",
        "consignor_name": "王阿姨",
        "term_days": 90,
        "steps": STEPS,
        "end_action": "return",
        "accepted": True,
        "photos": [picture()],
    }
    fields.update(overrides)
    return services.IntakeInput(**fields)


def take_in_with_code(
    app: Flask, session: Session, staff: User, now: datetime = INTAKE, **overrides: Any
) -> services.Intake:
    return services.intake(
        session=session,
        staff=staff,
        data=desk(**overrides),
        store=app.extensions["xunhuan.images"],
        now=now,
    )


def take_in(
    app: Flask, session: Session, staff: User, now: datetime = INTAKE, **overrides: Any
) -> ConsignmentItem:
    return take_in_with_code(app, session, staff, now, **overrides).item


def counts(session: Session) -> tuple[int, ...]:
    return tuple(
        session.exec(select(func.count()).select_from(table)).one()
        for table in (Listing, ConsignmentItem, Consignor, ConsignmentSale, ConsignmentPayout)
    )


def test_intake_makes_an_active_shop_listing_with_an_agreement_and_a_printable_code(
    app: Flask,
) -> None:
    with app_session(app) as session:
        staff = staff_of_new_shop(session)
        item = take_in(app, session, staff)
        listing = session.get(Listing, item.listing_id)
        assert listing is not None
        assert (listing.status, listing.venue, listing.price_fen) == (
            "active",
            f"shop:{staff.organization_id}",
            128_800,
        )
        assert listing.grade == "B" and listing.owner_id == staff.id
        assert item.code == f"K-{item.id:06d}"
        assert listing.expires_at == terms.expires_at(services.agreement_of(item))
        consignor = session.get(Consignor, item.consignor_id)
        assert consignor is not None and consignor.user_id is None  # a walk-in
        assert consignor.mobile == "13900001111"


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"accepted": False}, "accepted"),
        ({"price_fen": 0}, "price"),
        ({"consignor_mobile": "12345"}, "consignor_mobile"),
        ({"term_days": 45}, "term_days"),  # shorter than the last markdown (day 60)
        ({"photos": []}, "photos"),
        ({"condition": {"new": "used"}}, "q_surface"),
        (
            {"category": "电子产品/手机", "condition": PHONE, "disclosures": PHONE_D},
            "certificate_id",
        ),  # GB 46864-2025: no wipe certificate, no sale
        (
            {
                "category": "电子产品/手机",
                "condition": PHONE,
                "disclosures": PHONE_D,
                "certificate_id": "00000000-0000-4000-8000-000000000000",
            },
            "certificate_id",
        ),
    ],
)
def test_bad_intake_input_changes_nothing(
    app: Flask, overrides: dict[str, Any], field: str
) -> None:
    with app_session(app) as session:
        staff = staff_of_new_shop(session)
        before = counts(session)
        with pytest.raises(ListingError) as error:
            take_in(app, session, staff, **overrides)
        assert error.value.field == field
        assert counts(session) == before


def test_staff_of_another_shop_is_refused(app: Flask) -> None:
    with app_session(app) as session:
        staff = staff_of_new_shop(session)
        other = staff_of_new_shop(session)
        item = take_in(app, session, staff)
        with pytest.raises(NotShopStaff):
            lifecycle.sell_at_counter(session=session, staff=other, item_id=item.id or 0)
        with pytest.raises(NotShopStaff):
            payouts.pay_out(
                session=session,
                staff=other,
                consignor_id=item.consignor_id,
                method="cash",
                reference="",
            )
        resident = make_user(session)
        with pytest.raises(NotShopStaff):
            take_in(app, session, resident)
        assert session.get(ConsignmentItem, item.id).status == "on_sale"  # type: ignore[union-attr]


def test_a_missed_tick_still_shows_the_markdown_on_the_next_read(app: Flask) -> None:
    with app_session(app) as session:
        staff = staff_of_new_shop(session)
        item = take_in(app, session, staff, now=datetime.now(UTC) - timedelta(days=35))
        listing = session.get(Listing, item.listing_id)
        assert listing is not None and listing.price_fen == 128_800  # no tick has run
        shown = lifecycle.on_read(session=session, listing=listing)
        assert shown is not None
        assert shown.price_fen == 103_000  # 80 % of 1,288 rounded down to the yuan
        assert shown.listing.price_fen == 103_000
        assert not session.dirty  # computed on a copy: the read writes nothing
        session.expire_all()
        assert session.get(Listing, item.listing_id).price_fen == 128_800  # type: ignore[union-attr]
        assert shown.next_price_fen == 77_200 and shown.next_markdown_on is not None


def test_tick_applies_markdowns_and_returns_the_changed_listings(app: Flask) -> None:
    with app_session(app) as session:
        staff = staff_of_new_shop(session)
        item = take_in(app, session, staff)
        assert lifecycle.tick(session=session, now=INTAKE + timedelta(days=1)) == []
        day60 = datetime(2026, 4, 29, 16, 0, tzinfo=UTC)
        assert lifecycle.tick(session=session, now=day60) == [item.listing_id]
        assert session.get(Listing, item.listing_id).price_fen == 77_200  # type: ignore[union-attr]


@pytest.mark.parametrize(
    ("action", "status", "listing_status"),
    [
        ("return", ItemStatus.TO_RETURN, "withdrawn"),
        ("donate", ItemStatus.DONATED, "withdrawn"),
        ("shop_stock", ItemStatus.SHOP_STOCK, "active"),
    ],
)
def test_at_the_end_of_the_term_the_agreed_action_applies(
    app: Flask, action: str, status: ItemStatus, listing_status: str
) -> None:
    with app_session(app) as session:
        staff = staff_of_new_shop(session)
        item = take_in(app, session, staff, end_action=action)
        after = terms.expires_at(services.agreement_of(item)) + timedelta(minutes=1)
        lifecycle.tick(session=session, now=after)
        session.expire_all()
        ended = session.get(ConsignmentItem, item.id)
        listing = session.get(Listing, item.listing_id)
        assert ended is not None and listing is not None
        assert (ended.status, listing.status) == (status.value, listing_status)
        if action == "shop_stock":
            assert listing.price_fen == 77_200  # the last price of the term
            sale = lifecycle.sell_at_counter(session=session, staff=staff, item_id=item.id or 0)
            assert (sale.shop_fen, sale.consignor_fen) == (77_200, 0)


def test_a_counter_sale_records_the_split_and_grows_the_balance(app: Flask) -> None:
    with app_session(app) as session:
        staff = staff_of_new_shop(session)
        item = take_in(app, session, staff, now=datetime.now(UTC))
        sale = lifecycle.sell_at_counter(session=session, staff=staff, item_id=item.id or 0)
        assert (sale.price_fen, sale.shop_fen, sale.consignor_fen) == (128_800, 32_200, 96_600)
        assert sale.rate_source == "default" and sale.channel == "counter"
        assert session.get(Listing, item.listing_id).status == "completed"  # type: ignore[union-attr]
        assert payouts.balance_of(session=session, consignor_id=item.consignor_id) == 96_600
        with pytest.raises(ItemNotForSale):
            lifecycle.sell_at_counter(session=session, staff=staff, item_id=item.id or 0)
        assert session.exec(select(func.count()).select_from(ConsignmentSale)).one() == 1


def test_the_consignors_own_rate_is_signed_into_the_agreement(app: Flask) -> None:
    with app_session(app) as session:
        staff = staff_of_new_shop(session)
        item = take_in(app, session, staff, consignor_rate_bp=1_000, now=datetime.now(UTC))
        sale = lifecycle.sell_at_counter(session=session, staff=staff, item_id=item.id or 0)
        assert (sale.rate_bp, sale.rate_source, sale.shop_fen) == (1_000, "consignor", 12_880)


def test_an_online_trade_of_a_consigned_item_records_the_sale(app: Flask) -> None:
    with app_session(app) as session:
        staff = staff_of_new_shop(session)
        item = take_in(app, session, staff, now=datetime.now(UTC))
        buyer = make_user(session)
        reservation = trades.reserve_listing(
            session=session, listing_id=item.listing_id, buyer=buyer
        )
        with pytest.raises(ItemNotForSale):
            lifecycle.sell_at_counter(session=session, staff=staff, item_id=item.id or 0)
        for user in (buyer, staff):
            trades.confirm_handover(session=session, reservation_id=reservation.id or 0, user=user)
        sale = session.exec(select(ConsignmentSale)).one()
        assert (sale.channel, sale.reservation_id, sale.consignor_fen) == (
            "online",
            reservation.id,
            96_600,
        )
        assert session.get(ConsignmentItem, item.id).status == "sold"  # type: ignore[union-attr]


def test_payouts_respect_the_minimum_and_never_exceed_the_balance(app: Flask) -> None:
    with app_session(app) as session:
        staff = staff_of_new_shop(session)
        cheap = take_in(app, session, staff, price_fen=4_000, now=datetime.now(UTC))
        lifecycle.sell_at_counter(session=session, staff=staff, item_id=cheap.id or 0)
        consignor_id = cheap.consignor_id
        assert payouts.balance_of(session=session, consignor_id=consignor_id) == 3_000
        with pytest.raises(ConsignmentError, match="最低结算金额 ¥50。"):  # ¥30 is below it
            payouts.pay_out(
                session=session, staff=staff, consignor_id=consignor_id, method="cash", reference=""
            )
        more = take_in(app, session, staff, price_fen=8_000, now=datetime.now(UTC))
        lifecycle.sell_at_counter(session=session, staff=staff, item_id=more.id or 0)
        with pytest.raises(ConsignmentError):  # a transfer needs its reference
            payouts.pay_out(
                session=session,
                staff=staff,
                consignor_id=consignor_id,
                method="transfer",
                reference=" ",
            )
        paid = payouts.pay_out(
            session=session,
            staff=staff,
            consignor_id=consignor_id,
            method="transfer",
            reference="WX2026-0001",
        )
        assert paid.amount_fen == 9_000
        assert payouts.balance_of(session=session, consignor_id=consignor_id) == 0
        with pytest.raises(ConsignmentError):  # nothing left to pay
            payouts.pay_out(
                session=session, staff=staff, consignor_id=consignor_id, method="cash", reference=""
            )
        assert session.exec(select(func.count()).select_from(ConsignmentPayout)).one() == 1


def test_registering_with_a_walk_ins_mobile_does_not_take_over_their_record(
    app: Flask, client: Any, auth: Any
) -> None:
    with app_session(app) as session:
        staff = staff_of_new_shop(session)
        item = take_in(app, session, staff, now=datetime.now(UTC))
        lifecycle.sell_at_counter(session=session, staff=staff, item_id=item.id or 0)
    # Anyone can register with any number: that alone must not open the walk-in's ledger.
    assert auth.register(identifier="13900001111", display_name="冒名者").status_code == 302
    auth.logout()
    assert auth.login("13900001111", "correct-horse").status_code == 302
    page = client.get("/my/consignments").get_data(as_text=True)
    assert item.code not in page and "966" not in page
    with app_session(app) as session:
        consignor = session.get(Consignor, item.consignor_id)
        assert consignor is not None
        assert (consignor.user_id, consignor.claimed_at) == (None, None)


def test_intake_for_a_registered_mobile_stays_a_walk_in_until_the_code_is_entered(
    app: Flask,
) -> None:
    with app_session(app) as session:
        staff = staff_of_new_shop(session)
        resident = make_user(session, identifier="13900002222")
        taken = take_in_with_code(
            app, session, staff, consignor_mobile="139 0000 2222", consignor_name="刘先生"
        )
        consignor = session.get(Consignor, taken.item.consignor_id)
        assert consignor is not None and consignor.user_id is None
        assert taken.claim_code is not None
        linked = services.claim_with_code(session=session, user=resident, code=taken.claim_code)
        assert (linked.id, linked.user_id) == (consignor.id, resident.id)
        assert linked.claimed_at is not None
        # The next intake for a linked consignor needs no code.
        again = take_in_with_code(app, session, staff, consignor_mobile="13900002222")
        assert again.item.consignor_id == consignor.id and again.claim_code is None


def test_a_claim_code_is_random_stored_hashed_and_works_once(app: Flask) -> None:
    with app_session(app) as session:
        staff = staff_of_new_shop(session)
        taken = take_in_with_code(app, session, staff)
        code = taken.claim_code
        assert code is not None and re.fullmatch(r"[A-HJKMNP-Z2-9]{4}-[A-HJKMNP-Z2-9]{4}", code)
        consignor = session.get(Consignor, taken.item.consignor_id)
        assert consignor is not None
        raw = code.replace("-", "")
        assert consignor.claim_code_hash == hashlib.sha256(raw.encode()).hexdigest()
        assert raw not in str(consignor.model_dump())  # never kept in plain text
        resident, stranger = make_user(session), make_user(session)
        for wrong in ("", "ABCD", "ABCD-EFG0", "AAAA-AAAA", raw[::-1]):
            with pytest.raises(ConsignmentError, match="认领码不正确或已使用") as error:
                services.claim_with_code(session=session, user=stranger, code=wrong)
            assert error.value.field == "code"
        assert session.get(Consignor, consignor.id).user_id is None  # type: ignore[union-attr]
        services.claim_with_code(session=session, user=resident, code=f" {raw.lower()} ")
        with pytest.raises(ConsignmentError, match="认领码不正确或已使用"):
            services.claim_with_code(session=session, user=stranger, code=code)
        session.expire_all()
        claimed = session.get(Consignor, consignor.id)
        assert claimed is not None
        assert (claimed.user_id, claimed.claim_code_hash) == (resident.id, None)


def test_a_new_intake_replaces_the_claim_code_and_staff_can_unlink_a_wrong_link(
    app: Flask,
) -> None:
    with app_session(app) as session:
        staff = staff_of_new_shop(session)
        first = take_in_with_code(app, session, staff).claim_code
        second = take_in_with_code(app, session, staff).claim_code
        assert first and second and first != second
        wrong_person, owner = make_user(session), make_user(session)
        with pytest.raises(ConsignmentError):
            services.claim_with_code(session=session, user=wrong_person, code=first)
        consignor = services.claim_with_code(session=session, user=wrong_person, code=second)
        other = staff_of_new_shop(session)
        with pytest.raises(NotShopStaff):
            services.unlink_consignor(session=session, staff=other, consignor_id=consignor.id or 0)
        fresh = services.unlink_consignor(
            session=session, staff=staff, consignor_id=consignor.id or 0
        )
        assert session.get(Consignor, consignor.id).user_id is None  # type: ignore[union-attr]
        with pytest.raises(ConsignmentError):  # a walk-in again: nothing to unlink
            services.unlink_consignor(session=session, staff=staff, consignor_id=consignor.id or 0)
        reissued = services.reissue_claim_code(
            session=session, staff=staff, consignor_id=consignor.id or 0
        )
        with pytest.raises(ConsignmentError):  # replaced by the reissued one
            services.claim_with_code(session=session, user=owner, code=fresh)
        assert services.claim_with_code(session=session, user=owner, code=reissued).user_id == (
            owner.id
        )


def test_intake_commits_once(app: Flask) -> None:
    with app_session(app) as session:
        staff = staff_of_new_shop(session)
        commits: list[int] = []
        sa.event.listen(session, "after_commit", lambda _s: commits.append(1))
        take_in(app, session, staff)
        assert len(commits) == 1


def test_ordinary_listing_actions_on_a_consigned_item_are_refused(app: Flask) -> None:
    with app_session(app) as session:
        staff = staff_of_new_shop(session)
        item = take_in(app, session, staff, now=datetime.now(UTC))
        listing_id = item.listing_id
        for action in (
            lambda: listings.withdraw_listing(session=session, listing_id=listing_id, user=staff),
            lambda: listings.renew_listing(session=session, listing_id=listing_id, user=staff),
            lambda: listings.update_description(
                session=session, listing_id=listing_id, user=staff, description="改了"
            ),
        ):
            with pytest.raises(ListingError, match="寄卖品请在柜台管理。"):
                action()
            session.rollback()
        session.expire_all()
        listing = session.get(Listing, listing_id)
        assert listing is not None
        assert (listing.status, listing.description) == ("active", "桌面轻微划痕。")


def test_a_reservation_takes_todays_marked_down_price(app: Flask) -> None:
    with app_session(app) as session:
        staff = staff_of_new_shop(session)
        item = take_in(app, session, staff, now=datetime.now(UTC) - timedelta(days=35))
        assert session.get(Listing, item.listing_id).price_fen == 128_800  # type: ignore[union-attr]
        reservation = trades.reserve_listing(
            session=session, listing_id=item.listing_id, buyer=make_user(session)
        )
        assert reservation.price_fen == 103_000


def test_a_trade_completing_on_a_consigned_item_that_may_not_be_sold_rolls_back(
    app: Flask,
) -> None:
    with app_session(app) as session:
        staff = staff_of_new_shop(session)
        item = take_in(app, session, staff, now=datetime.now(UTC))
        buyer = make_user(session)
        reservation = trades.reserve_listing(
            session=session, listing_id=item.listing_id, buyer=buyer
        )
        trades.confirm_handover(session=session, reservation_id=reservation.id or 0, user=buyer)
        item.status = ItemStatus.RETURNED.value  # e.g. the consignor took it back meanwhile
        session.add(item)
        session.commit()
        with pytest.raises(ItemNotForSale):
            trades.confirm_handover(session=session, reservation_id=reservation.id or 0, user=staff)
        session.rollback()
        session.expire_all()
        assert session.get(Reservation, reservation.id).status == "open"  # type: ignore[union-attr]
        assert session.get(Listing, item.listing_id).status == "reserved"  # type: ignore[union-attr]
        assert session.exec(select(func.count()).select_from(ConsignmentSale)).one() == 0


def test_a_counter_sale_sees_a_reservation_made_after_the_listing_was_loaded(app: Flask) -> None:
    with app_session(app) as session:
        staff = staff_of_new_shop(session)
        item = take_in(app, session, staff, now=datetime.now(UTC))
        stale = session.get(Listing, item.listing_id)
        assert stale is not None and stale.status == "active"
        # Another request reserves it; this session's object does not know.
        session.execute(
            sa.update(Listing)
            .where(col(Listing.id) == item.listing_id)
            .values(status="reserved")
            .execution_options(synchronize_session=False)
        )
        assert stale.status == "active"
        with pytest.raises(ItemNotForSale, match="已被线上预订"):
            lifecycle.sell_at_counter(session=session, staff=staff, item_id=item.id or 0)
        assert session.exec(select(func.count()).select_from(ConsignmentSale)).one() == 0


@pytest.mark.parametrize("tiers", ["500:nan", "nan:30", "500:inf", "500:-Infinity", "500:snan"])
def test_a_non_finite_shop_rule_is_refused(tiers: str) -> None:
    from market.consignment.forms import parse_pairs

    with pytest.raises(ConsignmentError, match="分成规则格式不对"):
        parse_pairs(tiers, money_key=True)
