"""The privacy notice's version, and who must agree to it again."""

from __future__ import annotations

from market.accounts.models import User

# Raise this when the notice (templates/accounts/privacy.html) changes what is collected, why,
# for how long or who sees it; everyone who agreed to an older text is asked again at their
# next login, because consent to a purpose they were not told about is no consent (PIPL
# art. 14, 17). Fixing a typo needs no new version.
PRIVACY_NOTICE_VERSION = "2026-12-03"


def needs_consent(user: User) -> bool:
    return user.consent_version != PRIVACY_NOTICE_VERSION
