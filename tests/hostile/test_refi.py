"""Hostile and unusual REFI-QDA projects (issue 17): shared GUIDs, deep code trees, projects that
hold only a codebook, and the NVivo selections that cut words."""
from __future__ import annotations

import zipfile
from pathlib import Path

import pytest

from qualcode import refi
from qualcode.errors import InputFormatError
from qualcode.refi.positions import on_word_boundary

EX = Path(__file__).resolve().parents[2].parent / "shared" / "refi-qda" / "examples"
U = "11111111-1111-1111-1111-111111111111"


def _qde(codes: str, sources: str = "") -> str:
    return (f'<?xml version="1.0" encoding="UTF-8"?>\n<Project xmlns="urn:QDA-XML:project:1.0" '
            f'name="p" origin="test"><Users><User guid="{U}" name="ann"/></Users>'
            f"<CodeBook><Codes>{codes}</Codes></CodeBook><Sources>{sources}</Sources></Project>")


def _source(guid: str, name: str, code: str) -> str:
    return (f'<TextSource guid="{guid}" name="{name}" plainTextPath="internal://{guid}.txt">'
            f'<PlainTextSelection guid="{guid[:-4]}9999" startPosition="0" endPosition="5">'
            f'<Coding guid="{guid[:-4]}8888" creatingUser="{U}"><CodeRef targetGUID="{code}"/>'
            f"</Coding></PlainTextSelection></TextSource>")


def _qdpx(path: Path, qde: str, texts: dict[str, str]) -> Path:
    with zipfile.ZipFile(path, "w") as z:
        z.writestr("project.qde", qde)
        for guid, text in texts.items():
            z.writestr(f"sources/{guid}.txt", text)
    return path


A = "22222222-2222-2222-2222-222222222222"
B = "33333333-3333-3333-3333-333333333333"
S1 = "44444444-4444-4444-4444-444444444444"
S2 = "55555555-5555-5555-5555-555555555555"


def test_two_codes_sharing_a_guid_are_refused(tmp_path):
    codes = f'<Code guid="{A}" name="Cost" isCodable="true"/><Code guid="{A}" name="Trust" isCodable="true"/>'
    path = _qdpx(tmp_path / "p.qdpx", _qde(codes, _source(S1, "one", A)), {S1: "Hello world"})
    with pytest.raises(InputFormatError, match=rf"p\.qdpx, code 'Trust': two codes share the GUID {A}"):
        refi.read_qdpx(path)
    with pytest.raises(InputFormatError, match="two codes share the GUID"):
        refi.read_codebook(path)


def test_two_sources_sharing_a_guid_are_refused(tmp_path):
    codes = f'<Code guid="{A}" name="Cost" isCodable="true"/>'
    sources = _source(S1, "one", A) + _source(S1, "two", A).replace(S1[:-4] + "9999", S2[:-4] + "9999")
    path = _qdpx(tmp_path / "p.qdpx", _qde(codes, sources), {S1: "Hello world"})
    with pytest.raises(InputFormatError, match=rf"source 'two': two sources share the GUID {S1}"):
        refi.read_qdpx(path)


def test_a_code_tree_thousands_of_levels_deep_is_a_clear_error(tmp_path):
    depth = 3000
    codes = "".join(f'<Code guid="{i:08d}-0000-0000-0000-000000000000" name="c{i}" isCodable="true">'
                    for i in range(depth)) + "</Code>" * depth
    path = _qdpx(tmp_path / "deep.qdpx", _qde(codes), {})
    with pytest.raises(InputFormatError, match=r"deep\.qdpx: the code tree nests more than"):
        refi.read_qdpx(path)


def test_a_project_with_only_a_codebook(tmp_path, run_cli):
    codes = f'<Code guid="{A}" name="Cost" isCodable="true"><Code guid="{B}" name="Fees" isCodable="true"/></Code>'
    path = _qdpx(tmp_path / "cb.qdpx", _qde(codes), {})
    p = refi.read_qdpx(path)
    assert p.corpus is None and len(p.codings) == 0 and len(p.codebook) == 2
    agree = run_cli("agree", "cb.qdpx")
    assert agree.returncode == 1 and "internal error" not in agree.stderr
    assert agree.stderr.strip().splitlines()[-1].startswith("Error: cb.qdpx: holds no codings")
    imported = run_cli("import", "cb.qdpx", "-o", "imp")
    assert imported.returncode == 0, imported.stderr
    assert (tmp_path / "imp" / "codebook.yaml").exists()
    again = run_cli("export", "--codebook", "imp/codebook.yaml", "-o", "again.qdc")
    assert again.returncode == 0, again.stderr
    assert [c.name for c in refi.read_codebook(tmp_path / "again.qdc")] == ["Cost", "Fees"]


@pytest.mark.parametrize("name", ["atlas-23.2-win_blank-atlas-project.qdpx",
                                  "atlas-23.2-win_target-atlas-project.qdpx",
                                  "nvivo-mac-15.0.0_qc-roundtrip.qdpx"])
def test_real_codebook_only_exports_say_so_in_one_line(run_cli, name):
    if not (EX / name).exists():
        pytest.skip("../shared is not beside the repository")
    out = run_cli("agree", EX / name, timeout=120)
    assert out.returncode == 1
    last = out.stderr.strip().splitlines()[-1]
    assert name in last and "holds no codings" in last and "internal error" not in out.stderr


HUNGARIAN = ["nvivo-win-12.6_oltas0517.qdpx", "nvivo-mac-12.7.0_oltas-szkepticizmus_no-docx.qdpx"]


@pytest.mark.parametrize("name", HUNGARIAN)
def test_hungarian_nvivo_selections_that_cut_words_are_the_coders_not_a_drift(name):
    """The three ranges that cut a word (e.g. "A|KI") are stored so by NVivo: the same ranges in
    the Windows export (CRLF, BOM) and the Mac one (LF), no character outside the BMP, combining
    mark or line end inside or near them, and the selections just before and after them in the
    same document land on word boundaries. So nothing drifts; the importer keeps them and says so."""
    if not (EX / name).exists():
        pytest.skip("../shared is not beside the repository")
    import unicodedata

    p = refi.read_qdpx(EX / name)
    ranges = p.codings.drop_duplicates(["document", "start", "end"]).sort_values(["document", "start"])
    cut = [(r.document, r.start, r.end) for r in ranges.itertuples()
           if not (on_word_boundary(p.corpus.text(r.document), r.start)
                   and on_word_boundary(p.corpus.text(r.document), r.end))]
    assert sorted(cut) == [("videos_10_selected", 7769, 8462), ("videos_10_selected", 23520, 23973),
                           ("videos_10_selected", 23974, 24473)]
    text = p.corpus.text("videos_10_selected")
    for _, start, end in cut:
        around = text[start - 200:end + 200]
        assert not any(ord(c) > 0xFFFF or unicodedata.category(c) in ("Mn", "Cf") for c in around)
        doc = ranges[ranges["document"] == "videos_10_selected"].reset_index(drop=True)
        i = doc.index[(doc["start"] == start) & (doc["end"] == end)][0]
        for j in (i - 1, i + 2):  # the neighbours on either side (the three are consecutive)
            if 0 <= j < len(doc) and (doc.at[j, "start"], doc.at[j, "end"]) not in [c[1:] for c in cut]:
                assert on_word_boundary(text, int(doc.at[j, "start"]))
                assert on_word_boundary(text, int(doc.at[j, "end"]))
    warning = next(w for w in p.warnings if "inside a word" in w)
    assert warning.startswith("3 selection(s) start or end inside a word")
    assert "videos_10_selected 7769-8462" in warning and "A|KI" in warning


def test_a_document_named_readme_survives_import_and_load(tmp_path, run_cli):
    from qualcode import load_transcripts
    from qualcode.codings import read_codings

    codes = f'<Code guid="{A}" name="Cost" isCodable="true"/>'
    sources = _source(S1, "README", A) + _source(S2, "other", A).replace(S1[:-4], S2[:-4])
    _qdpx(tmp_path / "p.qdpx", _qde(codes, sources), {S1: "Hello world", S2: "Other words"})
    out = run_cli("import", "p.qdpx", "-o", "imp")
    assert out.returncode == 0, out.stderr
    assert "'README' written as doc-README.txt" in out.stdout
    corpus = load_transcripts(tmp_path / "imp" / "transcripts")
    assert sorted(corpus.document_ids) == ["doc-README", "other"]
    codings = read_codings(tmp_path / "imp" / "codings.csv", corpus=corpus)
    assert sorted(codings["document"]) == ["doc-README", "other"]


def test_import_that_fails_midway_leaves_nothing_and_can_rerun(tmp_path, monkeypatch):
    from click.testing import CliRunner

    from qualcode import fileio
    from qualcode.cli import main

    codes = f'<Code guid="{A}" name="Cost" isCodable="true"/>'
    _qdpx(tmp_path / "p.qdpx", _qde(codes, _source(S1, "one", A)), {S1: "Hello world"})
    real = fileio.write_dataframe
    calls = []

    def failing(df, path, **kw):
        calls.append(path)
        if len(calls) == 2:
            raise OSError(28, "No space left on device")
        return real(df, path, **kw)

    monkeypatch.chdir(tmp_path)
    monkeypatch.setattr(fileio, "write_dataframe", failing)
    res = CliRunner().invoke(main, ["import", "p.qdpx", "-o", "imp"])
    assert res.exit_code != 0
    assert sorted(p.name for p in tmp_path.iterdir()) == ["p.qdpx"]  # no half project, no stage
    monkeypatch.setattr(fileio, "write_dataframe", real)
    res = CliRunner().invoke(main, ["import", "p.qdpx", "-o", "imp"])
    assert res.exit_code == 0, res.output
    assert (tmp_path / "imp" / "transcripts" / "one.txt").exists()


def test_a_300_character_document_name_imports_under_a_shorter_file_name(tmp_path, run_cli):
    from qualcode import load_transcripts
    from qualcode.codings import read_codings

    codes = f'<Code guid="{A}" name="Cost" isCodable="true"/>'
    _qdpx(tmp_path / "p.qdpx", _qde(codes, _source(S1, "x" * 300, A)), {S1: "Hello world"})
    out = run_cli("import", "p.qdpx", "-o", "imp")
    assert out.returncode == 0, out.stderr
    assert "its name is too long for a file name" in out.stdout
    corpus = load_transcripts(tmp_path / "imp" / "transcripts")
    (doc,) = corpus.document_ids
    assert len(doc.encode()) <= 200 and doc.startswith("x" * 100)
    assert read_codings(tmp_path / "imp" / "codings.csv", corpus=corpus)["document"].tolist() == [doc]


def test_a_codebook_only_project_reexports_as_one(tmp_path, run_cli):
    codes = f'<Code guid="{A}" name="Cost" isCodable="true"><Code guid="{B}" name="Fees" isCodable="true"/></Code>'
    _qdpx(tmp_path / "cb.qdpx", _qde(codes), {})
    out = run_cli("export", "--codebook", "cb.qdpx", "-o", "again.qdpx")
    assert out.returncode == 0, out.stderr
    again = refi.read_qdpx(tmp_path / "again.qdpx")
    assert again.corpus is None and [c.name for c in again.codebook] == ["Cost", "Fees"]
