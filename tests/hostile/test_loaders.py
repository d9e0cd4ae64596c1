"""Hostile and careless transcripts, tables and cases files (issue 17): each is read correctly or
refused with one line naming the file and the place, quickly, without hanging."""
from __future__ import annotations

import io
import os
import time
import zipfile

import openpyxl
import pytest

from qualcode import load_transcripts
from qualcode.errors import InputFormatError
from qualcode.readers import read_source

TURNS = "Interviewer: How did it start?\n\nAnna: With a phone call.\n"


def test_a_fifo_transcript_is_refused_not_waited_on(tmp_path, run_cli):
    if not hasattr(os, "mkfifo"):
        pytest.skip("no FIFOs here")
    os.mkfifo(tmp_path / "a.txt")
    out = run_cli("load", "a.txt", timeout=30)
    assert out.returncode == 1 and "a.txt: is not a regular file" in out.stderr


def test_dev_zero_is_refused_not_read(tmp_path, run_cli):
    if not os.path.exists("/dev/zero"):
        pytest.skip("no /dev/zero")
    os.symlink("/dev/zero", tmp_path / "zero.txt")
    out = run_cli("load", "zero.txt", timeout=30)
    assert out.returncode == 1 and "zero.txt: is not a regular file" in out.stderr


@pytest.mark.parametrize("enc", ["utf-16-le", "utf-16-be"])
def test_utf16_without_bom_is_read_as_utf16(tmp_path, enc):
    p = tmp_path / "a.txt"
    p.write_bytes(TURNS.replace("\n", "\r\n").encode(enc))
    (source,) = read_source(p)
    assert source.text.startswith("Interviewer: How did it start?")
    assert "\x00" not in source.text


def test_nul_bytes_are_an_error_naming_the_line(tmp_path):
    p = tmp_path / "a.txt"
    p.write_bytes(b"Interviewer: Hello?\n\nAnna: fi\x00ne\n")
    with pytest.raises(InputFormatError, match=r"a\.txt, line 3: contains a NUL byte"):
        read_source(p)


def test_extra_unnamed_field_does_not_shift_columns(tmp_path):
    p = tmp_path / "t.csv"
    p.write_text("speaker,text\nInterviewer,How did it start?,oops\nAnna,A call.\n", encoding="utf-8")
    with pytest.raises(InputFormatError, match=r"t\.csv, line 2: 3 fields where the header has 2"):
        read_source(p)


def test_cases_row_with_an_extra_field_is_not_a_phantom_case(tmp_path):
    (tmp_path / "anna.txt").write_text(TURNS, encoding="utf-8")
    (tmp_path / "cases.csv").write_text("case,document\nanna,anna\nbob,bob,extra\n", encoding="utf-8")
    with pytest.raises(InputFormatError, match=r"cases\.csv, line 3: 3 fields where the header has 2"):
        load_transcripts(tmp_path, cases=tmp_path / "cases.csv")


def test_xlsx_formula_without_saved_value_is_refused_not_dropped(tmp_path):
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append(["speaker", "text"])
    ws.append(["Interviewer", "How did it start?"])
    ws.append(["Anna", '=CONCATENATE("With a ","call")'])
    wb.save(tmp_path / "t.xlsx")
    with pytest.raises(InputFormatError, match=r"t\.xlsx, cell B3: holds a formula with no saved"):
        read_source(tmp_path / "t.xlsx")


def _xlsx_with_cached_formula(path):
    """A workbook as a spreadsheet program saves it: the formula and its cached value."""
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append(["speaker", "text"])
    ws.append(["Anna", "PLACEHOLDER"])
    buf = io.BytesIO()
    wb.save(buf)
    with zipfile.ZipFile(buf) as src, zipfile.ZipFile(path, "w") as dst:
        for item in src.infolist():
            data = src.read(item)
            if item.filename.startswith("xl/worksheets/sheet"):
                text = data.decode()
                i = text.index("PLACEHOLDER")
                cell_start = text.rindex("<c ", 0, i)
                cell_end = text.index("</c>", i) + 4
                ref = text[cell_start:].split('r="')[1].split('"')[0]
                text = (text[:cell_start] + f'<c r="{ref}" t="str"><f>"With a call"</f>'
                        f"<v>With a call</v></c>" + text[cell_end:])
                data = text.encode()
            dst.writestr(item, data)


def test_xlsx_formula_with_saved_value_reads_the_value(tmp_path):
    _xlsx_with_cached_formula(tmp_path / "t.xlsx")
    (source,) = read_source(tmp_path / "t.xlsx")
    assert "With a call" in source.text


VTT_HEAD = "WEBVTT\n\n00:00:01.000 --> 00:00:02.000\n"


@pytest.mark.parametrize("payload", ["<" * 60_000, "<v " * 20_000, "<v.a" * 15_000, "a<" * 30_000],
                         ids=["lt", "voice", "voice-class", "text-lt"])
def test_vtt_tag_stripping_is_linear(tmp_path, payload):
    p = tmp_path / "a.vtt"
    p.write_text(VTT_HEAD + payload + "\n", encoding="utf-8")
    started = time.monotonic()
    read_source(p)
    assert time.monotonic() - started < 2.0


@pytest.mark.parametrize("timing", ["99:99:99.999 --> 99:99:99.999", "00:61:00.000 --> 00:62:00.000",
                                    "00:00:75.000 --> 00:00:76.000"])
def test_vtt_impossible_times_are_refused(tmp_path, timing):
    p = tmp_path / "a.vtt"
    p.write_text(f"WEBVTT\n\n{timing}\nHello.\n", encoding="utf-8")
    with pytest.raises(InputFormatError, match=r"a\.vtt, line 3: cue time .* is not a time"):
        read_source(p)


def test_billion_laughs_in_front_matter_is_refused(tmp_path, run_cli, laughs):
    (tmp_path / "a.txt").write_text("---\n" + laughs() + "---\n" + TURNS, encoding="utf-8")
    out = run_cli("load", "a.txt", timeout=60)
    assert out.returncode == 1
    assert "a.txt, line " in out.stderr and "aliases" in out.stderr


def test_deep_nesting_in_front_matter_is_refused(tmp_path, run_cli):
    (tmp_path / "a.txt").write_text("---\ncase: " + "[" * 50_000 + "]" * 50_000 + "\n---\n" + TURNS,
                                    encoding="utf-8")
    out = run_cli("load", "a.txt", timeout=60)
    assert out.returncode == 1 and "a.txt, line 2: YAML nests more than" in out.stderr


def _bomb_zip(path, member: str, size: int = 4 << 20, extra: dict | None = None):
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED) as z:
        for name, data in (extra or {}).items():
            z.writestr(name, data)
        z.writestr(member, b"<" + b" " * size + b">")
    return path


@pytest.mark.parametrize("name,member", [("a.docx", "word/document.xml"), ("a.odt", "content.xml"),
                                          ("a.xlsx", "xl/worksheets/sheet1.xml")])
def test_office_zip_bombs_are_refused_by_the_shared_limits(tmp_path, name, member):
    path = _bomb_zip(tmp_path / name, member, extra={"[Content_Types].xml": "<Types/>"})
    with pytest.raises(InputFormatError, match="zip bomb") as err:
        read_source(path)
    assert name in str(err.value) and member in str(err.value)


def test_files_load_skips_are_listed_once_with_the_reason(tmp_path, run_cli):
    (tmp_path / "t").mkdir()
    for name in ("anna.txt", "README.txt"):
        (tmp_path / "t" / name).write_text(TURNS, encoding="utf-8")
    (tmp_path / "t" / "ben.doc").write_bytes(b"\xd0\xcf\x11\xe0 old Word")
    (tmp_path / "t" / "cleo.rtf").write_text("{\\rtf1 Hello}", encoding="utf-8")
    (tmp_path / "t" / "README.md").write_text("# About this study\n", encoding="utf-8")
    out = run_cli("load", "t")
    assert out.returncode == 0, out.stderr
    warnings = [line for line in out.stderr.splitlines() if line.startswith("warning:")]
    assert warnings == ["warning: t: skipped 3 file(s): README.txt (a README; rename it if it is a "
                        "transcript); ben.doc (.doc is not read: save it as .docx); cleo.rtf (.rtf "
                        "is not read: save it as .docx or .txt)"]


def test_unreadable_transcript_names_the_file_not_an_internal_error(tmp_path, monkeypatch):
    p = tmp_path / "a.txt"
    p.write_text(TURNS, encoding="utf-8")
    real_open = os.open

    def denied(path, *a, **k):
        if str(path) == str(p):
            raise PermissionError(13, "Permission denied", str(path))
        return real_open(path, *a, **k)

    monkeypatch.setattr(os, "open", denied)
    monkeypatch.setattr(os, "stat", lambda path, *a, **k: (_ for _ in ()).throw(
        PermissionError(13, "Permission denied", str(path))) if str(path) == str(p) else os.lstat(path))
    with pytest.raises(InputFormatError, match=r"a\.txt: cannot read \(permission denied\)"):
        read_source(p)


def test_a_turn_longer_than_spacys_limit_is_cut_into_sentences(tmp_path):
    from qualcode.corpus import sentence_pipeline

    nlp = sentence_pipeline()
    old = nlp.max_length
    nlp.max_length = 5000  # spaCy's E088 limit, lowered so the test stays small
    try:
        sentence = "This is one sentence of a long answer. And another one, with more words.\n"
        p = tmp_path / "a.txt"
        p.write_text("Interviewer: Tell me.\n\nAnna: " + sentence * 400, encoding="utf-8")
        corpus = load_transcripts(p, unit="sentence", nlp=nlp)
    finally:
        nlp.max_length = old
    seg = corpus.segments[corpus.segments["speaker"] == "Anna"]
    assert len(seg) == 800
    text = corpus.text("a")
    assert all(text[r.start:r.end] == r.text for r in seg.itertuples())
    assert set(seg["text"]) == {"This is one sentence of a long answer.", "And another one, with more words."}


def test_sentences_of_a_long_turn_are_cut_in_linear_time(tmp_path, nlp):
    p = tmp_path / "a.txt"
    p.write_text("Interviewer: Tell me.\n\nAnna: " + "One short sentence here. " * 3000, encoding="utf-8")
    started = time.monotonic()
    corpus = load_transcripts(p, unit="sentence", nlp=nlp)
    assert time.monotonic() - started < 10  # was quadratic: 70 s for 2,000 sentences
    assert (corpus.segments["speaker"] == "Anna").sum() == 3000


def test_word_count_needs_no_list_of_every_word():
    import random

    from qualcode.corpus import _count_words

    rng = random.Random(2)
    for _ in range(2000):
        text = "".join(rng.choice("ab \n\t\u00a0\u2003") for _ in range(rng.randint(0, 60)))
        assert _count_words(text, chunk=7) == len(text.split()), repr(text)
