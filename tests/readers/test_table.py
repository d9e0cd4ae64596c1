"""CSV / TSV / XLSX transcripts: one row per turn, columns matched by name, errors name the row."""
from __future__ import annotations

import codecs
from pathlib import Path

import pandas as pd
import pytest
from click.testing import CliRunner

import qualcode as qc
from qualcode.cli import main
from qualcode.errors import InputFormatError
from qualcode.readers.table import read_table
from helpers import assert_offsets


CSV = (
    "Speaker,Text,Start,End,notes\n"
    "Interviewer,How do you choose influencers?,00:00:05,00:00:09,\n"
    'Alpha,"We look for experts.\n\nThey must know the field.",9.5,20,x\n'
    "Alpha,,21,22,blank row is skipped\n"
    "Alpha,And trust matters.,00:21.25,,\n"
)


def test_csv_rows_are_turns(tmp_path, nlp):
    p = tmp_path / "alpha.csv"
    p.write_text(CSV, encoding="utf-8")
    corpus = qc.load_transcripts(p)
    seg = corpus.segments
    assert seg["document"].unique().tolist() == ["alpha"]
    assert seg["speaker"].tolist() == ["Interviewer", "Alpha", "Alpha"]  # rows are not merged
    assert seg["text"].tolist() == ["How do you choose influencers?",
                                    "We look for experts.\n\nThey must know the field.",
                                    "And trust matters."]
    assert seg["timestamp"].tolist() == ["00:00:05", "9.5", "00:21.25"]
    assert seg["start_time"].tolist() == [5.0, 9.5, 21.25]
    assert seg["end_time"].iloc[:2].tolist() == [9.0, 20.0] and pd.isna(seg["end_time"].iloc[2])
    assert seg["is_interviewer"].tolist() == [True, False, False]
    assert corpus.text("alpha").startswith("Interviewer: How do you choose influencers?\n\nAlpha: We")
    assert len(corpus.with_unit("paragraph", nlp=nlp).segments) == 4  # the two-paragraph cell splits
    assert_offsets(corpus, nlp)


def test_several_documents_cases_and_aliases_in_a_tsv(tmp_path, nlp):
    p = tmp_path / "all.tsv"
    p.write_text("DOCUMENT\tCase\tspeaker\tUtterance\ttime\n"
                 "int-1\tAlpha\tQ\tWhy influencers?\t1:02\n"
                 "int-1\tAlpha\tA\tReach.\t1:05\n"
                 "int-2\tBeta\tQ\tAnd you?\t0\n"
                 "int-2\tBeta\tB\tTrust.\t3\n", encoding="utf-8")
    sources = read_table(p)
    assert [s.name for s in sources] == ["int-1", "int-2"]
    assert all(s.turns is not None for s in sources)
    corpus = qc.load_transcripts(p)
    assert corpus.document_ids == ["int-1", "int-2"]
    assert corpus.segments["case"].tolist() == ["Alpha", "Alpha", "Beta", "Beta"]
    assert corpus.segments["start_time"].tolist() == [62.0, 65.0, 0.0, 3.0]
    assert corpus.text("int-2") == "Q: And you?\n\nB: Trust."
    assert corpus.segments["is_interviewer"].tolist() == [True, False, True, False]
    assert_offsets(corpus, nlp)


def test_xlsx(tmp_path, nlp):
    p = tmp_path / "beta.xlsx"
    pd.DataFrame({"speaker": ["I", "Beta"], "transcript": ["What worked?", "Customer references."],
                  "start": [0, 12.5]}).to_excel(p, index=False)
    corpus = qc.load_transcripts(p)
    seg = corpus.segments
    assert seg["speaker"].tolist() == ["I", "Beta"]
    assert seg["text"].tolist() == ["What worked?", "Customer references."]
    assert seg["start_time"].tolist() == [0.0, 12.5]
    assert corpus.text("beta") == "I: What worked?\n\nBeta: Customer references."
    assert_offsets(corpus, nlp)


def test_semicolon_csv_and_no_speaker_column(tmp_path):
    p = tmp_path / "eu.csv"
    p.write_text("Content;Start\nKaffee, bitte;1,5\nDanke;2\n", encoding="utf-8")
    seg = qc.load_transcripts(p).segments
    assert seg["speaker"].tolist() == ["", ""]
    assert seg["text"].tolist() == ["Kaffee, bitte", "Danke"]
    assert seg["start_time"].tolist() == [1.5, 2.0]  # "1,5": seconds with a decimal comma


def test_cp1252_csv_is_reported_once(tmp_path):
    p = tmp_path / "old.csv"
    p.write_bytes("document,text\nd1,caf\u00e9 \u2013 ok\nd2,na\u00efve\n".encode("cp1252"))
    corpus = qc.load_transcripts(p)
    assert corpus.segments["text"].tolist() == ["caf\u00e9 \u2013 ok", "na\u00efve"]
    assert corpus.warnings == [f"{p}: not UTF-8: read as Windows-1252 (cp1252); save it as UTF-8 "
                               "to be sure"]


def test_utf16_tsv(tmp_path):
    p = tmp_path / "u16.tsv"
    p.write_bytes(codecs.BOM_UTF16_LE + "speaker\ttext\nA\tĀnanda said hi\n".encode("utf-16-le"))
    assert qc.load_transcripts(p).segments["text"].tolist() == ["Ānanda said hi"]


@pytest.mark.parametrize("content, message", [
    ("speaker,words\nA,hi\n",
     "t.csv, row 1: no text column (found: speaker, words); name the column with what was said "
     "'text' (or utterance, transcript, content)"),
    ("speaker,text,start\nA,hi,0\nB,ho,soon\n",
     "t.csv, row 3: start value 'soon' is not a time; write seconds (75.5) or hh:mm:ss (00:01:15)"),
    ("document,text\nd1,hi\n,ho\n",
     "t.csv, row 3: the document column is empty; fill it in on every row"),
    ("document,case,text\nd1,A,hi\nd1,B,ho\n",
     "t.csv, row 3: document 'd1' has case 'B' here but 'A' in row 2; one document belongs to one case"),
    ("speaker,text\nA,\n", "t.csv: no rows with text; the table is empty"),
    ("", "t.csv: empty file"),
])
def test_table_errors(tmp_path, monkeypatch, content, message):
    monkeypatch.chdir(tmp_path)
    Path("t.csv").write_text(content, encoding="utf-8")
    with pytest.raises(InputFormatError) as err:
        read_table(Path("t.csv"))
    assert str(err.value) == message


def test_xlsx_that_is_not_a_workbook(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    Path("t.xlsx").write_text("speaker,text\n", encoding="utf-8")
    with pytest.raises(InputFormatError) as err:
        read_table(Path("t.xlsx"))
    assert str(err.value) == ("t.xlsx: not an .xlsx workbook (not a zip archive); save it again from "
                              "your spreadsheet program as .xlsx")


def test_cli_csv_without_text_column(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    Path("t.csv").write_text("who,said\nA,hi\n", encoding="utf-8")
    result = CliRunner().invoke(main, ["load", "t.csv", "-o", "segments.csv"])
    assert result.exit_code == 1
    assert result.output == ("Error: t.csv, row 1: no text column (found: who, said); name the "
                             "column with what was said 'text' (or utterance, transcript, content)\n")
    assert not Path("segments.csv").exists()


@pytest.mark.parametrize("content, line, swallowed", [
    # the quote runs to the end of the file: every later row would join Alpha's turn
    ('speaker,text\nAlpha,fine\nAlpha,"We said hi\nBeta,Hello\nGamma,Bye\n', 3, 2),
    # a later quote "closes" it in the middle of a cell
    ('speaker,text\nAlpha,"We said hi\nBeta,Hello\nGamma,"Bye"\nDelta,ok\n', 2, 2),
])
def test_an_unclosed_quote_is_an_error_naming_its_line(tmp_path, monkeypatch, content, line,
                                                       swallowed):
    # issue 21: the following rows were swallowed into one turn with exit 0
    monkeypatch.chdir(tmp_path)
    Path("t.csv").write_text(content, encoding="utf-8")
    with pytest.raises(InputFormatError) as err:
        read_table(Path("t.csv"))
    assert str(err.value).startswith(
        f"t.csv, line {line}: a quoted cell in the row that starts here has no closing quote, so "
        f"the {swallowed} lines after it would be read into that one cell; close the quote")


def test_a_quote_closed_only_at_a_later_line_end_is_caught_by_the_row_it_swallowed(tmp_path,
                                                                                 monkeypatch):
    monkeypatch.chdir(tmp_path)
    Path("t.csv").write_text('speaker,text\nAlpha,fine\nBeta,ok\nAlpha,"We said hi\n'
                             'Beta,Hello there"\nAlpha,Bye\n', encoding="utf-8")
    with pytest.raises(InputFormatError) as err:
        read_table(Path("t.csv"))
    assert str(err.value) == ("t.csv, line 4: a quoted cell in the row that starts here runs on over "
                              "a line that reads as a row of its own ('Beta,Hello there'); close "
                              "the quote where the cell ends")


def test_quoted_cells_that_are_closed_may_hold_quotes_separators_and_line_breaks(tmp_path):
    path = tmp_path / "t.csv"
    path.write_text('speaker,text\nA,"He said ""hi"", then left"\nB,she said "no" twice\n'
                    'C,"two\nlines, one turn"\nA,"Well, you see,\nand then, yes"\n', encoding="utf-8")
    (source,) = read_table(path)
    assert [t.speaker for t in source.turns] == ["A", "B", "C", "A"]
    assert source.text[source.turns[2].start:source.turns[2].end] == "two\nlines, one turn"
