"""Plain-text transcripts: front matter, speaker turns, timestamps, paragraphs, interviewer marking."""
from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

import qualcode as qc
from qualcode.cli import main
from qualcode.errors import InputFormatError
from qualcode.readers.plain import parse_turns, timestamp_seconds
from helpers import assert_offsets

REAL = Path(__file__).resolve().parents[2].parent / "shared" / "real-data"
needs_real = pytest.mark.skipif(not REAL.exists(), reason="../shared/real-data is not beside the repo")


ALPHA = """\
---
case: Alpha
participant: Marketing Consultant
role: consultant
industry: Software
interviewer: Ann
language: en
---
[00:00:05] Ann: Tell me about your firm.
[00:01:10] Alpha: We sell software to engineers.
We also consult.

Note: this was said quietly.
00:02:31 Ann: And influencers?
(02:45) Alpha:
We use our own experts.
"""


def write(tmp_path, name, text):
    p = tmp_path / name
    p.write_text(text, encoding="utf-8")
    return p


def test_front_matter_timestamps_continuations(tmp_path, nlp):
    corpus = qc.load_transcripts(write(tmp_path, "alpha.txt", ALPHA))
    seg = corpus.segments
    assert seg["speaker"].tolist() == ["Ann", "Alpha", "Ann", "Alpha"]
    assert seg["text"].tolist() == [
        "Tell me about your firm.",
        "We sell software to engineers.\nWe also consult.\n\nNote: this was said quietly.",
        "And influencers?",
        "We use our own experts.",  # the label stood alone on its line
    ]
    assert seg["timestamp"].tolist() == ["00:00:05", "00:01:10", "00:02:31", "02:45"]
    assert seg["start_time"].tolist() == [5.0, 70.0, 151.0, 165.0]
    assert seg["is_interviewer"].tolist() == [True, False, True, False]  # interviewer: Ann
    assert seg["case"].unique().tolist() == ["Alpha"]
    # participant, role, industry describe the case; interviewer and language the document
    assert corpus.cases.to_dict("records") == [
        {"case": "Alpha", "participant": "Marketing Consultant", "role": "consultant",
         "industry": "Software"}]
    doc = corpus.documents.iloc[0]
    assert (doc["interviewer"], doc["language"]) == ("Ann", "en")
    text = corpus.text("alpha")
    assert text.startswith("[00:00:05] Ann: Tell me")  # the body after the front matter
    assert "case: Alpha" not in text
    # the Note line continues Alpha's turn in paragraph units too
    para = corpus.with_unit("paragraph").segments
    assert para["speaker"].tolist() == ["Ann", "Alpha", "Alpha", "Ann", "Alpha"]
    assert para.iloc[2].text == "Note: this was said quietly."
    assert_offsets(corpus, nlp)


def test_sentences(tmp_path, nlp):
    corpus = qc.load_transcripts(write(tmp_path, "alpha.txt", ALPHA), unit="sentence", nlp=nlp)
    assert corpus.segments["text"].tolist() == [
        "Tell me about your firm.", "We sell software to engineers.", "We also consult.",
        "Note: this was said quietly.", "And influencers?", "We use our own experts."]
    assert corpus.segments["segment"].tolist() == [1, 2, 3, 4, 5, 6]
    assert corpus.segments["turn"].tolist() == [1, 2, 2, 2, 3, 4]


def test_default_interviewer_labels(tmp_path):
    text = ("Interviewer: One?\nIota: Yes.\nI: Two?\nIota: No.\nQ: Three?\nIota: Maybe.\n"
            "Interviewer 2: Four?\nIota: Fine.\n")
    seg = qc.load_transcripts(write(tmp_path, "iota.txt", text)).segments
    assert seg["speaker"].tolist() == ["Interviewer", "Iota", "I", "Iota", "Q", "Iota",
                                       "Interviewer 2", "Iota"]
    # "Iota" starts with I but is not the interviewer
    assert seg["is_interviewer"].tolist() == [True, False, True, False, True, False, True, False]


def test_front_matter_interviewer_overrides_default(tmp_path):
    text = "---\ncase: Mu\ninterviewer: [Kim, Lee]\n---\nKim: A?\nInterviewer: I am the guest.\nLee: B?\n" \
           "Interviewer: Fine.\n"
    seg = qc.load_transcripts(write(tmp_path, "mu.txt", text)).segments
    assert seg["is_interviewer"].tolist() == [True, False, True, False]


def test_declared_speaker_counts_once(tmp_path):
    # Ann appears once but front matter names her, so her line is a turn
    text = "---\ninterviewer: Ann\n---\nAnn: Why?\nBo: Because.\nBo: Also this.\n"
    seg = qc.load_transcripts(write(tmp_path, "x.txt", text)).segments
    assert seg["speaker"].tolist() == ["Ann", "Bo", "Bo"]


def test_no_speakers_means_paragraphs(tmp_path, nlp):
    text = "First paragraph\nwrapped here.\n\n  \nSecond: not a label, said once.\n\nThird.\n"
    corpus = qc.load_transcripts(write(tmp_path, "memo.txt", text))
    seg = corpus.segments
    assert seg["speaker"].tolist() == ["", "", ""]
    assert seg["text"].tolist() == ["First paragraph\nwrapped here.",
                                    "Second: not a label, said once.", "Third."]
    assert not seg["is_interviewer"].any()
    assert_offsets(corpus, nlp)


def test_preamble_before_the_first_speaker(tmp_path):
    text = "Interview 3, recorded in May.\n\nQ: Ready?\nB: Yes.\nQ: Go.\nB: Ok.\n"
    seg = qc.load_transcripts(write(tmp_path, "pre.txt", text)).segments
    assert seg["speaker"].tolist() == ["", "Q", "B", "Q", "B"]
    assert seg.iloc[0].text == "Interview 3, recorded in May."


def test_parse_turns_offsets_and_timestamp_seconds():
    text = "[00:12:31] Alpha: Hi there.\n  more\nBeta: Yo.\nAlpha: Bye.\nBeta:\nCiao."
    turns = parse_turns(text)
    assert [(t.speaker, text[t.start:t.end]) for t in turns] == [
        ("Alpha", "Hi there.\n  more"), ("Beta", "Yo."), ("Alpha", "Bye."), ("Beta", "Ciao.")]
    assert turns[0].timestamp == "00:12:31" and turns[0].start_time == 751.0
    assert timestamp_seconds("01:02:03.5") == 3723.5
    assert timestamp_seconds("12:31") == 751.0
    assert timestamp_seconds("") is None


@needs_real
def test_qualcoder_bracket_tags(nlp):
    corpus = qc.load_transcripts(REAL / "qualcoder-examples" / "transcript.txt")
    seg = corpus.segments
    assert seg["speaker"].tolist() == ["id1", "id2", "id3", "id1", "id3", "id1", "id2"]
    assert seg.iloc[0].text.startswith("hello, I like the course. It really helped me")
    assert seg.iloc[-1].text == ("Hmm, I will ask the tutor for more help as I am really "
                                 "struggling.")
    assert "[id1]" not in seg.iloc[0].text
    assert not seg["is_interviewer"].any()
    assert_offsets(corpus, nlp)


@needs_real
def test_zoom_chat_export_reads_as_timestamped_turns(nlp):
    # Zoom's chat export (HH:MM:SS<TAB>Name:<TAB>message) already fits the plain-text rules
    corpus = qc.load_transcripts(
        REAL / "zoomstudentengagement" / "GMT20240124-202901_RecordingnewChat.txt")
    seg = corpus.segments
    assert len(seg) == 12
    assert seg.iloc[0].speaker == "Ryan Sloan"
    assert seg.iloc[0].text == "Let\u2019s try to stay muted unless speaking up, just to reduce echo"
    assert seg.iloc[0].timestamp == "00:05:16" and seg.iloc[0].start_time == 316.0
    assert seg.iloc[6].speaker == "Khalilah Beal-Uribe"
    assert set(seg["speaker"]) == {"Ryan Sloan", "Dr. Melissa Ko", "Khalilah Beal-Uribe",
                                   "Shreeharsh Kelkar"}
    assert_offsets(corpus, nlp)


@pytest.mark.parametrize("content, message", [
    ("", "t.txt: empty transcript (no text after the front matter)"),
    ("---\ncase: A\n---\n\n  \n", "t.txt: empty transcript (no text after the front matter)"),
    ("---\ncase: A\nInterviewer: hi\n",
     "t.txt, line 1: front matter opened with '---' on line 1 is never closed; add a line '---' "
     "after it"),
    ("---\ncase: A\nrole: x: y\n---\nInterviewer: hi\n",
     "t.txt, line 3: front matter is not valid YAML (mapping values are not allowed here)"),
    ("---\n- a\n- b\n---\nI: hi\n", "t.txt, line 2: front matter must be 'key: value' lines"),
])
def test_malformed_text_files(tmp_path, monkeypatch, content, message):
    monkeypatch.chdir(tmp_path)
    Path("t.txt").write_text(content, encoding="utf-8")
    with pytest.raises(InputFormatError) as err:
        qc.load_transcripts("t.txt")
    assert str(err.value) == message
    result = CliRunner().invoke(main, ["load", "t.txt", "-o", "segments.csv"])
    assert result.exit_code == 1
    assert result.output == f"Error: {message}\n"
    assert "Traceback" not in result.output
    assert not Path("segments.csv").exists()
