""".docx and .odt transcripts: paragraphs, tables, front matter, the plain-text speaker rules."""
from __future__ import annotations

import zipfile
from pathlib import Path

import docx
import pytest
from click.testing import CliRunner

import qualcode as qc
from qualcode.cli import main
from qualcode.errors import InputFormatError
from qualcode.readers.office import read_docx, read_odt
from helpers import assert_offsets

REAL = Path(__file__).resolve().parents[2].parent / "shared" / "real-data"
QUALCODER = REAL / "qualcoder-examples"
needs_real = pytest.mark.skipif(not REAL.exists(), reason="../shared/real-data is not beside the repo")


@needs_real
def test_qualcoder_docx_without_speakers(nlp):
    corpus = qc.load_transcripts(QUALCODER / "ID1.docx")
    seg = corpus.segments
    assert len(seg) == 3  # three paragraphs (the fourth, empty one is dropped)
    assert set(seg["speaker"]) == {""}
    assert seg.iloc[0].text.startswith("I really like learning new things. I think this course")
    assert seg.iloc[1].text.startswith("I guess some less computer-savvy people")
    assert seg.iloc[2].text.startswith("I also like the other students in the course.")
    assert corpus.text("ID1").count("\n\n") == 2
    assert corpus.documents.iloc[0]["format"] == "docx"
    assert_offsets(corpus, nlp)


@needs_real
def test_qualcoder_odt(nlp):
    corpus = qc.load_transcripts(QUALCODER / "ID2.odt")
    seg = corpus.segments
    assert seg["text"].tolist() == [
        "I have not studied much before, but my father Joe Bloggs really encouraged me to study "
        "again. I know that I must get help as I have struggled understanding the lecture slides so "
        "far and searching the web did not help.",
        "I really want someone to sit down with me and explain the course material.",
        "The course cost \u20ac200.00 and I do not want to waste my money.",
    ]
    assert set(seg["speaker"]) == {""}
    assert_offsets(corpus, nlp)


def _docx(path: Path) -> Path:
    d = docx.Document()
    for line in ("---", "case: Gamma", "industry: Consulting", "interviewer: Ann", "---"):
        d.add_paragraph(line)
    d.add_paragraph("Ann: How do you work with influencers?")
    p = d.add_paragraph("Gamma: Mostly with our own experts.")
    p.add_run().add_break()
    p.add_run("They write for the trade press.")
    d.add_paragraph("")
    d.add_paragraph("We measure little so far.")
    table = d.add_table(rows=2, cols=2)
    table.cell(0, 0).text = "Ann"
    table.cell(0, 1).text = "Why so little?"
    table.cell(1, 0).text = "Gamma:"
    table.cell(1, 1).text = "No budget for tools."
    d.add_paragraph("Ann: Thank you.")
    d.save(path)
    return path


def test_docx_front_matter_turns_and_table(tmp_path, nlp):
    path = _docx(tmp_path / "gamma.docx")
    [src] = read_docx(path)
    assert src.turns is None
    assert src.attributes == {"case": "Gamma", "industry": "Consulting", "interviewer": "Ann"}
    assert src.text == ("Ann: How do you work with influencers?\n\n"
                        "Gamma: Mostly with our own experts.\nThey write for the trade press.\n\n"
                        "We measure little so far.\n\n"
                        "Ann: Why so little?\n\nGamma: No budget for tools.\n\nAnn: Thank you.")
    corpus = qc.load_transcripts(path)
    seg = corpus.segments
    assert seg["speaker"].tolist() == ["Ann", "Gamma", "Ann", "Gamma", "Ann"]
    assert seg["text"].tolist()[1] == ("Mostly with our own experts.\nThey write for the trade press."
                                       "\n\nWe measure little so far.")
    assert seg["is_interviewer"].tolist() == [True, False, True, False, True]
    assert corpus.cases.to_dict("records") == [{"case": "Gamma", "industry": "Consulting"}]
    assert len(corpus.with_unit("paragraph").segments) == 6
    assert_offsets(corpus, nlp)


def test_docx_interviewer_default_and_option(tmp_path):
    d = docx.Document()
    for text in ("Dan: Hello.", "Participant: Hi.", "Dan: Bye.", "Participant: Bye."):
        d.add_paragraph(text)
    d.save(tmp_path / "p.docx")
    default = qc.load_transcripts(tmp_path / "p.docx").segments
    assert not default["is_interviewer"].any()
    marked = qc.load_transcripts(tmp_path / "p.docx", interviewer=["Dan"]).segments
    assert marked["is_interviewer"].tolist() == [True, False, True, False]


def _odt(path: Path, body: str) -> Path:
    content = (
        '<?xml version="1.0" encoding="UTF-8"?>'
        '<office:document-content xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0" '
        'xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0" '
        'xmlns:table="urn:oasis:names:tc:opendocument:xmlns:table:1.0">'
        f"<office:body><office:text>{body}</office:text></office:body></office:document-content>")
    with zipfile.ZipFile(path, "w") as z:
        z.writestr("mimetype", "application/vnd.oasis.opendocument.text")
        z.writestr("content.xml", content)
    return path


def test_odt_spaces_tabs_breaks_headings_lists_tables(tmp_path, nlp):
    body = (
        "<text:h>Interview   with\n Delta</text:h>"
        "<text:p>Interviewer: What is<text:s text:c=\"3\"/>new?<text:note><text:note-body>"
        "<text:p>a footnote</text:p></text:note-body></text:note></text:p>"
        "<text:p>Delta: Two<text:tab/>things:<text:line-break/>reach <text:span> and </text:span>"
        " trust.</text:p>"
        "<text:list><text:list-item><text:p>First, reach.</text:p></text:list-item></text:list>"
        "<table:table><table:table-row><table:table-cell><text:p>Interviewer</text:p></table:table-cell>"
        "<table:table-cell><text:p>And then?</text:p></table:table-cell></table:table-row>"
        "</table:table>")
    path = _odt(tmp_path / "delta.odt", body)
    [src] = read_odt(path)
    assert src.text == ("Interview with Delta\n\nInterviewer: What is   new?\n\n"
                        "Delta: Two\tthings:\nreach and trust.\n\nFirst, reach.\n\n"
                        "Interviewer: And then?")
    corpus = qc.load_transcripts(path)
    seg = corpus.segments
    assert seg["speaker"].tolist() == ["", "Interviewer", "Delta", "Interviewer"]
    assert seg["is_interviewer"].tolist() == [False, True, False, True]
    assert_offsets(corpus, nlp)


def test_odt_with_entities_is_refused(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    with zipfile.ZipFile("bomb.odt", "w") as z:
        z.writestr("content.xml", '<?xml version="1.0"?><!DOCTYPE x [<!ENTITY a "aaaa">]><x>&a;</x>')
    with pytest.raises(InputFormatError) as err:
        read_odt(Path("bomb.odt"))
    assert str(err.value) == ("bomb.odt: content.xml declares a DOCTYPE or XML entities; refusing "
                              "to expand them (save the document again from LibreOffice)")


def test_docx_that_is_not_a_zip(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    Path("notes.docx").write_text("Interviewer: hi\n", encoding="utf-8")
    message = ("notes.docx: not a Word .docx document (not a zip archive); if it is a text file, "
               "rename it to .txt")
    with pytest.raises(InputFormatError) as err:
        qc.load_transcripts("notes.docx")
    assert str(err.value) == message
    result = CliRunner().invoke(main, ["load", "notes.docx", "-o", "segments.csv"])
    assert result.exit_code == 1
    assert result.output == f"Error: {message}\n"
    assert not Path("segments.csv").exists()


def test_zip_that_is_not_a_docx(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    with zipfile.ZipFile("odd.docx", "w") as z:
        z.writestr("hello.txt", "hi")
    with pytest.raises(InputFormatError) as err:
        read_docx(Path("odd.docx"))
    assert str(err.value).startswith("odd.docx: not a readable .docx document (")


def test_empty_docx_and_unclosed_front_matter(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    docx.Document().save("empty.docx")
    with pytest.raises(InputFormatError) as err:
        read_docx(Path("empty.docx"))
    assert str(err.value) == "empty.docx: empty document (no text in it)"
    d = docx.Document()
    d.add_paragraph("---")
    d.add_paragraph("case: Alpha")
    d.add_paragraph("Interviewer: hi")
    d.save("open.docx")
    with pytest.raises(InputFormatError) as err:
        read_docx(Path("open.docx"))
    assert str(err.value) == ("open.docx, line 1: front matter opened with '---' on line 1 is never "
                              "closed; add a line '---' after it")
