"""Assertions shared by the test modules (importable because conftest.py puts tests/ on sys.path)."""
from __future__ import annotations


def assert_offsets(corpus, nlp) -> None:
    """The offset invariant for every unit: text[start:end] == segment text, non-empty, stripped."""
    for unit in ("turn", "paragraph", "sentence"):
        seg = corpus.with_unit(unit, nlp=nlp).segments
        assert len(seg) > 0, unit
        for row in seg.itertuples():
            assert corpus.text(row.document)[row.start:row.end] == row.text, (unit, row.segment)
            assert row.text and row.text == row.text.strip(), (unit, row.segment)
