"""The codings contract: mapping codings onto segments, validation, writing."""
from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from qualcode.codings import (assign_segments, map_to_segments, segment_code_matrix,
                              segment_pairs, span_overlaps)


def _random_tables(seed: int, n_docs: int = 4, n_codings: int = 60):
    rng = np.random.default_rng(seed)
    segs, cods = [], []
    for d in range(n_docs):
        doc = f"doc{d}"
        cuts = np.sort(rng.choice(np.arange(1, 400), size=12, replace=False))
        bounds = np.r_[0, cuts, 400]
        for k, (s, e) in enumerate(zip(bounds[:-1], bounds[1:])):
            if rng.random() < 0.2:  # gaps between segments, as between turns
                s = min(s + 3, e - 1)
            segs.append((doc, k + 1, int(s), int(e)))
    for _ in range(n_codings):
        doc = f"doc{rng.integers(0, n_docs + 1)}"  # doc{n_docs} has no segments
        s = int(rng.integers(0, 399))
        e = int(rng.integers(s + 1, 401))
        cods.append((doc, s, e, f"c{rng.integers(0, 3)}", "A"))
    segments = pd.DataFrame(segs, columns=["document", "segment", "start", "end"])
    segments = segments.sample(frac=1, random_state=seed)  # any row order, any labels
    codings = pd.DataFrame(cods, columns=["document", "start", "end", "code", "coder"])
    return codings, segments


def _naive(codings, segments):
    """Every overlapping (coding label, segment label) pair by a double loop."""
    out = set()
    for ci, c in codings.iterrows():
        for si, s in segments.iterrows():
            if c["document"] == s["document"] and c["start"] < s["end"] and c["end"] > s["start"]:
                out.add((ci, si))
    return out


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_map_to_segments_finds_exactly_the_overlapping_pairs(seed):
    codings, segments = _random_tables(seed)
    m = map_to_segments(codings, segments)
    assert list(m.columns) == ["coding", "seg", "document", "start", "end", "segment",
                               "seg_start", "seg_end"]
    assert set(zip(m["coding"], m["seg"])) == _naive(codings, segments)
    assert len(m) == len(set(zip(m["coding"], m["seg"])))
    joined = m.merge(segments, left_on="seg", right_index=True)
    assert (joined["segment_x"] == joined["segment_y"]).all()
    assert (m["start"] < m["seg_end"]).all() and (m["end"] > m["seg_start"]).all()


def test_map_to_segments_order_documents_as_first_seen_then_codings_then_segments():
    segments = pd.DataFrame({"document": ["b", "b", "a", "a"], "segment": [2, 1, 1, 2],
                             "start": [10, 0, 0, 10], "end": [20, 10, 10, 20]})
    codings = pd.DataFrame({"document": ["b", "a", "b"], "start": [5, 0, 0], "end": [15, 5, 3]})
    m = map_to_segments(codings, segments)
    assert list(zip(m["coding"], m["segment"])) == [(0, 1), (0, 2), (2, 1), (1, 1)]


def test_a_mapping_serves_a_subset_and_a_foreign_mapping_is_ignored():
    codings, segments = _random_tables(3)
    full = map_to_segments(codings, segments)
    sub_c = codings[codings["code"] == "c1"]
    sub_s = segments[segments["segment"] % 2 == 0]
    fresh = segment_pairs(sub_c, sub_s)
    reused = segment_pairs(sub_c, sub_s, full)
    assert [a.tolist() for a in fresh] == [a.tolist() for a in reused]
    # a relabelled table: the mapping no longer fits, and the answer is still right
    shuffled = codings.sample(frac=1, random_state=1).reset_index(drop=True)
    expect = segment_code_matrix(shuffled, segments, ["c0", "c1", "c2"])
    got = segment_code_matrix(shuffled, segments, ["c0", "c1", "c2"], mapping=full)
    assert (expect == got).all()


def test_assign_segments_and_matrix_agree_with_the_mapping():
    codings, segments = _random_tables(4)
    hits = assign_segments(codings, segments)
    m = map_to_segments(codings, segments)
    assert len(hits) == len(m)
    assert (hits["segment"].to_numpy() == m["segment"].to_numpy()).all()
    assert (hits["seg_start"].to_numpy() == m["seg_start"].to_numpy()).all()
    y = segment_code_matrix(codings, segments, ["c0", "c2"])
    seg_pos = {lab: i for i, lab in enumerate(segments.index)}
    expect = np.zeros_like(y)
    for ci, si in _naive(codings, segments):
        code = codings.loc[ci, "code"]
        if code in ("c0", "c2"):
            expect[seg_pos[si], ["c0", "c2"].index(code)] = 1
    assert (y == expect).all()


def test_no_codings_or_no_segments_give_empty_results():
    codings, segments = _random_tables(5)
    assert map_to_segments(codings.iloc[0:0], segments).empty
    assert assign_segments(codings, segments.iloc[0:0]).empty
    assert segment_code_matrix(codings.iloc[0:0], segments, ["c0"]).sum() == 0


def test_span_overlaps_on_adjacent_stretches():
    spans, units = span_overlaps(np.array([0, 5]), np.array([5, 6]), np.array([0, 2, 5]),
                                 np.array([2, 5, 9]))
    assert list(zip(spans, units)) == [(0, 0), (0, 1), (1, 2)]


# --------------------------------------------------------------------------------------------
# writing: machine codings never over human codings; selecting a coder


def _codings(method: str, coder: str) -> pd.DataFrame:
    return pd.DataFrame({"document": ["a"], "start": [0], "end": [4], "code": ["x"],
                         "coder": [coder], "method": [method]})


def test_write_codings_refuses_machine_rows_over_human_codings_even_with_force(tmp_path):
    from qualcode.codings import write_codings
    from qualcode.errors import CodingsError

    human_file = tmp_path / "human.csv"
    write_codings(_codings("human", "ME"), human_file)
    before = human_file.read_bytes()
    with pytest.raises(CodingsError, match="human.csv: holds human codings; machine suggestions"):
        write_codings(_codings("keyword", "qualcode-keyword"), human_file, force=True)
    assert human_file.read_bytes() == before
    # machine over machine with force, and human over human with force, are allowed
    machine_file = tmp_path / "machine.csv"
    write_codings(_codings("keyword", "qualcode-keyword"), machine_file)
    write_codings(_codings("classifier", "qualcode-classifier"), machine_file, force=True)
    assert "qualcode-classifier" in machine_file.read_text()
    write_codings(_codings("human", "YOU"), human_file, force=True)
    assert "YOU" in human_file.read_text()


def test_write_codings_refuses_mixed_rows_of_one_coder(tmp_path):
    from qualcode.codings import write_codings
    from qualcode.errors import CodingsError

    mixed = pd.concat([_codings("human", "ME"), _codings("keyword", "ME")])
    with pytest.raises(CodingsError, match="coder 'ME' has both human and machine rows"):
        write_codings(mixed, tmp_path / "out.csv")
    assert not (tmp_path / "out.csv").exists()


def test_select_coder_one_message():
    from qualcode.codings import select_coder
    from qualcode.errors import CodingsError

    both = pd.concat([_codings("human", "C1"), _codings("human", "C2")], ignore_index=True)
    assert list(select_coder(both, "C2")["coder"]) == ["C2"]
    assert len(select_coder(both, ["C1", "C2"])) == 2
    with pytest.raises(CodingsError, match=r"^f.csv: no human codings by coder 'C9' \(coders: C1, C2\)$"):
        select_coder(both, "C9", file="f.csv")
    machine = pd.concat([both, _codings("keyword", "kw")])
    with pytest.raises(CodingsError, match=r"^no codings by coder 'C9' \(coders: C1, C2, kw\)$"):
        select_coder(machine, "C9")


# --------------------------------------------------------------------------------------------
# validated once, at the boundary


@pytest.fixture(scope="module")
def sample(repo):
    from qualcode.codebook import Codebook
    from qualcode.codings import read_codings
    from qualcode.corpus import load_transcripts

    corpus = load_transcripts(repo / "transcripts_sample")
    book = Codebook.load(repo / "codebooks" / "b2b_influencer_marketing.yaml")
    human = read_codings(repo / "transcripts_sample" / "codings_human.csv", corpus=corpus,
                         codebook=book)
    return corpus, book, human


def test_read_codings_marks_the_table_and_the_mark_survives_filtering(sample):
    from qualcode.codings import is_validated

    corpus, book, human = sample
    assert is_validated(human, corpus=corpus, codebook=book)
    c1 = human[human["coder"] == "C1"].assign(code=human["code"])
    assert is_validated(c1, corpus=corpus, codebook=book)
    plain = pd.DataFrame(human.to_dict("list"))  # the same rows without the mark
    assert not is_validated(plain)
    from qualcode.codebook import Codebook

    other = Codebook.from_dict({"name": "other", "codes": [{"id": "x", "name": "X"}]})
    assert not is_validated(human, codebook=other)  # checked against another codebook: not this one


def test_functions_taking_codings_do_not_validate_a_marked_table_again(sample, monkeypatch):
    import qualcode.codings as codings_mod
    from qualcode import agreement, matrix
    from qualcode.coders.evaluate import evaluate
    from qualcode.coders.labels import training_data

    corpus, book, human = sample
    calls = []
    real = codings_mod.validate_codings
    monkeypatch.setattr(codings_mod, "validate_codings",
                        lambda *a, **k: calls.append(1) or real(*a, **k))
    agreement.compare(corpus, human, n_boot=0)
    evaluate("keyword", corpus, human, reference="C1", codebook=book)
    training_data(corpus, human, book, rule="any", nothing="nothing")
    matrix.case_by_code(corpus, human, coder="C1")
    assert calls == []
    agreement.compare(corpus, pd.DataFrame(human.to_dict("list")), n_boot=0)  # no mark: checked
    assert calls == [1]


def test_the_validation_mark_is_a_typed_table_not_df_attrs(sample):
    """issue 24: pandas documents ``attrs`` as experimental; the mark must not depend on it."""
    import pickle

    from qualcode.codings import CodingsTable, is_validated

    corpus, book, human = sample
    assert isinstance(human, CodingsTable) and not human.attrs
    kept = human.copy()
    kept.attrs.clear()  # whatever pandas does with attrs, the table is still known valid
    assert is_validated(kept, corpus=corpus, codebook=book)
    for derived in (human.sort_values("start"), human.reset_index(drop=True),
                    human.loc[human["code"].str.startswith("goal")],
                    pickle.loads(pickle.dumps(human))):
        assert is_validated(derived, corpus=corpus, codebook=book)
    # a plain DataFrame is not made valid by writing the old attrs mark on it
    plain = pd.DataFrame(human.to_dict("list"))
    plain.attrs["qualcode_validated"] = dict(human.validated_against)
    assert not is_validated(plain, corpus=corpus, codebook=book)
    # a table whose columns no longer hold the contract is not valid, mark or not
    assert not is_validated(human.drop(columns="code"))
    assert not is_validated(human.assign(start=human["start"].astype(float)))
    # concatenating or merging makes a table that is checked again
    assert not is_validated(pd.concat([human, human]), corpus=corpus, codebook=book)
