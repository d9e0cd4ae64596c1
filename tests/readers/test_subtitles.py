"""WebVTT and SRT transcripts: speakers from ``Name:`` prefixes and ``<v>`` tags, merged cues, times.

Expected values were read off the files by eye (and with grep), not computed by the reader.
"""
from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

import qualcode as qc
from qualcode.cli import main
from qualcode.errors import InputFormatError
from qualcode.readers.subtitles import read_srt, read_vtt
from helpers import assert_offsets

REAL = Path(__file__).resolve().parents[2].parent / "shared" / "real-data"
ZOOM = REAL / "zoomstudentengagement"
ZOOM_VTT = ZOOM / "GMT20240124-202901_Recording.transcript.vtt"
ZOOM_CC = ZOOM / "GMT20240124-202901_Recording.cc.vtt"
BIOLOGY = ZOOM / "biology_lab_session.vtt"
needs_real = pytest.mark.skipif(not REAL.exists(), reason="../shared/real-data is not beside the repo")


@needs_real
def test_zoom_transcript_speakers_merged_turns_and_times(nlp):
    corpus = qc.load_transcripts(ZOOM_VTT)
    seg = corpus.segments
    # 102 cues; consecutive cues of one speaker merge into 26 turns
    assert len(seg) == 26
    assert set(seg["speaker"]) == {"Srijani Ghosh", "Conor Healy", "Dr. Melissa Ko", "Ryan Sloan",
                                   "Shreeharsh Kelkar", ""}
    first = seg.iloc[0]
    assert (first.speaker, first.text, first.timestamp) == ("Srijani Ghosh", "Hi!", "00:00:00.050")
    assert first.start_time == pytest.approx(0.05) and first.end_time == pytest.approx(1.79)
    # cues 3 and 4 (Srijani) are one turn: first cue's start, last cue's end
    third = seg.iloc[2]
    assert third.speaker == "Srijani Ghosh"
    assert third.text == "Hello! Hello! Hello! Why are you so dark? So"
    assert (third.start_time, third.end_time) == (pytest.approx(5.14), pytest.approx(11.67))
    # cue 48 has no speaker: its own turn with speaker ""
    nobody = seg[seg["speaker"] == ""]
    assert nobody["text"].tolist() == ["Hmm."]
    assert nobody.iloc[0].timestamp == "00:05:07.300"
    assert nobody.iloc[0].start_time == pytest.approx(307.3)
    last = seg.iloc[-1]
    assert last.speaker == "Conor Healy"
    assert last.text.startswith("Which is a huge limitation")
    assert last.text.endswith("everybody can come join.")
    assert (last.start_time, last.end_time) == (pytest.approx(695.35), pytest.approx(735.62))
    assert seg.iloc[-2].text == ("What happens when breakout rooms? How would does this work for "
                                 "breakout rooms or just for the main room? Only the main room. Okay?")
    # the text is "Speaker: text" lines and offsets skip the label
    text = corpus.text(ZOOM_VTT.stem)
    assert text.startswith("Srijani Ghosh: Hi!\n\nConor Healy: Get this party started.\n\n")
    assert_offsets(corpus, nlp)


@needs_real
def test_zoom_caption_track_without_speakers(nlp):
    corpus = qc.load_transcripts(ZOOM_CC)
    seg = corpus.segments
    assert len(seg) == 100  # one turn per cue: no names, no merging
    assert set(seg["speaker"]) == {""}
    assert seg.iloc[0].text == "This doesn't."
    assert (seg.iloc[0].start_time, seg.iloc[0].end_time) == (68.0, 69.0)
    assert seg.iloc[1].text == "This as a nerd, it's the window that we use to write our code."
    assert not seg["is_interviewer"].any()
    assert_offsets(corpus, nlp)


@needs_real
def test_voice_tags(nlp):
    corpus = qc.load_transcripts(BIOLOGY, interviewer=["Dr. Chen"])
    seg = corpus.segments
    assert set(seg["speaker"]) == {"Dr. Chen", "Student Q", "Student R", "Student S", "Student T"}
    assert len(seg) == 69  # 110 cues, 69 changes of voice
    first = seg.iloc[0]
    assert first.text == ("Good morning everyone! Welcome to Biology 201 Lab. Today we'll be working "
                          "with DNA extraction and gel electrophoresis. Please make sure you have "
                          "your lab coats and safety goggles on.")
    assert (first.start_time, first.end_time) == (0.0, 12.0)
    assert seg.iloc[1].speaker == "Student Q" and seg.iloc[1].timestamp == "00:00:12.000"
    assert seg.iloc[-1].text.endswith("Lab dismissed.")
    assert seg.iloc[-1].end_time == 438.0
    assert seg.loc[seg["speaker"] == "Dr. Chen", "is_interviewer"].all()
    assert not seg.loc[seg["speaker"] != "Dr. Chen", "is_interviewer"].any()
    assert "<v" not in corpus.text("biology_lab_session")
    assert_offsets(corpus, nlp)


def test_srt_with_tags_and_speakers(tmp_path, nlp):
    p = tmp_path / "focus.srt"
    p.write_text(
        "1\n00:00:01,000 --> 00:00:03,500\nInterviewer: How did it <i>start</i>?\n\n"
        "2\n00:00:04,000 --> 00:00:06,000\nMaria: It started with\na customer story.\n\n"
        "3\n00:00:06,000 --> 00:00:09,250\nMaria: Then we asked experts.\n\n"
        "4\n00:00:10,000 --> 00:00:11,000\nInterviewer: &amp; then?\n",
        encoding="utf-8")
    [src] = read_srt(p)
    assert src.turns is not None
    corpus = qc.load_transcripts(p)
    seg = corpus.segments
    assert seg["speaker"].tolist() == ["Interviewer", "Maria", "Interviewer"]
    assert seg["text"].tolist() == ["How did it start?",
                                    "It started with a customer story. Then we asked experts.",
                                    "& then?"]
    assert seg["timestamp"].tolist() == ["00:00:01,000", "00:00:04,000", "00:00:10,000"]
    assert seg["start_time"].tolist() == [1.0, 4.0, 10.0]
    assert seg["end_time"].tolist() == [3.5, 9.25, 11.0]
    assert seg["is_interviewer"].tolist() == [True, False, True]
    assert corpus.text("focus") == ("Interviewer: How did it start?\n\nMaria: It started with a "
                                    "customer story. Then we asked experts.\n\nInterviewer: & then?")
    assert_offsets(corpus, nlp)


def test_vtt_without_hours_notes_settings_and_a_one_time_speaker(tmp_path):
    p = tmp_path / "call.vtt"
    p.write_text(
        "WEBVTT - a call\n\nNOTE recorded on a phone\n\n"
        "00:01.000 --> 00:02.500 align:start position:10%\nAnn: Hello <c.yellow>there</c>.\n\n"
        "00:03.000 --> 01:04.000\nBo: Hi Ann.\n\n"
        "01:05.000 --> 01:06.000\nAnn: Bye.\n",
        encoding="utf-8")
    seg = qc.load_transcripts(p).segments
    # Bo speaks once, but most cues carry a "Name:" prefix, so Bo counts as a speaker
    assert seg["speaker"].tolist() == ["Ann", "Bo", "Ann"]
    assert seg["text"].tolist() == ["Hello there.", "Hi Ann.", "Bye."]
    assert seg["start_time"].tolist() == [1.0, 3.0, 65.0]
    assert seg["end_time"].tolist() == [2.5, 64.0, 66.0]


def test_a_colon_in_a_caption_is_not_a_speaker(tmp_path):
    p = tmp_path / "captions.vtt"
    p.write_text("WEBVTT\n\n00:00:01.000 --> 00:00:02.000\nThe rule is simple: ask first.\n\n"
                 "00:00:02.000 --> 00:00:03.000\nThen listen.\n\n"
                 "00:00:03.000 --> 00:00:04.000\nAnd wait.\n", encoding="utf-8")
    seg = qc.load_transcripts(p).segments
    assert seg["speaker"].tolist() == ["", "", ""]
    assert seg.iloc[0].text == "The rule is simple: ask first."


def test_two_voices_in_one_cue_are_split(tmp_path):
    p = tmp_path / "two.vtt"
    p.write_text("WEBVTT\n\n00:00:01.000 --> 00:00:02.000\n<v Ann>Ready?</v>\n<v.loud Bo>Yes!</v>\n",
                 encoding="utf-8")
    seg = qc.load_transcripts(p).segments
    assert seg["speaker"].tolist() == ["Ann", "Bo"]
    assert seg["text"].tolist() == ["Ready?", "Yes!"]


def test_malformed_timing_names_the_line(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    Path("bad.vtt").write_text("WEBVTT\n\n1\n00:00:01.000 --> 00:00:02.000\nA: hi\n\n"
                               "2\n00:00:03 --> 00:00:04.000\nA: hi\n", encoding="utf-8")
    with pytest.raises(InputFormatError) as err:
        read_vtt(Path("bad.vtt"))
    assert str(err.value) == ("bad.vtt, line 8: malformed cue timing '00:00:03 --> 00:00:04.000'; "
                              "expected 'hh:mm:ss.mmm --> hh:mm:ss.mmm'")


def test_missing_arrow_names_the_line(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    Path("bad.srt").write_text("1\n00:00:01,000 --> 00:00:02,000\nhi\n\n"
                               "2\n00:00:03,000 - 00:00:04,000\nthere\n", encoding="utf-8")
    with pytest.raises(InputFormatError) as err:
        read_srt(Path("bad.srt"))
    assert str(err.value) == ("bad.srt, line 6: expected a cue timing line "
                              "'hh:mm:ss.mmm --> hh:mm:ss.mmm', found '00:00:03,000 - 00:00:04,000'")


def test_cli_broken_vtt_is_one_line_and_writes_nothing(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    Path("bad.vtt").write_text("WEBVTT\n\n00:00:01.000 --> 00:00:0x.000\nA: hi\n", encoding="utf-8")
    result = CliRunner().invoke(main, ["load", "bad.vtt", "-o", "segments.csv"])
    assert result.exit_code == 1
    assert result.output == ("Error: bad.vtt, line 3: malformed cue timing "
                             "'00:00:01.000 --> 00:00:0x.000'; expected 'hh:mm:ss.mmm --> hh:mm:ss.mmm'\n")
    assert not Path("segments.csv").exists()


def test_vtt_with_no_cues(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    Path("empty.vtt").write_text("WEBVTT\n\n", encoding="utf-8")
    with pytest.raises(InputFormatError) as err:
        read_vtt(Path("empty.vtt"))
    assert str(err.value) == "empty.vtt: no cues with text found; is this a .vtt subtitle file?"
