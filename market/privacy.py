"""Masking personal data on every page that is not the person's own (张*, 138****5678).

One module: the masks, the free-text scanner, and the one rule of who sees a raw value
(`may_see_raw`; templates reach it through the `shown`/`shown_serial` filters).

- The author of a text (the seller of a listing, the sender of a message) and regulators see
  it raw; everyone else, anonymous or logged in, admins included, sees it masked. The stored
  text is what the author typed: masking happens when it is shown, so nothing is lost.
- A trade message is masked for its recipient too: numbers passed in chat are how buyers are
  drawn off the platform, and the meeting fields carry what a handover needs. The sender is
  warned before sending and may send anyway; a regulator handling a dispute sees it raw.
- The search index holds the masked text, so nobody finds a listing by someone's number.
- An unbroken run of 15+ digits that is no ISBN is masked even when it is no valid ID, card
  or IMEI: a mistyped ID number is still a person's number.
- The public certificate page masks the serial for everyone: it is the page a QR code opens.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Protocol

from flask_babel import lazy_gettext as _l

from market.roles import Role


def mask_name(name: str | None) -> str:
    """Keep the first character: 张三 -> 张*, 欧阳娜娜 -> 欧***, Alice -> A****."""
    if not name:
        return ""
    return name[0] + "*" * max(1, len(name) - 1)


def mask_mobile(mobile: str | None) -> str:
    """Keep the first three and last four digits: 13812345678 -> 138****5678."""
    if not mobile:
        return ""
    if len(mobile) < 8:
        return "*" * len(mobile)
    return mobile[:3] + "*" * (len(mobile) - 7) + mobile[-4:]


def mask_serial(serial: str | None) -> str:
    """Keep the first two and last four characters: S3Z1NB0K123456X -> S3*********456X."""
    value = str(serial or "").strip()
    if not value:
        return ""
    if len(value) <= 6:
        return "****"
    return value[:2] + "*" * (len(value) - 6) + value[-4:]


def mask_id_number(number: str) -> str:
    """Keep the area's first four and the last four: 1201**********123X."""
    return number[:4] + "*" * (len(number) - 8) + number[-4:]


def mask_card(number: str) -> str:
    """Keep the last four digits: ****1234."""
    return "****" + number[-4:]


def mask_email(address: str) -> str:
    """Keep the first character and the domain: a***@example.com."""
    local, _at, domain = address.partition("@")
    return local[:1] + "***@" + domain


# --- the free-text scanner ---------------------------------------------------------------

KIND_LABELS = {
    "mobile": _l("手机号"),
    "id_card": _l("身份证号"),
    "bank_card": _l("银行卡号"),
    "email": _l("电子邮箱"),
    "imei": _l("IMEI/序列号"),
    "long_number": _l("长号码"),
}


@dataclass(frozen=True)
class Finding:
    kind: str  # one of KIND_LABELS
    start: int
    end: int
    masked: str


# Digit groups joined by at most one space or dash: 138 1234 5678, 6222-0212-3456-7890.
# Not inside a word or a decimal, and not after a currency sign (¥1288 is a price).
_NUMBER = re.compile(r"(?<![\w.¥$€£])(\+)?\d+(?:[ \-]\d+)*[Xx]?(?![\w.])", re.ASCII)
_GROUP = re.compile(r"\d+[Xx]?")
_MAX_GROUPS = 6  # +86 138 1234 5678 is four; a card in groups of four is five
_EMAIL = re.compile(
    r"(?<![\w.+-])[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}",
    re.ASCII,  # 邮箱a@b.cn: a Chinese character before the address is not part of it
)
_MOBILE = re.compile(r"1[3-9]\d{9}")
_ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)


def _fold(text: str) -> str:
    """Full-width digits, letters, ＋, －, ＠ and the ideographic space as ASCII, one for one."""
    out = []
    for ch in text:
        folded = unicodedata.normalize("NFKC", ch) if ord(ch) > 127 else ch
        out.append(folded if len(folded) == 1 else ch)
    return "".join(out)


def luhn_ok(digits: str) -> bool:
    total = 0
    for i, ch in enumerate(reversed(digits)):
        n = int(ch) * (2 if i % 2 else 1)
        total += n - 9 if n > 9 else n
    return total % 10 == 0


def id_check_char(first17: str) -> str:
    """The GB 11643-1999 check character (ISO 7064 MOD 11-2) of an ID's first 17 digits."""
    total = sum(int(d) * w for d, w in zip(first17, _ID_WEIGHTS, strict=True))
    return "10X98765432"[total % 11]


def _isbn13(digits: str) -> bool:
    if len(digits) != 13 or digits[:3] not in ("978", "979"):
        return False
    return sum(int(d) * (3 if i % 2 else 1) for i, d in enumerate(digits)) % 10 == 0


def _old_id(digits: str) -> bool:
    """A 15-digit ID of the 1980s form: area, YYMMDD, sequence."""
    month, day = int(digits[8:10]), int(digits[10:12])
    return 1 <= month <= 12 and 1 <= day <= 31


def _classify(raw: str, plus: bool, groups: int) -> tuple[str, str] | None:
    """(kind, mask) of one candidate number written as `raw` (digits, maybe a final X)."""
    digits = raw.upper()
    for prefix in ("0086", "86"):
        rest = digits[len(prefix) :]
        if (
            digits.startswith(prefix)
            and _MOBILE.fullmatch(rest)
            and (plus or len(prefix) == 4 or groups > 1)
        ):
            return "mobile", "+86 " + mask_mobile(rest)
    if plus:
        return None
    if _MOBILE.fullmatch(digits):
        return "mobile", mask_mobile(digits)
    if len(digits) == 18 and digits[:17].isdigit() and id_check_char(digits[:17]) == digits[17]:
        return "id_card", mask_id_number(digits)
    if not digits.isdigit():
        return None
    if _isbn13(digits):
        return None  # a book's ISBN names the book, not a person
    if len(digits) == 15 and luhn_ok(digits):
        return "imei", mask_serial(digits)
    if len(digits) == 15 and _old_id(digits):
        return "id_card", mask_id_number(digits)
    if 16 <= len(digits) <= 19 and luhn_ok(digits):
        return "bank_card", mask_card(digits)
    # An unbroken run this long is nobody's price, size or year: a mistyped ID or card is still
    # someone's number, so it is masked too rather than published.
    if len(digits) >= 15 and groups == 1:
        return "long_number", mask_card(digits)
    return None


def _numbers(folded: str, taken: list[tuple[int, int]]) -> list[Finding]:
    found: list[Finding] = []
    for match in _NUMBER.finditer(folded):
        if any(s < match.end() and match.start() < e for s, e in taken):
            continue
        plus = match.group(1) is not None
        groups = [(g.start(), g.end()) for g in _GROUP.finditer(folded, match.start(), match.end())]
        if _isbn13("".join(folded[a:b] for a, b in groups)):
            continue  # 978-7-115-42802-8: no part of an ISBN is a phone
        i = 0
        while i < len(groups):
            # The longest run of groups from here that is a number of a kind.
            for j in range(min(len(groups), i + _MAX_GROUPS), i, -1):
                start, end = groups[i][0], groups[j - 1][1]
                raw = "".join(folded[a:b] for a, b in groups[i:j])
                kind = _classify(raw, plus and i == 0, j - i)
                if kind:
                    begin = match.start() if plus and i == 0 else start
                    found.append(Finding(kind[0], begin, end, kind[1]))
                    i = j
                    break
            else:
                i += 1
    return found


def find_identifiers(text: str | None) -> list[Finding]:
    """Mobiles, ID numbers, bank cards, e-mail addresses and IMEIs in `text`, in order."""
    if not text:
        return []
    folded = _fold(text)
    emails = [
        Finding("email", m.start(), m.end(), mask_email(m.group())) for m in _EMAIL.finditer(folded)
    ]
    found = emails + _numbers(folded, [(f.start, f.end) for f in emails])
    return sorted(found, key=lambda f: f.start)


def mask_text(text: str | None) -> str:
    """`text` with every identifier found in it masked."""
    if not text:
        return text or ""
    out, last = [], 0
    for finding in find_identifiers(text):
        out += [text[last : finding.start], finding.masked]
        last = finding.end
    out.append(text[last:])
    return "".join(out)


def identifier_kinds(*texts: str | None) -> list[str]:
    """The kinds found in `texts`, each once, in the order of KIND_LABELS."""
    kinds = {f.kind for text in texts for f in find_identifiers(text)}
    return [k for k in KIND_LABELS if k in kinds]


def kinds_label(kinds: list[str]) -> str:
    return "、".join(str(KIND_LABELS[k]) for k in kinds)


def exposure_warnings(fields: Mapping[str, str | None]) -> list[str]:
    """Tell the author, per field label, which identifiers others will see masked."""
    warnings = []
    for label, text in fields.items():
        kinds = identifier_kinds(text)
        if kinds:
            warnings.append(
                str(
                    _l(
                        "%(field)s中含有%(what)s，公开展示时会被遮盖。",
                        field=label,
                        what=kinds_label(kinds),
                    )
                )
            )
    return warnings


# --- who may see a raw value --------------------------------------------------------------


class Viewer(Protocol):
    @property
    def is_authenticated(self) -> bool: ...


def may_see_raw(viewer: Viewer | None, owner_id: int | None) -> bool:
    """The owner of the value and regulators see it raw; everyone else sees it masked.

    Admins are not regulators: managing accounts needs nobody's phone or serial.
    """
    if viewer is None or not viewer.is_authenticated:
        return False
    if owner_id is not None and getattr(viewer, "id", None) == owner_id:
        return True
    return getattr(viewer, "role", None) == Role.REGULATOR.value


def shown(text: Any, *, owner_id: int | None, viewer: Viewer | None) -> str:
    """Free text as `viewer` may see it (a number or None is shown as it is)."""
    value = "" if text is None else str(text)
    if not isinstance(text, str) or may_see_raw(viewer, owner_id):
        return value
    return mask_text(value)


def shown_serial(value: Any, *, owner_id: int | None, viewer: Viewer | None) -> str:
    """An IMEI/serial as `viewer` may see it."""
    return str(value or "") if may_see_raw(viewer, owner_id) else mask_serial(str(value or ""))


SERIAL_KEYS = frozenset({"serial"})  # disclosure keys holding a device identifier


def shown_disclosures(
    disclosures: Mapping[str, Any] | None, *, owner_id: int | None, viewer: Viewer | None
) -> dict[str, Any]:
    """A listing's disclosures as `viewer` may see them: serials masked, text scanned."""
    if may_see_raw(viewer, owner_id):
        return dict(disclosures or {})
    return {
        key: mask_serial(str(value))
        if key in SERIAL_KEYS and value
        else mask_text(value)
        if isinstance(value, str)
        else value
        for key, value in (disclosures or {}).items()
    }
