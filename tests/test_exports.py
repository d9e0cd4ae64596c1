"""qualcode.exports: every export one function from project objects to bytes (the CLI and the
workbench both call it; tests/web/test_exports.py checks the two give the same bytes)."""
from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest
from click.testing import CliRunner

import qualcode as qc
from qualcode import exports, refi
from qualcode.cli import main

REPO = Path(__file__).resolve().parents[1]
SAMPLE = REPO / "transcripts_sample"
CB = REPO / "codebooks" / "b2b_influencer_marketing.yaml"
ZOOM = REPO.parent / "shared" / "real-data" / "zoomstudentengagement"


@pytest.fixture
def project(tmp_path):
    """alpha and beta, the interviewer renamed Dan Jackson and named only in the settings."""
    folder = tmp_path / "transcripts"
    folder.mkdir()
    for name in ("alpha", "beta"):
        text = (SAMPLE / f"{name}.txt").read_text(encoding="utf-8")
        text = text.replace("interviewer: Interviewer\n", "").replace("Interviewer:", "Dan Jackson:")
        (folder / f"{name}.txt").write_text(text, encoding="utf-8")
    p = qc.Project.init(tmp_path / "p", transcripts=[str(folder)], codebook=str(CB),
                        interviewer=["Dan Jackson"], reference_coder="C1")
    h = pd.read_csv(SAMPLE / "codings_human.csv")
    h = h[h["document"].isin(["alpha", "beta"]) & h["coder"].isin(["C1", "C2"])]
    p.add_codings(h)
    p.add_codings(h.head(3).assign(coder="qualcode-keyword", method="keyword", score=0.9))
    yield p
    p.close()


def test_codings_bytes_are_what_the_codings_file_holds(project, tmp_path):
    rows = exports.project_codings(project)
    assert set(rows["method"]) == {"human"}
    assert exports.codings_bytes(rows, "csv") == \
        project.export_codings(tmp_path / "c.csv", include_machine=False).read_bytes()
    every = exports.project_codings(project, include_suggestions=True)
    assert (every["method"] == "keyword").sum() == 3
    with pytest.raises(qc.QualcodeError, match="csv or xlsx"):
        exports.codings_bytes(rows, "json")


def test_a_qdpx_round_trip_keeps_the_interviewer_setting(project, tmp_path):
    """The issue's example: through .qdpx and `qualcode init --from`, the interviewer's turns
    stay uncoded (the codable turns stay the same), and the reference coder comes back."""
    codable = project.corpus.summary()["codable_segments"]
    assert codable < len(project.corpus.segments)
    out = tmp_path / "study.qdpx"
    out.write_bytes(exports.project_qdpx(project, exports.project_codings(project)).data)
    back = refi.read_qdpx(out)
    assert back.settings["interviewer"] == ["Dan Jackson"]
    assert back.settings["reference_coder"] == "C1"
    assert set(back.codings["method"]) == {"human"}
    res = CliRunner().invoke(main, ["init", str(tmp_path / "again"), "--from", str(out)])
    assert res.exit_code == 0, res.output
    with qc.Project.open(tmp_path / "again") as again:
        assert again.settings.interviewer == ["Dan Jackson"]
        assert again.settings.reference_coder == "C1"
        assert again.corpus.summary()["codable_segments"] == codable
        assert len(again.codings()) == len(exports.project_codings(project))


@pytest.mark.skipif(not ZOOM.exists(), reason="real data not present")
def test_a_zoom_vtt_keeps_every_turn_through_a_qdpx(tmp_path):
    """A cue without a speaker label after a labelled one ('Hmm.') is a turn of its own in the
    VTT; as plain text it would join the turn before (26 turns read back as 25)."""
    corpus = qc.load_transcripts(ZOOM / "GMT20240124-202901_Recording.transcript.vtt")
    assert len(corpus.turns) == 26
    cb = qc.Codebook.load(CB)
    data = exports.qdpx_bytes(corpus, cb)
    (tmp_path / "z.qdpx").write_bytes(data)
    back = refi.read_qdpx(tmp_path / "z.qdpx")
    cols = ["start", "end", "speaker", "is_interviewer"]
    pd.testing.assert_frame_equal(back.corpus.turns[cols], corpus.turns[cols])
    assert exports.qdpx_bytes(back.corpus, cb) == data  # and again the same bytes
    # and through `qualcode init --from`, whose transcripts are .txt files: the turns the plain
    # text cannot say are in the front matter
    res = CliRunner().invoke(main, ["init", str(tmp_path / "p"), "--from", str(tmp_path / "z.qdpx")])
    assert res.exit_code == 0, res.output
    with qc.Project.open(tmp_path / "p") as p:
        pd.testing.assert_frame_equal(p.corpus.turns[cols], corpus.turns[cols])


def test_front_matter_turns_are_checked_against_the_text(tmp_path):
    path = tmp_path / "t.txt"
    path.write_text("---\ncase: a\nturns: [[0, 99, Ann]]\n---\nAnn: hi\n", encoding="utf-8")
    with pytest.raises(qc.QualcodeError, match="front matter 'turns'"):
        qc.load_transcripts(path)
    path.write_text("---\ncase: a\nturns: [[0, 3, Ann], [4, 8, '']]\n---\nhi!\nHmm.\n",
                    encoding="utf-8")
    turns = qc.load_transcripts(path).turns
    assert turns[["start", "end", "speaker"]].values.tolist() == [[0, 3, "Ann"], [4, 8, ""]]
    assert "turns" not in qc.load_transcripts(path).cases.columns


def test_a_qdpx_whose_turn_list_does_not_fit_is_read_from_its_text(tmp_path):
    import io
    import json
    import zipfile

    corpus = qc.Corpus.from_texts({"a": "Ann: one\nBen: two\nAnn: three\nBen: four"})
    cb = qc.Codebook.from_dict({"codes": [{"id": "x", "name": "X"}]})
    z = zipfile.ZipFile(io.BytesIO(exports.qdpx_bytes(corpus, cb)))
    qde = z.read("project.qde").decode("utf-8")
    meta_start = qde.index("{", qde.index("<PlainTextContent>"))
    meta_end = qde.index("</PlainTextContent>")
    meta = json.loads(qde[meta_start:meta_end])
    meta["qualcode_metadata"]["documents"]["a"]["turns"] = [[0, 9999, "Ann"]]
    qde = qde[:meta_start] + json.dumps(meta) + qde[meta_end:]
    with zipfile.ZipFile(tmp_path / "bad.qdpx", "w") as out:
        for name in z.namelist():
            out.writestr(name, qde if name == "project.qde" else z.read(name))
    back = refi.read_qdpx(tmp_path / "bad.qdpx")
    assert len(back.corpus.turns) == 4 and any("does not fit" in w for w in back.warnings)


def test_a_codebook_only_project(tmp_path):
    cb = qc.Codebook.load(CB)
    path = refi.write_qdpx(tmp_path / "cb.qdpx", None, cb)
    back = refi.read_qdpx(path)
    assert back.corpus is None and len(back.codebook) == len(cb)
    codings = pd.DataFrame({"document": ["a"], "start": [0], "end": [1], "code": ["goal"],
                            "coder": ["C1"]})
    with pytest.raises(qc.QualcodeError, match="codings need their transcripts"):
        refi.write_qdpx(tmp_path / "x.qdpx", None, cb, codings)


@pytest.mark.parametrize("fmt", ["yaml", "md", "qdc", "csv"])
def test_codebook_bytes_equal_the_cli(fmt, tmp_path):
    cb = qc.Codebook.load(CB)
    out = tmp_path / f"cb.{fmt}"
    res = CliRunner().invoke(main, ["codebook", "export", str(CB), "-o", str(out)])
    assert res.exit_code == 0, res.output
    assert exports.codebook_bytes(cb, fmt) == out.read_bytes()


def test_report_bytes_without_a_temporary_file(project, tmp_path, monkeypatch):
    """The report of a project is built from its objects: no file is read or written."""
    import tempfile

    def refuse(*a, **k):
        raise AssertionError("a temporary file was made")

    monkeypatch.setattr(tempfile, "TemporaryDirectory", refuse)
    monkeypatch.setattr(tempfile, "mkdtemp", refuse)
    result = exports.project_report(project, exports.project_codings(project), n_boot=0)
    html = result.data.decode("utf-8")
    assert "Reference coder: C1 (the project&#39;s reference_coder)" in html
    codable = project.corpus.summary()["codable_segments"]
    assert f"{codable} codable turn segments" in html
