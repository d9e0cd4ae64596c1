"""One way to write numbers, intervals and missing values (report, CLI tables, Markdown)."""
from __future__ import annotations

import doctest

import numpy as np
import pandas as pd

from qualcode import formatting
from qualcode.formatting import MISSING, cell, interval, number, percent


def test_doctests():
    assert doctest.testmod(formatting).failed == 0


def test_numbers_of_every_kind():
    assert [number(v) for v in (np.int64(7), np.float64(0.25), np.bool_(True), pd.NA, None,
                                float("nan"), "text")] == \
        ["7", "0.250", "True", MISSING, MISSING, MISSING, "text"]
    assert number(1234.0, thousands=True) == "1,234" and number(1.0, thousands=True) == "1.000"
    assert number(0.5, 1) == "0.5"


def test_intervals_and_percentages():
    assert interval(np.float64(-0.0041), -0.01, 0.0) == "-0.004 [-0.010, 0.000]"
    assert interval(float("nan"), 0.1, 0.2) == MISSING
    assert interval(0.5, float("nan"), float("nan")) == "0.500"
    assert percent(float("nan")) == MISSING and percent(1) == "100.0"


def test_cells_are_one_line_and_cut():
    assert cell("a\nb") == "a b"
    assert cell("x" * 10, max_width=5) == "xxxx…"


def test_markdown_and_echo_table_write_missing_values_alike(capsys):
    from qualcode.cli.common import echo_table
    from qualcode.fileio import dataframe_to_markdown

    df = pd.DataFrame({"code": ["a|b"], "kappa": [float("nan")], "n": [3]})
    assert dataframe_to_markdown(df).splitlines()[2] == f"| a\\|b | {MISSING} | 3 |"
    echo_table(df)
    assert capsys.readouterr().out.splitlines()[2].split() == ["a|b", MISSING, "3"]
