"""How a producing tool counted ``startPosition``/``endPosition``, and converting its counts.

The REFI-QDA spec counts Unicode code points in the plain-text file. Real tools differ (see
``shared/refi-qda/README.md``): NVivo 12 counts UTF-16 code units (an emoji counts 2) and, on
Windows, a CRLF as 2; ATLAS.ti and MAXQDA count a CRLF as one character although their ``.txt``
files hold CRLF. qualcode's documents have LF line endings and its offsets count code points, so
every imported position goes through a :class:`PositionMap`.

Modes (``offsets=`` of :func:`qualcode.refi.read_qdpx`):

``codepoint``      code points of the file as stored (a CRLF counts 2) — the spec
``codepoint-lf``   code points with each CRLF counted as one character
``utf16``          UTF-16 code units of the file as stored (NVivo)
``utf16-lf``       UTF-16 code units with each CRLF counted as one

``auto`` tries the origin's usual mode first and keeps it when every selection lands inside the
text (and, for NVivo, on word boundaries); otherwise it scores every mode and picks the one where
most selections land, then most on word boundaries.

Exporting goes the other way: :func:`codepoints_to_utf16` turns qualcode offsets into the UTF-16
code units NVivo counts (``offsets="utf16"`` of :func:`qualcode.refi.write_qdpx`).
"""
from __future__ import annotations

import numpy as np

MODES = ("codepoint", "codepoint-lf", "utf16", "utf16-lf")
OFFSET_CHOICES = ("auto",) + MODES
EXPORT_MODES = ("codepoint", "utf16")


def codepoints_to_utf16(text: str, offsets) -> np.ndarray:
    """Convert code-point ``offsets`` into ``text`` to UTF-16 code units (what NVivo counts).

    Each offset grows by the number of characters above U+FFFF (emoji and other astral
    characters, two UTF-16 units each) before it; offsets must lie in ``0..len(text)``.

    >>> codepoints_to_utf16("a😀b😀c", [0, 1, 2, 3, 5]).tolist()
    [0, 1, 3, 4, 7]
    """
    off = np.asarray(offsets, dtype=np.int64)
    codes = np.frombuffer(text.encode("utf-32-le"), dtype="<u4") if text else np.zeros(0, "<u4")
    astral_before = np.concatenate([[0], np.cumsum(codes > 0xFFFF, dtype=np.int64)])
    return off + astral_before[off]


def preferred_modes(origin: str | None) -> list[str]:
    """Modes to try for a producing tool, most likely first."""
    o = (origin or "").lower()
    if "nvivo" in o:
        first = ["utf16", "utf16-lf"]
    elif "atlas" in o or "maxqda" in o:
        first = ["codepoint-lf", "codepoint"]
    else:
        first = ["codepoint", "codepoint-lf"]
    return first + [m for m in MODES if m not in first]


def wants_word_boundaries(origin: str | None) -> bool:
    """NVivo selections are made with a mouse that snaps to words: they should land on boundaries."""
    return "nvivo" in (origin or "").lower()


class PositionMap:
    """Map one tool's positions in a raw text onto code points of the LF-normalised text.

    ``raw`` is the file's text with the BOM removed and line endings as stored; ``text`` (the
    attribute) is ``raw`` with CRLF and lone CR turned into LF, which is the document qualcode keeps.
    """

    def __init__(self, raw: str, mode: str):
        if mode not in MODES:
            raise ValueError(f"unknown offset mode {mode!r}; use one of {', '.join(MODES)}")
        self.mode = mode
        n = len(raw)
        codes = np.frombuffer(raw.encode("utf-32-le"), dtype="<u4") if n else np.zeros(0, "<u4")
        widths = np.ones(n, dtype=np.int64)
        if mode.startswith("utf16"):
            widths += codes > 0xFFFF
        is_cr = codes == 0x0D
        crlf = np.zeros(n, dtype=bool)
        if n > 1:
            crlf[:-1] = is_cr[:-1] & (codes[1:] == 0x0A)
        if mode.endswith("-lf"):
            widths[crlf] = 0
        # units[i] = count of units before raw index i; strictly increasing except after a
        # zero-width CR, where the CR and the LF share a value (the later index is taken).
        self._units = np.concatenate([[0], np.cumsum(widths)])
        # code point index in the normalised text of raw index i (a dropped CR maps onto its LF)
        self._norm = np.arange(n + 1) - np.concatenate([[0], np.cumsum(crlf)])
        self.total = int(self._units[-1])
        self.text = raw.replace("\r\n", "\n").replace("\r", "\n")

    def to_codepoints(self, positions) -> tuple[np.ndarray, np.ndarray]:
        """Convert positions; return ``(offsets, ok)``. ``ok`` is False where a position is outside
        the text or falls inside a character (between the two halves of a surrogate pair)."""
        pos = np.asarray(positions, dtype=np.int64)
        idx = np.searchsorted(self._units, pos, side="right") - 1
        idx = np.clip(idx, 0, len(self._units) - 1)
        ok = (pos >= 0) & (pos <= self.total) & (self._units[idx] == pos)
        return self._norm[idx], ok


def on_word_boundary(text: str, offset: int) -> bool:
    """True unless ``offset`` cuts a word (letters or digits on both sides)."""
    if offset <= 0 or offset >= len(text):
        return True
    return not (text[offset - 1].isalnum() and text[offset].isalnum())


def score(raw: str, spans: list[tuple[int, int]], mode: str) -> tuple[int, int]:
    """``(landing, on_boundaries)`` counts of ``spans`` under ``mode``."""
    if not spans:
        return 0, 0
    pm = PositionMap(raw, mode)
    flat = np.array(spans, dtype=np.int64).reshape(-1)
    off, ok = pm.to_codepoints(flat)
    starts, ends = off[0::2], off[1::2]
    land = ok[0::2] & ok[1::2] & (ends > starts)
    text = pm.text
    bound = sum(1 for s, e, good in zip(starts, ends, land)
                if good and on_word_boundary(text, int(s)) and on_word_boundary(text, int(e)))
    return int(land.sum()), bound


def choose_mode(raws: list[str], spans: list[list[tuple[int, int]]], origin: str | None,
                ) -> tuple[str, str]:
    """Pick the offset mode for a project; return ``(mode, reason)``.

    ``raws[i]`` is a source's raw text and ``spans[i]`` its selections as written.
    """
    order = preferred_modes(origin)
    total = sum(len(s) for s in spans)
    if total == 0:
        return order[0], f"no text selections; {order[0]} assumed"
    strict = wants_word_boundaries(origin)
    results = {}
    for mode in order:
        land = bound = 0
        for raw, sp in zip(raws, spans):
            a, b = score(raw, sp, mode)
            land += a
            bound += b
        results[mode] = (land, bound)
        if mode == order[0] and land == total and (not strict or bound == total):
            return mode, f"all {total} selections land on text as {mode}"
    best = max(order, key=lambda m: (results[m][0], results[m][1], -order.index(m)))
    land, bound = results[best]
    return best, (f"{land} of {total} selections land on text and {bound} on word boundaries as "
                  f"{best} (" + ", ".join(f"{m}: {results[m][0]}/{results[m][1]}" for m in order)
                  + ")")
