"""Agreement benchmarks (issue 3, item 4): seconds as the median of repeats, and ratios.

1. Krippendorff's alpha, 3 coders x 1,000,000 units, 20 categories, 5% missing values:
   ``qualcode.agreement.krippendorff_alpha`` against ``krippendorff.alpha`` on the same data
   (the values must agree to 1e-9). Also the other coefficients (Fleiss' kappa with Gwet's
   missing-data reading and complete units only, Conger's kappa, quadratic-weighted AC2 /
   Fleiss / Brennan-Prediger / Conger, Cohen's kappa both ways), the weighted ones against
   irrCAC on 20,000 units, and a 1,000-replicate bootstrap.
2. Per-code segment agreement, ``compare(..., unit="segment")``: 50 codes x 100,000 segments
   x 3 coders (the third coder covers half the documents), with and without 1,000 bootstrap
   replicates.
3. Krippendorff's u-alpha (``unitizing_alpha``) on 3 coders x 100,000 free spans.

    python benchmarks/bench_agreement.py           # full size
    python benchmarks/bench_agreement.py --small   # a few seconds (CI)
"""
from __future__ import annotations

import argparse
import statistics
import sys
import time

import numpy as np
import pandas as pd

from qualcode import agreement as ag


def timed(fn, repeats: int) -> tuple[float, object]:
    times, result = [], None
    for _ in range(repeats):
        t0 = time.perf_counter()
        result = fn()
        times.append(time.perf_counter() - t0)
    return statistics.median(times), result


def reliability_matrix(n_units: int, n_coders: int = 3, n_categories: int = 20,
                       missing: float = 0.05, seed: int = 0) -> np.ndarray:
    rng = np.random.default_rng(seed)
    truth = rng.integers(0, n_categories, n_units)
    rows = [np.where(rng.random(n_units) < 0.8, truth, rng.integers(0, n_categories, n_units))
            for _ in range(n_coders)]
    x = np.vstack(rows).astype(float)
    x[rng.random(x.shape) < missing] = np.nan
    return x


def bench_alpha(n_units: int, repeats: int, reference: bool) -> None:
    x = reliability_matrix(n_units)
    print(f"Krippendorff's alpha, 3 coders x {n_units:,} units, 20 categories, 5% missing")
    for level in ("nominal", "ordinal", "interval"):
        sec, ours = timed(lambda: ag.krippendorff_alpha(x, level=level), repeats)
        line = f"  {level:<9} qualcode {sec:8.3f} s  alpha={ours:.6f}"
        if reference:
            import krippendorff

            ref_sec, theirs = timed(
                lambda: krippendorff.alpha(reliability_data=x, level_of_measurement=level), 1)
            if abs(theirs - ours) > 1e-9:
                sys.exit(f"mismatch with krippendorff.alpha: {ours} vs {theirs}")
            line += f"  | krippendorff {ref_sec:8.3f} s  ratio {ref_sec / sec:6.1f}x faster"
        print(line)
    for fn in (ag.percent_agreement, ag.fleiss_kappa, ag.gwet_ac1, ag.brennan_prediger,
               ag.conger_kappa):
        sec, value = timed(lambda: fn(x), repeats)
        print(f"  {fn.__name__:<18} {sec:8.3f} s  value={value:.6f}")
    sec, value = timed(lambda: ag.fleiss_kappa(x, missing="complete"), repeats)
    print(f"  {'fleiss complete':<18} {sec:8.3f} s  value={value:.6f}")
    for name in ("fleiss_kappa", "gwet_ac1", "brennan_prediger", "conger_kappa"):
        fn = getattr(ag, name)
        sec, value = timed(lambda: fn(x, weights="quadratic"), repeats)
        print(f"  {name + ' quad':<18} {sec:8.3f} s  value={value:.6f}")
    sec, value = timed(lambda: ag.cohen_kappa(x[:2]), repeats)
    print(f"  {'cohen_kappa (2)':<18} {sec:8.3f} s  value={value:.6f}")
    sec, value = timed(lambda: ag.cohen_kappa(x[:2], missing="gwet"), repeats)
    print(f"  {'cohen gwet (2)':<18} {sec:8.3f} s  value={value:.6f}")
    if reference:
        bench_irrcac(x[:, :20_000])
    sec, ci = timed(lambda: ag.bootstrap_ci(ag.krippendorff_alpha, x, n_boot=1000, seed=0), 1)
    print(f"  bootstrap_ci(alpha, n_boot=1000) {sec:8.3f} s  ({ci[0]:.4f}, {ci[1]:.4f})")


def bench_irrcac(x: np.ndarray) -> None:
    """The same coefficients against irrCAC on a slice (irrCAC loops in pandas; it is slow)."""
    try:
        from irrCAC.raw import CAC
    except ImportError:
        print("  (irrCAC not installed: no reference timing)")
        return
    cats = sorted(set(np.unique(x[~np.isnan(x)]).tolist()))
    frame = pd.DataFrame(x.T)
    print(f"  irrCAC on {x.shape[1]:,} units, quadratic weights (values must agree to 1e-9):")
    for ours_fn, theirs in ((ag.gwet_ac1, "gwet"), (ag.fleiss_kappa, "fleiss"),
                            (ag.conger_kappa, "conger")):
        sec, ours = timed(lambda: ours_fn(x, weights="quadratic", categories=cats), 1)
        ref_sec, res = timed(lambda: getattr(CAC(frame.copy(), weights="quadratic",
                                                 categories=cats, digits=15), theirs)(), 1)
        value = float(res["est"]["coefficient_value"])
        if abs(value - ours) > 1e-9:
            sys.exit(f"mismatch with irrCAC {theirs}: {ours} vs {value}")
        print(f"    {theirs:<8} qualcode {sec:8.4f} s | irrCAC {ref_sec:8.3f} s  "
              f"ratio {ref_sec / sec:7.0f}x")


def bench_unitizing(n_spans: int) -> None:
    """u-alpha on 3 coders' free spans over a long continuum."""
    rng = np.random.default_rng(1)
    starts = np.sort(rng.integers(0, 100 * n_spans, n_spans))
    rows = []
    for coder in ("ann", "ben", "cy"):
        s = starts + rng.integers(-5, 6, n_spans)
        rows.append(pd.DataFrame({"coder": coder, "category": rng.integers(0, 10, n_spans),
                                  "start": np.clip(s, 0, None), "end": np.clip(s, 0, None) + 40}))
    spans = pd.concat(rows, ignore_index=True)
    sec, table = timed(lambda: ag.unitizing_alpha(spans, (0, 100 * n_spans + 100)), 1)
    print(f"\nunitizing_alpha: 3 coders x {n_spans:,} spans, 10 categories  {sec:8.3f} s  "
          f"u-alpha={table['alpha'].iloc[-1]:.4f}")


class SyntheticCorpus:
    """Just what ``compare`` reads from a Corpus: ``segments``, ``document_ids``, ``text()``."""

    def __init__(self, n_documents: int, per_document: int, seg_len: int = 100):
        self._len = per_document * seg_len
        docs = np.repeat([f"doc{i:04d}" for i in range(n_documents)], per_document)
        start = np.tile(np.arange(per_document) * seg_len, n_documents)
        self.segments = pd.DataFrame({
            "document": docs, "case": docs, "speaker": "P",
            "segment": np.tile(np.arange(1, per_document + 1), n_documents),
            "start": start, "end": start + seg_len - 2, "text": "", "is_interviewer": False})
        self.document_ids = [f"doc{i:04d}" for i in range(n_documents)]

    def text(self, document: str) -> str:
        return " " * self._len


def synthetic_codings(corpus: SyntheticCorpus, n_codes: int, seed: int = 0) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    seg = corpus.segments
    n = len(seg)
    frames = []
    half = seg["document"].isin(corpus.document_ids[: len(corpus.document_ids) // 2]).to_numpy()
    for k in range(n_codes):
        truth = rng.random(n) < 0.05
        for c, coder in enumerate(("ann", "ben", "cy")):
            coded = (truth & (rng.random(n) < 0.8)) | (rng.random(n) < 0.01)
            if c == 2:
                coded &= half  # the third coder coded half the interviews
            idx = np.flatnonzero(coded)
            frames.append(pd.DataFrame({
                "document": seg["document"].to_numpy()[idx], "start": seg["start"].to_numpy()[idx],
                "end": seg["end"].to_numpy()[idx] - rng.integers(0, 30, idx.size),
                "code": f"code.{k:02d}", "coder": coder}))
    return pd.concat(frames, ignore_index=True)


def bench_segments(n_segments: int, n_codes: int, repeats: int) -> None:
    per_doc = 500
    corpus = SyntheticCorpus(max(1, n_segments // per_doc), per_doc)
    codings = synthetic_codings(corpus, n_codes)
    print(f"\ncompare(unit='segment'): {n_codes} codes x {len(corpus.segments):,} segments x "
          f"3 coders ({len(codings):,} codings)")
    sec, table = timed(lambda: ag.compare(corpus, codings, "segment", n_boot=0), repeats)
    print(f"  no bootstrap        {sec:8.3f} s  pooled alpha={table['alpha'].iloc[-1]:.4f}")
    sec, table = timed(lambda: ag.compare(corpus, codings, "segment", n_boot=1000), repeats)
    print(f"  1000 bootstrap      {sec:8.3f} s  pooled alpha CI=({table['alpha_low'].iloc[-1]:.4f}, "
          f"{table['alpha_high'].iloc[-1]:.4f})")
    sec, _ = timed(lambda: ag.compare(corpus, codings, "character", n_boot=0), 1)
    print(f"  unit='character'    {sec:8.3f} s  (no bootstrap)")


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--small", action="store_true",
                        help="Small sizes that run in a few seconds (for CI).")
    parser.add_argument("--no-reference", action="store_true",
                        help="Skip the krippendorff package (slow at full size).")
    args = parser.parse_args(argv)
    if args.small:
        bench_alpha(50_000, repeats=3, reference=not args.no_reference)
        bench_segments(10_000, 10, repeats=1)
        bench_unitizing(10_000)
    else:
        bench_alpha(1_000_000, repeats=5, reference=not args.no_reference)
        bench_segments(100_000, 50, repeats=3)
        bench_unitizing(100_000)


if __name__ == "__main__":
    main()
