"""Stall applications: apply, decide (approve / waitlist / reject), cancel, revoke, check in.

Every step that can free or take a stall locks the day's row first (`lock_day`), so two
organizers approving at once never hand out more stalls than the day has; the partial unique
index on (day, stall number) of approved applications backs that up in the database.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select

from market.accounts.models import User
from market.credit.services import user_grade
from market.db import utcnow
from market.fleamarkets.errors import Conflict, FleaMarketError, NotAllowed, NotFound, StallsFull
from market.fleamarkets.models import (
    ApplicationStatus,
    DayStatus,
    MarketDay,
    StallApplication,
    StallListing,
)
from market.fleamarkets.services import (
    Phase,
    clean_note,
    day_link,
    ensure_organizer,
    free_stall,
    get_day,
    lock_day,
    meets_grade,
    phase,
    promote_next,
    rolls_back,
)
from market.listings import devices
from market.listings.catalog import Status
from market.listings.models import Listing
from market.notifications import N_, notify

MAX_LISTINGS = 30
DECIDABLE = (ApplicationStatus.PENDING.value, ApplicationStatus.WAITLISTED.value)
LIVE = (*DECIDABLE, ApplicationStatus.APPROVED.value)
MESSAGES = {
    ApplicationStatus.APPROVED: N_("您在“%(market)s”的摊位申请已通过：第 %(stall)s 号摊位。"),
    ApplicationStatus.WAITLISTED: N_("您在“%(market)s”的摊位申请已列入候补。%(note)s"),
    ApplicationStatus.REJECTED: N_("您在“%(market)s”的摊位申请未通过。%(note)s"),
}


def _own_active_listings(
    session: Session, user: User, listing_ids: list[int], now: datetime
) -> list[int]:
    wanted = sorted(set(listing_ids))
    if not wanted:
        raise FleaMarketError(_l("请至少选择一件要带去的物品。"), field="listings")
    if len(wanted) > MAX_LISTINGS:
        raise FleaMarketError(_l("每个摊位最多登记%(n)d件物品。", n=MAX_LISTINGS), field="listings")
    rows = session.exec(select(Listing).where(col(Listing.id).in_(wanted))).all()
    good = [
        r
        for r in rows
        if r.owner_id == user.id
        and r.status == Status.ACTIVE.value
        and (r.expires_at is None or r.expires_at > now)
    ]
    if len(good) != len(wanted):
        raise FleaMarketError(_l("只能选择您自己正在出售的物品。"), field="listings")
    for row in good:  # a stall puts the item on show again: the same wipe gate as publishing
        if (refused := devices.refusal(session=session, listing=row)) is not None:
            raise FleaMarketError(
                _l("“%(title)s”：%(why)s", title=row.title, why=refused.message), field="listings"
            )
    return wanted


@rolls_back
def apply_for_stall(
    *,
    session: Session,
    user: User,
    day_id: int,
    listing_ids: list[int],
    config: Mapping[str, Any],
    now: datetime | None = None,
) -> StallApplication:
    """Apply for a stall with some of one's own active listings; one application per day.

    An applicant who cancelled may apply again before the deadline, at the back of the queue.
    """
    now = now or utcnow()
    day = get_day(session=session, day_id=day_id)
    if day.status != DayStatus.PUBLISHED:
        raise Conflict(_l("本场市集未开放申请。"))
    if now >= day.apply_by:
        raise Conflict(_l("摊位申请已截止。"))
    wanted = _own_active_listings(session, user, listing_ids, now)
    if day.min_grade:
        grade = user_grade(session=session, config=config, user_id=user.id or 0).grade
        if not meets_grade(grade, day.min_grade):
            raise FleaMarketError(
                _l(
                    "本场市集要求信用等级 %(min)s 及以上（A > B > N > C > D），"
                    "您当前为 %(grade)s。",
                    min=day.min_grade,
                    grade=grade,
                ),
                field="listings",
            )
    application = session.exec(
        select(StallApplication).where(
            StallApplication.market_day_id == day_id, StallApplication.applicant_id == user.id
        )
    ).first()
    if application is not None and application.status != ApplicationStatus.CANCELLED:
        raise Conflict(_l("您已申请过本场市集，每人每场只能申请一次。"))
    if application is None:
        application = StallApplication(market_day_id=day_id, applicant_id=user.id or 0)
    else:
        session.execute(
            sa.delete(StallListing).where(col(StallListing.application_id) == application.id)
        )
        application.status = ApplicationStatus.PENDING.value
        application.stall_no = None
        application.note = ""
        application.decided_at = application.cancelled_at = application.checked_in_at = None
    application.applied_at = now
    session.add(application)
    try:
        session.flush()
        for listing_id in wanted:
            session.add(StallListing(application_id=application.id or 0, listing_id=listing_id))
        session.commit()
    except IntegrityError as exc:
        session.rollback()
        raise Conflict(_l("您已申请过本场市集，每人每场只能申请一次。")) from exc
    return application


def _locked(session: Session, application_id: int) -> tuple[StallApplication, MarketDay]:
    found = session.get(StallApplication, application_id)
    if found is None:
        raise NotFound(_l("摊位申请不存在。"))
    day = lock_day(session=session, day_id=found.market_day_id)
    application = session.exec(
        select(StallApplication)
        .where(StallApplication.id == application_id)
        .execution_options(populate_existing=True)
    ).one()
    return application, day


def _open_for_changes(day: MarketDay, now: datetime) -> None:
    if day.status != DayStatus.PUBLISHED:
        raise Conflict(_l("本场市集未发布或已取消。"))
    if phase(day, now) is Phase.OVER:
        raise Conflict(_l("市集已结束。"))


@rolls_back
def decide(
    *,
    session: Session,
    user: User,
    application_id: int,
    decision: ApplicationStatus,
    note: str | None = None,
    now: datetime | None = None,
) -> StallApplication:
    """Approve (with the lowest free stall), waitlist or reject, and tell the applicant."""
    now = now or utcnow()
    if decision not in MESSAGES:
        raise FleaMarketError(_l("请选择批准、候补或拒绝。"), field="decision")
    application, day = _locked(session, application_id)
    ensure_organizer(user, day)
    _open_for_changes(day, now)
    text = clean_note(note)
    if application.status not in DECIDABLE or application.status == decision:
        raise Conflict(_l("这份申请当前不能这样处理。"))
    stall: int | None = None
    if decision is ApplicationStatus.APPROVED:
        stall = free_stall(session, day)
        if stall is None:
            session.rollback()
            raise StallsFull(_l("摊位已满（共 %(n)d 个），可先列入候补。", n=day.stalls))
    application.status = decision.value
    application.stall_no = stall
    application.note = text
    application.decided_at = now
    notify(
        session,
        user_id=application.applicant_id,
        message=MESSAGES[decision],
        params={"market": day.title, "stall": stall or "", "note": text},
        link=day_link(day),
    )
    try:
        session.commit()
    except IntegrityError as exc:
        session.rollback()
        raise StallsFull(_l("摊位已满（共 %(n)d 个），可先列入候补。", n=day.stalls)) from exc
    return application


@rolls_back
def cancel_application(
    *, session: Session, user: User, application_id: int, now: datetime | None = None
) -> StallApplication:
    """The applicant withdraws; a freed stall goes to the next on the waitlist."""
    now = now or utcnow()
    application, day = _locked(session, application_id)
    if application.applicant_id != user.id:
        raise NotAllowed(_l("只能取消自己的摊位申请。"))
    if application.status not in LIVE:
        raise Conflict(_l("这份申请已经结束，无需取消。"))
    if phase(day, now) is Phase.OVER:
        raise Conflict(_l("市集已结束。"))
    held = application.status == ApplicationStatus.APPROVED
    application.status = ApplicationStatus.CANCELLED.value
    application.cancelled_at = now
    session.flush()  # free the stall before it is given again
    if held:
        promote_next(session, day, now)
    session.commit()
    return application


@rolls_back
def revoke(
    *,
    session: Session,
    user: User,
    application_id: int,
    note: str | None = None,
    now: datetime | None = None,
) -> StallApplication:
    """The organizer takes back an approved stall; the next on the waitlist gets it."""
    now = now or utcnow()
    application, day = _locked(session, application_id)
    ensure_organizer(user, day)
    _open_for_changes(day, now)
    text = clean_note(note)
    if application.status != ApplicationStatus.APPROVED:
        raise Conflict(_l("只能取消已批准的摊位。"))
    application.status = ApplicationStatus.REVOKED.value
    application.note = text
    application.decided_at = now
    notify(
        session,
        user_id=application.applicant_id,
        message=N_("您在“%(market)s”的摊位已被组织方取消。%(note)s"),
        params={"market": day.title, "note": text},
        link=day_link(day),
    )
    session.flush()
    promote_next(session, day, now)
    session.commit()
    return application


@rolls_back
def check_in(
    *, session: Session, user: User, application_id: int, now: datetime | None = None
) -> StallApplication:
    """Record that an approved holder arrived; only on the day, once (the first time stays)."""
    now = now or utcnow()
    application, day = _locked(session, application_id)
    ensure_organizer(user, day)
    if day.status != DayStatus.PUBLISHED or phase(day, now) is not Phase.TODAY:
        raise Conflict(_l("只能在市集当天（收市前）签到。"))
    if application.status != ApplicationStatus.APPROVED:
        raise Conflict(_l("只有已批准的摊主可以签到。"))
    if application.checked_in_at is None:
        application.checked_in_at = now
    session.commit()
    return application
