"""The 12 administrative streets (街道) of Nankai district."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms.fields.choices import SelectChoice

# Stored by their Chinese name: it is what residents, shops and regulators write.
STREETS: dict[str, object] = {
    "长虹": _l("长虹"),
    "鼓楼": _l("鼓楼"),
    "兴南": _l("兴南"),
    "广开": _l("广开"),
    "万兴": _l("万兴"),
    "学府": _l("学府"),
    "向阳路": _l("向阳路"),
    "嘉陵道": _l("嘉陵道"),
    "王顶堤": _l("王顶堤"),
    "水上公园": _l("水上公园"),
    "体育中心": _l("体育中心"),
    "华苑": _l("华苑"),
}


def street_choices(blank: object | None = None) -> list[SelectChoice]:
    """Options for a street select; labels stay lazy so they follow the page language."""
    options = [SelectChoice("", blank)] if blank is not None else []
    return options + [SelectChoice(key, label) for key, label in STREETS.items()]
