"""Reliability data: a coders x units matrix encoded as category codes and compressed.

``encode`` turns a list of coders' value lists (``None``/NaN = missing), a 2-D array or a DataFrame
(coders as rows) into int64 codes (-1 = missing) and the category labels; ``compress`` groups the
distinct unit columns ("patterns") with their multiplicities, so that every coefficient is a sum
over a few patterns. Integer-valued data with a small range is encoded with ``np.bincount``, not a
sort, which is what makes a million units take milliseconds.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Sequence

import numpy as np
import pandas as pd

__all__ = ["Reliability", "prepare", "encode", "compress", "compress_with_inverse"]


@dataclass(frozen=True)
class Reliability:
    """A coders x units matrix as distinct unit columns with multiplicities.

    ``patterns`` is ``m x P`` int64 (category index, -1 = missing), ``weights`` the number of units
    with each pattern, ``categories`` the ``q`` category labels in order.
    """

    patterns: np.ndarray
    weights: np.ndarray
    categories: list

    @property
    def n_coders(self) -> int:
        return self.patterns.shape[0]

    @property
    def q(self) -> int:
        return len(self.categories)

    def counts(self) -> np.ndarray:
        """Patterns x categories table: how many coders put the unit in each category."""
        m, p = self.patterns.shape
        ok = self.patterns >= 0
        cols = np.broadcast_to(np.arange(p), (m, p))[ok]
        flat = cols * self.q + self.patterns[ok]
        return np.bincount(flat, minlength=p * self.q).reshape(p, self.q).astype(float)


def prepare(data, *, categories: Sequence | None = None) -> Reliability:
    """Encode ``data`` (coders x units, see the module docstring) as a :class:`Reliability`."""
    codes, cats = encode(data, categories=categories)
    return compress(codes, cats)


def encode(data, *, categories: Sequence | None = None) -> tuple[np.ndarray, list]:
    """Return ``(codes, categories)``: int64 coders x units codes (-1 = missing) and the labels.

    Values that are all numbers (or missing) are numeric; as soon as one value is a string, every
    value is kept as it is (``"1.10"`` stays ``"1.10"``, ``"nan"`` stays a category). Missing:
    ``None``, NaN and the empty string (as in irrCAC). ``categories`` must be of the data's kind:
    numbers for numeric data, the labels themselves otherwise.
    """
    arr = _as_array(data)
    if categories is not None:
        categories = list(categories)
        if len(set(map(_hashable, categories))) != len(categories):
            raise ValueError("categories must not repeat a value.")
        _check_category_kind(arr, categories)
    if arr.dtype.kind in "biuf":
        return _encode_numeric(arr.astype(float, copy=False), categories)
    return _encode_objects(arr, categories)


_NUMBER = (int, float, np.integer, np.floating, np.bool_)


def _check_category_kind(arr: np.ndarray, categories: list) -> None:
    numeric_cats = all(isinstance(c, _NUMBER) for c in categories)
    if arr.dtype.kind in "biuf" and categories and not numeric_cats:
        raise ValueError(f"the data's values are numbers but categories {categories[:4]!r} are "
                         "not; give numeric categories (or string values).")
    if arr.dtype.kind == "O" and categories and numeric_cats:
        present = [v for v in arr.ravel() if not _missing_scalar(v)]
        if present and all(isinstance(v, str) for v in present):
            raise ValueError(f"the data's values are strings (e.g. {present[0]!r}) but categories "
                             f"{categories[:4]!r} are numbers; give the labels as they appear "
                             "in the data.")


def _missing_scalar(v) -> bool:
    if isinstance(v, str):
        return v == ""
    return v is None or bool(pd.isna(v)) if np.ndim(v) == 0 else False


def _hashable(v):
    return float(v) if isinstance(v, (int, float, np.number)) and not isinstance(v, bool) else v


def _as_array(data) -> np.ndarray:
    if isinstance(data, pd.DataFrame):
        arr = data.to_numpy()
        if arr.dtype.kind not in "biufO":
            arr = arr.astype(object)
    elif isinstance(data, np.ndarray):
        arr = data if data.dtype.kind in "biufO" else data.astype(object)
    else:
        rows = [list(r) for r in data]
        lengths = {len(r) for r in rows}
        if len(lengths) > 1:
            raise ValueError("every coder needs one value (or None) per unit; the coders' lists "
                             f"have different lengths {sorted(lengths)}.")
        arr = np.empty((len(rows), lengths.pop() if lengths else 0), dtype=object)
        for i, r in enumerate(rows):
            arr[i, :] = r
    if arr.ndim != 2:
        raise ValueError("data must be a coders x units matrix (a list of coders, each a list of "
                         "values per unit).")
    if arr.dtype.kind == "O":
        # numbers and missing only: numeric; any string keeps every value as it is
        types = set(map(type, arr.ravel()))
        if all(t is type(None) or issubclass(t, _NUMBER) for t in types):
            arr = np.array(arr.tolist(), dtype=float).reshape(arr.shape)
    if arr.dtype.kind == "b":
        arr = arr.astype(float)
    return arr


def _encode_numeric(x: np.ndarray, categories) -> tuple[np.ndarray, list]:
    missing = np.isnan(x)
    vals = x[~missing]
    codes = np.full(x.shape, -1, dtype=np.int64)
    if categories is not None:
        try:
            cats = np.asarray(categories, dtype=float)
        except (TypeError, ValueError):
            return _encode_objects(x.astype(object), categories)
        order = np.argsort(cats, kind="stable")
        sorted_cats = cats[order]
        pos = np.clip(np.searchsorted(sorted_cats, vals), 0, max(len(cats) - 1, 0))
        bad = (sorted_cats[pos] != vals) if len(cats) else np.ones(vals.shape, bool)
        if bad.any():
            raise ValueError(f"value {_label(vals[bad][0])} is not among the categories "
                             f"{list(categories)}.")
        codes[~missing] = order[pos]
        return codes, list(categories)
    if vals.size and np.all(vals == np.floor(vals)) and vals.max() - vals.min() < 4 * vals.size + 1024:
        lo = int(vals.min())
        shifted = vals.astype(np.int64) - lo
        present = np.bincount(shifted) > 0
        lookup = np.cumsum(present) - 1
        codes[~missing] = lookup[shifted]
        labels = np.flatnonzero(present) + lo
        return codes, [_label(v) for v in labels]
    uniq, inv = np.unique(vals, return_inverse=True)
    codes[~missing] = inv
    return codes, [_label(v) for v in uniq]


def _label(v):
    """A plain Python label: 3.0 -> 3, keeps 2.5."""
    v = v.item() if isinstance(v, np.generic) else v
    if isinstance(v, float) and v.is_integer():
        return int(v)
    return v


def _encode_objects(arr: np.ndarray, categories) -> tuple[np.ndarray, list]:
    flat = arr.ravel()
    missing = np.asarray(pd.isna(flat), dtype=bool) | np.array(
        [isinstance(v, str) and v == "" for v in flat], dtype=bool).reshape(flat.shape)
    vals = flat[~missing]
    codes = np.full(flat.shape, -1, dtype=np.int64)
    if categories is not None:
        idx = pd.Index([_hashable(c) for c in categories], dtype=object).get_indexer(
            [_hashable(v) for v in vals])
        if (idx < 0).any():
            raise ValueError(f"value {vals[idx < 0][0]!r} is not among the categories "
                             f"{list(categories)}.")
        codes[~missing] = idx
        return codes.reshape(arr.shape), list(categories)
    inv, uniques = pd.factorize(pd.Series(vals, dtype=object), sort=False)
    labels = [_label(u) for u in uniques]
    try:
        order = sorted(range(len(labels)), key=lambda i: labels[i])
    except TypeError:  # mixed types: keep first appearance
        order = list(range(len(labels)))
    rank = np.empty(len(order), dtype=np.int64)
    rank[order] = np.arange(len(order))
    codes[~missing] = rank[inv] if len(inv) else inv
    return codes.reshape(arr.shape), [labels[i] for i in order]


def compress(codes: np.ndarray, categories: list, unit_weights: np.ndarray | None = None) -> Reliability:
    """Group identical unit columns; units with no value at all are dropped (they carry nothing).

    ``unit_weights`` (default 1 per unit) is what each unit counts for, e.g. its length in
    characters.
    """
    rel, _ = compress_with_inverse(codes, categories, unit_weights)
    return rel


def compress_with_inverse(codes: np.ndarray, categories: list,
                          unit_weights: np.ndarray | None = None) -> tuple[Reliability, np.ndarray]:
    """:func:`compress`, also returning each unit's pattern index (-1 for units with no value)."""
    m, n = codes.shape
    codes = np.asarray(codes, dtype=np.int64)
    w = np.ones(n) if unit_weights is None else np.asarray(unit_weights, dtype=float)
    keep = (codes >= 0).any(axis=0)
    inverse = np.full(n, -1, dtype=np.int64)
    kept = codes[:, keep]
    nk = kept.shape[1]
    base = len(categories) + 1
    if nk == 0:
        return Reliability(np.zeros((m, 0), np.int64), np.zeros(0), categories), inverse
    if m * np.log2(base) < 62:
        key = np.zeros(nk, dtype=np.int64)
        for row in kept:  # mixed-radix number of the column; -1 -> digit 0
            key = key * base + (row + 1)
        if key.max() < 8 * nk + 4096:
            present = np.bincount(key) > 0
            uniq = np.flatnonzero(present)
            inv = (np.cumsum(present) - 1)[key]
        else:
            uniq, inv = np.unique(key, return_inverse=True)
        pats = np.empty((m, uniq.size), dtype=np.int64)
        rest = uniq.copy()
        for i in range(m - 1, -1, -1):
            pats[i] = rest % base - 1
            rest //= base
    else:
        pats, inv = np.unique(kept, axis=1, return_inverse=True)
        inv = inv.ravel()
    weights = np.bincount(inv, weights=w[keep], minlength=pats.shape[1])
    inverse[keep] = inv
    return Reliability(pats, weights, categories), inverse
