"""Why an uploaded picture is refused: a code for machines, a sentence for people."""

from __future__ import annotations

from typing import Literal

from flask_babel import LazyString
from flask_babel import lazy_gettext as _l

from market.errors import DomainError

Code = Literal["not_image", "too_large", "too_many_pixels", "truncated", "unsupported"]

MESSAGES: dict[Code, LazyString] = {
    "not_image": _l("这不是图片文件，请上传 JPEG、PNG 或 WebP 格式的照片。"),
    "too_large": _l("图片超过 10 MB，请压缩后再上传。"),
    "too_many_pixels": _l("图片像素超过 4000 万，请缩小尺寸后再上传。"),
    "truncated": _l("图片文件不完整或已损坏，请重新上传。"),
    "unsupported": _l("暂不支持这种图片格式，请改用 JPEG、PNG 或 WebP。"),
}


class ImageRejected(DomainError):
    """An upload that is not stored; `message` is lazy, so it speaks the reader's language."""

    def __init__(self, code: Code) -> None:
        Exception.__init__(self, code)  # str(error) is the code, also outside a request
        self.code: Code = code
        self.message = MESSAGES[code]
