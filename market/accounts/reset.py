"""Password reset by a one-time code to the account's own number.

The first step answers the same for any well-formed identifier ("if it is registered, a code
was sent") and keeps a reset row either way; only a real account's number gets a code. The
code is 6 digits kept as an HMAC, valid for CODE_TTL and MAX_ATTEMPTS tries; one identifier
gets MAX_PER_HOUR resets an hour. A reset ends every session (remember-me included), clears
the login lockout, and tells the owner.
"""

from __future__ import annotations

import hashlib
import hmac
import logging
import secrets
from datetime import timedelta

from flask_babel import gettext as _
from sqlmodel import Session, col, delete, func, select

from market.accounts import lockout, services, sessions
from market.accounts.errors import (
    InvalidIdentifier,
    RegistrationUnavailable,
    TooManyRequests,
    VerificationFailed,
)
from market.accounts.identifiers import has_foreign_digits, parse_identifier, to_ascii_digits
from market.accounts.models import PasswordReset, User
from market.accounts.password_policy import check_password
from market.accounts.passwords import hash_password
from market.accounts.registration import CODE_RE
from market.accounts.sms import SmsSender
from market.db import utcnow
from market.notifications import N_, notify

logger = logging.getLogger(__name__)

CODE_TTL = timedelta(minutes=10)
MAX_ATTEMPTS = 5
MAX_PER_HOUR = 3
RESET_NOTICE = N_(
    "您的密码已通过短信验证码重置，所有设备上的登录都已结束。如果不是您本人操作，请立即再次重置密码。"
)
RESET_SMS = (
    "【循环】您的密码已重置，所有设备上的登录已结束。"
    "如非本人操作，请立即在登录页选择“忘记密码”再次重置。"
)


def _code_hash(secret: str, reset_key: str, code: str) -> str:
    return hmac.new(
        secret.encode(), f"reset:{reset_key}:{code}".encode(), hashlib.sha256
    ).hexdigest()


def _usable(user: User | None) -> User | None:
    return user if user is not None and user.is_active and user.deleted_at is None else None


def start_reset(
    *, session: Session, identifier: str, secret: str, sender: SmsSender | None
) -> PasswordReset:
    """Keep a reset for `identifier` and send its code if an account has it."""
    if has_foreign_digits(identifier):
        raise InvalidIdentifier(_("手机号只能使用数字0–9（全角数字会自动转换），请重新输入。"))
    if parse_identifier(identifier) is None:
        raise InvalidIdentifier(_("请输入11位手机号或有效的电子邮箱。"))
    if sender is None:
        raise RegistrationUnavailable(_("短信验证码服务尚未开通，暂时无法重置密码，请稍后再试。"))
    key = lockout.throttle_key(secret, identifier)
    now = utcnow()
    session.exec(
        delete(PasswordReset).where(col(PasswordReset.created_at) < now - timedelta(days=1))
    )
    recent = session.exec(
        select(func.count())
        .select_from(PasswordReset)
        .where(PasswordReset.key == key, col(PasswordReset.created_at) > now - timedelta(hours=1))
    ).one()
    if recent >= MAX_PER_HOUR:
        raise TooManyRequests(_("获取验证码过于频繁，请一小时后再试。"), field="identifier")
    user = _usable(services.find_by_identifier(session=session, identifier=identifier))
    code = f"{secrets.randbelow(10**6):06d}"
    reset = PasswordReset(
        key=key,
        user_id=user.id if user else None,
        code_hash=_code_hash(secret, key, code),
        code_expires_at=now + CODE_TTL,
        created_at=now,
    )
    session.add(reset)
    if user is not None:
        to = user.mobile or user.email or ""
        text = (
            f"【循环】您正在重置密码，验证码是 {code}，10分钟内有效。"
            "如非本人操作请忽略，您的密码不会改变。"
        )
        try:
            sender.send(to=to, text=text)
        except Exception as exc:  # a gateway failure must not leave a code nobody received
            raise RegistrationUnavailable(_("验证码发送失败，请稍后再试。")) from exc
    session.commit()
    return reset


def finish_reset(
    *, session: Session, reset_id: int | None, code: str, password: str, secret: str,
    sender: SmsSender | None,
) -> User:  # fmt: skip
    """Set the new password if `code` is right; count a wrong try. Return the user."""
    reset = session.get(PasswordReset, reset_id) if reset_id else None
    if reset is None:
        raise VerificationFailed(_("重置信息已失效，请重新获取验证码。"))
    code = to_ascii_digits(code).strip()
    if not CODE_RE.fullmatch(code):
        raise VerificationFailed(_("请输入6位数字验证码。"))
    if reset.attempts >= MAX_ATTEMPTS:
        raise VerificationFailed(_("尝试次数过多，请重新获取验证码。"))
    if utcnow() >= reset.code_expires_at:
        raise VerificationFailed(_("验证码已过期，请重新获取。"))
    user = _usable(session.get(User, reset.user_id)) if reset.user_id else None
    right = hmac.compare_digest(reset.code_hash, _code_hash(secret, reset.key, code))
    if user is None or not right:
        reset.attempts += 1
        session.add(reset)
        session.commit()
        left = MAX_ATTEMPTS - reset.attempts
        if left <= 0:
            raise VerificationFailed(_("尝试次数过多，请重新获取验证码。"))
        raise VerificationFailed(_("验证码不正确，还可以再试 %(n)d 次。", n=left))
    check_password(password, identifier=user.mobile or user.email)
    user.password_hash = hash_password(password)
    session.add(user)
    sessions.end_all(session=session, user_id=user.id or 0)
    lockout.clear(session=session, key=reset.key)
    session.exec(delete(PasswordReset).where(col(PasswordReset.user_id) == user.id))
    notify(session, user_id=user.id or 0, message=RESET_NOTICE, link="/account/sessions")
    session.commit()
    if sender is not None and user.mobile:
        try:
            sender.send(to=user.mobile, text=RESET_SMS)
        except Exception:  # noqa: BLE001 - the reset is done; the notification still tells them
            logger.exception("reset text to user %s not sent", user.id)
    return user
