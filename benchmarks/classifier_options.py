"""Benchmark: the classifier's training time and held-out scores, by option, at the issue's scale.

    python benchmarks/classifier_options.py                    # default vs max_negatives=5000
    python benchmarks/classifier_options.py --options "{}" "{'max_negatives': 2000}"
    python benchmarks/classifier_options.py --small            # 200k words, a few seconds' work

The seeded synthetic corpus of ``benchmarks/run.py`` (:mod:`synthetic`) at 2M words: the first
20,000 answers, coded by the synthetic coder ``ann``, train a :class:`ClassifierCoder` (50 codes);
``ann``'s coding of the other interviews is the held-out reference. For each option set: training
seconds (featurizing shown apart), micro and macro F1 of the thresholded suggestions on the held-out
answers, and the mean ROC AUC of the probabilities over the codes (threshold-free). Times are one
run each, on whatever else the machine is doing.
"""
from __future__ import annotations

import argparse
import ast
import sys
import tempfile
import time
import warnings
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(HERE.parent))

import numpy as np  # noqa: E402

import synthetic  # noqa: E402
from qualcode import Codebook, load_transcripts  # noqa: E402
from qualcode.codings import read_codings  # noqa: E402
from qualcode.coders import ClassifierCoder  # noqa: E402
from qualcode.coders.features import make_featurizer  # noqa: E402
from qualcode.coders.labels import training_data  # noqa: E402

CODEBOOK = HERE.parent / "codebooks" / "b2b_influencer_marketing.yaml"


def split(folder: Path, meta: dict, cb: Codebook, n_train: int):
    """(train segments, labels, codes), (test segments, labels): ``ann``'s coding, by interview."""
    corpus = load_transcripts(folder / "transcripts")
    codings = read_codings(folder / "codings.csv", corpus=corpus, codebook=cb)
    codings = codings[codings["coder"] == "ann"]
    per_doc, total, n_docs = meta["segments_per_document"], 0, 0
    while n_docs < len(per_doc) - 1 and total < n_train:
        total += per_doc[n_docs]
        n_docs += 1
    train_docs = {f"interview{d:05d}" for d in range(n_docs)}
    in_train = codings["document"].isin(train_docs)
    train = training_data(corpus, codings[in_train], cb, rule="any", nothing="no training data")
    test = training_data(corpus, codings[~in_train], cb, rule="any", nothing="no test data")
    return train, test[:2]


def scores(coder: ClassifierCoder, test_segments, test_labels, codes: list[str]) -> dict:
    from sklearn.metrics import roc_auc_score

    proba = coder.predict_proba(test_segments["text"].tolist())
    y = test_labels[:, [codes.index(c) for c in coder.classes_]]
    pred = proba >= coder.thresholds_
    tp, fp, fn = ((pred & (y == 1)).sum(0), (pred & (y == 0)).sum(0), (~pred & (y == 1)).sum(0))
    f1 = [2 * a / (2 * a + b + c) if a + b + c else 0.0 for a, b, c in zip(tp, fp, fn)]
    tp, fp, fn = tp.sum(), fp.sum(), fn.sum()
    aucs = [roc_auc_score(y[:, j], proba[:, j]) for j in range(y.shape[1]) if 0 < y[:, j].sum() < len(y)]
    return {"micro_f1": 2 * tp / (2 * tp + fp + fn), "macro_f1": float(np.mean(f1)),
            "mean_auc": float(np.mean(aucs)), "test_segments": len(y)}


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--options", nargs="+", default=["{}", "{'max_negatives': 5000}"],
                    help="ClassifierCoder keyword arguments, one Python dict literal per run")
    ap.add_argument("--small", action="store_true", help="200k words, 2,000 training answers")
    args = ap.parse_args(argv)
    options = [ast.literal_eval(o) for o in args.options]
    n_words, n_train = (200_000, 2_000) if args.small else (2_000_000, 20_000)
    cb = Codebook.load(CODEBOOK)
    with tempfile.TemporaryDirectory(prefix="qualcode-clf-") as tmp:
        meta = synthetic.make_corpus(Path(tmp), n_words, cb)
        (segments, labels, codes), (test_segments, test_labels) = split(Path(tmp), meta, cb, n_train)
    print(f"{len(segments):,} training answers, {len(test_segments):,} held-out answers, "
          f"{int((labels.sum(axis=0) >= 3).sum())} codes with 3+ examples\n")
    print("| options | fit s | featurize s | micro F1 | macro F1 | mean AUC |")
    print("| --- | ---: | ---: | ---: | ---: | ---: |")
    for opts in options:
        coder = ClassifierCoder(cb, **opts)
        t0 = time.perf_counter()
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # codes too rare for a model are listed in skipped_
            coder.fit_segments(segments, labels, codes)
        fit = time.perf_counter() - t0
        t0 = time.perf_counter()
        make_featurizer(coder.features).fit_transform(segments["text"].tolist())
        feat = time.perf_counter() - t0
        s = scores(coder, test_segments, test_labels, codes)
        print(f"| `{opts}` | {fit:.1f} | {feat:.1f} | {s['micro_f1']:.3f} | {s['macro_f1']:.3f} | "
              f"{s['mean_auc']:.3f} |", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
