"""Registration in two steps: details and consent, then the one-time code sent to the number.

The account is created only when the code is right, so a number nobody proved stays free
for its owner. A code is 6 random digits, kept as an HMAC keyed by SECRET_KEY (a leaked table
alone does not give the codes away), valid for CODE_TTL and MAX_ATTEMPTS tries; a new code can
be sent after RESEND_AFTER, at most MAX_SENDS times, and one identifier gets at most
MAX_PENDING_PER_HOUR fresh registrations an hour, so the form cannot be used to flood a phone.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
from datetime import timedelta

from flask_babel import gettext as _
from sqlmodel import Session, col, delete, func, select

from market.accounts import services
from market.accounts.consent import PRIVACY_NOTICE_VERSION
from market.accounts.errors import (
    AccountError,
    RegistrationUnavailable,
    TooManyRequests,
    VerificationFailed,
)
from market.accounts.identifiers import to_ascii_digits
from market.accounts.models import PendingRegistration, User
from market.accounts.names import check_display_name
from market.accounts.passwords import hash_password
from market.accounts.sms import SmsSender
from market.db import utcnow
from market.notifications import N_, notify

CODE_TTL = timedelta(minutes=10)
MAX_ATTEMPTS = 5
RESEND_AFTER = timedelta(seconds=60)
MAX_SENDS = 5
MAX_PENDING_PER_HOUR = 3
CODE_RE = re.compile(r"[0-9]{6}")


def _code_hash(key: str, identifier: str, code: str) -> str:
    return hmac.new(key.encode(), f"{identifier}:{code}".encode(), hashlib.sha256).hexdigest()


# Sent instead of a code when the identifier already has an account: the visitor sees the
# same "code sent" page either way, and only the owner learns the number is registered.
TAKEN_SMS = (
    "【循环】有人正在用您的手机号注册循环账号。您已经注册过，可以直接登录；"
    "忘记密码可在登录页选择“忘记密码”用短信验证码重置。如非本人操作请忽略。"
)
TAKEN_NOTICE = N_(
    "有人尝试用您的手机号或邮箱注册新账号，您的账号不受影响。忘记密码可以用短信验证码重置。"
)


def _send(pending: PendingRegistration, *, key: str, sender: SmsSender, owner: User | None) -> None:
    code = f"{secrets.randbelow(10**6):06d}"
    now = utcnow()
    # For a taken identifier the code is never sent, so no code entered can match.
    pending.code_hash = _code_hash(key, pending.identifier, code)
    pending.code_expires_at = now + CODE_TTL
    pending.attempts = 0
    pending.last_sent_at = now
    # Chinese on purpose: the text goes to a Chinese phone, whatever the page's language.
    text = f"【循环】您的注册验证码是 {code}，10分钟内有效。如非本人操作请忽略。"
    if owner is not None:
        text = TAKEN_SMS
    try:
        sender.send(to=pending.identifier, text=text)
    except Exception as exc:  # a gateway failure must not leave a code nobody received
        raise RegistrationUnavailable(_("验证码发送失败，请稍后再试。")) from exc


def start_registration(
    *,
    session: Session,
    identifier: str,
    password: str,
    display_name: str,
    home_street: str | None,
    consent: bool,
    key: str,
    sender: SmsSender | None,
) -> PendingRegistration:
    """Check the details, keep them with a code, and send the code."""
    if not consent:
        raise AccountError(_("请阅读并同意《隐私政策》后再注册。"), field="consent")
    display_name = check_display_name(session=session, name=display_name)
    kind, value = services.check_new_account(
        session=session,
        identifier=identifier,
        password=password,
        home_street=home_street,
        refuse_taken=False,
    )
    if sender is None:
        raise RegistrationUnavailable(_("短信验证码服务尚未开通，暂时无法注册，请稍后再试。"))
    now = utcnow()
    session.exec(
        delete(PendingRegistration).where(
            col(PendingRegistration.created_at) < now - timedelta(days=1)
        )
    )
    recent = session.exec(
        select(func.count())
        .select_from(PendingRegistration)
        .where(
            PendingRegistration.identifier == value,
            col(PendingRegistration.created_at) > now - timedelta(hours=1),
        )
    ).one()
    if recent >= MAX_PENDING_PER_HOUR:
        raise TooManyRequests(_("该号码获取验证码过于频繁，请一小时后再试。"), field="identifier")
    pending = PendingRegistration(
        identifier_kind=kind,
        identifier=value,
        display_name=display_name.strip(),
        home_street=home_street,
        password_hash=hash_password(password),
        consent_version=PRIVACY_NOTICE_VERSION,
        consented_at=now,
        code_hash="",
        code_expires_at=now,
        created_at=now,
    )
    owner = _owner(session, pending)
    _send(pending, key=key, sender=sender, owner=owner)
    if owner is not None:
        notify(session, user_id=owner.id or 0, message=TAKEN_NOTICE, link="/account/reset")
    session.add(pending)
    session.commit()
    return pending


def _owner(session: Session, pending: PendingRegistration) -> User | None:
    return services.find_by_identifier(session=session, identifier=pending.identifier)


def resend_code(
    *, session: Session, pending_id: int | None, key: str, sender: SmsSender | None
) -> PendingRegistration:
    pending = _pending(session, pending_id)
    if sender is None:
        raise RegistrationUnavailable(_("短信验证码服务尚未开通，暂时无法注册，请稍后再试。"))
    if pending.sends >= MAX_SENDS:
        raise TooManyRequests(_("验证码发送次数已达上限，请稍后重新注册。"))
    wait = pending.last_sent_at + RESEND_AFTER - utcnow()
    if wait > timedelta(0):
        raise TooManyRequests(
            _("请在 %(n)d 秒后再重新获取验证码。", n=int(wait.total_seconds()) + 1)
        )
    _send(pending, key=key, sender=sender, owner=_owner(session, pending))
    pending.sends += 1
    session.add(pending)
    session.commit()
    return pending


def _pending(session: Session, pending_id: int | None) -> PendingRegistration:
    pending = session.get(PendingRegistration, pending_id) if pending_id else None
    if pending is None:
        raise VerificationFailed(_("注册信息已失效，请重新注册。"))
    return pending


def verify_code(*, session: Session, pending_id: int | None, code: str, key: str) -> User:
    """Create the account if `code` is right; count a wrong try."""
    pending = _pending(session, pending_id)
    code = to_ascii_digits(code).strip()
    if not CODE_RE.fullmatch(code):
        raise VerificationFailed(_("请输入6位数字验证码。"))
    if pending.attempts >= MAX_ATTEMPTS:
        raise VerificationFailed(_("尝试次数过多，请重新获取验证码。"))
    if utcnow() >= pending.code_expires_at:
        raise VerificationFailed(_("验证码已过期，请重新获取。"))
    if not hmac.compare_digest(pending.code_hash, _code_hash(key, pending.identifier, code)):
        pending.attempts += 1
        session.add(pending)
        session.commit()
        left = MAX_ATTEMPTS - pending.attempts
        if left <= 0:
            raise VerificationFailed(_("尝试次数过多，请重新获取验证码。"))
        raise VerificationFailed(_("验证码不正确，还可以再试 %(n)d 次。", n=left))
    user = services.create_user(
        session=session,
        kind=pending.identifier_kind,
        value=pending.identifier,
        password_hash=pending.password_hash,
        display_name=pending.display_name,
        home_street=pending.home_street,
        consent_version=pending.consent_version,
        consented_at=pending.consented_at,
        verified_at=utcnow(),
    )
    session.exec(
        delete(PendingRegistration).where(col(PendingRegistration.identifier) == pending.identifier)
    )
    services.commit_new_user(session)
    return user
