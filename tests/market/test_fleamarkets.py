"""Flea-market days: validation, applications, decisions, waitlist, concurrency, the day."""

from __future__ import annotations

import threading
from collections import Counter
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

import pytest
import sqlalchemy as sa
from flask import Flask
from flask.testing import FlaskClient
from sqlmodel import Session, func, select

from market.accounts.models import Role, User
from market.clock import CHINA, china_moment, china_today
from market.db import get_engine, utcnow
from market.fleamarkets import applications, queries, services
from market.fleamarkets.errors import Conflict, FleaMarketError, NotAllowed, StallsFull
from market.fleamarkets.models import ApplicationStatus, MarketDay, StallApplication
from market.fleamarkets.services import DayInput
from market.listings.models import Listing
from market.notifications import Notification
from market.trades.models import Reservation
from tests.builders import app_session, make_listing, make_user
from tests.support.auth import AuthActions, LoginAs, csrf_token

APPROVE = ApplicationStatus.APPROVED
WAITLIST = ApplicationStatus.WAITLISTED
REJECT = ApplicationStatus.REJECTED


def _input(market_date: date | None = None, **overrides: Any) -> DayInput:
    when = market_date or china_today(utcnow()) + timedelta(days=7)
    fields: dict[str, Any] = {
        "title": "长虹公园周末跳蚤市场",
        "market_date": when,
        "opens": time(9, 0),
        "closes": time(12, 0),
        "apply_by": datetime.combine(when - timedelta(days=2), time(18, 0)),
        "street": "长虹",
        "place": "长虹公园东门广场",
        "stalls": 3,
        "fee_fen": 0,
        "rules": "请自带桌布，不售食品。",
        "min_grade": None,
        "status": "published",
    }
    fields.update(overrides)
    return DayInput(**fields)


def _organizer(session: Session, **overrides: Any) -> User:
    return make_user(session, role=Role.MARKET_ORGANIZER, display_name="赵组织", **overrides)


def _day(
    session: Session, organizer: User, *, now: datetime | None = None, **overrides: Any
) -> MarketDay:
    return services.create_day(session=session, user=organizer, data=_input(**overrides), now=now)


def _past_day(session: Session, organizer: User, days_ago: int = 3) -> tuple[MarketDay, datetime]:
    """A day that is over, and a moment before its deadline to act in."""
    when = china_today(utcnow()) - timedelta(days=days_ago)
    before = china_moment(when - timedelta(days=5), time(10, 0))
    return _day(session, organizer, now=before, market_date=when), before


def _apply(
    app: Flask, session: Session, user: User, day: MarketDay, listing_ids: list[int], **kw: Any
) -> StallApplication:
    return applications.apply_for_stall(
        session=session,
        user=user,
        day_id=day.id or 0,
        listing_ids=listing_ids,
        config=app.config,
        **kw,
    )


def _resident_with_listing(session: Session, **listing: Any) -> tuple[User, int]:
    user = make_user(session)
    return user, make_listing(session, user, **listing).id or 0


def _notes(session: Session, user: User) -> list[Notification]:
    return list(session.exec(select(Notification).where(Notification.user_id == user.id)))


def _count(session: Session, model: type[Any]) -> int:
    return session.exec(select(func.count()).select_from(model)).one()


# --- validation -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("overrides", "field", "message"),
    [
        ({"market_date": date(2020, 1, 4)}, "market_date", "市集日期不能早于今天"),
        ({"opens": time(12, 0), "closes": time(9, 0)}, "closes", "收市时间须晚于开市时间"),
        ({"opens": time(9, 0), "closes": time(9, 0)}, "closes", "收市时间须晚于开市时间"),
        ({"stalls": 0}, "stalls", "摊位数须在 1 到 500 之间"),
        ({"stalls": 501}, "stalls", "摊位数须在 1 到 500 之间"),
        ({"street": "浦东"}, "street", "请选择南开区的街道"),
        ({"place": "  "}, "place", "请填写举办地点"),
        ({"title": ""}, "title", "请填写市集名称"),
        ({"fee_fen": -1}, "fee", "摊位费不能为负数"),
        ({"min_grade": "C"}, "min_grade", "请选择有效的信用等级要求"),
    ],
)
def test_a_market_day_with_bad_input_is_refused_with_a_chinese_message(
    ctx: Session, overrides: dict[str, Any], field: str, message: str
) -> None:
    organizer = _organizer(ctx)
    with pytest.raises(FleaMarketError) as refused:
        _day(ctx, organizer, **overrides)
    assert refused.value.field == field
    assert message in str(refused.value.message)
    assert _count(ctx, MarketDay) == 0


def test_the_application_deadline_must_fall_before_the_day_and_after_now(ctx: Session) -> None:
    organizer = _organizer(ctx)
    when = china_today(utcnow()) + timedelta(days=7)
    for apply_by, message in [
        (datetime.combine(when, time(8, 0)), "申请截止时间须早于市集当天"),
        (datetime.combine(when - timedelta(days=30), time(8, 0)), "申请截止时间不能早于现在"),
    ]:
        with pytest.raises(FleaMarketError) as refused:
            _day(ctx, organizer, market_date=when, apply_by=apply_by)
        assert refused.value.field == "apply_by"
        assert message in str(refused.value.message)
    assert _count(ctx, MarketDay) == 0


def test_hours_are_china_time_stored_in_utc(ctx: Session) -> None:
    day = _day(ctx, _organizer(ctx), market_date=china_today(utcnow()) + timedelta(days=10))
    assert day.opens_at.tzinfo is not None
    assert day.opens_at.astimezone(CHINA).time() == time(9, 0)
    assert day.opens_at.astimezone(UTC).time() == time(1, 0)  # UTC+8, no daylight saving
    assert day.fee_fen == 0


def test_the_stall_count_cannot_drop_below_the_approved_stalls(app: Flask, ctx: Session) -> None:
    organizer = _organizer(ctx)
    day = _day(ctx, organizer)
    for _ in range(2):
        user, listing_id = _resident_with_listing(ctx)
        a = _apply(app, ctx, user, day, [listing_id])
        applications.decide(session=ctx, user=organizer, application_id=a.id or 0, decision=APPROVE)
    with pytest.raises(FleaMarketError) as refused:
        services.update_day(
            session=ctx,
            user=organizer,
            day_id=day.id or 0,
            data=_input(day.market_date, stalls=1),
        )
    assert "第 2 号摊位已批准" in str(refused.value.message)
    assert ctx.get(MarketDay, day.id).stalls == 3  # type: ignore[union-attr]


def _holders(app: Flask, ctx: Session, organizer: User, day: MarketDay, n: int) -> list[int]:
    ids = []
    for _ in range(n):
        user, listing_id = _resident_with_listing(ctx)
        ids.append(_apply(app, ctx, user, day, [listing_id]).id or 0)
    return ids


def _approve(ctx: Session, organizer: User, application_id: int) -> StallApplication:
    return applications.decide(
        session=ctx, user=organizer, application_id=application_id, decision=APPROVE
    )


def test_the_stall_count_cannot_drop_below_the_highest_approved_stall_number(
    app: Flask, ctx: Session
) -> None:
    """Holders on 1, 2 and 9 of 10: cutting to 5 would leave stall 9 outside the day."""
    organizer = _organizer(ctx)
    day = _day(ctx, organizer, stalls=10)
    ids = _holders(app, ctx, organizer, day, 9)
    for application_id in ids:
        _approve(ctx, organizer, application_id)
    for application_id in ids[2:8]:  # stalls 3-8 given back: 1, 2 and 9 still held
        applications.revoke(session=ctx, user=organizer, application_id=application_id)
    held = ctx.exec(
        select(StallApplication.stall_no).where(StallApplication.status == "approved")
    ).all()
    assert sorted(held) == [1, 2, 9]  # type: ignore[type-var]
    with pytest.raises(FleaMarketError) as refused:
        services.update_day(
            session=ctx, user=organizer, day_id=day.id or 0, data=_input(day.market_date, stalls=5)
        )
    assert refused.value.field == "stalls"
    assert "第 9 号摊位" in str(refused.value.message)
    assert ctx.get(MarketDay, day.id).stalls == 10  # type: ignore[union-attr]
    services.update_day(
        session=ctx, user=organizer, day_id=day.id or 0, data=_input(day.market_date, stalls=9)
    )
    assert ctx.get(MarketDay, day.id).stalls == 9  # type: ignore[union-attr]


def test_approvals_count_holders_not_just_free_numbers(app: Flask, ctx: Session) -> None:
    """A day already short of its highest number (older data) still takes no more holders
    than it has stalls."""
    organizer = _organizer(ctx)
    day = _day(ctx, organizer, stalls=10)
    ids = _holders(app, ctx, organizer, day, 12)
    for application_id in ids[:9]:
        _approve(ctx, organizer, application_id)
    for application_id in ids[2:8]:
        applications.revoke(session=ctx, user=organizer, application_id=application_id)
    ctx.execute(sa.update(MarketDay).where(sa.column("id") == day.id).values(stalls=5))
    ctx.commit()
    outcomes = []
    for application_id in ids[9:]:
        try:
            outcomes.append(_approve(ctx, organizer, application_id).stall_no)
        except StallsFull:
            outcomes.append(None)
    assert outcomes == [3, 4, None]
    approved = ctx.exec(
        select(func.count())
        .select_from(StallApplication)
        .where(StallApplication.status == "approved")
    ).one()
    assert approved == 5


def test_more_stalls_promote_the_waitlist_in_order_and_tell_them(app: Flask, ctx: Session) -> None:
    organizer, day, held, waiting = _waitlist_scene(app, ctx)
    (later_user, later), (earlier_user, earlier) = waiting
    services.update_day(
        session=ctx, user=organizer, day_id=day.id or 0, data=_input(day.market_date, stalls=2)
    )
    ctx.expire_all()
    assert ctx.get(StallApplication, earlier.id).stall_no == 2  # type: ignore[union-attr]
    assert ctx.get(StallApplication, later.id).status == "waitlisted"  # type: ignore[union-attr]
    assert any("从候补转为正式" in n.message for n in _notes(ctx, earlier_user))
    services.update_day(
        session=ctx, user=organizer, day_id=day.id or 0, data=_input(day.market_date, stalls=5)
    )
    ctx.expire_all()
    promoted = ctx.get(StallApplication, later.id)
    assert promoted and promoted.status == "approved" and promoted.stall_no == 3
    notes = [n for n in _notes(ctx, later_user) if "从候补转为正式" in n.message]
    assert len(notes) == 1 and notes[0].params["stall"] == 3


def test_approved_holders_are_told_when_the_date_hours_or_place_change(
    app: Flask, ctx: Session
) -> None:
    organizer = _organizer(ctx)
    day = _day(ctx, organizer, stalls=1)
    holder, listing_id = _resident_with_listing(ctx)
    _approve(ctx, organizer, _apply(app, ctx, holder, day, [listing_id]).id or 0)
    waiter, other_listing = _resident_with_listing(ctx)
    waiting = _apply(app, ctx, waiter, day, [other_listing])
    applications.decide(
        session=ctx, user=organizer, application_id=waiting.id or 0, decision=WAITLIST
    )

    def moved(holder: User) -> list[Notification]:
        return [n for n in _notes(ctx, holder) if "时间或地点有变" in n.message]

    # Title and rules are no news for the holders.
    services.update_day(
        session=ctx, user=organizer, day_id=day.id or 0,
        data=_input(day.market_date, stalls=1, title="长虹公园冬季市集", rules="请自带桌子"),
    )  # fmt: skip
    assert moved(holder) == []
    first_date = day.market_date
    changes: list[dict[str, Any]] = [
        {"place": "长虹公园西门"},
        {"opens": time(10, 0)},
        {"closes": time(13, 0)},
        {"market_date": first_date + timedelta(days=1)},
    ]
    fields: dict[str, Any] = {"stalls": 1, "market_date": first_date}
    for change in changes:
        fields.update(change)
        services.update_day(session=ctx, user=organizer, day_id=day.id or 0, data=_input(**fields))
    told = moved(holder)
    assert len(told) == len(changes)
    last = told[-1]
    assert last.params["place"] == "长虹公园西门" and last.params["stall"] == 1
    assert last.params["hours"] == "10:00–13:00"
    assert last.params["date"] == (first_date + timedelta(days=1)).isoformat()
    assert last.link == f"/markets/{day.id}"
    assert moved(waiter) == []


# --- applying -------------------------------------------------------------------------------


def test_a_resident_applies_with_their_own_active_listings(app: Flask, ctx: Session) -> None:
    day = _day(ctx, _organizer(ctx))
    user, first = _resident_with_listing(ctx)
    second = make_listing(ctx, user).id or 0
    application = _apply(app, ctx, user, day, [first, second, first])
    assert application.status == "pending"
    entry = queries.entries(session=ctx, day_id=day.id or 0)[0]
    assert sorted(item.id or 0 for item in entry.listings) == sorted([first, second])


@pytest.mark.parametrize("case", ["none", "someone_elses", "reserved", "withdrawn", "expired"])
def test_only_own_active_listings_can_be_brought(app: Flask, ctx: Session, case: str) -> None:
    day = _day(ctx, _organizer(ctx))
    user = make_user(ctx)
    if case == "none":
        ids: list[int] = []
        message = "请至少选择一件"
    else:
        owner = make_user(ctx) if case == "someone_elses" else user
        extra: dict[str, Any] = {}
        if case in ("reserved", "withdrawn"):
            extra["status"] = case
        if case == "expired":
            extra["expires_at"] = utcnow() - timedelta(days=1)
        ids = [make_listing(ctx, owner, **extra).id or 0]
        message = "只能选择您自己正在出售的物品"
    with pytest.raises(FleaMarketError) as refused:
        _apply(app, ctx, user, day, ids)
    assert message in str(refused.value.message)
    assert _count(ctx, StallApplication) == 0


def test_applications_close_at_the_deadline(app: Flask, ctx: Session) -> None:
    day = _day(ctx, _organizer(ctx))
    user, listing_id = _resident_with_listing(ctx)
    with pytest.raises(Conflict) as refused:
        _apply(app, ctx, user, day, [listing_id], now=day.apply_by)
    assert "摊位申请已截止" in str(refused.value.message)
    assert _count(ctx, StallApplication) == 0


def test_a_draft_day_takes_no_applications(app: Flask, ctx: Session) -> None:
    day = _day(ctx, _organizer(ctx), status="draft")
    user, listing_id = _resident_with_listing(ctx)
    with pytest.raises(Conflict):
        _apply(app, ctx, user, day, [listing_id])


def test_one_application_per_resident_per_day(app: Flask, ctx: Session) -> None:
    day = _day(ctx, _organizer(ctx))
    user, listing_id = _resident_with_listing(ctx)
    first = _apply(app, ctx, user, day, [listing_id])
    with pytest.raises(Conflict) as refused:
        _apply(app, ctx, user, day, [listing_id])
    assert "每人每场只能申请一次" in str(refused.value.message)
    # Withdrawn, one may apply again, at the back of the queue.
    applications.cancel_application(session=ctx, user=user, application_id=first.id or 0)
    again = _apply(app, ctx, user, day, [listing_id])
    assert again.id == first.id and again.status == "pending"
    assert _count(ctx, StallApplication) == 1


class _Grade:
    def __init__(self, grade: str) -> None:
        self.grade = grade


@pytest.mark.parametrize(
    ("minimum", "grade", "accepted"),
    [
        ("N", "N", True),
        ("N", "C", False),
        ("N", "B", True),
        ("B", "N", False),
        ("B", "A", True),
        ("A", "B", False),
        (None, "D", True),
    ],
)
def test_the_minimum_credit_grade_is_checked_at_application(
    app: Flask,
    ctx: Session,
    monkeypatch: pytest.MonkeyPatch,
    minimum: str | None,
    grade: str,
    accepted: bool,
) -> None:
    day = _day(ctx, _organizer(ctx), min_grade=minimum)
    user, listing_id = _resident_with_listing(ctx)
    asked: list[int] = []

    def fake_grade(*, session: Session, config: Any, user_id: int) -> _Grade:
        asked.append(user_id)
        return _Grade(grade)

    monkeypatch.setattr(applications, "user_grade", fake_grade)
    if accepted:
        assert _apply(app, ctx, user, day, [listing_id]).status == "pending"
    else:
        with pytest.raises(FleaMarketError) as refused:
            _apply(app, ctx, user, day, [listing_id])
        assert f"要求信用等级 {minimum} 及以上" in str(refused.value.message)
        assert f"您当前为 {grade}" in str(refused.value.message)
        assert _count(ctx, StallApplication) == 0
    assert asked == ([user.id] if minimum else [])


def test_a_new_resident_is_n_and_meets_n_but_not_b(app: Flask, ctx: Session) -> None:
    organizer = _organizer(ctx)
    open_day = _day(ctx, organizer, min_grade="N")
    strict_day = _day(ctx, organizer, min_grade="B")
    user, listing_id = _resident_with_listing(ctx)
    assert _apply(app, ctx, user, open_day, [listing_id]).status == "pending"
    with pytest.raises(FleaMarketError) as refused:
        _apply(app, ctx, user, strict_day, [listing_id])
    assert "您当前为 N" in str(refused.value.message)


# --- decisions ------------------------------------------------------------------------------


def test_the_organizer_approves_waitlists_and_rejects_and_each_applicant_is_told(
    app: Flask, ctx: Session
) -> None:
    organizer = _organizer(ctx)
    day = _day(ctx, organizer)
    people = [_resident_with_listing(ctx) for _ in range(3)]
    apps = [_apply(app, ctx, user, day, [listing_id]) for user, listing_id in people]
    for application, decision in zip(apps, (APPROVE, WAITLIST, REJECT), strict=True):
        applications.decide(
            session=ctx,
            user=organizer,
            application_id=application.id or 0,
            decision=decision,
            note="桌子自带" if decision is REJECT else "",
        )
    approved, waitlisted, rejected = (ctx.get(StallApplication, a.id) for a in apps)
    assert approved and approved.status == "approved" and approved.stall_no == 1
    assert waitlisted and waitlisted.status == "waitlisted" and waitlisted.stall_no is None
    assert rejected and rejected.status == "rejected" and rejected.note == "桌子自带"
    told = [_notes(ctx, user) for user, _ in people]
    assert [len(n) for n in told] == [1, 1, 1]
    assert "已通过" in told[0][0].message and told[0][0].params["stall"] == 1
    assert told[0][0].link == f"/markets/{day.id}"
    assert "候补" in told[1][0].message
    assert "未通过" in told[2][0].message and told[2][0].params["note"] == "桌子自带"
    # A rejection is final.
    with pytest.raises(Conflict):
        applications.decide(
            session=ctx, user=organizer, application_id=apps[2].id or 0, decision=APPROVE
        )


def test_approvals_stop_at_the_stall_count(app: Flask, ctx: Session) -> None:
    organizer = _organizer(ctx)
    day = _day(ctx, organizer, stalls=1)
    people = [_resident_with_listing(ctx) for _ in range(2)]
    apps = [_apply(app, ctx, user, day, [listing_id]) for user, listing_id in people]
    applications.decide(
        session=ctx, user=organizer, application_id=apps[0].id or 0, decision=APPROVE
    )
    with pytest.raises(StallsFull) as refused:
        applications.decide(
            session=ctx, user=organizer, application_id=apps[1].id or 0, decision=APPROVE
        )
    assert "摊位已满" in str(refused.value.message)
    assert ctx.get(StallApplication, apps[1].id).status == "pending"  # type: ignore[union-attr]


def test_concurrent_approvals_never_overbook(app: Flask, ctx: Session) -> None:
    organizer = _organizer(ctx)
    day = _day(ctx, organizer, stalls=3)
    ids = []
    for _ in range(12):
        user, listing_id = _resident_with_listing(ctx)
        ids.append(_apply(app, ctx, user, day, [listing_id]).id or 0)
    barrier = threading.Barrier(len(ids))
    outcomes: list[str] = []
    lock = threading.Lock()

    def attempt(application_id: int) -> None:
        with app.app_context(), Session(get_engine(app), expire_on_commit=False) as session:
            barrier.wait()
            try:
                applications.decide(
                    session=session,
                    user=organizer,
                    application_id=application_id,
                    decision=APPROVE,
                )
                result = "approved"
            except StallsFull:
                result = "full"
            except Exception as exc:  # noqa: BLE001 - any other outcome fails the test below
                result = f"error: {exc!r}"
            with lock:
                outcomes.append(result)

    threads = [threading.Thread(target=attempt, args=(i,)) for i in ids]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    assert Counter(outcomes) == {"approved": 3, "full": 9}
    with app_session(app) as session:
        stalls = session.exec(
            select(StallApplication.stall_no).where(StallApplication.status == "approved")
        ).all()
        assert sorted(stalls) == [1, 2, 3]  # type: ignore[type-var]


def _waitlist_scene(
    app: Flask, ctx: Session
) -> tuple[User, MarketDay, StallApplication, list[tuple[User, StallApplication]]]:
    """One stall held; two on the waitlist whose application times run against their ids."""
    organizer = _organizer(ctx)
    day = _day(ctx, organizer, stalls=1)
    holder, listing_id = _resident_with_listing(ctx)
    held = _apply(app, ctx, holder, day, [listing_id])
    applications.decide(session=ctx, user=organizer, application_id=held.id or 0, decision=APPROVE)
    later_user, later_listing = _resident_with_listing(ctx)
    earlier_user, earlier_listing = _resident_with_listing(ctx)
    later = _apply(app, ctx, later_user, day, [later_listing], now=utcnow())
    earlier = _apply(
        app, ctx, earlier_user, day, [earlier_listing], now=utcnow() - timedelta(hours=1)
    )
    for a in (later, earlier):
        applications.decide(
            session=ctx, user=organizer, application_id=a.id or 0, decision=WAITLIST
        )
    return organizer, day, held, [(later_user, later), (earlier_user, earlier)]


def test_a_cancelled_stall_goes_to_the_first_on_the_waitlist_who_is_told(
    app: Flask, ctx: Session
) -> None:
    _, day, held, waiting = _waitlist_scene(app, ctx)
    (later_user, later), (earlier_user, earlier) = waiting
    holder = ctx.get(User, held.applicant_id)
    assert holder is not None
    applications.cancel_application(session=ctx, user=holder, application_id=held.id or 0)
    ctx.expire_all()
    promoted = ctx.get(StallApplication, earlier.id)
    assert promoted and promoted.status == "approved" and promoted.stall_no == 1
    assert ctx.get(StallApplication, later.id).status == "waitlisted"  # type: ignore[union-attr]
    assert ctx.get(StallApplication, held.id).status == "cancelled"  # type: ignore[union-attr]
    messages = [n.message for n in _notes(ctx, earlier_user)]
    assert any("从候补转为正式" in m for m in messages)
    assert not any("从候补转为正式" in n.message for n in _notes(ctx, later_user))


def test_an_organizer_revoking_a_stall_promotes_the_waitlist_too(app: Flask, ctx: Session) -> None:
    organizer, day, held, waiting = _waitlist_scene(app, ctx)
    applications.revoke(
        session=ctx, user=organizer, application_id=held.id or 0, note="未按规定提交物品清单"
    )
    ctx.expire_all()
    assert ctx.get(StallApplication, held.id).status == "revoked"  # type: ignore[union-attr]
    assert ctx.get(StallApplication, waiting[1][1].id).stall_no == 1  # type: ignore[union-attr]
    holder_notes = _notes(ctx, ctx.get(User, held.applicant_id))  # type: ignore[arg-type]
    assert any("被组织方取消" in n.message for n in holder_notes)


def test_only_the_applicant_cancels_their_application(app: Flask, ctx: Session) -> None:
    day = _day(ctx, _organizer(ctx))
    user, listing_id = _resident_with_listing(ctx)
    a = _apply(app, ctx, user, day, [listing_id])
    with pytest.raises(NotAllowed):
        applications.cancel_application(session=ctx, user=make_user(ctx), application_id=a.id or 0)


def test_cancelling_the_day_tells_every_live_applicant(app: Flask, ctx: Session) -> None:
    organizer = _organizer(ctx)
    day = _day(ctx, organizer)
    user, listing_id = _resident_with_listing(ctx)
    _apply(app, ctx, user, day, [listing_id])
    services.update_day(
        session=ctx,
        user=organizer,
        day_id=day.id or 0,
        data=_input(day.market_date, status="cancelled"),
    )
    assert any("已取消" in n.message for n in _notes(ctx, user))
    assert queries.upcoming(session=ctx) == []


# --- the day and after ----------------------------------------------------------------------


def test_a_listing_shows_its_stall_until_the_day_closes(app: Flask, ctx: Session) -> None:
    organizer = _organizer(ctx)
    day = _day(ctx, organizer)
    user, listing_id = _resident_with_listing(ctx, title="蓝色台灯")
    a = _apply(app, ctx, user, day, [listing_id])
    applications.decide(session=ctx, user=organizer, application_id=a.id or 0, decision=APPROVE)
    found = queries.current_stall(session=ctx, listing_id=listing_id)
    assert found is not None and found[0].id == day.id and found[1] == 1
    closing = day.closes_at
    assert queries.current_stall(session=ctx, listing_id=listing_id, now=closing) is None
    assert services.phase(day, closing - timedelta(minutes=1)) is services.Phase.TODAY
    assert services.phase(day, closing) is services.Phase.OVER


def test_after_the_day_the_page_keeps_the_history_and_listings_stay_ordinary(
    app: Flask, session: Session, client: FlaskClient
) -> None:
    organizer = _organizer(session)
    day, before = _past_day(session, organizer)
    user, listing_id = _resident_with_listing(session, title="旧书架 三层")
    a = _apply(app, session, user, day, [listing_id], now=before)
    applications.decide(
        session=session, user=organizer, application_id=a.id or 0, decision=APPROVE, now=before
    )
    page = client.get(f"/markets/{day.id}").get_data(as_text=True)
    assert "本场市集已结束" in page and "旧书架 三层" in page
    assert "申请摊位" not in page
    detail = client.get(f"/listings/{listing_id}").get_data(as_text=True)
    assert "旧书架 三层" in detail and "号摊位" not in detail
    assert day not in queries.upcoming(session=session)
    # Nothing about the listing itself changed: still on sale, still its own venue.
    session.expire_all()
    listing = session.get(Listing, listing_id)
    assert listing and listing.status == "active" and listing.venue == "online"
    # And once over, the holder can no longer cancel or be checked in.
    with app.app_context(), pytest.raises(Conflict):
        applications.cancel_application(session=session, user=user, application_id=a.id or 0)
    with app.app_context(), pytest.raises(Conflict):
        applications.check_in(session=session, user=organizer, application_id=a.id or 0)


def test_check_in_on_the_day_and_the_report_counts_that_days_trades(
    app: Flask, ctx: Session
) -> None:
    organizer = _organizer(ctx)
    when = china_today(utcnow()) + timedelta(days=7)
    day = _day(ctx, organizer, market_date=when)
    first, lamp = _resident_with_listing(ctx, title="台灯")
    shelf = make_listing(ctx, first, title="书架").id or 0
    second, radio = _resident_with_listing(ctx, title="收音机")
    _, not_brought = _resident_with_listing(ctx)
    apps = [_apply(app, ctx, first, day, [lamp, shelf]), _apply(app, ctx, second, day, [radio])]
    for a in apps:
        applications.decide(session=ctx, user=organizer, application_id=a.id or 0, decision=APPROVE)
    with pytest.raises(Conflict) as early:
        applications.check_in(session=ctx, user=organizer, application_id=apps[0].id or 0)
    assert "只能在市集当天" in str(early.value.message)
    at_ten = china_moment(when, time(10, 0))
    applications.check_in(session=ctx, user=organizer, application_id=apps[0].id or 0, now=at_ten)
    applications.check_in(
        session=ctx, user=organizer, application_id=apps[0].id or 0, now=at_ten + timedelta(hours=1)
    )
    checked = ctx.get(StallApplication, apps[0].id)
    assert checked and checked.checked_in_at == at_ten  # the first check-in stays
    buyer = make_user(ctx)
    for listing_id, status, completed in [
        (lamp, "completed", at_ten),  # counts
        (radio, "completed", china_moment(when, time(23, 30))),  # counts: same China date
        (shelf, "completed", china_moment(when, time(0, 0)) - timedelta(minutes=1)),  # day before
        (shelf, "cancelled", None),
        (not_brought, "completed", at_ten),  # not brought to the market
    ]:
        seller = first if listing_id in (lamp, shelf) else second
        ctx.add(
            Reservation(
                listing_id=listing_id,
                buyer_id=buyer.id or 0,
                seller_id=seller.id or 0,
                status=status,
                completed_at=completed,
            )
        )
    ctx.commit()
    numbers = queries.report(session=ctx, day=day)
    assert numbers == queries.Report(
        approved=2, checked_in=1, listings_brought=3, trades_completed=2
    )


# --- pages and access -----------------------------------------------------------------------


def test_residents_and_other_organizers_get_403_on_organizer_pages(
    app: Flask, session: Session, client: FlaskClient, login_as: LoginAs, auth: AuthActions
) -> None:
    organizer = _organizer(session)
    day = _day(session, organizer)
    user, listing_id = _resident_with_listing(session)
    a = _apply(app, session, user, day, [listing_id])
    paths = [
        f"/organize/markets/{day.id}",
        f"/organize/markets/{day.id}/edit",
        f"/organize/markets/{day.id}/checkin",
        f"/organize/markets/{day.id}/report",
    ]
    for intruder in (user, _organizer(session)):
        login_as(intruder)
        for path in paths:
            assert client.get(path).status_code == 403, (intruder.role, path)
        token = csrf_token(client, "/markets")
        for action in ("decide", "revoke", "checkin"):
            response = client.post(
                f"/organize/markets/applications/{a.id}/{action}",
                data={"csrf_token": token, "decision": "approve"},
            )
            assert response.status_code == 403, (intruder.role, action)
        auth.logout()
    assert session.get(StallApplication, a.id).status == "pending"  # type: ignore[union-attr]
    login_as(user)
    assert client.get("/organize/markets").status_code == 403
    assert client.get("/organize/markets/new").status_code == 403


def test_the_organizer_creates_a_day_through_the_form_and_bad_input_changes_nothing(
    app: Flask, session: Session, client: FlaskClient, login_as: LoginAs
) -> None:
    organizer = _organizer(session)
    login_as(organizer)
    when = china_today(utcnow()) + timedelta(days=9)
    form = {
        "csrf_token": csrf_token(client, "/organize/markets/new"),
        "title": "华苑社区跳蚤市场",
        "market_date": when.isoformat(),
        "opens": "09:00",
        "closes": "08:00",
        "apply_by": f"{(when - timedelta(days=1)).isoformat()}T20:00",
        "street": "华苑",
        "place": "华苑社区广场",
        "stalls": "40",
        "fee": "5",
        "min_grade": "N",
        "rules": "",
        "status": "published",
    }
    bad = client.post("/organize/markets/new", data=form)
    assert bad.status_code == 400
    assert "收市时间须晚于开市时间" in bad.get_data(as_text=True)
    assert _count(session, MarketDay) == 0
    session.rollback()  # end the read: SQLite's BEGIN IMMEDIATE would hold the write lock
    good = client.post("/organize/markets/new", data={**form, "closes": "12:30"})
    assert good.status_code == 302
    day = session.exec(select(MarketDay)).one()
    assert (day.stalls, day.fee_fen, day.min_grade, day.street) == (40, 500, "N", "华苑")
    assert day.organization_id == organizer.organization_id
    session.rollback()
    listing_page = client.get("/markets").get_data(as_text=True)
    assert "华苑社区跳蚤市场" in listing_page and "09:00–12:30" in listing_page


def test_the_public_page_lists_stalls_with_masked_holders_and_searches_within(
    app: Flask, session: Session, client: FlaskClient
) -> None:
    organizer = _organizer(session)
    day = _day(session, organizer)
    lamp_owner = make_user(session, display_name="钱多多")
    lamp = make_listing(session, lamp_owner, title="蓝色台灯", description="LED 护眼").id or 0
    shelf_owner = make_user(session, display_name="孙小美")
    shelf = make_listing(session, shelf_owner, title="旧书架", description="三层 100% 实木").id or 0
    for owner, listing_id in ((lamp_owner, lamp), (shelf_owner, shelf)):
        a = _apply(app, session, owner, day, [listing_id])
        applications.decide(
            session=session, user=organizer, application_id=a.id or 0, decision=APPROVE
        )
    page = client.get(f"/markets/{day.id}").get_data(as_text=True)
    assert "蓝色台灯" in page and "旧书架" in page
    assert "钱*" in page and "钱多多" not in page and "孙小美" not in page
    assert "请自带桌布" in page and "免费" in page
    found = client.get(f"/markets/{day.id}?q=台灯").get_data(as_text=True)
    assert "蓝色台灯" in found and "旧书架" not in found
    by_description = client.get(f"/markets/{day.id}?q=led").get_data(as_text=True)
    assert "蓝色台灯" in by_description and "旧书架" not in by_description
    literal = client.get(f"/markets/{day.id}?q=100%").get_data(as_text=True)
    assert "旧书架" in literal and "蓝色台灯" not in literal
    wildcard = client.get(f"/markets/{day.id}?q=_").get_data(as_text=True)
    assert "旧书架" not in wildcard and "蓝色台灯" not in wildcard
    detail = client.get(f"/listings/{lamp}").get_data(as_text=True)
    assert "第 1 号摊位" in detail and "长虹公园周末跳蚤市场" in detail


def test_a_resident_applies_through_the_page(
    app: Flask, session: Session, client: FlaskClient, login_as: LoginAs
) -> None:
    day = _day(session, _organizer(session))
    path = f"/markets/{day.id}"  # read now: after a rollback `day` would reload (and lock)
    user, listing_id = _resident_with_listing(session, title="儿童自行车")
    stranger_listing = make_listing(session, make_user(session)).id or 0
    login_as(user)
    form_page = client.get(f"{path}/apply").get_data(as_text=True)
    assert "儿童自行车" in form_page
    token = csrf_token(client, f"{path}/apply")
    refused = client.post(
        f"{path}/apply", data={"csrf_token": token, "listings": [str(stranger_listing)]}
    )
    assert refused.status_code == 400
    assert "只能选择您自己正在出售的物品" in refused.get_data(as_text=True)
    assert _count(session, StallApplication) == 0
    session.rollback()  # end the read: SQLite's BEGIN IMMEDIATE would hold the write lock
    ok = client.post(f"{path}/apply", data={"csrf_token": token, "listings": [str(listing_id)]})
    assert ok.status_code == 302
    assert "待审核" in client.get(path).get_data(as_text=True)


def test_a_draft_day_is_hidden_from_the_public(session: Session, client: FlaskClient) -> None:
    day = _day(session, _organizer(session), status="draft")
    assert client.get(f"/markets/{day.id}").status_code == 404
    assert "长虹公园周末跳蚤市场" not in client.get("/markets").get_data(as_text=True)


def test_the_report_page_draws_the_numbers(
    session: Session, client: FlaskClient, login_as: LoginAs
) -> None:
    organizer = _organizer(session)
    day = _day(session, organizer)
    login_as(organizer)
    page = client.get(f"/organize/markets/{day.id}/report").get_data(as_text=True)
    assert 'data-testid="report-chart"' in page and "<svg" in page
    assert 'data-testid="report-approved">0<' in page
