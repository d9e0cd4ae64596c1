"""Benchmark: keyword vs TF-IDF classifier vs semantic coders, on the sample and on the papers' quotes.

    python benchmarks/compare_coders.py                  # all methods, the Markdown tables
    python benchmarks/compare_coders.py --per-code       # also F1 per category and method
    python benchmarks/compare_coders.py --skip-throughput

Needs the semantic extra (``pip install "qualcode[semantic]"``, PyTorch first). Methods:

* ``keyword``: :class:`KeywordCoder` (no training; codes every document once);
* ``tfidf``: :class:`ClassifierCoder` on TF-IDF features;
* ``semantic zero-shot``: :class:`SemanticCoder` with the fixed default cut-off
  (``threshold=DEFAULT_THRESHOLD``): nothing is learned from the human coding;
* ``semantic calibrated``: :class:`SemanticCoder` whose per-code cut-offs are chosen on the
  training folds' human coding (the scores themselves stay zero-shot);
* ``semantic few-shot``: :class:`ClassifierCoder` with ``features=SentenceEmbeddings()``.

Sample: ``evaluate(coder, corpus, human, folds=5, seed=0, reference="C1", level="category")``
for every method, so all learning coders see the same document folds (asserted below).

Quotes: :func:`evaluate_on_quotes` (each visible quote of the papers is a unit, its section's
category the authors' label). Learning coders are first trained (or calibrated) on all of the
sample's C1 coding. The codebook's ``examples`` are mostly these very quotes, so for this part every
coder gets a codebook whose examples that share a run of six words with a visible quote are
removed; otherwise the semantic coder would be scored on its own examples.

Throughput: the sample's codable segments embedded by all-MiniLM-L6-v2 on the CPU with the cache
off (segments per second, model load excluded), and re-coded with the cache warm.
"""
from __future__ import annotations

import argparse
import sys
import tempfile
import time
import warnings
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

import pandas as pd  # noqa: E402

from qualcode import Codebook, load_transcripts  # noqa: E402
from qualcode.codings import read_codings  # noqa: E402
from qualcode.coders import ClassifierCoder, KeywordCoder, evaluate  # noqa: E402
from qualcode.coders.labels import human_codings  # noqa: E402
from qualcode.coders.embeddings import SentenceEmbeddings, load_encoder, resolve_model  # noqa: E402
from qualcode.studies.quotes import evaluate_on_quotes, extract_quotes  # noqa: E402
from qualcode.coders.semantic import DEFAULT_THRESHOLD, SemanticCoder, without_examples_from  # noqa: E402

SAMPLE = REPO / "transcripts_sample"
CODEBOOK = REPO / "codebooks" / "b2b_influencer_marketing.yaml"


def coders(cb: Codebook, *, device: str) -> dict:
    """Fresh, unfitted coders by method name."""
    return {
        "keyword": KeywordCoder(cb),
        "tfidf classifier": ClassifierCoder(cb),
        "semantic zero-shot": SemanticCoder(cb, threshold=DEFAULT_THRESHOLD, device=device),
        "semantic calibrated": SemanticCoder(cb, device=device),
        "semantic few-shot": ClassifierCoder(cb, features=SentenceEmbeddings(device=device)),
    }


def _quiet(fn, *args, **kwargs):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)  # codes with too few examples: expected here
        return fn(*args, **kwargs)


def throughput(texts: list[str], *, device: str) -> dict:
    t0 = time.perf_counter()
    load_encoder(*resolve_model("all-MiniLM-L6-v2"), device=device)
    load = time.perf_counter() - t0
    cold = SentenceEmbeddings(cache_dir=False, device=device).fit()
    t0 = time.perf_counter()
    cold.transform(texts)
    secs = time.perf_counter() - t0
    with tempfile.TemporaryDirectory() as tmp:
        SentenceEmbeddings(cache_dir=tmp, device=device).fit().transform(texts)
        warm = SentenceEmbeddings(cache_dir=tmp, device=device).fit()
        t0 = time.perf_counter()
        warm.transform(texts)
        cached = time.perf_counter() - t0
    words = sum(len(t.split()) for t in texts)
    return {"segments": len(texts), "words": words, "load": load, "seconds": secs,
            "rate": len(texts) / secs, "cached": cached, "cached_rate": len(texts) / cached}


def _fmt(v) -> str:
    return "–" if v is None or v != v else f"{v:.3f}"


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--per-code", action="store_true", help="also print F1 per category and method")
    ap.add_argument("--skip-throughput", action="store_true")
    ap.add_argument("--device", default="cpu", help="torch device (default cpu)")
    args = ap.parse_args()

    cb = Codebook.load(CODEBOOK)
    corpus = load_transcripts(SAMPLE, cases=SAMPLE / "cases.csv", unit="turn")
    human = read_codings(SAMPLE / "codings_human.csv", corpus=corpus, codebook=cb)
    c1 = human_codings(human)
    c1 = c1[c1["coder"] == "C1"]
    quotes = extract_quotes()
    cb_quotes, removed = without_examples_from(cb, quotes["text"])
    print(f"sample: {len(corpus.document_ids)} transcripts, {len(corpus.codable_segments())} codable "
          f"turns; reference C1 ({len(c1)} codings); 5 folds over documents, seed 0, category level")
    print(f"quotes: {len(quotes)} visible quotes; {removed} codebook examples that are those quotes "
          "removed for this part\n")

    rows, per_code, folds_seen = [], {}, None
    for name, coder in coders(cb, device=args.device).items():
        t0 = time.perf_counter()
        rep = _quiet(evaluate, coder, corpus, human, folds=5, seed=0, reference="C1", level="category")
        secs = time.perf_counter() - t0
        if rep.folds:
            tests = [f["test"] for f in rep.folds]
            assert folds_seen is None or tests == folds_seen, "methods saw different folds"
            folds_seen = tests
        q_coder = coders(cb_quotes, device=args.device)[name]
        if hasattr(q_coder, "fit"):
            _quiet(q_coder.fit, corpus, c1)
        qrep = evaluate_on_quotes(q_coder, cb_quotes)
        o, q = rep.overall, qrep.overall
        rows.append([name, o["micro_f1"], o["macro_f1"], o["kappa"], q["micro_f1"], q["macro_f1"],
                     q["kappa"], secs])
        per_code[name] = rep.per_code.set_index("code")["f1"]
        print(f"  {name}: done in {secs:.1f} s", file=sys.stderr)

    print("| method | sample micro F1 | sample macro F1 | sample pooled kappa | quotes micro F1 | "
          "quotes macro F1 | quotes pooled kappa |")
    print("| --- | ---: | ---: | ---: | ---: | ---: | ---: |")
    for r in rows:
        print(f"| {r[0]} | " + " | ".join(_fmt(v) for v in r[1:7]) + " |")
    if args.per_code:
        table = pd.DataFrame(per_code)
        print("\nF1 per category on the sample (5-fold, reference C1):\n")
        print("| category | " + " | ".join(table.columns) + " |")
        print("| --- |" + " ---: |" * len(table.columns))
        for cat, vals in table.iterrows():
            print(f"| {cat} | " + " | ".join(_fmt(v) for v in vals) + " |")
    if not args.skip_throughput:
        texts = corpus.codable_segments()["text"].tolist()
        t = throughput(texts, device=args.device)
        print(f"\nthroughput ({args.device}, all-MiniLM-L6-v2): model load {t['load']:.1f} s; "
              f"{t['segments']} segments ({t['words']:,} words) embedded in {t['seconds']:.1f} s = "
              f"{t['rate']:.1f} segments/s ({t['words'] / t['seconds']:,.0f} words/s); "
              f"from the cache: {t['cached'] * 1000:.0f} ms ({t['cached_rate']:,.0f} segments/s)")


if __name__ == "__main__":
    main()
