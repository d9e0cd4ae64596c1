"""How numbers, intervals and missing values are written, everywhere qualcode shows them: the HTML
report, the command line's tables (``echo_table``, ``agree``, ``evaluate``), Markdown exports.

One rule each, so a confidence interval or an undefined coefficient reads the same in every place:

>>> number(0.90712), number(float("nan")), number(26040), number(26040, thousands=True)
('0.907', '–', '26040', '26,040')
>>> interval(0.907, 0.8821, 0.928), interval(0.907, None, None), interval(None, 0.1, 0.2)
('0.907 [0.882, 0.928]', '0.907', '–')
>>> percent(0.99234)
'99.2'
"""
from __future__ import annotations

import math
import numbers

import numpy as np
import pandas as pd

#: what an undefined or absent value prints as (an undefined coefficient, a coder who did not
#: code the material, an empty cell)
MISSING = "–"
DIGITS = 3


def is_missing(value) -> bool:
    """None, NaN or pandas' NA/NaT."""
    if value is None:
        return True
    if isinstance(value, float):
        return math.isnan(value)
    try:
        result = pd.isna(value)
    except (TypeError, ValueError):
        return False
    return result is True or (isinstance(result, bool) and result)


def number(value, digits: int = DIGITS, *, thousands: bool = False) -> str:
    """A value for a table cell: :data:`MISSING` when absent, a float to ``digits`` decimals, an
    integer as a whole number (``thousands``: with separators, and an integral float above 1.5 too,
    as counts often are), anything else (text, a truth value) as its text."""
    if is_missing(value):
        return MISSING
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, numbers.Real):
        return str(value)
    if isinstance(value, numbers.Integral):
        return f"{int(value):,}" if thousands else str(int(value))
    value = float(value)
    if thousands and value.is_integer() and abs(value) > 1.5:
        return f"{int(value):,}"
    return f"{value:.{digits}f}"


def interval(value, low, high, digits: int = DIGITS) -> str:
    """``value [low, high]``; the value alone when the interval is absent; :data:`MISSING` when
    the value is."""
    if is_missing(value):
        return MISSING
    if is_missing(low) or is_missing(high):
        return number(float(value), digits)
    return f"{number(float(value), digits)} [{number(float(low), digits)}, {number(float(high), digits)}]"


def percent(share, digits: int = 1) -> str:
    """A share in [0, 1] as a percentage without the sign (``0.992`` -> ``99.2``)."""
    if is_missing(share):
        return MISSING
    return f"{100 * float(share):.{digits}f}"


def cell(value, *, digits: int = DIGITS, max_width: int | None = None) -> str:
    """:func:`number` on one line, cut at ``max_width`` characters with an ellipsis."""
    text = number(value, digits) if not isinstance(value, str) else value
    text = text.replace("\n", " ")
    if max_width is not None and len(text) > max_width:
        text = text[: max_width - 1] + "…"
    return text
