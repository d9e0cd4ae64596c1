"""Benchmark: every coder side by side, on the sample's document folds and on the papers' quotes.

    python benchmarks/compare_coders.py                  # all methods, the Markdown table
    python benchmarks/compare_coders.py --per-code       # also F1 per category and method
    python benchmarks/compare_coders.py --llm-url http://127.0.0.1:8080/v1 --llm-name "gemma3 270M"
    python benchmarks/compare_coders.py --only keyword,codebook

Needs the semantic extra (``pip install "qualcode[semantic]"``, PyTorch first). Methods:

* ``keyword``: :class:`KeywordCoder` (no training; codes every document once);
* ``tfidf classifier``: :class:`ClassifierCoder` on TF-IDF features;
* ``semantic zero-shot`` / ``semantic calibrated``: :class:`SemanticCoder`, fixed cut-off / per-code
  cut-offs chosen on the training folds;
* ``semantic few-shot``: :class:`ClassifierCoder` with ``features=SentenceEmbeddings()``;
* ``codebook``: :class:`CodebookCoder` trained on the codebook's texts alone (no hand coding);
* ``codebook + hand coding``: the same, fitted on the training folds' coding (cut-offs, calibration
  and the kappa floor from its own inner document folds);
* ``llm`` (with ``--llm-url``): :class:`LLMCoder` on that server.

Sample: ``evaluate(coder, corpus, human, folds=5, seed=0, reference="C1", level="category")``
for every method, so all learning coders see the same document folds (asserted below).

Quotes, leave-one-quote-out (:func:`evaluate_leave_one_quote_out`): each visible quote is scored by
a coder whose codebook lacks that quote's own example (shares a run of six words with it); learning
coders are trained on all of the sample's C1 coding. The keyword lists are left as they are: they
were written with these quotes in view, so every figure that uses keywords is optimistic here.

Time per 1,000 segments: coding the sample's codable segments once more with a coder fitted on all
of C1 (embeddings read from the warm cache; model load excluded), scaled to 1,000 segments.
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
from qualcode.studies.quotes import evaluate_leave_one_quote_out, extract_quotes  # noqa: E402
from qualcode.coders.codebook_trained import CodebookCoder  # noqa: E402
from qualcode.coders.semantic import DEFAULT_THRESHOLD, SemanticCoder  # noqa: E402

SAMPLE = REPO / "transcripts_sample"
CODEBOOK = REPO / "codebooks" / "b2b_influencer_marketing.yaml"


#: method -> (factory over a codebook, learns from hand coding, reads the codebook's examples)
def coders(*, device: str, llm_url: str | None = None) -> dict:
    out = {
        "keyword": (lambda cb: KeywordCoder(cb), False, False),
        "tfidf classifier": (lambda cb: ClassifierCoder(cb), True, False),
        "semantic zero-shot": (lambda cb: SemanticCoder(cb, threshold=DEFAULT_THRESHOLD, device=device),
                               False, True),
        "semantic calibrated": (lambda cb: SemanticCoder(cb, device=device), True, True),
        "semantic few-shot": (lambda cb: ClassifierCoder(cb, features=SentenceEmbeddings(device=device)),
                              True, False),
        "codebook": (lambda cb: CodebookCoder(cb, device=device), False, True),
        "codebook + hand coding": (lambda cb: CodebookCoder(cb, device=device), True, True),
    }
    if llm_url:
        from qualcode.coders.llm import LLMCoder

        out["llm"] = (lambda cb: LLMCoder(cb, url=llm_url, timeout=600), False, True)
    return out


class Unfitted:
    """A coder evaluated as it is, never fitted (``evaluate`` fits anything with ``fit``)."""

    def __init__(self, coder):
        self.coder, self.codebook = coder, coder.codebook
        self.method = getattr(coder, "method", "")

    def code(self, corpus):
        return self.coder.code(corpus)


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
    ap.add_argument("--only", default=None, help="comma-separated method names to run")
    ap.add_argument("--llm-url", default=None, help="also run the LLM coder on this server")
    ap.add_argument("--llm-name", default="", help="the model the LLM server runs (printed)")
    args = ap.parse_args()

    cb = Codebook.load(CODEBOOK)
    corpus = load_transcripts(SAMPLE, cases=SAMPLE / "cases.csv", unit="turn")
    human = read_codings(SAMPLE / "codings_human.csv", corpus=corpus, codebook=cb)
    c1 = human_codings(human)
    c1 = c1[c1["coder"] == "C1"]
    quotes = extract_quotes()
    codable = corpus.codable_segments()
    print(f"sample: {len(corpus.document_ids)} transcripts, {len(codable)} codable "
          f"turns; reference C1 ({len(c1)} codings); 5 folds over documents, seed 0, category level")
    print(f"quotes: {len(quotes)} visible quotes, leave-one-quote-out (each quote's own codebook "
          "example removed while it is scored); learners trained on all of C1\n")

    methods = coders(device=args.device, llm_url=args.llm_url)
    if args.only:
        methods = {k: v for k, v in methods.items() if k in args.only.split(",")}
    rows, per_code, folds_seen = [], {}, None
    for name, (make, learns, reads_examples) in methods.items():
        t0 = time.perf_counter()
        rep = _quiet(evaluate, (lambda: make(cb)) if learns else Unfitted(make(cb)), corpus, human, folds=5,
                     seed=0, reference="C1", level="category", codebook=cb)
        secs = time.perf_counter() - t0
        if rep.folds:
            tests = [f["test"] for f in rep.folds]
            assert folds_seen is None or tests == folds_seen, "methods saw different folds"
            folds_seen = tests

        def build(book, make=make, learns=learns):
            coder = make(book)
            return _quiet(coder.fit, corpus, c1) if learns else coder

        if reads_examples:
            qrep = evaluate_leave_one_quote_out(build, cb)
        else:  # the coder never reads the examples: one coder serves every quote
            once = build(cb)
            qrep = evaluate_leave_one_quote_out(lambda book: once, cb)
        coder = build(cb)
        _quiet(coder.code, corpus)  # warm caches (embeddings, LLM answers)
        t0 = time.perf_counter()
        _quiet(coder.code, corpus)
        per_1000 = (time.perf_counter() - t0) / len(codable) * 1000
        o, q = rep.overall, qrep.overall
        rows.append([name, o["micro_f1"], o["macro_f1"], o["kappa"], q["micro_f1"], q["macro_f1"],
                     q["kappa"], per_1000])
        per_code[name] = rep.per_code.set_index("code")["f1"]
        print(f"  {name}: done in {secs:.1f} s; row {rows[-1]}", file=sys.stderr, flush=True)

    if args.llm_url:
        print(f"llm: {args.llm_name or 'the model'} served at {args.llm_url}\n")
    print("| method | sample micro F1 | sample macro F1 | sample pooled κ | quotes micro F1 | "
          "quotes macro F1 | quotes pooled κ | s per 1,000 segments |")
    print("| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |")
    for r in rows:
        print(f"| {r[0]} | " + " | ".join(_fmt(v) for v in r[1:7]) + f" | {r[7]:.2f} |")
    if args.per_code:
        table = pd.DataFrame(per_code)
        print("\nF1 per category on the sample (5-fold, reference C1):\n")
        print("| category | " + " | ".join(table.columns) + " |")
        print("| --- |" + " ---: |" * len(table.columns))
        for cat, vals in table.iterrows():
            print(f"| {cat} | " + " | ".join(_fmt(v) for v in vals) + " |")
    if not args.skip_throughput:
        texts = codable["text"].tolist()
        t = throughput(texts, device=args.device)
        print(f"\nembedding throughput ({args.device}, all-MiniLM-L6-v2): model load {t['load']:.1f} s; "
              f"{t['segments']} segments ({t['words']:,} words) embedded in {t['seconds']:.1f} s = "
              f"{t['rate']:.1f} segments/s ({t['words'] / t['seconds']:,.0f} words/s); "
              f"from the cache: {t['cached'] * 1000:.0f} ms ({t['cached_rate']:,.0f} segments/s)")


if __name__ == "__main__":
    main()
