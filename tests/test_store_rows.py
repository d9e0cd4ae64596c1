"""The store's row helpers: values sqlite accepts, the codings frame's types, migration scripts
split into statements."""
from __future__ import annotations

import numpy as np
import pandas as pd

from qualcode.store_rows import CODING_COLUMNS, _codings_frame, _none, _statements, sha256


def test_missing_values_and_numpy_scalars_become_plain_python():
    assert _none(float("nan")) is None and _none(pd.NA) is None and _none("") is None
    assert _none(np.int64(3)) == 3 and type(_none(np.int64(3))) is int
    assert _none(np.float32(0.5)) == 0.5 and _none(np.float64("nan")) is None
    assert _none("x") == "x"


def test_an_empty_codings_frame_has_the_columns_and_types():
    df = _codings_frame([])
    assert list(df.columns) == CODING_COLUMNS and len(df) == 0
    row = (1, "alpha", 0, 5, "goal.sales", "ME", None, "human", None, None, None, 1, None,
           "t", "t")
    df = _codings_frame([row])
    assert str(df["start"].dtype) == "int64" and str(df["segment"].dtype) == "Int64"
    assert df["memo"].iloc[0] is None and np.isnan(df["score"].iloc[0])


def test_statements_keep_a_triggers_inner_semicolons():
    script = """
    CREATE TABLE t (a);
    CREATE TRIGGER t_no BEFORE DELETE ON t
        BEGIN SELECT RAISE(ABORT, 'no'); END;
    """
    parts = _statements(script)
    assert len(parts) == 2 and parts[1].endswith("END;")
    assert sha256("abc").startswith("ba7816bf")
