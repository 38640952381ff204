"""The regulator's desk and the subject's appeals and repair requests, through the real pages."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlmodel import Session, col, select
from werkzeug.routing import AnyConverter, IntegerConverter
from werkzeug.test import TestResponse

from credit.events import CreditEvent, org_subject
from market.accounts.models import Role, User
from market.credit import cases, queues
from market.credit import services as credit
from market.credit.case_models import CreditAccessLog, CreditCase
from market.credit.errors import CaseConflict, CaseError
from market.credit.models import CreditLedgerEntry, CreditLedgerHead, CreditPersonal
from market.db import utcnow
from market.orgs.models import OrgKind
from market.trades import services as trades
from market.trades.models import Report
from tests.builders import app_session, make_listing, make_organization, make_user
from tests.market.test_credit_ledger import SHOP_USCC, sell
from tests.support.auth import LoginAs, csrf_token

REASON = "现场核查属实，证据充分"
STATEMENT = "商品描述与实物一致，有照片为证。"


def key(app: Flask) -> bytes:
    return credit.key_from_config(app.config)


def subject_of(app: Flask, user: User) -> str:
    return credit.user_subject(user.id or 0, key(app))


def buyer(i: int) -> str:
    return "p:" + hashlib.sha256(f"regulator-test-buyer-{i}".encode()).hexdigest()


def seed_trades(session: Session, subject: str, count: int = 25, days_ago: float = 30) -> None:
    """Completed trades from distinct buyers, through the ledger's one entry point."""
    when = utcnow() - timedelta(days=days_ago)
    events = [
        CreditEvent(
            subject=subject,
            kind="trade_completed",
            weight=None,
            source="xunhuan",
            counterparty=buyer(i),
            occurred_at=when,
            evidence=f"seed:{i}",
            event_id=f"seed:{subject[2:10]}:{i}",
        )
        for i in range(count)
    ]
    credit.append_events(session, [(e, None) for e in events])
    session.commit()


def a_seller(app: Flask, session: Session, **fields: Any) -> User:
    seller = make_user(session, **fields)
    seed_trades(session, subject_of(app, seller))
    return seller


def rows(session: Session, query: Any) -> list[Any]:
    """Read fresh rows and end the transaction (SQLite: a transaction holds the write lock)."""
    out = list(session.exec(query.execution_options(populate_existing=True)))
    session.commit()
    return out


def one(session: Session, query: Any) -> Any:
    [row] = rows(session, query)
    return row


def standing(session: Session, subject: str) -> credit.Standing:
    st = credit.standing(session=session, subject=subject)
    session.commit()
    return st


def grade(app: Flask, session: Session, user: User) -> str:
    return standing(session, subject_of(app, user)).result.grade


def seq(session: Session) -> int:
    head = session.exec(select(CreditLedgerHead.seq)).one()
    session.commit()
    return head


def post(client: FlaskClient, path: str, **data: str) -> TestResponse:
    token = csrf_token(client, "/")
    return client.post(path, data={"csrf_token": token, **data})


def text(response: TestResponse) -> str:
    return response.get_data(as_text=True)


def open_pending(
    client: FlaskClient, subject: str, evidence: str = "市监罚字〔2026〕12号", **fields: str
) -> TestResponse:
    form = {
        "tier": "ordinary",
        "category": "misdescription",
        "months": "6",
        "evidence": evidence,
        "reason": REASON,
        **fields,
    }
    return post(client, f"/regulator/subjects/{subject}/findings", **form)


def pending_id(session: Session, subject: str) -> str:
    st = standing(session, subject)
    return next(r.finding_id for r in st.result.records if r.status == "pending")


def confirmed(
    app: Flask,
    session: Session,
    regulator: User,
    seller: User,
    at: datetime | None = None,
    evidence: str = "case-1",
) -> str:
    """A confirmed ordinary misdescription record against `seller`; its finding id."""
    when = at or utcnow()
    subject = subject_of(app, seller)
    with app.app_context():  # decisions check the regulator is not the subject (app's key)
        case = cases.open_finding(
            session=session,
            regulator=regulator,
            subject=subject,
            tier="ordinary",
            category="misdescription",
            months=12,
            evidence=evidence,
            reason=REASON,
            now=when,
        )
        done = cases.confirm_finding(
            session=session,
            regulator=regulator,
            subject=subject,
            event_id=case.target_event_id or "",
            reason=REASON,
            now=when,
        )
    return done.decision_event_id or ""


# -- access ---------------------------------------------------------------------------------


def regulator_rules(app: Flask) -> list[tuple[str, str]]:
    """Every (method, url) of the regulator blueprint: a new view is checked automatically."""
    adapter = app.url_map.bind("localhost")
    out = []
    for rule in app.url_map.iter_rules():
        if not rule.endpoint.startswith("regulator."):
            continue
        choices: list[dict[str, str]] = [{}]
        for arg in sorted(rule.arguments):
            converter = rule._converters[arg]
            if isinstance(converter, AnyConverter):  # every action: confirm and void ...
                options = sorted(converter.items)
            elif isinstance(converter, IntegerConverter):
                options = ["1"]
            else:
                options = ["p:" + "0" * 64]
            choices = [{**c, arg: o} for c in choices for o in options]
        for values in choices:
            url = adapter.build(rule.endpoint, values)
            out += [(m, url) for m in sorted((rule.methods or set()) - {"HEAD", "OPTIONS"})]
    return out


def test_every_regulator_url_is_for_regulators_only(
    app: Flask, client: FlaskClient, session: Session, login_as: LoginAs
) -> None:
    rules = regulator_rules(app)
    assert len(rules) >= 15 and ("GET", "/regulator/") in rules
    for method, url in rules:  # anonymous visitors are sent to log in
        response = post(client, url) if method == "POST" else client.get(url)
        assert response.status_code == 302, (method, url)
        assert response.headers["Location"].startswith("/account/login"), (method, url)
    for role in (Role.RESIDENT, Role.ADMIN):  # the marketplace's admins are not regulators
        login_as(make_user(session, role=role))
        for method, url in rules:
            response = post(client, url) if method == "POST" else client.get(url)
            assert response.status_code == 403, (role, method, url)
    for role in (Role.REGULATOR,):
        login_as(make_user(session, role=role))
        for method, url in rules:
            response = post(client, url) if method == "POST" else client.get(url)
            if method == "GET":
                assert response.status_code == 200, (role, url)
            else:  # refused for want of a reason or a case, but let in
                assert response.status_code in (400, 404, 409), (role, method, url)


def test_only_regulators_see_the_regulator_link(
    app: Flask, client: FlaskClient, session: Session, login_as: LoginAs
) -> None:
    login_as(make_user(session))
    assert 'data-testid="regulator-link"' not in text(client.get("/"))
    login_as(make_user(session, role=Role.REGULATOR))
    assert 'data-testid="regulator-link"' in text(client.get("/"))


def test_a_subject_is_masked_until_opened_with_a_reason_and_the_reason_is_logged(
    app: Flask, client: FlaskClient, session: Session, login_as: LoginAs
) -> None:
    seller = a_seller(app, session, display_name="王小明", identifier="13812345678")
    regulator = make_user(session, role=Role.REGULATOR)
    login_as(regulator)
    page = text(client.get("/regulator/search", query_string={"q": "13812345678"}))
    found = page.split('data-testid="search-results"')[1]  # the query itself is the page's
    assert "王**" in found and "138****5678" in found
    assert "王小明" not in page and "13812345678" not in found
    assert ">A<" in found  # the grade
    # A prefix finds nobody: prefix + the masked number's last four would give the number away.
    prefix = text(client.get("/regulator/search", query_string={"q": "1381234"}))
    assert "138****5678" not in prefix.split('data-testid="search-results"')[-1]
    subject = subject_of(app, seller)
    url = f"/regulator/subjects/{subject}"
    masked = text(client.get(url))
    assert "王**" in masked and "王小明" not in masked and "13812345678" not in masked

    refused = post(client, f"{url}/open", reason="看看")
    assert refused.status_code == 400
    assert "请填写理由（5至500个字符）。" in text(refused)
    assert rows(session, select(CreditAccessLog)) == []
    assert "王小明" not in text(refused)

    assert post(client, f"{url}/open", reason="核查举报 2026-118 号").status_code == 302
    log = one(session, select(CreditAccessLog))
    assert (log.regulator_user_id, log.subject, log.reason) == (
        regulator.id,
        subject,
        "核查举报 2026-118 号",
    )
    opened = text(client.get(url))
    assert "王小明" in opened and "13812345678" in opened and "核查举报 2026-118 号" in opened

    log.at = utcnow() - timedelta(minutes=31)  # the opening lasts 30 minutes
    session.add(log)
    session.commit()
    again = text(client.get(url))
    assert "王小明" not in again and "王**" in again
    other = make_user(session, role=Role.REGULATOR)  # and is this regulator's alone
    login_as(other)
    assert "王小明" not in text(client.get(url))


def test_search_finds_by_listing_id_name_organization_code_and_subject_ref(
    app: Flask, client: FlaskClient, session: Session, login_as: LoginAs
) -> None:
    seller = make_user(session, display_name="赵掌柜")
    listing = make_listing(session, seller)
    shop = make_organization(
        session, name="鼓楼寄卖店", kind=OrgKind.CONSIGNMENT_SHOP, uscc=SHOP_USCC
    )
    login_as(make_user(session, role=Role.REGULATOR))

    def results(q: str) -> str:
        return text(client.get("/regulator/search", query_string={"q": q}))

    subject = subject_of(app, seller)
    assert f"/regulator/subjects/{subject}" in results(str(listing.id))
    assert f"/regulator/subjects/{subject}" in results("掌柜")
    assert f"/regulator/subjects/{subject}" in results(subject)
    assert "赵**" in results("掌柜")
    assert f"/regulator/subjects/{org_subject(SHOP_USCC)}" in results(SHOP_USCC.lower())
    assert shop.name in results("鼓楼")
    assert "没有找到" in results("p:123")


# -- reasons --------------------------------------------------------------------------------


@pytest.mark.parametrize("reason", ["", "   ", "太短了", "长" * 501])
def test_a_decision_without_a_proper_reason_is_refused_and_writes_nothing(
    app: Flask, client: FlaskClient, session: Session, reason: str, login_as: LoginAs
) -> None:
    seller = a_seller(app, session)
    subject = subject_of(app, seller)
    login_as(make_user(session, role=Role.REGULATOR))
    assert open_pending(client, subject, evidence="case-0").status_code == 302
    before = seq(session)
    finding_id = pending_id(session, subject)
    for response in (
        open_pending(client, subject, reason=reason),
        post(client, f"/regulator/subjects/{subject}/confirm", event_id=finding_id, reason=reason),
        post(client, f"/regulator/subjects/{subject}/void", event_id=finding_id, reason=reason),
    ):
        assert response.status_code == 400
        assert "请填写理由（5至500个字符）。" in text(response)
    assert seq(session) == before
    assert len(rows(session, select(CreditCase))) == 1
    assert grade(app, session, seller) == "A"


def test_finding_input_is_checked_before_anything_is_written(
    app: Flask, client: FlaskClient, session: Session, login_as: LoginAs
) -> None:
    subject = subject_of(app, a_seller(app, session))
    login_as(make_user(session, role=Role.REGULATOR))
    before = seq(session)
    assert "公示期须在3至12个月之间。" in text(open_pending(client, subject, months="13"))
    assert "请选择认定类别。" in text(open_pending(client, subject, category="rude"))
    assert "请填写案卷编号" in text(open_pending(client, subject, evidence=" "))
    assert seq(session) == before
    # Whatever a regulator types as the document number stays out of the permanent chain.
    assert open_pending(client, subject, evidence="张三 13812345678").status_code == 302
    with app_session(app) as fresh:
        payloads = " ".join(fresh.exec(select(CreditLedgerEntry.payload)))
    assert "13812345678" not in payloads and "张三" not in payloads


# -- findings -------------------------------------------------------------------------------


def test_confirming_a_finding_drops_an_a_seller_to_c(
    app: Flask, client: FlaskClient, session: Session, login_as: LoginAs
) -> None:
    seller = a_seller(app, session)
    subject = subject_of(app, seller)
    assert grade(app, session, seller) == "A"
    login_as(make_user(session, role=Role.REGULATOR))
    assert open_pending(client, subject).status_code == 302
    assert grade(app, session, seller) == "A"  # a pending finding caps nothing
    queue = text(client.get("/regulator/findings"))
    assert "货不对板" in queue and "市监罚字〔2026〕12号" in queue
    finding_id = pending_id(session, subject)
    done = post(
        client, f"/regulator/subjects/{subject}/confirm", event_id=finding_id, reason=REASON
    )
    assert done.status_code == 302
    st = standing(session, subject)
    assert st.result.grade == "C"
    [record] = st.result.records
    assert (record.status, record.tier, record.category) == ("active", "ordinary", "misdescription")
    # The chain cites the case; the document number is kept beside it and shown to regulators.
    assert st.events[record.finding_id].evidence.startswith("xunhuan:case")
    assert "市监罚字〔2026〕12号" in text(client.get(f"/regulator/subjects/{subject}"))
    assert "没有待确认的认定" in text(client.get("/regulator/findings"))
    again = post(
        client, f"/regulator/subjects/{subject}/confirm", event_id=finding_id, reason=REASON
    )
    assert again.status_code == 409 and "没有这项待确认的认定" in text(again)
    page = text(client.get(f"/regulator/subjects/{subject}"))
    assert "公示中" in page and 'data-testid="credit-grade">C<' in page


def test_voiding_a_pending_finding_keeps_the_grade_and_closes_the_case(
    app: Flask, client: FlaskClient, session: Session, login_as: LoginAs
) -> None:
    seller = a_seller(app, session)
    subject = subject_of(app, seller)
    login_as(make_user(session, role=Role.REGULATOR))
    open_pending(client, subject)
    finding_id = pending_id(session, subject)
    assert "pending_finding" in standing(session, subject).result.reasons
    response = post(
        client, f"/regulator/subjects/{subject}/void", event_id=finding_id, reason="证据不足，撤销"
    )
    assert response.status_code == 302
    result = standing(session, subject).result
    assert result.grade == "A" and "pending_finding" not in result.reasons
    assert [r.status for r in result.records] == ["voided"]
    case = one(session, select(CreditCase))
    assert (case.status, case.decision, case.decision_reason) == (
        "closed",
        "voided",
        "证据不足，撤销",
    )


def test_a_partner_platforms_pending_finding_waits_in_the_queue(
    app: Flask, client: FlaskClient, session: Session, login_as: LoginAs
) -> None:
    seller = a_seller(app, session)
    subject = subject_of(app, seller)
    pushed = CreditEvent(
        subject=subject,
        kind="finding",
        weight=None,
        source="partner:7",
        counterparty=None,
        occurred_at=utcnow() - timedelta(hours=2),
        evidence="partner-case-99",
        event_id="partner:7:f99",
        detail="tier=ordinary;status=pending;category=counterfeit;months=6",
    )
    credit.append_events(session, [(pushed, None)])
    session.commit()
    regulator = make_user(session, role=Role.REGULATOR)
    login_as(regulator)
    queue = text(client.get("/regulator/findings"))
    assert "partner-case-99" in queue and "假冒商品" in queue
    response = post(
        client,
        f"/regulator/subjects/{subject}/confirm",
        event_id="partner:7:f99",
        reason=REASON,
        next="/regulator/findings",
    )
    assert response.headers["Location"] == "/regulator/findings"
    assert grade(app, session, seller) == "C"
    case = one(session, select(CreditCase))
    assert (case.target_event_id, case.decision, case.closed_by_user_id) == (
        "partner:7:f99",
        "confirmed",
        regulator.id,
    )


# -- appeals --------------------------------------------------------------------------------


def test_an_appeal_is_accepted_within_15_days_and_refused_after(
    app: Flask, session: Session
) -> None:
    regulator = make_user(session, role=Role.REGULATOR)
    seller = make_user(session)
    t0 = utcnow() - timedelta(days=40)
    late = confirmed(app, session, regulator, seller, at=t0, evidence="late")
    before = seq(session)
    with pytest.raises(CaseConflict, match="已超过15天申诉期"):
        cases.file_appeal(
            session=session,
            user=seller,
            key=key(app),
            finding_id=late,
            statement=STATEMENT,
            now=t0 + timedelta(days=15, minutes=1),
        )
    session.rollback()
    assert seq(session) == before
    timely = confirmed(app, session, regulator, seller, at=t0 + timedelta(days=1), evidence="ok")
    case = cases.file_appeal(
        session=session,
        user=seller,
        key=key(app),
        finding_id=timely,
        statement=STATEMENT,
        now=t0 + timedelta(days=15),
    )
    assert case.due_at == t0 + timedelta(days=30)
    assert case.target_event_id == timely and case.statement == STATEMENT
    with pytest.raises(CaseConflict, match="已申诉过"):
        cases.file_appeal(
            session=session,
            user=seller,
            key=key(app),
            finding_id=timely,
            statement=STATEMENT,
            now=t0 + timedelta(days=15, hours=1),
        )
    session.rollback()
    with pytest.raises(CaseError, match="10至1000"):
        cases.file_appeal(
            session=session,
            user=seller,
            key=key(app),
            finding_id=late,
            statement="冤枉",
            now=t0 + timedelta(days=2),
        )
    session.rollback()
    newest_first = select(CreditLedgerEntry).order_by(col(CreditLedgerEntry.seq).desc())
    entry = session.exec(newest_first).first()
    assert entry is not None and entry.event_id == f"xunhuan:case{case.id}:appeal"
    personal = session.get(CreditPersonal, entry.personal_ref or "")
    assert personal is not None and personal.data == {"statement": STATEMENT}


def test_an_appeal_shows_under_appeal_and_voiding_it_restores_the_grade(
    app: Flask, client: FlaskClient, session: Session, login_as: LoginAs
) -> None:
    regulator = make_user(session, role=Role.REGULATOR)
    seller = a_seller(app, session)
    finding_id = confirmed(app, session, regulator, seller)
    assert grade(app, session, seller) == "C"
    login_as(seller)
    mine = text(client.get("/my/credit"))
    assert "公示中" in mine and "申诉截止" in mine and "/my/credit/appeal?record=" in mine
    form_url = f"/my/credit/appeal?record={finding_id}"
    assert "申诉理由" in text(client.get(form_url))
    short = post(client, "/my/credit/appeal", record=finding_id, statement="不服")
    assert short.status_code == 400 and "请填写说明（10至1000个字符）。" in text(short)
    filed = post(client, "/my/credit/appeal", record=finding_id, statement=STATEMENT)
    assert filed.status_code == 302
    mine = text(client.get("/my/credit"))
    assert 'data-testid="under-appeal">申诉中<' in mine and "监管人员将于" in mine
    assert "/my/credit/appeal?record=" not in mine  # one appeal per record
    second = post(client, "/my/credit/appeal", record=finding_id, statement=STATEMENT)
    assert second.status_code == 409 and "已申诉过" in text(second)
    assert grade(app, session, seller) == "C"  # the record caps while under appeal

    login_as(regulator)
    queue = text(client.get("/regulator/appeals"))
    assert STATEMENT in queue and "剩余 14 天" in queue
    case = one(session, select(CreditCase).where(CreditCase.kind == "appeal"))
    answer = post(
        client, f"/regulator/appeals/{case.id}", decision="voided", reason="复查照片，描述属实"
    )
    assert answer.status_code == 302
    assert grade(app, session, seller) == "A"
    assert "没有待答复的申诉" in text(client.get("/regulator/appeals"))
    # The superseded pending finding does not come back to the queue.
    assert "没有待确认的认定" in text(client.get("/regulator/findings"))
    login_as(seller)
    mine = text(client.get("/my/credit"))
    assert "已撤销" in mine and "答复：撤销记录" in mine and "复查照片，描述属实" in mine
    assert 'data-testid="under-appeal"' not in mine and "待确认" not in mine


def test_the_appeals_queue_shows_overdue_appeals_in_words(
    app: Flask, client: FlaskClient, session: Session, login_as: LoginAs
) -> None:
    regulator = make_user(session, role=Role.REGULATOR)
    seller = make_user(session)
    t0 = utcnow() - timedelta(days=25)
    finding_id = confirmed(app, session, regulator, seller, at=t0)
    cases.file_appeal(
        session=session,
        user=seller,
        key=key(app),
        finding_id=finding_id,
        statement=STATEMENT,
        now=t0 + timedelta(days=5, hours=1),
    )
    login_as(regulator)
    assert "已逾期 5 天" in text(client.get("/regulator/appeals"))
    dashboard = text(client.get("/regulator/"))
    assert "已逾期 5 天" in dashboard and "<svg" in dashboard and "申诉 1" in dashboard


# -- disputes, repairs, reviews, reports ----------------------------------------------------------


def test_a_lost_unresolved_dispute_lowers_the_seller_and_the_shop(
    app: Flask, client: FlaskClient, session: Session, login_as: LoginAs
) -> None:
    shop = make_organization(session, kind=OrgKind.CONSIGNMENT_SHOP, uscc=SHOP_USCC)
    seller, buyer_user = make_user(session), make_user(session)
    reservation = sell(session, seller, buyer_user, venue=f"shop:{shop.id}")
    trades.open_dispute(
        session=session,
        reservation_id=reservation.id or 0,
        user=buyer_user,
        text="收到的相机镜头有霉斑，卖家不退。",
    )
    credit.deliver_all(session=session, key=key(app))
    subject = subject_of(app, seller)
    before = standing(session, subject).result.score
    regulator = make_user(session, role=Role.REGULATOR)
    login_as(regulator)
    assert "镜头有霉斑" in text(client.get("/regulator/disputes"))
    url = f"/regulator/disputes/{reservation.id}"
    assert post(client, url, outcome="lost_unresolved", reason="").status_code == 400
    assert post(client, url, outcome="guilty", reason=REASON).status_code == 400
    start = seq(session)
    assert post(client, url, outcome="lost_unresolved", reason=REASON).status_code == 302
    assert seq(session) == start + 2  # the seller and the shop
    assert standing(session, subject).result.score < before
    shop_events = standing(session, org_subject(SHOP_USCC)).events.values()
    assert [e.detail for e in shop_events if e.kind == "dispute_outcome"] == ["lost_unresolved"]
    assert "没有待处理的纠纷" in text(client.get("/regulator/disputes"))
    again = post(client, url, outcome="won", reason=REASON)
    assert again.status_code == 409 and "该纠纷已有结论" in text(again)
    assert seq(session) == start + 2


def test_repair_is_refused_before_the_minimum_period_and_granted_after(
    app: Flask, client: FlaskClient, session: Session, login_as: LoginAs
) -> None:
    regulator = make_user(session, role=Role.REGULATOR)
    seller = a_seller(app, session)
    t0 = utcnow() - timedelta(days=100)  # ordinary: repair from 3 months on
    finding_id = confirmed(app, session, regulator, seller, at=t0)
    before = seq(session)
    with pytest.raises(CaseConflict, match="起才可申请信用修复"):
        cases.request_repair(
            session=session,
            user=seller,
            key=key(app),
            finding_id=finding_id,
            statement="已全额退款并改正了商品描述。",
            now=t0 + timedelta(days=60),
        )
    session.rollback()
    assert rows(session, select(CreditCase).where(CreditCase.kind == "repair")) == []
    login_as(seller)
    mine = text(client.get("/my/credit"))
    assert "申请信用修复" in mine
    filed = post(
        client, "/my/credit/repair", record=finding_id, statement="已全额退款并改正了商品描述。"
    )
    assert filed.status_code == 302 and seq(session) == before  # a request decides nothing
    assert "等待答复" in text(client.get("/my/credit"))
    login_as(regulator)
    case = one(session, select(CreditCase).where(CreditCase.kind == "repair"))
    assert "已全额退款并改正了商品描述。" in text(client.get("/regulator/repairs"))
    assert (
        post(
            client, f"/regulator/repairs/{case.id}", decision="granted", reason="整改到位，准予修复"
        ).status_code
        == 302
    )
    st = standing(session, subject_of(app, seller))
    assert [r.status for r in st.result.records] == ["repaired"]
    assert st.result.grade == "A"
    login_as(seller)
    assert "答复：准予修复" in text(client.get("/my/credit"))


def test_a_refused_repair_changes_nothing_but_is_answered(
    app: Flask, client: FlaskClient, session: Session, login_as: LoginAs
) -> None:
    regulator = make_user(session, role=Role.REGULATOR)
    seller = a_seller(app, session)
    finding_id = confirmed(app, session, regulator, seller, at=utcnow() - timedelta(days=100))
    case = cases.request_repair(
        session=session,
        user=seller,
        key=key(app),
        finding_id=finding_id,
        statement="已全额退款并改正了商品描述。",
    )
    with app.app_context():
        cases.decide_repair(
            session=session,
            regulator=regulator,
            case_id=case.id or 0,
            decision="refused",
            reason="尚未退款，不予修复",
        )
    assert grade(app, session, seller) == "C"
    login_as(seller)
    mine = text(client.get("/my/credit"))
    assert "答复：不予修复" in mine and "尚未退款，不予修复" in mine
    assert "/my/credit/repair?record=" in mine  # may ask again


def held_seller(app: Flask, session: Session) -> User:
    """Twenty clean trades and three lost disputes: the formula says C, held at B."""
    seller = make_user(session)
    subject = subject_of(app, seller)
    seed_trades(session, subject, count=20, days_ago=10)
    disputes = [
        CreditEvent(
            subject=subject,
            kind="dispute_outcome",
            weight=None,
            source="xunhuan",
            counterparty=buyer(100 + i),
            occurred_at=utcnow() - timedelta(days=5),
            evidence=f"reservation:{i}",
            event_id=f"held:{subject[2:10]}:{i}",
            detail="lost_unresolved",
        )
        for i in range(3)
    ]
    credit.append_events(session, [(e, None) for e in disputes])
    session.commit()
    return seller


@pytest.mark.parametrize(("decision", "after"), [("confirmed", "C"), ("rejected", "B")])
def test_a_held_grade_waits_for_review_and_the_review_decides(
    app: Flask, client: FlaskClient, session: Session, decision: str, after: str, login_as: LoginAs
) -> None:
    seller = held_seller(app, session)
    subject = subject_of(app, seller)
    result = standing(session, subject).result
    assert (result.grade, result.formula_grade) == ("B", "C")
    login_as(make_user(session, role=Role.REGULATOR))
    assert f"/regulator/subjects/{subject}" in text(client.get("/regulator/reviews"))
    page = text(client.get(f"/regulator/subjects/{subject}"))
    assert 'data-testid="held-grade"' in page
    response = post(
        client,
        f"/regulator/subjects/{subject}/review",
        decision=decision,
        reason="核实三起纠纷均属实",
    )
    assert response.status_code == 302
    assert grade(app, session, seller) == after
    assert "没有等待复核的等级" in text(client.get("/regulator/reviews"))
    # Either answer stands: a second regulator cannot override a rejection within the period.
    login_as(make_user(session, role=Role.REGULATOR))
    again = post(
        client,
        f"/regulator/subjects/{subject}/review",
        decision="confirmed",
        reason="另一位监管人员想要改判",
    )
    assert again.status_code == 409
    assert grade(app, session, seller) == after


def _pending(subject: str, n: int, tier: str, evidence: str = "ORDER-1") -> CreditEvent:
    return CreditEvent(
        subject=subject,
        kind="finding",
        weight=None,
        source="partner:7",
        counterparty=None,
        occurred_at=utcnow() - timedelta(hours=n),
        evidence=evidence,
        event_id=f"partner:7:f{n}",
        detail=f"tier={tier};status=pending;category=fraud",
    )


def test_confirming_one_pending_finding_leaves_another_of_the_same_case_waiting(
    app: Flask, client: FlaskClient, session: Session, login_as: LoginAs
) -> None:
    subject = subject_of(app, a_seller(app, session))
    credit.append_events(
        session, [(_pending(subject, 1, "minor"), None), (_pending(subject, 2, "serious"), None)]
    )
    session.commit()
    login_as(make_user(session, role=Role.REGULATOR))
    post(client, f"/regulator/subjects/{subject}/confirm", event_id="partner:7:f1", reason=REASON)
    records = {r.finding_id: r.status for r in standing(session, subject).result.records}
    assert records["partner:7:f2"] == "pending"  # the serious one still waits for a decision
    assert "partner:7:f2" in text(client.get("/regulator/findings"))


def test_a_regulator_cannot_decide_a_case_about_themselves(
    app: Flask, client: FlaskClient, session: Session, login_as: LoginAs
) -> None:
    regulator = a_seller(app, session, role=Role.REGULATOR)
    subject = subject_of(app, regulator)
    credit.append_events(session, [(_pending(subject, 1, "ordinary"), None)])
    session.commit()
    before = seq(session)
    login_as(regulator)
    refused = post(
        client, f"/regulator/subjects/{subject}/void", event_id="partner:7:f1", reason=REASON
    )
    assert refused.status_code == 409 and "不能处理与本人有关的案件" in text(refused)
    assert seq(session) == before
    login_as(make_user(session, role=Role.REGULATOR))  # a colleague may
    assert (
        post(
            client, f"/regulator/subjects/{subject}/void", event_id="partner:7:f1", reason=REASON
        ).status_code
        == 302
    )
    assert seq(session) == before + 1


def test_a_report_becomes_a_pending_finding_or_is_dismissed(
    app: Flask, client: FlaskClient, session: Session, login_as: LoginAs
) -> None:
    seller, reporter = make_user(session), make_user(session)
    listing = make_listing(session, seller)
    reports = [
        Report(
            reporter_id=reporter.id or 0,
            listing_id=listing.id,
            reason="counterfeit",
            text=f"疑似假货{i}",
        )
        for i in range(2)
    ]
    session.add_all(reports)
    session.commit()
    login_as(make_user(session, role=Role.REGULATOR))
    assert "疑似假货0" in text(client.get("/regulator/reports"))
    before = seq(session)
    response = post(
        client,
        f"/regulator/reports/{reports[0].id}/finding",
        tier="minor",
        category="counterfeit",
        months="2",
        evidence=f"report:{reports[0].id}",
        reason=REASON,
    )
    assert response.status_code == 302 and seq(session) == before + 1
    assert post(client, f"/regulator/reports/{reports[1].id}/dismiss", reason="").status_code == 400
    assert (
        post(
            client, f"/regulator/reports/{reports[1].id}/dismiss", reason="照片显示为正品"
        ).status_code
        == 302
    )
    assert seq(session) == before + 1  # a dismissal changes no one's credit
    statuses = rows(session, select(Report.status).order_by(col(Report.id)))
    assert statuses == ["finding", "dismissed"]
    pending = queues.pending_findings(session)
    session.commit()
    assert [(p.subject, p.record.category) for p in pending] == [
        (subject_of(app, seller), "counterfeit")
    ]
    assert "没有待处理的举报" in text(client.get("/regulator/reports"))


# -- the ledger -----------------------------------------------------------------------------


def test_every_decision_is_one_entry_naming_the_regulator_and_the_reason(
    app: Flask, session: Session
) -> None:
    regulator = make_user(session, role=Role.REGULATOR)
    seller = a_seller(app, session)
    held = held_seller(app, session)
    subject = subject_of(app, seller)
    t0 = utcnow() - timedelta(days=100)
    reservation = sell(session, seller, make_user(session))
    trades.open_dispute(
        session=session, reservation_id=reservation.id or 0, user=seller, text="买家未付款。"
    )

    def decided(action: Callable[[str], object], reason: str) -> CreditEvent:
        before = seq(session)
        with app.app_context():
            action(reason)
        assert seq(session) == before + 1
        entry = one(session, select(CreditLedgerEntry).where(CreditLedgerEntry.seq == before + 1))
        event = CreditEvent.from_dict(json.loads(entry.payload)["event"])
        assert event.source == f"xunhuan/regulator/{regulator.id}"
        by_ref = select(CreditPersonal).where(CreditPersonal.ref == entry.personal_ref)
        personal = one(session, by_ref)
        assert {k: personal.data[k] for k in ("regulator_id", "reason")} == {
            "regulator_id": str(regulator.id),
            "reason": reason,
        }
        assert reason not in entry.payload  # the why sits beside the chain, never in it
        return event

    kw: dict[str, Any] = {"session": session, "regulator": regulator}
    opened = decided(
        lambda r: cases.open_finding(
            **kw,
            subject=subject,
            tier="ordinary",
            category="fraud",
            months=6,
            evidence="E-9",
            reason=r,
            now=t0,
        ),
        "立案理由一",
    )
    confirm = decided(
        lambda r: cases.confirm_finding(
            **kw, subject=subject, event_id=opened.event_id, reason=r, now=t0
        ),
        "确认理由二",
    )
    appeal = cases.file_appeal(
        session=session,
        user=seller,
        key=key(app),
        finding_id=confirm.event_id,
        statement=STATEMENT,
        now=t0 + timedelta(days=3),
    )
    decided(
        lambda r: cases.decide_appeal(
            **kw, case_id=appeal.id or 0, decision="upheld", reason=r, now=t0 + timedelta(days=4)
        ),
        "维持理由三",
    )
    repair = cases.request_repair(
        session=session, user=seller, key=key(app), finding_id=confirm.event_id, statement=STATEMENT
    )
    decided(
        lambda r: cases.decide_repair(**kw, case_id=repair.id or 0, decision="granted", reason=r),
        "修复理由四",
    )
    second = decided(
        lambda r: cases.open_finding(
            **kw,
            subject=subject,
            tier="minor",
            category="other",
            months=1,
            evidence="E-10",
            reason=r,
        ),
        "立案理由五",
    )
    decided(
        lambda r: cases.void_finding(**kw, subject=subject, event_id=second.event_id, reason=r),
        "撤销理由六",
    )
    decided(
        lambda r: cases.review_grade(
            **kw, subject=subject_of(app, held), decision="confirmed", reason=r
        ),
        "复核理由七",
    )
    decided(
        lambda r: cases.decide_dispute(
            **kw, reservation_id=reservation.id or 0, outcome="won", reason=r, key=key(app)
        ),
        "纠纷理由八",
    )
    closed = rows(session, select(CreditCase).where(CreditCase.status == "closed"))
    assert all(c.closed_by_user_id == regulator.id and c.decision_event_id for c in closed)
    assert len(closed) == 6
    assert credit.verify(session=session).ok


def test_forms_need_the_csrf_token_and_statements_are_escaped(
    app: Flask, client: FlaskClient, session: Session, login_as: LoginAs
) -> None:
    regulator = make_user(session, role=Role.REGULATOR)
    seller = a_seller(app, session)
    finding_id = confirmed(app, session, regulator, seller)
    login_as(seller)
    hostile = "<script>alert('x')</script> 描述属实，请复核"
    no_token = client.post("/my/credit/appeal", data={"record": finding_id, "statement": hostile})
    assert no_token.status_code == 400
    assert rows(session, select(CreditCase).where(CreditCase.kind == "appeal")) == []
    assert (
        post(client, "/my/credit/appeal", record=finding_id, statement=hostile).status_code == 302
    )
    login_as(regulator)
    queue = text(client.get("/regulator/appeals"))
    assert "<script>alert" not in queue and "&lt;script&gt;alert" in queue
    before = seq(session)
    case = one(session, select(CreditCase).where(CreditCase.kind == "appeal"))
    refused = client.post(
        f"/regulator/appeals/{case.id}", data={"decision": "voided", "reason": REASON}
    )
    assert refused.status_code == 400 and seq(session) == before


def test_an_organizations_page_shows_its_registration_and_its_address_once_opened(
    app: Flask, client: FlaskClient, session: Session, login_as: LoginAs
) -> None:
    make_organization(
        session,
        name="鼓楼寄卖店",
        kind=OrgKind.CONSIGNMENT_SHOP,
        uscc=SHOP_USCC,
        address="鼓楼街道1号",
    )
    make_organization(session, name="鼓楼旧书角", kind=OrgKind.SCHOOL)  # no code: no subject
    login_as(make_user(session, role=Role.REGULATOR))
    found = text(client.get("/regulator/search", query_string={"q": "鼓楼"}))
    assert "鼓楼寄卖店" in found and "鼓楼旧书角" in found and "没有信用主体" in found
    url = f"/regulator/subjects/{org_subject(SHOP_USCC)}"
    page = text(client.get(url))
    assert "鼓楼寄卖店" in page and SHOP_USCC in page and "鼓楼街道1号" not in page
    assert post(client, f"{url}/open", reason="核查门店地址").status_code == 302
    assert "鼓楼街道1号" in text(client.get(url))
    assert client.get("/regulator/subjects/o:123").status_code == 404
