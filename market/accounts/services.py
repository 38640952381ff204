"""Registering, authenticating and updating accounts."""

from __future__ import annotations

import logging
import math
import secrets
from datetime import datetime, timedelta

from flask_babel import gettext as _
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select
from sqlmodel.sql.expression import SelectOfScalar

from market.accounts import lockout, sessions
from market.accounts.errors import (
    AccountLocked,
    IdentifierTaken,
    InvalidCredentials,
    InvalidIdentifier,
)
from market.accounts.identifiers import has_foreign_digits, parse_identifier
from market.accounts.models import ROLE_ORG_KINDS, Role, User
from market.accounts.names import check_display_name
from market.accounts.password_policy import check_password
from market.accounts.passwords import hash_password, needs_rehash, verify_password
from market.accounts.sms import SmsSender
from market.db import utcnow
from market.notifications import N_, notify
from market.orgs.models import Organization
from market.streets import STREETS

logger = logging.getLogger(__name__)

LOCKED_NOTICE = N_(
    "您的账号连续多次登录失败，已暂时锁定。如果不是您本人在尝试，请修改密码；"
    "忘记密码可以用短信验证码重置。"
)
# Chinese on purpose: the text goes to a Chinese phone, whatever the page's language.
LOCKED_SMS = (
    "【循环】您的账号连续多次登录失败，已暂时锁定。如非本人操作，请登录后修改密码，"
    "或在登录页选择“忘记密码”重置。"
)


def find_by_identifier(*, session: Session, identifier: str) -> User | None:
    parsed = parse_identifier(identifier)
    if parsed is None:
        return None
    kind, value = parsed
    column = User.mobile if kind == "mobile" else User.email
    return session.exec(select(User).where(column == value)).first()


def every_user() -> SelectOfScalar[User]:
    """Every account, the oldest first: a statement, for a list shown a page at a time."""
    return select(User).order_by(col(User.id))


def check_new_account(
    *,
    session: Session,
    identifier: str,
    password: str,
    home_street: str | None,
    refuse_taken: bool = True,
) -> tuple[str, str]:
    """Refuse what no account may be made of; return the identifier's kind and value.

    With `refuse_taken` False a registered identifier passes: the anonymous registration
    form must not tell a visitor which numbers have accounts.
    """
    if has_foreign_digits(identifier):
        raise InvalidIdentifier(_("手机号只能使用数字0–9（全角数字会自动转换），请重新输入。"))
    parsed = parse_identifier(identifier)
    if parsed is None:
        raise InvalidIdentifier(_("请输入11位手机号或有效的电子邮箱。"))
    check_password(password, identifier=parsed[1])
    if home_street is not None and home_street not in STREETS:
        raise InvalidIdentifier(_("请选择南开区的街道。"), field="home_street")
    if refuse_taken and find_by_identifier(session=session, identifier=identifier) is not None:
        raise IdentifierTaken(_("该手机号或邮箱已注册。"))
    return parsed


def create_user(
    *,
    session: Session,
    kind: str,
    value: str,
    password_hash: str,
    display_name: str,
    home_street: str | None,
    role: Role = Role.RESIDENT,
    organization: Organization | None = None,
    consent_version: str | None = None,
    consented_at: datetime | None = None,
    verified_at: datetime | None = None,
) -> User:
    """Add the user row (the caller commits, through `commit_new_user`)."""
    user = User(
        display_name=display_name.strip(),
        home_street=home_street,
        password_hash=password_hash,
        role=role.value,
        organization_id=organization.id if organization else None,
        mobile=value if kind == "mobile" else None,
        email=value if kind == "email" else None,
        consent_version=consent_version,
        consented_at=consented_at,
        identifier_verified_at=verified_at,
    )
    session.add(user)
    return user


def commit_new_user(session: Session) -> None:
    try:
        session.commit()
    except IntegrityError as exc:  # a concurrent registration won the unique index
        session.rollback()
        raise IdentifierTaken(_("该手机号或邮箱已注册。")) from exc


def register_user(
    *,
    session: Session,
    identifier: str,
    password: str,
    display_name: str,
    home_street: str | None = None,
    role: Role = Role.RESIDENT,
    organization: Organization | None = None,
    consent_version: str | None = None,
) -> User:
    """Create an account directly (the command line, the demo, tests), with no code.

    Without `consent_version` the person is asked for consent at their first login.
    """
    required_kind = ROLE_ORG_KINDS.get(role)
    display_name = check_display_name(session=session, name=display_name, role=role)
    kind, value = check_new_account(
        session=session, identifier=identifier, password=password, home_street=home_street
    )
    if required_kind and (organization is None or organization.kind != required_kind):
        raise InvalidIdentifier(_("该角色需要所属机构。"), field="organization")
    user = create_user(
        session=session,
        kind=kind,
        value=value,
        password_hash=hash_password(password),
        display_name=display_name,
        home_street=home_street,
        role=role,
        organization=organization,
        consent_version=consent_version,
        consented_at=utcnow() if consent_version else None,
    )
    commit_new_user(session)
    return user


# Verified against when no account matches, so a wrong number costs the same Argon2 work as a
# wrong password: the answer's timing does not tell which accounts exist.
_DUMMY_HASH = hash_password(secrets.token_urlsafe(16))


def authenticate(
    *,
    session: Session,
    identifier: str,
    password: str,
    secret: str,
    sender: SmsSender | None = None,
) -> User:
    """Return the user for these credentials, or raise InvalidCredentials (AccountLocked when
    the identifier has failed too often): the same answers, in the same time, for accounts
    that exist and ones that do not."""
    key = lockout.throttle_key(secret, identifier)
    now = utcnow()
    wait = lockout.locked_for(session=session, key=key, now=now)
    if wait is not None:
        raise AccountLocked(_locked_message(wait))
    user = find_by_identifier(session=session, identifier=identifier)
    usable = user is not None and user.is_active and user.deleted_at is None
    matches = verify_password(user.password_hash if user and usable else _DUMMY_HASH, password)
    if user is None or not usable or not matches:
        _failures, lock = lockout.record_failure(session=session, key=key, now=now)
        if lock is not None and user is not None and usable and _failures == lockout.FREE_FAILURES:
            _tell_locked(session=session, user=user, sender=sender)
        session.commit()
        if lock is not None:
            raise AccountLocked(_locked_message(lock))
        raise InvalidCredentials(_("账号或密码不正确。"))
    if needs_rehash(user.password_hash):
        user.password_hash = hash_password(password)
    user.last_login_at = now
    lockout.clear(session=session, key=key)
    session.add(user)
    session.commit()
    return user


def _locked_message(wait: timedelta) -> str:
    minutes = max(1, math.ceil(wait.total_seconds() / 60))
    return _("登录失败次数过多，请 %(n)d 分钟后再试；忘记密码可以用短信验证码重置。", n=minutes)


def _tell_locked(*, session: Session, user: User, sender: SmsSender | None) -> None:
    """Tell the owner their login is locked (once per run of failures): a notification for
    the next visit and, to a mobile number, a text now, since it may not be them trying."""
    notify(session, user_id=user.id or 0, message=LOCKED_NOTICE, link="/account/reset")
    if sender is not None and user.mobile:
        try:
            sender.send(to=user.mobile, text=LOCKED_SMS)
        except Exception:  # noqa: BLE001 - a lost text must not turn a refusal into a 500
            logger.exception("lockout text to user %s not sent", user.id)


def update_profile(
    *, session: Session, user: User, display_name: str, home_street: str | None
) -> User:
    if home_street is not None and home_street not in STREETS:
        raise InvalidIdentifier(_("请选择南开区的街道。"), field="home_street")
    user.display_name = check_display_name(session=session, name=display_name, role=user.role_enum)
    user.home_street = home_street
    session.add(user)
    session.commit()
    return user


def record_consent(*, session: Session, user: User, version: str) -> User:
    user.consent_version = version
    user.consented_at = utcnow()
    session.add(user)
    session.commit()
    return user


def change_password(
    *, session: Session, user: User, current: str, new: str, keep_session_id: int | None
) -> int:
    """Set a new password and end every other session; return how many were ended.

    The session that changed it stays: the person just proved the password twice, and being
    thrown out on the page that says "saved" helps nobody; a thief's copies end.
    """
    if not verify_password(user.password_hash, current):
        raise InvalidCredentials(_("当前密码不正确。"), field="current")
    check_password(new, identifier=user.mobile or user.email)
    if new == current:
        raise InvalidCredentials(_("新密码不能与当前密码相同。"), field="password")

    user.password_hash = hash_password(new)
    session.add(user)
    ended = sessions.end_all(session=session, user_id=user.id or 0, keep=keep_session_id)
    session.commit()
    return ended
