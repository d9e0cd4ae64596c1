"""run_study: the whole study sequenced once; the report's tables computed here, not in report.py."""
from __future__ import annotations

import pandas as pd
import pytest

import qualcode as qc
from qualcode import matrix
from qualcode.study import OUTPUTS, frequency_table, report_data, run_study


@pytest.fixture(scope="module")
def sample(repo):
    corpus = qc.load_transcripts(repo / "transcripts_sample")
    cb = qc.Codebook.load(repo / "codebooks" / "b2b_influencer_marketing.yaml")
    codings = qc.read_codings(repo / "transcripts_sample" / "codings_human.csv", corpus=corpus,
                              codebook=cb)
    return corpus, cb, codings


@pytest.fixture(scope="module")
def result(sample, tmp_path_factory):
    transcripts, cb, codings = sample
    out = tmp_path_factory.mktemp("study")
    return out, run_study(transcripts, cb, codings, out, classifier=False, n_boot=0,
                          reference="C1", where={"group": "B2B firm"}, themes="dimension")


def test_outputs_and_the_tables_behind_them(result):
    out, r = result
    expected = {k for k in OUTPUTS if "classifier" not in k}
    assert set(r.outputs) == expected
    assert all((out / OUTPUTS[k]).stat().st_size > 0 for k in expected)
    pooled = r.agreement[r.agreement["code"] == "(all codes)"]
    assert pooled["n_units"].tolist() == [26040, 13090, 12950]  # README: C1-C2-C3, C1-C2, C1-C3
    assert r.keyword_evaluation.overall["micro_f1"] == pytest.approx(0.341, abs=5e-4)
    # the strategy matrix covers the B2B firms only; the themes table lists dimension's themes
    firms = set(r.corpus.cases.loc[r.corpus.cases["group"] == "B2B firm", "case"])
    assert set(r.strategy.counts.index) == firms
    assert set(r.themes["group"]) == set(r.codebook.children("dimension"))


def test_the_study_maps_codings_once_and_gets_what_fresh_calls_get(result):
    _, r = result
    fresh = matrix.case_by_code(r.corpus, r.human, coder="C1", codebook=r.codebook, depth=1)
    pd.testing.assert_frame_equal(fresh, r.case_by_code)
    assert list(frequency_table(fresh, r.codebook).columns) == \
        [c for c in r.codebook.ids() if c in fresh.columns]


def test_machine_codings_never_over_a_human_file_and_nothing_is_written(sample, repo, tmp_path):
    transcripts, cb, codings = sample
    human_file = repo / "transcripts_sample" / "codings_human.csv"
    (tmp_path / OUTPUTS["keyword_codings"]).write_bytes(human_file.read_bytes())
    with pytest.raises(qc.CodingsError, match="holds human codings"):
        run_study(transcripts, cb, codings, tmp_path, classifier=False, n_boot=0, force=True)
    assert sorted(p.name for p in tmp_path.iterdir()) == [OUTPUTS["keyword_codings"]]


def test_report_data_computes_the_report_tables():
    corpus = qc.Corpus.from_texts({"a": "Interviewer: q\nAnn: we sell\nInterviewer: q\nAnn: trust"})
    cb = qc.Codebook.from_dict({"codes": [{"id": "d", "name": "D", "children": [
        {"id": "d.x", "name": "X", "children": [{"id": "d.x.y", "name": "Y"}]}]}]})
    seg = corpus.codable_segments()
    codings = pd.DataFrame({"document": "a", "start": seg["start"], "end": seg["end"],
                            "code": ["d.x.y", "d.x"], "coder": "C1"})
    data = report_data(corpus, cb, codings, themes="d", title="t")
    assert data.frequencies.to_dict("list") == {"d.x": [2]}
    assert data.themes[["group", "theme", "segments", "cases"]].values.tolist() == \
        [["d.x", "d.x.y", 1, 1]]
    assert data.coders == ["C1"] and data.summary["codable_segments"] == 2
