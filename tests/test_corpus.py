"""load_transcripts: folders of mixed formats, cases files, units, duplicate names, CLI errors."""
from __future__ import annotations

from pathlib import Path

import docx
import pandas as pd
import pytest
from click.testing import CliRunner

import qualcode as qc
from qualcode.cli import main
from qualcode.errors import InputFormatError, QualcodeError
from helpers import assert_offsets

REAL = Path(__file__).resolve().parents[1].parent / "shared" / "real-data"
needs_real = pytest.mark.skipif(not REAL.exists(), reason="../shared/real-data is not beside the repo")


@pytest.fixture
def study(tmp_path):
    """A folder with one transcript in each format and a cases.csv."""
    d = tmp_path / "study"
    d.mkdir()
    (d / "alpha.txt").write_text(
        "---\ncase: Alpha\nindustry: Software\n---\nInterviewer: Goals?\nAlpha: Sales. And trust.\n"
        "Interviewer: Why?\nAlpha: Experts sell.\n", encoding="utf-8")
    doc = docx.Document()
    for t in ("Q: Channels?", "Beta: LinkedIn, mostly.", "Q: Metrics?", "Beta: Few.\u00a0Honestly."):
        doc.add_paragraph(t)
    doc.save(d / "beta.docx")
    (d / "gamma.srt").write_text("1\n00:00:01,000 --> 00:00:02,000\nInterviewer: Budget?\n\n"
                                 "2\n00:00:02,500 --> 00:00:05,000\nGamma: Small.\n", encoding="utf-8")
    (d / "delta.vtt").write_text("WEBVTT\n\n00:00:01.000 --> 00:00:03.000\n<v Interviewer>Who?\n\n"
                                 "00:00:03.000 --> 00:00:06.000\n<v Delta>Our engineers.\n",
                                 encoding="utf-8")
    (d / "more.csv").write_text("document,speaker,text\nepsilon,I,Reach?\nepsilon,Epsilon,Wide.\n",
                                encoding="utf-8")
    pd.DataFrame({"speaker": ["Interviewer", "Zeta"], "text": ["Partners?", "Two."]}).to_excel(
        d / "zeta.xlsx", index=False)
    (d / "cases.csv").write_text("case,industry,firm_size\nAlpha,Software,Medium\nbeta,Telecom,Large\n",
                                 encoding="utf-8")
    (d / "README.md").write_text("not a transcript", encoding="utf-8")
    return d


def test_folder_of_mixed_formats(study, nlp):
    corpus = qc.load_transcripts(study)
    assert corpus.document_ids == ["alpha", "beta", "delta", "gamma", "epsilon", "zeta"]
    seg = corpus.segments
    assert seg.groupby("document", sort=False)["speaker"].apply(list).to_dict() == {
        "alpha": ["Interviewer", "Alpha", "Interviewer", "Alpha"],
        "beta": ["Q", "Beta", "Q", "Beta"],
        "delta": ["Interviewer", "Delta"],
        "gamma": ["Interviewer", "Gamma"],
        "epsilon": ["I", "Epsilon"],
        "zeta": ["Interviewer", "Zeta"],
    }
    assert seg["is_interviewer"].sum() == 8
    assert corpus.codable_segments()["text"].tolist() == [
        "Sales. And trust.", "Experts sell.", "LinkedIn, mostly.", "Few.\u00a0Honestly.",
        "Our engineers.", "Small.", "Wide.", "Two."]
    assert set(corpus.documents["format"]) == {"txt", "docx", "srt", "vtt", "csv", "xlsx"}
    # cases: front matter and cases.csv merged (the same value twice is no conflict)
    cases = corpus.cases.set_index("case")
    assert cases.loc["Alpha", "industry"] == "Software" and cases.loc["Alpha", "firm_size"] == "Medium"
    assert cases.loc["beta", "industry"] == "Telecom"
    assert sorted(cases.index) == ["Alpha", "beta", "delta", "epsilon", "gamma", "zeta"]
    assert_offsets(corpus, nlp)


def test_units_number_segments_per_document(study, nlp):
    corpus = qc.load_transcripts(study, unit="sentence", nlp=nlp)
    alpha = corpus.segments[corpus.segments["document"] == "alpha"]
    assert alpha["text"].tolist() == ["Goals?", "Sales.", "And trust.", "Why?", "Experts sell."]
    assert alpha["segment"].tolist() == [1, 2, 3, 4, 5]
    assert alpha["turn"].tolist() == [1, 2, 2, 3, 4]
    beta = corpus.with_unit("paragraph").segments.query("document == 'beta'")
    assert beta["segment"].tolist() == [1, 2, 3, 4]
    with pytest.raises(QualcodeError) as err:
        qc.load_transcripts(study, unit="page")
    assert str(err.value) == "unknown unit 'page'; use one of turn, paragraph, sentence"


def test_cases_file_conflict(study, monkeypatch):
    monkeypatch.chdir(study)
    Path("cases.csv").write_text("case,industry\nAlpha,Forestry\n", encoding="utf-8")
    message = ("cases.csv, row 2: case 'Alpha': industry='Forestry' conflicts with 'Software' in "
               "the transcript's front matter")
    with pytest.raises(InputFormatError) as err:
        qc.load_transcripts(".")
    assert str(err.value) == message
    result = CliRunner().invoke(main, ["load", ".", "-o", "out.csv", "--cases-output", "c.csv"])
    assert result.exit_code == 1
    assert result.output == f"Error: {message}\n"
    assert not Path("out.csv").exists() and not Path("c.csv").exists()


def test_cases_file_without_case_column(study, monkeypatch):
    monkeypatch.chdir(study)
    Path("groups.csv").write_text("name,industry\nAlpha,Software\n", encoding="utf-8")
    message = "groups.csv, row 1: the cases table needs a 'case' column"
    with pytest.raises(InputFormatError) as err:
        qc.load_transcripts("alpha.txt", cases="groups.csv")
    assert str(err.value) == message
    result = CliRunner().invoke(main, ["load", "alpha.txt", "--cases", "groups.csv"])
    assert result.exit_code == 1
    assert result.output == f"Error: {message}\n"


def test_front_matter_conflict_between_documents(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    Path("a1.txt").write_text("---\ncase: A\nrole: CEO\n---\nhello\n", encoding="utf-8")
    Path("a2.txt").write_text("---\ncase: A\nrole: CMO\n---\nagain\n", encoding="utf-8")
    with pytest.raises(InputFormatError) as err:
        qc.load_transcripts(".")
    assert str(err.value) == ("a2.txt, front matter 'role': case 'A' has role='CEO' in another "
                              "document but 'CMO' here")


def test_two_interviews_of_one_case(tmp_path):
    (tmp_path / "a1.txt").write_text("---\ncase: A\nrole: CEO\n---\nFirst.\n", encoding="utf-8")
    (tmp_path / "a2.txt").write_text("---\ncase: A\n---\nSecond.\n", encoding="utf-8")
    corpus = qc.load_transcripts(tmp_path)
    assert corpus.segments["case"].tolist() == ["A", "A"]
    assert corpus.cases.to_dict("records") == [{"case": "A", "role": "CEO"}]


def test_duplicate_document_names(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    Path("alpha.txt").write_text("Hello.\n", encoding="utf-8")
    Path("alpha.srt").write_text("1\n00:00:01,000 --> 00:00:02,000\nHello.\n", encoding="utf-8")
    message = "alpha.txt: document name 'alpha' is also used by alpha.srt; rename one file"
    with pytest.raises(InputFormatError) as err:
        qc.load_transcripts(".")
    assert str(err.value) == message
    result = CliRunner().invoke(main, ["load", "."])
    assert result.output == f"Error: {message}\n"


def test_unsupported_suffix(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    Path("notes.rtf").write_text("{\\rtf1 hi}", encoding="utf-8")
    message = ("notes.rtf: unsupported transcript format .rtf; use one of .csv, .docx, .md, .odt, "
               ".pdf, .srt, .text, .tsv, .txt, .vtt, .xlsx")
    with pytest.raises(InputFormatError) as err:
        qc.load_transcripts("notes.rtf")
    assert str(err.value) == message
    result = CliRunner().invoke(main, ["load", "notes.rtf"])
    assert result.exit_code == 1
    assert result.output == f"Error: {message}\n"


def test_cli_load_writes_segments(study, monkeypatch):
    monkeypatch.chdir(study.parent)
    result = CliRunner().invoke(main, ["load", "study", "-o", "segments.csv"])
    assert result.exit_code == 0, result.output
    assert result.output.startswith("6 documents, 6 cases, ")
    out = pd.read_csv("segments.csv", keep_default_na=False)
    assert list(out.columns[:7]) == ["document", "case", "speaker", "segment", "start", "end", "text"]
    assert len(out) == 16
    before = Path("segments.csv").read_bytes()
    again = CliRunner().invoke(main, ["load", "study", "-o", "segments.csv"])
    assert again.exit_code == 1
    # refused before loading, so the error is the only line
    assert again.output == "Error: segments.csv: already exists; pass --force to replace it\n"
    assert Path("segments.csv").read_bytes() == before


@needs_real
def test_every_real_file_keeps_the_offset_invariant(tmp_path, nlp):
    files = [REAL / "qualcoder-examples" / n for n in ("transcript.txt", "ID1.docx", "ID2.odt")]
    files += [REAL / "pdpilot-user-study" / "P1.pdf"]
    files += sorted((REAL / "zoomstudentengagement").glob("*.vtt"))
    corpus = qc.load_transcripts(files, interviewer=["Dan"])
    assert len(corpus.document_ids) == 7
    assert corpus.warnings == []
    assert_offsets(corpus, nlp)


def test_cases_table_names_the_interviewer(tmp_path):
    """An 'interviewer' column of cases.csv was ignored (issue 13)."""
    (tmp_path / "one.txt").write_text("---\ncase: A\n---\nDan: How did it start?\nAnna: With a "
                                      "webinar.\nDan: And then?\nAnna: More of them.\n")
    (tmp_path / "two.txt").write_text("---\ncase: B\n---\nKim: Why?\nBo: Because.\nKim: Ok.\n"
                                      "Bo: Yes.\n")
    (tmp_path / "cases.csv").write_text("case,interviewer\nA,Dan\nB,\n")
    seg = qc.load_transcripts(tmp_path).segments
    asks = dict(zip(seg["speaker"], seg["is_interviewer"]))
    assert asks == {"Dan": True, "Anna": False, "Kim": False, "Bo": False}
