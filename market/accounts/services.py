"""Registering, authenticating and updating accounts."""

from __future__ import annotations

from datetime import datetime

from flask_babel import gettext as _
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select
from sqlmodel.sql.expression import SelectOfScalar

from market.accounts import sessions
from market.accounts.errors import IdentifierTaken, InvalidCredentials, InvalidIdentifier
from market.accounts.identifiers import has_foreign_digits, parse_identifier
from market.accounts.models import ROLE_ORG_KINDS, Role, User
from market.accounts.passwords import hash_password, needs_rehash, verify_password
from market.db import utcnow
from market.orgs.models import Organization
from market.streets import STREETS

MIN_PASSWORD_LENGTH = 8


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
    *, session: Session, identifier: str, password: str, home_street: str | None
) -> tuple[str, str]:
    """Refuse what no account may be made of; return the identifier's kind and value."""
    if has_foreign_digits(identifier):
        raise InvalidIdentifier(_("手机号只能使用数字0–9（全角数字会自动转换），请重新输入。"))
    parsed = parse_identifier(identifier)
    if parsed is None:
        raise InvalidIdentifier(_("请输入11位手机号或有效的电子邮箱。"))
    if len(password) < MIN_PASSWORD_LENGTH:
        raise InvalidCredentials(_("密码至少需要 %(n)d 个字符。", n=MIN_PASSWORD_LENGTH))
    if home_street is not None and home_street not in STREETS:
        raise InvalidIdentifier(_("请选择南开区的街道。"), field="home_street")
    if find_by_identifier(session=session, identifier=identifier) is not None:
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


def authenticate(*, session: Session, identifier: str, password: str) -> User:
    """Return the user for these credentials, or raise InvalidCredentials."""
    user = find_by_identifier(session=session, identifier=identifier)
    usable = user is not None and user.is_active and user.deleted_at is None
    if user is None or not usable or not verify_password(user.password_hash, password):
        raise InvalidCredentials(_("账号或密码不正确。"))
    if needs_rehash(user.password_hash):
        user.password_hash = hash_password(password)
    user.last_login_at = utcnow()
    session.add(user)
    session.commit()
    return user


def update_profile(
    *, session: Session, user: User, display_name: str, home_street: str | None
) -> User:
    if home_street is not None and home_street not in STREETS:
        raise InvalidIdentifier(_("请选择南开区的街道。"), field="home_street")
    user.display_name = display_name.strip()
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
    if len(new) < MIN_PASSWORD_LENGTH:
        raise InvalidCredentials(
            _("密码至少需要 %(n)d 个字符。", n=MIN_PASSWORD_LENGTH), field="password"
        )
    if new == current:
        raise InvalidCredentials(_("新密码不能与当前密码相同。"), field="password")

    user.password_hash = hash_password(new)
    session.add(user)
    ended = sessions.end_all(session=session, user_id=user.id or 0, keep=keep_session_id)
    session.commit()
    return ended
