"""PDF transcripts: text layer, tab-separated words, page furniture, labels alone on their line."""
from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

import qualcode as qc
from qualcode.cli import main
from qualcode.errors import InputFormatError
from qualcode.readers.pdf import read_pdf
from helpers import assert_offsets

REAL = Path(__file__).resolve().parents[2].parent / "shared" / "real-data"
P1 = REAL / "pdpilot-user-study" / "P1.pdf"
needs_real = pytest.mark.skipif(not REAL.exists(), reason="../shared/real-data is not beside the repo")


def make_pdf(path: Path, pages: list[list[str]]) -> Path:
    """A minimal PDF with one Helvetica text line per string (an empty page list: no text)."""
    objects = ["<< /Type /Catalog /Pages 2 0 R >>", None,
               "<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>"]
    kids = []
    for lines in pages:
        ops = ["BT /F1 11 Tf"]
        for i, line in enumerate(lines):
            esc = line.replace("\\", "\\\\").replace("(", "\\(").replace(")", "\\)")
            ops.append(f"1 0 0 1 72 {760 - 14 * i} Tm ({esc}) Tj")
        stream = "\n".join(ops + ["ET"]) if lines else ""
        objects.append(f"<< /Length {len(stream)} >>\nstream\n{stream}\nendstream")
        objects.append(f"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] "
                       f"/Resources << /Font << /F1 3 0 R >> >> /Contents {len(objects)} 0 R >>")
        kids.append(f"{len(objects)} 0 R")
    objects[1] = f"<< /Type /Pages /Kids [{' '.join(kids)}] /Count {len(kids)} >>"
    out = b"%PDF-1.4\n"
    offsets = []
    for n, obj in enumerate(objects, start=1):
        offsets.append(len(out))
        out += f"{n} 0 obj\n{obj}\nendobj\n".encode("latin-1")
    xref = len(out)
    out += f"xref\n0 {len(objects) + 1}\n0000000000 65535 f \n".encode()
    out += b"".join(f"{o:010d} 00000 n \n".encode() for o in offsets)
    out += f"trailer\n<< /Size {len(objects) + 1} /Root 1 0 R >>\nstartxref\n{xref}\n%%EOF\n".encode()
    path.write_bytes(out)
    return path


@needs_real
def test_pdpilot_interview(nlp):
    corpus = qc.load_transcripts(P1, interviewer=["Dan"])
    seg = corpus.segments
    # the title line "Interview" comes first, then 47 Dan / Participant exchanges
    assert seg.iloc[0].speaker == "" and seg.iloc[0].text == "Interview"
    assert seg["speaker"].value_counts().to_dict() == {"Dan": 47, "Participant": 47, "": 1}
    assert seg.iloc[1].speaker == "Dan"
    assert seg.iloc[1].text == ("Okay. So now you can stop sharing your screen and then we'll just "
                                "end up with a few questions that I have for you.")
    assert seg.iloc[2].speaker == "Participant" and seg.iloc[2].text == "Okay."
    # a wrapped line is rejoined with a space
    assert seg.iloc[4].text == ("Ah, yeah. Not all the time, so it's not the main thing we do, but in "
                                "our initial data explorations, we tend to use ICE plots.")
    assert seg.iloc[-1].speaker == "Participant" and seg.iloc[-1].text == "Thank you."
    assert seg.loc[seg["speaker"] == "Dan", "is_interviewer"].all()
    assert not seg.loc[seg["speaker"] != "Dan", "is_interviewer"].any()
    text = corpus.text("P1")
    assert "\t" not in text
    assert "1/5" not in text and "5/5" not in text  # page headers dropped
    assert "\n95\n" not in text and not text.rstrip().endswith("95")  # line numbers dropped
    # a turn that runs over a page break (pages 3 -> 4) stays one turn
    assert "But by clustering at some point, I found that and I thought it was useful." in text
    assert_offsets(corpus, nlp)


def test_labels_alone_hyphens_page_numbers(tmp_path, nlp):
    path = make_pdf(tmp_path / "kappa.pdf", [
        ["1/2", "Interviewer:", "How did you start with", "influencers?", "Kappa:",
         "With a pilot in non-", "linear steps."],
        ["2/2", "It worked.", "Interviewer: Thanks."],
    ])
    [src] = read_pdf(path)
    assert src.text == ("Interviewer:\nHow did you start with influencers?\n\n"
                        "Kappa:\nWith a pilot in non-linear steps. It worked.\n\n"
                        "Interviewer: Thanks.")
    corpus = qc.load_transcripts(path)
    seg = corpus.segments
    assert seg["speaker"].tolist() == ["Interviewer", "Kappa", "Interviewer"]
    assert seg["text"].tolist() == ["How did you start with influencers?",
                                    "With a pilot in non-linear steps. It worked.", "Thanks."]
    assert seg["is_interviewer"].tolist() == [True, False, True]
    assert_offsets(corpus, nlp)


def test_pdf_without_text_layer(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    make_pdf(Path("scan.pdf"), [[], []])
    message = ("scan.pdf: no extractable text in this PDF (a scanned image?); run OCR on it first "
               "(e.g. ocrmypdf) or load a text/docx export")
    with pytest.raises(InputFormatError) as err:
        read_pdf(Path("scan.pdf"))
    assert str(err.value) == message
    result = CliRunner().invoke(main, ["load", "scan.pdf"])
    assert result.exit_code == 1
    assert result.output == f"Error: {message}\n"


def test_not_a_pdf(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    Path("fake.pdf").write_text("Interviewer: hi\n", encoding="utf-8")
    with pytest.raises(InputFormatError) as err:
        read_pdf(Path("fake.pdf"))
    assert str(err.value) == "fake.pdf: not a PDF (no %PDF- header at its start)"


def test_damaged_pdf_is_one_line(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    Path("cut.pdf").write_bytes(b"%PDF-1.4\n1 0 obj\n<< /Type /Catalog")
    result = CliRunner().invoke(main, ["load", "cut.pdf"])
    assert result.exit_code == 1
    assert result.output.startswith("Error: cut.pdf: not a readable PDF (")
    assert result.output.count("\n") == 1
