"""The colours codes get when nobody chose one: 24 colours from the colour-blind-safe sets of
Okabe & Ito (2008) and Paul Tol (muted and light schemes, 2021), ordered so that neighbours differ
in hue and lightness; a new code takes the first one no code uses yet. The one palette of the
workbench (the server assigns it; the pages never pick a colour themselves)."""
from __future__ import annotations

import colorsys
import re
from collections import Counter
from collections.abc import Iterable

HEX = re.compile(r"^#[0-9a-fA-F]{6}$")
PALETTE = (
    "#0072b2", "#e69f00", "#009e73", "#cc79a7", "#56b4e9", "#d55e00", "#f0e442", "#332288",
    "#44aa99", "#882255", "#999933", "#88ccee", "#cc6677", "#117733", "#ddcc77", "#aa4499",
    "#77aadd", "#ee8866", "#44bb99", "#ffaabb", "#bbcc33", "#99ddff", "#eedd88", "#6b6b6b",
)


def next_color(used: Iterable[str]) -> str:
    """The first palette colour not in ``used`` (``#rrggbb``, any case); when all are taken, the
    one used least (earliest on a tie)."""
    counts = Counter(str(c).lower() for c in used if c)
    for color in PALETTE:
        if color not in counts:
            return color
    return min(PALETTE, key=lambda c: (counts[c], PALETTE.index(c)))


def code_colors(codebook) -> dict[str, str]:
    """Each code's colour: its own when it is a ``#rrggbb`` colour; else a shade of its parent's
    colour (siblings get distinct hues around it, so overlapping codings of one family stay
    apart); top-level codes without one take a fixed palette colour. Never a string copied into a
    style unchecked."""
    out: dict[str, str] = {}

    def own(code) -> str | None:
        return code.color.lower() if isinstance(code.color, str) and HEX.match(code.color) else None

    def shade(base: str, k: int, depth: int) -> str:
        r, g, b = (int(base[i:i + 2], 16) / 255 for i in (1, 3, 5))
        h, l, s_ = colorsys.rgb_to_hls(r, g, b)
        step = (k + 1) // 2 * (1 if k % 2 else -1)  # 0, +1, -1, +2, -2, ...
        h = (h + step * 0.1) % 1.0
        l = min(0.64, max(0.30, l + (0.07 if depth % 2 else -0.05) - 0.03 * abs(step)))
        r, g, b = colorsys.hls_to_rgb(h, l, min(0.62, s_))
        return "#%02x%02x%02x" % (round(r * 255), round(g * 255), round(b * 255))

    def walk(code_id: str, parent_color: str | None, k: int, depth: int) -> None:
        code = codebook[code_id]
        color = own(code) or (shade(parent_color, k, depth) if parent_color else
                              PALETTE[k % len(PALETTE)])
        out[code_id] = color
        for j, child in enumerate(codebook.children(code_id)):
            walk(child, color, j, depth + 1)

    for i, root in enumerate(codebook.roots()):
        walk(root, None, i, 0)
    return out


def new_code_color(codebook) -> str:
    """The colour a new code gets unless one is chosen: the first palette colour no code shows
    (:func:`code_colors`, own or derived)."""
    return next_color(code_colors(codebook).values())
