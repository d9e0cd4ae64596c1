"""The interviewer rule, written once, and the declared speakers."""
from __future__ import annotations

import pytest

from qualcode import Corpus
from qualcode.readers import Source, read_source, with_turns
from qualcode.readers.speakers import (declared_interviewers, declared_speakers, interviewer_rule,
                                       is_interviewer)


@pytest.mark.parametrize("label,expected", [
    ("Interviewer", True), ("Interviewer 2", True), ("interviewer1", True), ("Q", True),
    ("I", True), ("Int", True), ("Moderator (Sam)", True), ("Iris", False), ("Alpha", False),
    ("", False), (" Q ", True),
])
def test_default_rule(label, expected):
    assert is_interviewer(label) is expected


def test_declared_labels_replace_the_default():
    attrs = {"interviewer": "Dan, Eve", "speakers": ["Ann"]}
    assert declared_interviewers(attrs) == {"Dan", "Eve"}
    assert declared_speakers(attrs) == {"Dan", "Eve", "Ann"}
    asks = interviewer_rule(attrs)
    assert asks("Dan") and not asks("Interviewer")
    assert declared_interviewers({}) is None and declared_interviewers({"interviewers": []}) == set()
    assert declared_interviewers({"interviewer": 7}) == {"7"}


def test_readers_always_return_turns_and_the_corpus_uses_the_same_rule(tmp_path):
    path = tmp_path / "t.txt"
    path.write_text("---\ninterviewer: Dan\n---\nDan: why?\nAnn: because.\nDan: and?\nAnn: so.\n",
                    encoding="utf-8")
    (src,) = read_source(path)
    assert [t.speaker for t in src.turns] == ["Dan", "Ann", "Dan", "Ann"]
    bare = Source(name="x", text="Q: why?\nBo: fine.\n", path="", format="text")
    assert with_turns(bare).turns[0].speaker == "Q" and bare.turns is None
    seg = Corpus.from_sources([src, bare]).segments
    assert seg.groupby("speaker")["is_interviewer"].first().to_dict() == \
        {"Ann": False, "Bo": False, "Dan": True, "Q": True}
