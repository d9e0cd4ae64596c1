"""The speaker rules (issue 13, item 5): a label used once is a speaker in a text with speakers,
declared speakers always are, known non-speaker labels never are; a REFI-QDA import writes the
speaker list so the transcripts load into the same turns."""
from __future__ import annotations

from pathlib import Path

import pytest

import qualcode as qc
from qualcode.readers.plain import parse_turns

ZOOM = (Path(__file__).resolve().parents[3] / "shared" / "real-data" / "zoomstudentengagement"
        / "GMT20240124-202901_Recording.transcript.vtt")


def speakers(text, **kw):
    return [t.speaker for t in parse_turns(text, **kw)]


def test_a_label_used_once_is_a_speaker():
    # this gave two turns, both Anna's
    assert speakers("Anna: How are you?\nBen: hello fine\nAnna: Good to hear.\n") == [
        "Anna", "Ben", "Anna"]
    assert speakers("P1: yes\nP2: no\nP3: once only\nP1: again\n")[-2:] == ["P3", "P1"]


@pytest.mark.parametrize("line", ["Note: this was said quietly.", "Date: 12 May 2024",
                                  "PS: see the slides", "URL: none"])
def test_known_non_speaker_labels_stay_in_the_turn(line):
    text = f"Anna: First answer.\n{line}\nBen: A reply.\nBen: More.\nAnna: Again.\n"
    turns = parse_turns(text)
    assert [t.speaker for t in turns] == ["Anna", "Ben", "Ben", "Anna"]
    assert line in text[turns[0].start:turns[0].end]


def test_a_text_without_speakers_keeps_sentences_with_colons():
    text = "The three things were: price, trust and time.\n\nSecond: not a label, said once.\n"
    assert speakers(text) == ["", ""]


def test_declared_speakers_win_over_the_patterns():
    assert speakers("Anna: x\nNote: y\nAnna: z\n", speakers={"Note"}) == ["Anna", "Note", "Anna"]


@pytest.mark.skipif(not ZOOM.exists(), reason="../shared/real-data is not beside the repository")
def test_qdpx_import_writes_speakers_and_keeps_the_turns(tmp_path):
    from qualcode import refi
    from qualcode.project_io import init_from_qdpx

    corpus = qc.load_transcripts(ZOOM)
    cb = qc.Codebook.from_dict({"codes": [{"id": "a", "name": "A"}]})
    refi.write_qdpx(tmp_path / "zoom.qdpx", corpus, cb, None)
    via_qdpx = refi.read_qdpx(tmp_path / "zoom.qdpx").corpus
    # "Ryan Sloan" speaks once: a turn of its own (the import gave 24 turns for 26 before)
    assert "Ryan Sloan" in set(via_qdpx.segments["speaker"])
    # the one cue without a name ("Hmm.") stays a turn of its own: qualcode's note in the .qdpx
    # and the front matter of the .txt carry the turns (it joined the turn before: 26 -> 25)
    assert len(via_qdpx.segments) == len(corpus.segments) == 26
    project, _ = init_from_qdpx(tmp_path / "project", tmp_path / "zoom.qdpx")
    with project:
        text = next((tmp_path / "project" / "transcripts").glob("*.txt")).read_text()
        assert "speakers: [Srijani Ghosh, Conor Healy" in text
        back = project.corpus.segments
    cols = ["document", "speaker", "start", "end"]
    assert back[cols].values.tolist() == via_qdpx.segments[cols].values.tolist()
