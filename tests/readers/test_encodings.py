"""Text encodings: UTF-8 with and without BOM, UTF-16/32 with BOM, a reported cp1252 fallback."""
from __future__ import annotations

import codecs
from pathlib import Path

import pytest
from click.testing import CliRunner

import qualcode as qc
from qualcode.cli import main
from qualcode.errors import InputFormatError

TEXT = "Interviewer: Mik\u00e4 on t\u00e4rkeint\u00e4?\r\nP\u00e4ivi: Luottamus \u2013 aina.\r\n" \
       "Interviewer: Kiitos.\r\nP\u00e4ivi: Ole hyv\u00e4.\r\n"
EXPECTED = ["Mik\u00e4 on t\u00e4rkeint\u00e4?", "Luottamus \u2013 aina.", "Kiitos.", "Ole hyv\u00e4."]


@pytest.mark.parametrize("data, encoding", [
    (TEXT.encode("utf-8"), "utf-8"),
    (codecs.BOM_UTF8 + TEXT.encode("utf-8"), "utf-8-sig"),
    (codecs.BOM_UTF16_LE + TEXT.encode("utf-16-le"), "utf-16"),
    (codecs.BOM_UTF16_BE + TEXT.encode("utf-16-be"), "utf-16"),
    (codecs.BOM_UTF32_LE + TEXT.encode("utf-32-le"), "utf-32"),
])
def test_unicode_encodings_read_exactly(tmp_path, data, encoding):
    p = tmp_path / "p.txt"
    p.write_bytes(data)
    corpus = qc.load_transcripts(p)
    assert corpus.segments["text"].tolist() == EXPECTED
    assert corpus.segments["speaker"].tolist() == ["Interviewer", "P\u00e4ivi"] * 2
    text = corpus.text("p")
    assert text.startswith("Interviewer:")  # no BOM left in the text
    assert "\r" not in text  # line endings normalised
    assert corpus.documents.iloc[0]["encoding"] == encoding
    assert corpus.warnings == []
    for row in corpus.segments.itertuples():
        assert text[row.start:row.end] == row.text


def test_cp1252_fallback_is_reported(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    Path("old.txt").write_bytes(TEXT.encode("cp1252"))
    corpus = qc.load_transcripts("old.txt")
    assert corpus.segments["text"].tolist() == EXPECTED
    assert corpus.documents.iloc[0]["encoding"] == "cp1252"
    warning = "old.txt: not UTF-8: read as Windows-1252 (cp1252); save it as UTF-8 to be sure"
    assert corpus.warnings == [warning]
    result = CliRunner().invoke(main, ["load", "old.txt"])
    assert result.exit_code == 0
    assert result.stderr == f"warning: {warning}\n"


def test_subtitles_in_utf16_and_cp1252(tmp_path):
    vtt = "WEBVTT\n\n00:00:01.000 --> 00:00:02.000\nAnn: Caf\u00e9?\n\n" \
          "00:00:02.000 --> 00:00:03.000\nBo: Oui \u2013 merci.\n\n" \
          "00:00:03.000 --> 00:00:04.000\nAnn: Bien.\n"
    (tmp_path / "a.vtt").write_bytes(codecs.BOM_UTF16_LE + vtt.encode("utf-16-le"))
    (tmp_path / "b.vtt").write_bytes(vtt.encode("cp1252"))
    corpus = qc.load_transcripts(tmp_path)
    assert corpus.segments["text"].tolist() == ["Caf\u00e9?", "Oui \u2013 merci.", "Bien."] * 2
    assert corpus.warnings == [f"{tmp_path / 'b.vtt'}: not UTF-8: read as Windows-1252 (cp1252); "
                               "save it as UTF-8 to be sure"]


@pytest.mark.parametrize("name, data, message", [
    ("bad.txt", b"Interviewer: \x81\x8d\x8f\x90\x9d",
     "bad.txt: not UTF-8, UTF-16 or cp1252 text (undecodable byte at 13); save it as UTF-8"),
    ("odd.txt", codecs.BOM_UTF16_LE + "Hi".encode("utf-16-le") + b"\x00",
     "odd.txt: not valid utf-16 at byte 6 although it starts with a utf-16 BOM"),
    ("bad.srt", b"1\n00:00:01,000 --> 00:00:02,000\n\x81\x8d\n",
     "bad.srt: not UTF-8, UTF-16 or cp1252 text (undecodable byte at 32); save it as UTF-8"),
])
def test_undecodable_bytes(tmp_path, monkeypatch, name, data, message):
    monkeypatch.chdir(tmp_path)
    Path(name).write_bytes(data)
    with pytest.raises(InputFormatError) as err:
        qc.load_transcripts(name)
    assert str(err.value) == message
    result = CliRunner().invoke(main, ["load", name])
    assert result.exit_code == 1
    assert result.output == f"Error: {message}\n"
