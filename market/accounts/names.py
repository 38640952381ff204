"""Display names a neighbour can trust: visible, one direction, and not posing as staff."""

from __future__ import annotations

import re
import unicodedata

from flask_babel import gettext as _
from sqlmodel import Session, select

from market.accounts.errors import AccountError
from market.accounts.models import Role, User

# Compared after NFKC and casefolding with spaces, dots and dashes taken out, so "Ａｄｍｉｎ",
# "a d m i n" and "客-服" are the words they look like.
RESERVED_WORDS = (
    "管理员",
    "管理員",
    "admin",
    "administrator",
    "root",
    "moderator",
    "官方",
    "客服",
    "监管",
    "監管",
    "市场监管",
    "商务局",
    "工作人员",
    "系统",
    "循环",
    "xunhuan",
    "staff",
    "support",
    "official",
)
# Roles that may carry those words: the people who are the staff.
STAFF_ROLES = {Role.ADMIN, Role.REGULATOR}
_SEPARATORS = re.compile(r"[\s._\-·•|/\\]+")


def _comparable(name: str) -> str:
    return _SEPARATORS.sub("", unicodedata.normalize("NFKC", name).casefold())


def _hidden(ch: str) -> bool:
    # Cf holds the zero-width characters and every bidi control (U+200B–U+200F,
    # U+202A–U+202E, U+2066–U+2069); Cc the control characters; Co/Cn private or unassigned.
    return unicodedata.category(ch) in {"Cf", "Cc", "Co", "Cn"} or ch in "\u115f\u1160\u3164"


def check_display_name(*, session: Session, name: str, role: Role = Role.RESIDENT) -> str:
    """Return the name stripped, or raise AccountError (field display_name) saying why not."""
    name = name.strip()
    if any(_hidden(ch) for ch in name):
        raise AccountError(
            _("昵称不能包含不可见字符或文字方向控制符，请直接输入文字。"), field="display_name"
        )
    if not name or not any(unicodedata.category(ch)[0] in "LNS" for ch in name):
        raise AccountError(_("请填写昵称。"), field="display_name")
    if len(name) > 40:
        raise AccountError(_("昵称最多40个字符。"), field="display_name")
    if role in STAFF_ROLES:
        return name
    comparable = _comparable(name)
    if any(word in comparable for word in RESERVED_WORDS) or comparable in _staff_names(session):
        raise AccountError(
            _("这个昵称容易被误认为平台或监管工作人员，请换一个。"), field="display_name"
        )
    return name


def _staff_names(session: Session) -> set[str]:
    rows = session.exec(
        select(User.display_name).where(
            User.role.in_([role.value for role in STAFF_ROLES])  # type: ignore[attr-defined]
        )
    ).all()
    return {_comparable(name) for name in rows}
