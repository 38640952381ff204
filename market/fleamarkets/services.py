"""Market days: China-time hours, the phase of a day, the organizer check, create and edit.

A day is `upcoming` until 00:00 of its date in China time, `today` from then until it closes,
and `over` from its closing time on. Everything that changes with the day (who may apply,
check-in, whether a listing shows its stall) asks `phase`, so nothing needs a scheduled job.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime, time
from enum import StrEnum
from functools import wraps
from typing import ParamSpec, TypeVar

from flask_babel import lazy_gettext as _l
from sqlmodel import Session, col, func, select

from market import clock
from market.accounts.models import Role, User
from market.clock import CHINA, china_moment, china_today, in_china
from market.db import utcnow
from market.fleamarkets.errors import Conflict, FleaMarketError, NotAllowed, NotFound
from market.fleamarkets.models import (
    NOTE_MAX,
    PLACE_MAX,
    RULES_MAX,
    STALLS_MAX,
    TITLE_MAX,
    ApplicationStatus,
    DayStatus,
    MarketDay,
    StallApplication,
)
from market.notifications import N_, notify
from market.orgs.models import Organization, OrgKind
from market.streets import STREETS

# A change to any of these on a published day is news for every approved holder.
MOVING_FIELDS = ("market_date", "opens_at", "closes_at", "street", "place")
# From the lowest grade up. N (new: too little history) sits above C and below B: a
# newcomer has no confirmed record against them (a record would cap them at C or D) but
# has not yet earned B. So "at least N" keeps out only those with a bad record.
GRADE_ORDER = ("D", "C", "N", "B", "A")
MIN_GRADES = ("N", "B", "A")
P = ParamSpec("P")
R = TypeVar("R")


class Phase(StrEnum):
    UPCOMING = "upcoming"
    TODAY = "today"
    OVER = "over"


def day_start(day: MarketDay) -> datetime:
    return clock.day_start(day.market_date)


def day_end(day: MarketDay) -> datetime:
    return clock.day_end(day.market_date)


def phase(day: MarketDay, now: datetime | None = None) -> Phase:
    now = now or utcnow()
    if now >= day.closes_at:
        return Phase.OVER
    return Phase.TODAY if now >= day_start(day) else Phase.UPCOMING


def grade_rank(grade: str) -> int:
    return GRADE_ORDER.index(grade) if grade in GRADE_ORDER else 0


def meets_grade(grade: str, minimum: str | None) -> bool:
    return minimum is None or grade_rank(grade) >= grade_rank(minimum)


def rolls_back(step: Callable[P, R]) -> Callable[P, R]:
    """End the transaction (and its locks) when a step is refused, so nothing half-done stays."""

    @wraps(step)
    def wrapped(*args: P.args, **kwargs: P.kwargs) -> R:
        try:
            return step(*args, **kwargs)
        except FleaMarketError:
            session = kwargs["session"]
            assert isinstance(session, Session)
            session.rollback()
            raise

    return wrapped


def get_day(*, session: Session, day_id: int) -> MarketDay:
    day = session.get(MarketDay, day_id)
    if day is None:
        raise NotFound(_l("市集不存在。"))
    return day


def lock_day(*, session: Session, day_id: int) -> MarketDay:
    """The day, its row locked until commit: every change to its stalls goes through here.

    PostgreSQL queues the second writer on this row lock; SQLite already holds the database
    write lock from BEGIN IMMEDIATE. Either way the stall count is read after the other
    writer committed.
    """
    day = session.exec(
        select(MarketDay)
        .where(MarketDay.id == day_id)
        .with_for_update()
        .execution_options(populate_existing=True)
    ).first()
    if day is None:
        raise NotFound(_l("市集不存在。"))
    return day


def ensure_organizer(user: User, day: MarketDay) -> None:
    """The one check that a user runs this day: its organization's organizer, or an admin."""
    if user.role_enum is Role.ADMIN:
        return
    if user.role_enum is not Role.MARKET_ORGANIZER or user.organization_id != day.organization_id:
        raise NotAllowed(_l("只有本场市集的组织方可以进行此操作。"))


def organization_of(*, session: Session, day: MarketDay) -> Organization | None:
    return session.get(Organization, day.organization_id)


def organizer_day(*, session: Session, user: User, day_id: int) -> MarketDay:
    day = get_day(session=session, day_id=day_id)
    ensure_organizer(user, day)
    return day


@dataclass
class DayInput:
    """What an organizer fills in; hours and the deadline are China wall-clock times."""

    title: str
    market_date: date | None
    opens: time | None
    closes: time | None
    apply_by: datetime | None  # naive, China time
    street: str
    place: str
    stalls: int | None
    fee_fen: int
    rules: str = ""
    min_grade: str | None = None
    status: str = DayStatus.DRAFT.value


def _check(data: DayInput, now: datetime, day: MarketDay | None) -> dict[str, object]:
    title = " ".join(data.title.split())
    if not title or len(title) > TITLE_MAX:
        raise FleaMarketError(_l("请填写市集名称（最多%(n)d个字）。", n=TITLE_MAX), field="title")
    if data.market_date is None:
        raise FleaMarketError(_l("请填写市集日期。"), field="market_date")
    if (day is None or data.market_date != day.market_date) and data.market_date < china_today(now):
        raise FleaMarketError(_l("市集日期不能早于今天。"), field="market_date")
    if data.opens is None or data.closes is None:
        raise FleaMarketError(_l("请填写开市和收市时间。"), field="opens")
    if data.closes <= data.opens:
        raise FleaMarketError(_l("收市时间须晚于开市时间。"), field="closes")
    if data.apply_by is None:
        raise FleaMarketError(_l("请填写申请截止时间。"), field="apply_by")
    apply_by = data.apply_by.replace(tzinfo=CHINA).astimezone(UTC)
    if apply_by >= china_moment(data.market_date, time(0, 0)):
        raise FleaMarketError(_l("申请截止时间须早于市集当天。"), field="apply_by")
    if (day is None or apply_by != day.apply_by) and apply_by <= now:
        raise FleaMarketError(_l("申请截止时间不能早于现在。"), field="apply_by")
    if data.street not in STREETS:
        raise FleaMarketError(_l("请选择南开区的街道。"), field="street")
    place = data.place.strip()
    if not place or len(place) > PLACE_MAX:
        raise FleaMarketError(_l("请填写举办地点（最多%(n)d个字）。", n=PLACE_MAX), field="place")
    if data.stalls is None or not 1 <= data.stalls <= STALLS_MAX:
        raise FleaMarketError(_l("摊位数须在 1 到 %(n)d 之间。", n=STALLS_MAX), field="stalls")
    if data.fee_fen < 0:
        raise FleaMarketError(_l("摊位费不能为负数。"), field="fee")
    rules = data.rules.strip()
    if len(rules) > RULES_MAX:
        raise FleaMarketError(_l("规则最多%(n)d个字。", n=RULES_MAX), field="rules")
    if data.min_grade not in (None, *MIN_GRADES):
        raise FleaMarketError(_l("请选择有效的信用等级要求。"), field="min_grade")
    if data.status not in {s.value for s in DayStatus}:
        raise FleaMarketError(_l("请选择有效的状态。"), field="status")
    return {
        "title": title,
        "market_date": data.market_date,
        "opens_at": china_moment(data.market_date, data.opens),
        "closes_at": china_moment(data.market_date, data.closes),
        "apply_by": apply_by,
        "street": data.street,
        "place": place,
        "stalls": data.stalls,
        "fee_fen": data.fee_fen,
        "rules": rules,
        "min_grade": data.min_grade,
        "status": data.status,
    }


@rolls_back
def create_day(
    *, session: Session, user: User, data: DayInput, now: datetime | None = None
) -> MarketDay:
    """Create a market day for the organizer's organization (a draft unless published)."""
    now = now or utcnow()
    org = session.get(Organization, user.organization_id) if user.organization_id else None
    if org is None or org.kind != OrgKind.FLEA_MARKET_ORGANIZER.value:
        raise NotAllowed(_l("只有跳蚤市场组织方可以创建市集。"))
    values = _check(data, now, None)
    if values["status"] == DayStatus.CANCELLED.value:
        raise FleaMarketError(_l("新建的市集不能是“已取消”。"), field="status")
    day = MarketDay(organization_id=org.id or 0, created_by=user.id or 0, **values)  # type: ignore[arg-type]
    session.add(day)
    session.commit()
    return day


def _count(session: Session, day_id: int, *statuses: str) -> int:
    return session.exec(
        select(func.count())
        .select_from(StallApplication)
        .where(
            StallApplication.market_day_id == day_id,
            col(StallApplication.status).in_(statuses),
        )
    ).one()


@rolls_back
def update_day(
    *, session: Session, user: User, day_id: int, data: DayInput, now: datetime | None = None
) -> MarketDay:
    """Edit a day; cancelling it tells everyone still applying or holding a stall."""
    now = now or utcnow()
    day = lock_day(session=session, day_id=day_id)
    ensure_organizer(user, day)
    if day.status == DayStatus.CANCELLED:
        raise Conflict(_l("已取消的市集不能再修改。"))
    if phase(day, now) is Phase.OVER:
        raise Conflict(_l("市集已结束，不能再修改。"))
    values = _check(data, now, day)
    day_id = day.id or 0
    highest = _highest_approved_stall(session, day_id)
    if highest is not None and int(values["stalls"]) < highest:  # type: ignore[call-overload]
        raise FleaMarketError(
            _l(
                "第 %(stall)d 号摊位已批准给摊主，摊位数不能少于 %(stall)d；"
                "如需减少，请先取消该摊位。",
                stall=highest,
            ),
            field="stalls",
        )
    if (
        day.status == DayStatus.PUBLISHED
        and values["status"] == DayStatus.DRAFT.value
        and _count(session, day_id, *(s.value for s in ApplicationStatus))
    ):
        raise FleaMarketError(
            _l("已有摊位申请，不能改回草稿；如需停办请取消市集。"), field="status"
        )
    cancelling = values["status"] == DayStatus.CANCELLED.value
    moved = day.status == DayStatus.PUBLISHED and any(
        getattr(day, name) != values[name] for name in MOVING_FIELDS
    )
    for name, value in values.items():
        setattr(day, name, value)
    day.updated_at = now
    if cancelling:
        _tell_cancelled(session, day)
    else:
        if moved:
            _tell_moved(session, day)
        while promote_next(session, day, now) is not None:  # more stalls: the waitlist moves up
            session.flush()
    session.commit()
    return day


def _highest_approved_stall(session: Session, day_id: int) -> int | None:
    return session.exec(
        select(func.max(StallApplication.stall_no)).where(
            StallApplication.market_day_id == day_id,
            StallApplication.status == ApplicationStatus.APPROVED.value,
        )
    ).one()


def _holders(session: Session, day: MarketDay) -> list[StallApplication]:
    return list(
        session.exec(
            select(StallApplication).where(
                StallApplication.market_day_id == day.id,
                StallApplication.status == ApplicationStatus.APPROVED.value,
            )
        )
    )


def _tell_moved(session: Session, day: MarketDay) -> None:
    """Approved holders hear of a new date, new hours or a new place of a published day."""
    opens, closes = in_china(day.opens_at), in_china(day.closes_at)
    for holder in _holders(session, day):
        notify(
            session,
            user_id=holder.applicant_id,
            message=N_(
                "“%(market)s”的时间或地点有变：%(date)s %(hours)s，%(place)s；"
                "您的第 %(stall)s 号摊位不变。"
            ),
            params={
                "market": day.title,
                "date": day.market_date.isoformat(),
                "hours": f"{opens:%H:%M}–{closes:%H:%M}",
                "place": day.place,
                "stall": holder.stall_no,
            },
            link=day_link(day),
        )


def day_link(day: MarketDay) -> str:
    return f"/markets/{day.id}"


def free_stall(session: Session, day: MarketDay) -> int | None:
    """The lowest stall number no approved holder has, or None when the day is full.

    Full means as many holders as stalls, whatever their numbers (a count lowered under an
    old number must not let one more in).
    """
    taken = set(
        session.exec(
            select(StallApplication.stall_no).where(
                StallApplication.market_day_id == day.id,
                StallApplication.status == ApplicationStatus.APPROVED.value,
            )
        )
    )
    if len(taken) >= day.stalls:
        return None
    return next((n for n in range(1, day.stalls + 1) if n not in taken), None)


def promote_next(session: Session, day: MarketDay, now: datetime) -> StallApplication | None:
    """Give a free stall to the first on the waitlist (by application time) and tell them."""
    if day.status != DayStatus.PUBLISHED or phase(day, now) is Phase.OVER:
        return None
    stall = free_stall(session, day)
    if stall is None:
        return None
    first = session.exec(
        select(StallApplication)
        .where(
            StallApplication.market_day_id == day.id,
            StallApplication.status == ApplicationStatus.WAITLISTED.value,
        )
        .order_by(col(StallApplication.applied_at), col(StallApplication.id))
    ).first()
    if first is None:
        return None
    first.status = ApplicationStatus.APPROVED.value
    first.stall_no = stall
    first.decided_at = now
    session.add(first)
    notify(
        session,
        user_id=first.applicant_id,
        message=N_("有摊位空出，您已从候补转为正式：“%(market)s”第 %(stall)s 号摊位。"),
        params={"market": day.title, "stall": stall},
        link=day_link(day),
    )
    return first


def _tell_cancelled(session: Session, day: MarketDay) -> None:
    live = (ApplicationStatus.PENDING, ApplicationStatus.APPROVED, ApplicationStatus.WAITLISTED)
    rows = session.exec(
        select(StallApplication).where(
            StallApplication.market_day_id == day.id,
            col(StallApplication.status).in_([s.value for s in live]),
        )
    )
    for row in rows:
        notify(
            session,
            user_id=row.applicant_id,
            message=N_("“%(market)s”已取消，您的摊位申请随之作废。"),
            params={"market": day.title},
            link=f"/markets/{day.id}",
        )


def clean_note(note: str | None) -> str:
    text = " ".join((note or "").split())
    if len(text) > NOTE_MAX:
        raise FleaMarketError(_l("备注最多%(n)d个字。", n=NOTE_MAX), field="note")
    return text
