"""Deterministic pictures for the demo's items."""

from __future__ import annotations

import io
import random

from PIL import Image, ImageDraw

PALETTE = {
    "电子产品": ((38, 70, 83), (42, 157, 143)),
    "图书": ((120, 60, 30), (233, 196, 106)),
    "服装": ((106, 76, 147), (244, 162, 97)),
    "家具": ((90, 62, 40), (200, 160, 110)),
    "家电": ((30, 60, 114), (120, 180, 230)),
    "母婴": ((231, 111, 81), (255, 214, 165)),
    "运动/自行车": ((20, 110, 70), (170, 220, 120)),
    "其他": ((70, 70, 70), (180, 180, 180)),
}


def demo_picture(category: str, seed: int, size: tuple[int, int] = (800, 600)) -> bytes:
    """Draw a deterministic picture for a demo item: a gradient and a few shapes, as WebP."""
    rng = random.Random(seed)
    top, bottom = PALETTE.get(category.split("/")[0], PALETTE["其他"])
    img = Image.new("RGB", size)
    draw = ImageDraw.Draw(img)
    w, h = size
    for y in range(h):
        t = y / (h - 1)
        draw.line(
            [(0, y), (w, y)],
            fill=tuple(round(a + (b - a) * t) for a, b in zip(top, bottom, strict=True)),
        )
    for _ in range(6):
        x0, y0 = rng.randrange(w), rng.randrange(h)
        r = rng.randrange(30, 160)
        colour = tuple(rng.randrange(256) for _ in range(3)) + (150,)
        overlay = Image.new("RGBA", size, (0, 0, 0, 0))
        ImageDraw.Draw(overlay).ellipse([x0 - r, y0 - r, x0 + r, y0 + r], fill=colour)
        img.paste(overlay, (0, 0), overlay)
    out = io.BytesIO()
    img.save(out, "WEBP", quality=80)
    return out.getvalue()
