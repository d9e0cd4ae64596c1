"""Reliability of the codebook coder's scores on held-out interviews of the sample.

    python benchmarks/calibration_codebook.py            # Markdown tables: raw and calibrated scores

For each of 5 document folds (seed 0, reference C1), a :class:`CodebookCoder` is fitted on the other
folds' coding (its calibration map comes from its own inner folds) and scores the held-out
interviews' codable turns for every code. Per score bin: how many (turn, code) decisions, the mean
score, and the fraction the human coded (a calibrated score of 0.7 should be right about 70% of the
time), with the expected calibration error (ECE) of raw and calibrated scores.
"""
from __future__ import annotations

import sys
import warnings
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

import numpy as np  # noqa: E402

from qualcode import Codebook, load_transcripts  # noqa: E402
from qualcode.codings import read_codings  # noqa: E402
from qualcode.coders.calibration import expected_calibration_error, reliability_table  # noqa: E402
from qualcode.coders.codebook_trained import CodebookCoder  # noqa: E402
from qualcode.coders.labels import document_folds, human_codings, human_labels  # noqa: E402

SAMPLE = REPO / "transcripts_sample"


def main() -> None:
    warnings.simplefilter("ignore")
    cb = Codebook.load(REPO / "codebooks" / "b2b_influencer_marketing.yaml")
    corpus = load_transcripts(SAMPLE, cases=SAMPLE / "cases.csv", unit="turn")
    human = human_codings(read_codings(SAMPLE / "codings_human.csv", corpus=corpus, codebook=cb))
    c1 = human[human["coder"] == "C1"]
    seg = corpus.codable_segments().reset_index(drop=True)
    y, _ = human_labels(c1, seg, cb.ids(), rule="C1")
    raw, cal = np.zeros(y.shape), np.zeros(y.shape)
    for test_docs in document_folds(list(dict.fromkeys(seg["document"])), 5, seed=0):
        test = seg["document"].isin(test_docs).to_numpy()
        train = c1[~c1["document"].isin(test_docs)]
        coder = CodebookCoder(cb, device="cpu").fit(corpus, train)
        texts = seg.loc[test, "text"].tolist()
        raw[test] = coder.predict_proba(texts)
        cal[test] = coder.predict_calibrated(texts)
    for name, s in (("raw", raw), ("calibrated", cal)):
        t = reliability_table(s, y, bins=10)
        print(f"\n{name} scores: ECE {expected_calibration_error(s, y):.3f} over {y.size:,} "
              f"(turn, code) decisions of {len(seg)} held-out turns\n")
        print("| score bin | decisions | mean score | fraction coded by C1 |")
        print("| --- | ---: | ---: | ---: |")
        for r in t.itertuples(index=False):
            print(f"| {r.lower:.1f}–{r.upper:.1f} | {r.n:,} | {r.mean_score:.3f} | {r.fraction_positive:.3f} |")


if __name__ == "__main__":
    main()
