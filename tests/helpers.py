"""Assertions shared by the test modules (importable because conftest.py puts tests/ on sys.path)."""
from __future__ import annotations

import contextlib
import os
import tempfile
from pathlib import Path


def assert_offsets(corpus, nlp) -> None:
    """The offset invariant for every unit: text[start:end] == segment text, non-empty, stripped."""
    for unit in ("turn", "paragraph", "sentence"):
        seg = corpus.with_unit(unit, nlp=nlp).segments
        assert len(seg) > 0, unit
        for row in seg.itertuples():
            assert corpus.text(row.document)[row.start:row.end] == row.text, (unit, row.segment)
            assert row.text and row.text == row.text.strip(), (unit, row.segment)


#: what interviewees say in the tiny study, by the code a person gave it ("" = nothing)
SENTENCES = {
    "roi": ["We measured the ROI of every campaign and tracked conversions.",
            "Measuring ROI is how we report conversions to the board.",
            "The ROI numbers and conversions came from our analytics team."],
    "rel": ["Building strong relationships with customers takes years of trust.",
            "Trust and long relationships with customers matter most to us.",
            "We keep relationships with customers warm through trust."],
    "": ["The office moved to a new building near the harbour last spring.",
         "Lunch was served late because the caterer got lost.",
         "My commute is short since I cycle along the river."],
}


@contextlib.contextmanager
def inside(parent):
    """A fresh folder under ``parent`` as the working directory for the block (yields its path as a
    string): what click's deprecated ``CliRunner.isolated_filesystem(temp_dir=...)`` did."""
    folder = Path(tempfile.mkdtemp(dir=parent))
    before = os.getcwd()
    os.chdir(folder)
    try:
        yield str(folder)
    finally:
        os.chdir(before)


#: a two-code codebook for the `qualcode codebook` tests (tests/cli)
TINY_CODEBOOK = """\
name: Tiny
version: "2"
codes:
  - id: goal
    name: Goals
    description: Why.
    children:
      - id: goal.sales
        name: Sales
        description: Leads and deals.
        keywords: [lead generation, sales]
"""
