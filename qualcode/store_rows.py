"""Rows of the store as Python values: the codings table's columns, values sqlite accepts, JSON
for events, and codings rows as the DataFrame :class:`qualcode.store.Store` returns. Pure functions,
no connection (the store's helpers, kept apart so ``store.py`` holds the SQL and nothing else)."""
from __future__ import annotations

import datetime
import hashlib
import json
import sqlite3

import numpy as np
import pandas as pd

CODING_COLUMNS = ["id", "document", "start", "end", "code", "coder", "segment", "method", "score",
                  "memo", "status", "version", "suggestion_id", "created_at", "updated_at"]
EVENT_COLUMNS = ["id", "time", "actor", "action", "coding", "document", "code", "before", "after"]
STATUSES = ("suggested", "accepted", "rejected")
#: the fields of a coding an event's before/after records
_STATE = ("document", "start", "end", "code", "coder", "method", "memo", "status", "deleted",
          "version", "suggestion_id")


def now() -> str:
    """The current time as ISO-8601 UTC with microseconds."""
    return datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="microseconds")


def sha256(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def _none(v):
    """NaN/NA/numpy scalars -> plain Python values sqlite accepts."""
    if v is None:
        return None
    if isinstance(v, float) and v != v:
        return None
    if v is pd.NA or v is pd.NaT:
        return None
    if isinstance(v, np.integer):
        return int(v)
    if isinstance(v, np.floating):
        return None if np.isnan(v) else float(v)
    if isinstance(v, str) and v == "":
        return None
    return v


def _statements(script: str) -> list[str]:
    """Split a migration script into statements (triggers keep their inner ';')."""
    out, buf = [], ""
    for line in script.splitlines():
        if not line.strip():
            continue
        buf += line + "\n"
        if sqlite3.complete_statement(buf):
            out.append(buf.strip())
            buf = ""
    if buf.strip():
        out.append(buf.strip())
    return out


def _json(value) -> str:
    return json.dumps(value, ensure_ascii=False, sort_keys=True, default=_jsonable)


def _jsonable(v):
    if isinstance(v, np.integer):
        return int(v)
    if isinstance(v, np.floating):
        return float(v)
    return str(v)


def _id_list(ids) -> list[int]:
    if isinstance(ids, (int, np.integer)):
        return [int(ids)]
    return [int(i) for i in ids]


def _state(row: dict) -> dict:
    return {k: row.get(k) for k in _STATE if k in row}


def _row_state(r: tuple) -> dict:
    return {"document": r[0], "start": r[1], "end": r[2], "code": r[3], "coder": r[4],
            "method": r[6], "memo": r[8], "status": r[9], "version": 1, "suggestion_id": r[10]}


def _codings_frame(rows: list[tuple]) -> pd.DataFrame:
    cols = list(zip(*rows)) if rows else [()] * len(CODING_COLUMNS)
    ints = {"id", "start", "end", "version"}
    nullable = {"segment", "suggestion_id"}
    data = {}
    for name, values in zip(CODING_COLUMNS, cols):
        if name in ints:
            data[name] = pd.Series(values, dtype="int64")
        elif name in nullable:
            data[name] = pd.Series(values, dtype="Int64")
        elif name == "score":
            data[name] = pd.Series([np.nan if v is None else v for v in values], dtype="float64")
        else:  # text: None stays None (not NaN)
            data[name] = pd.Series(values, dtype=object)
    return pd.DataFrame(data, columns=CODING_COLUMNS)
