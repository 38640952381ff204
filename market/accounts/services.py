"""Registering, authenticating and updating accounts."""

from __future__ import annotations

from flask_babel import gettext as _
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, select

from market.accounts.errors import IdentifierTaken, InvalidCredentials, InvalidIdentifier
from market.accounts.identifiers import parse_identifier
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


def register_user(
    *,
    session: Session,
    identifier: str,
    password: str,
    display_name: str,
    home_street: str | None = None,
    role: Role = Role.RESIDENT,
    organization: Organization | None = None,
) -> User:
    """Create an account keyed by a mobile number or e-mail address."""
    parsed = parse_identifier(identifier)
    if parsed is None:
        raise InvalidIdentifier(_("请输入11位手机号或有效的电子邮箱。"))
    if len(password) < MIN_PASSWORD_LENGTH:
        raise InvalidCredentials(_("密码至少需要 %(n)d 个字符。", n=MIN_PASSWORD_LENGTH))
    if home_street is not None and home_street not in STREETS:
        raise InvalidIdentifier(_("请选择南开区的街道。"), field="home_street")
    required_kind = ROLE_ORG_KINDS.get(role)
    if required_kind and (organization is None or organization.kind != required_kind):
        raise InvalidIdentifier(_("该角色需要所属机构。"), field="organization")
    if find_by_identifier(session=session, identifier=identifier) is not None:
        raise IdentifierTaken(_("该手机号或邮箱已注册。"))
    kind, value = parsed
    user = User(
        display_name=display_name.strip(),
        home_street=home_street,
        password_hash=hash_password(password),
        role=role.value,
        organization_id=organization.id if organization else None,
        mobile=value if kind == "mobile" else None,
        email=value if kind == "email" else None,
    )
    session.add(user)
    try:
        session.commit()
    except IntegrityError as exc:  # a concurrent registration won the unique index
        session.rollback()
        raise IdentifierTaken(_("该手机号或邮箱已注册。")) from exc
    return user


def authenticate(*, session: Session, identifier: str, password: str) -> User:
    """Return the user for these credentials, or raise InvalidCredentials."""
    user = find_by_identifier(session=session, identifier=identifier)
    if user is None or not user.is_active or not verify_password(user.password_hash, password):
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
