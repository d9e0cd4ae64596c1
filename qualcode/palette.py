"""The colours codes get when nobody chose one: 24 colours from the colour-blind-safe sets of
Okabe & Ito (2008) and Paul Tol (muted and light schemes, 2021), ordered so that neighbours differ
in hue and lightness; a new code takes the first one no code uses yet. The one palette of the
workbench (the server assigns it; the pages never pick a colour themselves)."""
from __future__ import annotations

from collections import Counter
from collections.abc import Iterable

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
