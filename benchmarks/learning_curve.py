"""How fast the project learner learns: a simulated student codes the sample as C1 did.

    python benchmarks/learning_curve.py                      # Markdown table (and --plot FILE.svg)
    python benchmarks/learning_curve.py --steps 0,25 --orders document --learners tfidf   # a quick run
    python benchmarks/learning_curve.py --retrain 3          # seconds per retrain on 1,143 codings
    python benchmarks/learning_curve.py --humans             # C2 and C3 against C1, for scale
    python benchmarks/learning_curve.py --steps all --orders document --learners learner \
        --base-options '{"max_codes": 3}'                    # one option of the codebook coder

The sample's interviews are split in two halves (every other interview in name order): the student
codes the first half, the second is held out. The student copies C1's coding of the first half in
one of two orders: ``document`` (interview by interview, turn by turn) or ``uncertainty`` (the
passages the learner is least sure of first, as the workbench's review queue orders them, spread
over interviews; retrained after every step). After each number of hand codings in ``--steps``,
the learner is fitted on those codings and its gated suggestions on the held-out interviews are
compared with C1's coding there: Cohen's kappa pooled over (turn, label) decisions and its mean
over labels, at category level (the codebook's declared categories) and code level, for
``learner`` (the project learner, :func:`qualcode.coders.learner.learn`) and ``tfidf`` (the
TF-IDF classifier alone, as the workbench used before), with the seconds each retrain took.
"""
from __future__ import annotations

import argparse
import json
import os
import sys
import time
import warnings
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

import numpy as np
import pandas as pd

from qualcode import Codebook, load_transcripts
from qualcode.coders.codebook_trained import CodebookCoder
from qualcode.coders.evaluate import level_mapping, rollup, score_labels
from qualcode.coders.labels import human_codings, human_labels
from qualcode.coders.learner import learn
from qualcode.codings import read_codings, segment_code_matrix

SAMPLE = REPO / "transcripts_sample"
STEPS = "0,10,25,50,100,200,half,400,all"  # half/all: half of / all the codings of the coded half


def held_out_scores(corpus, codebook, c1, test_docs, suggestions) -> dict:
    seg = corpus.codable_segments()
    seg = seg[seg["document"].isin(test_docs)].reset_index(drop=True)
    codes = codebook.ids()
    y, _ = human_labels(c1[c1["document"].isin(test_docs)], seg, codes, rule="any")
    sugg = suggestions[suggestions["document"].isin(test_docs)]
    p = segment_code_matrix(sugg, seg, codes) if len(sugg) else np.zeros_like(y)
    out = {}
    for level in ("category", "code"):
        mapping, _ = level_mapping(codebook, None if level == "code" else level)
        labels, yl, pl = rollup(y, p, codes, mapping)
        per, overall = score_labels(yl, pl, labels, keep_unused=False)
        out[level] = (overall["kappa"], float(per["kappa"].fillna(0).mean()) if len(per) else np.nan)
    return out


def run(steps, orders, learners, *, base_options=None, splits=(0,), kappa_floor=None) -> list[dict]:
    rows = []
    for split in splits:
        rows += _run_split(split, steps, orders, learners, base_options=base_options,
                           kappa_floor=kappa_floor)
    return rows


def _steps(steps, size) -> list[tuple[str, int]]:
    out = []
    for s in steps:
        n = size // 2 if s == "half" else size if s == "all" else min(int(s), size)
        out.append((str(s), n))
    return out


def _run_split(split, steps, orders, learners, *, base_options=None, kappa_floor=None) -> list[dict]:
    warnings.simplefilter("ignore")
    cb = Codebook.load(REPO / "codebooks" / "b2b_influencer_marketing.yaml")
    corpus = load_transcripts(SAMPLE, cases=SAMPLE / "cases.csv", unit="turn")
    human = human_codings(read_codings(SAMPLE / "codings_human.csv", corpus=corpus, codebook=cb))
    c1 = human[human["coder"] == "C1"].assign(method="human")
    docs = sorted(corpus.document_ids)
    pool_docs, test_docs = (docs[0::2], docs[1::2]) if split == 0 else (docs[1::2], docs[0::2])
    pool = c1[c1["document"].isin(pool_docs)]
    pool = pool.assign(_d=pool["document"].map({d: i for i, d in enumerate(pool_docs)}))
    pool = pool.sort_values(["_d", "start", "end"]).drop(columns="_d").reset_index(drop=True)
    rows = []
    for learner in learners:
        options = {"base": "classifier"} if learner == "tfidf" else {"base_options": base_options or {}}
        for order in orders:
            taken = pool.iloc[0:0]
            ranks: dict = {}
            for step, n in _steps(steps, len(pool)):
                if order == "document":
                    taken = pool.head(n)
                else:
                    taken = _take_uncertain(corpus, pool, taken, n, ranks)
                t0 = time.perf_counter()
                res = learn(corpus, cb, taken, None, kappa_floor=kappa_floor, **options)
                seconds = time.perf_counter() - t0
                ranks = res["uncertainty"]
                scores = held_out_scores(corpus, cb, c1, test_docs, res["suggestions"])
                rows.append({"split": split, "step": step, "learner": learner, "order": order,
                             "codings": len(taken),
                             "documents": taken["document"].nunique(),
                             "category_kappa": scores["category"][0],
                             "category_mean_kappa": scores["category"][1],
                             "code_kappa": scores["code"][0], "code_mean_kappa": scores["code"][1],
                             "suggesting": sum(c["state"] == "suggesting" for c in res["codes"]),
                             "seconds": seconds})
                print(_line(rows[-1]), flush=True)
    return rows


def _take_uncertain(corpus, pool, taken, n, ranks):
    """Add the pool's codings of the most uncertain passages (by the last retrain's order) until
    ``n`` codings are taken; passages without a rank come in document order after them."""
    if n <= len(taken):
        return taken
    seg = corpus.codable_segments()
    seg = seg[seg["document"].isin(set(pool["document"]))]
    order = sorted(zip(seg["document"], seg["segment"], seg["start"], seg["end"]),
                   key=lambda r: (ranks.get((str(r[0]), int(r[1])), 10 ** 9)))
    chosen = set(taken.index)
    for doc, _, s, e in order:
        hit = pool[(pool["document"] == doc) & (pool["start"] < e) & (pool["end"] > s)]
        chosen.update(hit.index)
        if len(chosen) >= n:
            break
    return pool.loc[sorted(chosen)].head(max(n, len(taken)))


def _line(r) -> str:
    return (f"| {r['split']} | {r['learner']} | {r['order']} | {r['codings']} | {r['documents']} | "
            f"{r['category_kappa']:.3f} | {r['category_mean_kappa']:.3f} | {r['code_kappa']:.3f} | "
            f"{r['code_mean_kappa']:.3f} | {r['suggesting']} | {r['seconds']:.1f} |")


def summary(rows) -> str:
    """The mean over splits per learner, order and step, as a Markdown table."""
    t = pd.DataFrame(rows)
    cols = ["codings", "category_kappa", "category_mean_kappa", "code_kappa", "code_mean_kappa",
            "suggesting", "seconds"]
    g = t.groupby(["learner", "order", "step"], sort=False)[cols].mean().reset_index()
    lines = [f"Mean over {t['split'].nunique()} split(s):", "",
             "| learner | order | hand codings | category κ | category mean κ | code κ | "
             "code mean κ | codes suggesting | retrain s |",
             "| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |"]
    for r in g.itertuples():
        lines.append(f"| {r.learner} | {r.order} | {r.codings:.0f} ({r.step}) | "
                     f"{r.category_kappa:.3f} | {r.category_mean_kappa:.3f} | {r.code_kappa:.3f} | "
                     f"{r.code_mean_kappa:.3f} | {r.suggesting:.0f} | {r.seconds:.1f} |")
    return "\n".join(lines)


def plot(rows, path: Path) -> None:
    """A small SVG: category-level kappa by hand codings (means over the splits), one line per
    learner and order."""
    t = pd.DataFrame(rows)
    rows = (t.groupby(["learner", "order", "step"], sort=False)[["codings", "category_kappa"]]
            .mean().reset_index().to_dict("records"))
    w, h, pad = 520, 300, 40
    xs = sorted({r["codings"] for r in rows}) or [0]
    xmax = max(max(xs), 1)
    colors = {"learner/document": "#4e79a7", "learner/uncertainty": "#f28e2b",
              "tfidf/document": "#59a14f", "tfidf/uncertainty": "#e15759"}
    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{w}" height="{h}" font-family="sans-serif" font-size="11">',
             f'<line x1="{pad}" y1="{h - pad}" x2="{w - 10}" y2="{h - pad}" stroke="#333"/>',
             f'<line x1="{pad}" y1="10" x2="{pad}" y2="{h - pad}" stroke="#333"/>',
             f'<text x="{w / 2}" y="{h - 8}" text-anchor="middle">hand codings</text>',
             f'<text x="12" y="{h / 2}" transform="rotate(-90 12 {h / 2})" text-anchor="middle">category kappa (held out)</text>']
    for x in range(0, int(xmax) + 1, 100):
        px = pad + x / xmax * (w - pad - 10)
        parts.append(f'<line x1="{px:.1f}" y1="{h - pad}" x2="{px:.1f}" y2="{h - pad + 4}" stroke="#333"/>')
        parts.append(f'<text x="{px:.1f}" y="{h - pad + 15}" text-anchor="middle">{x}</text>')
    for k in (0, 0.25, 0.5, 0.75):
        y = h - pad - k * (h - pad - 10)
        parts.append(f'<text x="{pad - 4}" y="{y + 4}" text-anchor="end">{k:g}</text>')
    for i, (name, color) in enumerate(colors.items()):
        learner, order = name.split("/")
        pts = [(r["codings"], r["category_kappa"]) for r in rows
               if r["learner"] == learner and r["order"] == order and r["category_kappa"] == r["category_kappa"]]
        if not pts:
            continue
        line = " ".join(f"{pad + x / xmax * (w - pad - 10):.1f},{h - pad - max(k, 0) * (h - pad - 10):.1f}"
                        for x, k in pts)
        parts.append(f'<polyline fill="none" stroke="{color}" stroke-width="2" points="{line}"/>')
        parts.append(f'<text x="{pad + 8}" y="{18 + 14 * i}" fill="{color}">{name}</text>')
    parts.append("</svg>")
    path.write_text("\n".join(parts) + "\n", encoding="utf-8")


def time_retrain(repeats: int) -> None:
    """Wall and CPU seconds (this process and its forked workers) of one retrain of the learner on
    every C1 coding of the sample (22 interviews), after one warm-up (the embedding model loaded,
    the codebook's own estimate made: what a running workbench already holds)."""
    warnings.simplefilter("ignore")
    cb = Codebook.load(REPO / "codebooks" / "b2b_influencer_marketing.yaml")
    corpus = load_transcripts(SAMPLE, cases=SAMPLE / "cases.csv", unit="turn")
    human = human_codings(read_codings(SAMPLE / "codings_human.csv", corpus=corpus, codebook=cb))
    c1 = human[human["coder"] == "C1"].assign(method="human")
    learn(corpus, cb, c1.head(0))
    walls, cpus = [], []
    for _ in range(repeats):
        c0, w0 = _cpu(), time.perf_counter()
        res = learn(corpus, cb, c1)
        walls.append(time.perf_counter() - w0)
        cpus.append(_cpu() - c0)
    print(f"retrain on {res['codings']} codings of {res['documents']} interviews: wall "
          f"{' '.join(f'{w:.1f}' for w in walls)} s (median {np.median(walls):.1f}), CPU "
          f"{' '.join(f'{c:.1f}' for c in cpus)} s, {os.cpu_count()} cores")


def humans() -> None:
    """For scale: the sample's other human coders against C1, measured as the learner is (the
    turns of the interviews both coded; category and code level, pooled and mean kappa)."""
    warnings.simplefilter("ignore")
    cb = Codebook.load(REPO / "codebooks" / "b2b_influencer_marketing.yaml")
    corpus = load_transcripts(SAMPLE, cases=SAMPLE / "cases.csv", unit="turn")
    human = human_codings(read_codings(SAMPLE / "codings_human.csv", corpus=corpus, codebook=cb))
    c1 = human[human["coder"] == "C1"]
    print("| coder against C1 | interviews | category κ | category mean κ | code κ | code mean κ |")
    print("| --- | ---: | ---: | ---: | ---: | ---: |")
    for coder in sorted(set(human["coder"]) - {"C1"}):
        other = human[human["coder"] == coder]
        docs = sorted(set(other["document"]))
        s = held_out_scores(corpus, cb, c1, docs, other)
        print(f"| {coder} | {len(docs)} | {s['category'][0]:.3f} | {s['category'][1]:.3f} | "
              f"{s['code'][0]:.3f} | {s['code'][1]:.3f} |")


def _cpu() -> float:
    t = os.times()
    return t.user + t.system + t.children_user + t.children_system


def _options(text: str) -> dict:
    """``--base-options``: a JSON object, or argparse's one-line error."""
    try:
        value = json.loads(text)
    except ValueError as e:
        raise argparse.ArgumentTypeError(f"not JSON ({e})") from None
    if not isinstance(value, dict):
        raise argparse.ArgumentTypeError("give a JSON object, e.g. '{\"max_codes\": 3}'")
    unknown = sorted(set(value) - set(CodebookCoder().get_params()) - {"codebook"})
    if unknown:
        raise argparse.ArgumentTypeError(f"the codebook coder has no option {', '.join(unknown)}")
    return value


def main(argv=None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--steps", default=STEPS,
                    help="Numbers of hand codings; 'half' and 'all' of the coded half's codings.")
    ap.add_argument("--splits", default="0,1", help="0: the student codes every other interview "
                    "from the first (by name), the rest is held out; 1: the other way round.")
    ap.add_argument("--orders", default="document,uncertainty")
    ap.add_argument("--learners", default="learner,tfidf")
    ap.add_argument("--plot", type=Path, default=None, help="Write an SVG plot here.")
    ap.add_argument("--csv", type=Path, default=None, help="Write the rows as CSV here.")
    ap.add_argument("--base-options", default={}, type=_options, metavar="JSON",
                    help='Options of the learner\'s codebook coder, e.g. \'{"max_codes": 3}\'.')
    ap.add_argument("--kappa-floor", type=float, default=None,
                    help="The learner's gate (default: qualcode.coders.learner.KAPPA_FLOOR).")
    ap.add_argument("--retrain", type=int, default=0, metavar="N",
                    help="Only time N retrains on all of C1's codings (see time_retrain).")
    ap.add_argument("--humans", action="store_true",
                    help="Only print how C2 and C3 agree with C1, measured the same way.")
    args = ap.parse_args(argv)
    if args.humans:
        humans()
        return
    if args.retrain:
        print(f"load average at start: {' '.join(f'{x:.1f}' for x in os.getloadavg())}")
        time_retrain(args.retrain)
        print(f"load average at end: {' '.join(f'{x:.1f}' for x in os.getloadavg())}")
        return
    print(f"load average at start: {' '.join(f'{x:.1f}' for x in os.getloadavg())}")
    print("| split | learner | order | hand codings | interviews | category κ | category mean κ | "
          "code κ | code mean κ | codes suggesting | retrain s |")
    print("| ---: | --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |")
    rows = run(args.steps.split(","), args.orders.split(","), args.learners.split(","),
               splits=[int(s) for s in args.splits.split(",")],
               base_options=args.base_options, kappa_floor=args.kappa_floor)
    print()
    print(summary(rows))
    print(f"load average at end: {' '.join(f'{x:.1f}' for x in os.getloadavg())}")
    if args.plot:
        plot(rows, args.plot)
    if args.csv:
        pd.DataFrame(rows).to_csv(args.csv, index=False)


if __name__ == "__main__":
    main()
