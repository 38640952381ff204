"""The roles a member can hold; below accounts, so the access checks and privacy rules can
name a role without depending on the accounts area (which builds on them)."""

from __future__ import annotations

from enum import StrEnum

from flask_babel import lazy_gettext as _l


class Role(StrEnum):
    RESIDENT = "resident"
    SHOP_STAFF = "shop_staff"
    MARKET_ORGANIZER = "market_organizer"
    SCHOOL_COORDINATOR = "school_coordinator"
    REGULATOR = "regulator"
    ADMIN = "admin"

    @property
    def label(self) -> str:
        return str(ROLE_LABELS[self])


ROLE_LABELS = {
    Role.RESIDENT: _l("居民"),
    Role.SHOP_STAFF: _l("寄卖店店员"),
    Role.MARKET_ORGANIZER: _l("跳蚤市场组织方"),
    Role.SCHOOL_COORDINATOR: _l("学校旧书角协调人"),
    Role.REGULATOR: _l("监管人员"),
    Role.ADMIN: _l("管理员"),
}
