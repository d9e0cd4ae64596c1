"""qualcode benchmarks (issue 7): speed and peak memory from 10 thousand to 10 million words.

    python benchmarks/run.py                      # 10k, 100k, 1M, 10M words (several minutes)
    python benchmarks/run.py --small              # 10k words and a tiny agreement case (CI)
    python benchmarks/run.py --sizes 10k,1M --repeats 3 --json out.json --markdown out.md

A seeded synthetic corpus (:mod:`synthetic`: transcripts with front matter and speaker turns,
keyword phrases of the shipped codebook in the answers, three synthetic human coders on 50 codes)
is written to a temporary folder for each size. Each measurement runs in a forked child process
(imports paid once, in the parent), so its peak memory is its own: the peak resident set size of
the measured call (Linux: the high-water mark is reset after the set-up; elsewhere the child's
``ru_maxrss``, set-up included). Times are medians of repeated runs (``--repeats`` at up to 100k
words, about half as many at 1M, one at 10M).

Measured: ``load_transcripts``; ``KeywordCoder.code``; the whole ``qualcode code`` command line
(a fresh process: start-up, load, coding and writing the CSV); ``ClassifierCoder.fit`` on at most
20,000 segments (50 codes) and ``.code`` on every codable segment; ``agreement.compare`` at segment
and character level (three coders, no bootstrap); ``matrix.case_by_code`` and
``matrix.strategy_by_case``; ``agreement.krippendorff_alpha`` on 3 coders x as many units as the
size has words (the data of ``bench_agreement.py``); opening a project with 10,000 codings and
reading them as a DataFrame (``store.py``; the same 10,000 codings at every size). References on the same data: the
``krippendorff`` package (alpha), a naive per-segment regex loop (keywords, timed on at most 2,000
segments), spaCy's tokenizer alone (the ceiling for anything that tokenizes) and the Python
start-up of the command line. The issue's targets are checked and a log-log slope of time against
work (words, segments or units) flags anything that grows faster than linearly.
"""
from __future__ import annotations

import argparse
import contextlib
import datetime
import json
import math
import os
import platform
import re
import shutil
import subprocess
import sys
import tempfile
import time
import warnings
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
sys.path.insert(0, str(HERE))

import synthetic
from bench_agreement import reliability_matrix, timed
from bench_coding import naive_regex

CODEBOOK = REPO / "codebooks" / "b2b_influencer_marketing.yaml"
FULL_SIZES = (10_000, 100_000, 1_000_000, 10_000_000)
TRAIN_SEGMENTS = 20_000  # the classifier target: 20k segments x 50 codes
REGEX_SAMPLE = 2_000
KRIPPENDORFF_MAX_UNITS = 2_000_000  # beyond, the package needs more memory than a laptop has
MEMORY_LIMIT_MIB = 4 * 1024  # "without running out of memory": fits a 8 GiB laptop with room
HEADER = "| measurement | size | work | median s | throughput | peak MiB | reference | ratio |"
# what `qualcode code` imports before it reads a file (as the command does, thinc without PyTorch)
STARTUP = ("from qualcode.nlp import thinc_without_torch; thinc_without_torch(); "
           "import qualcode.cli, qualcode.coders.keyword, spacy")
SLOPE_TOLERANCE = 1.15  # a log-log slope above this is "worse than linear" (timing noise allowed)


# ------------------------------------------------------------------------------------------------
# measurements: each runs in a forked child; ``setup`` is not timed, ``measure`` is.


class Bench:
    """What a measurement needs: the size's folder and metadata, the codebook, the repeats."""

    def __init__(self, folder: Path, meta: dict, repeats: int):
        self.folder, self.meta, self.repeats = folder, meta, repeats
        self.transcripts = folder / "transcripts"

    def codebook(self):
        from qualcode import Codebook

        return Codebook.load(CODEBOOK)

    def corpus(self):
        from qualcode import load_transcripts

        return load_transcripts(self.transcripts)

    def codings(self, corpus, codebook, coder: str | None = None):
        from qualcode.codings import read_codings

        codings = read_codings(self.folder / "codings.csv", corpus=corpus, codebook=codebook)
        return codings if coder is None else codings[codings["coder"] == coder]

    def training_codings(self, corpus, codebook):
        """``ann``'s codings of the first interviews, up to :data:`TRAIN_SEGMENTS` segments."""
        per_doc = self.meta["segments_per_document"]
        n_docs = next((i + 1 for i in range(len(per_doc)) if sum(per_doc[:i + 1]) >= TRAIN_SEGMENTS),
                      len(per_doc))
        docs = {f"interview{d:05d}" for d in range(n_docs)}
        codings = self.codings(corpus, codebook, "ann")
        return codings[codings["document"].isin(docs)], sum(per_doc[:n_docs])


def task_load(b: Bench):
    def check(corpus):  # the generator and the loader must agree
        s = corpus.summary()
        if (s["words"], s["codable_segments"]) != (b.meta["words"], b.meta["codable_segments"]):
            raise AssertionError(f"loaded {s['words']} words, {s['codable_segments']} codable "
                                 f"segments; wrote {b.meta['words']}, {b.meta['codable_segments']}")
        return {}

    return {"measure": b.corpus, "work": b.meta["words"], "unit": "words", "references": check}


def task_keyword(b: Bench):
    from qualcode import KeywordCoder

    corpus, cb = b.corpus(), b.codebook()
    t0 = time.perf_counter()
    coder = KeywordCoder(cb)
    build = time.perf_counter() - t0
    texts = corpus.codable_segments()["text"].tolist()
    words = sum(len(t.split()) for t in texts)

    def references(result):
        import spacy

        sample = texts[:REGEX_SAMPLE]
        sample_words = sum(len(t.split()) for t in sample)
        sec, hits = timed(lambda: naive_regex(cb, sample), 1)
        tokenizer = spacy.blank("en").tokenizer
        tok_sec, _ = timed(lambda: sum(len(d) for d in tokenizer.pipe(texts, batch_size=1000)),
                           b.repeats)
        return {
            "references": [
                {"name": "naive regex loop", "rate": sample_words / sec,
                 "note": f"{len(sample)} segments; {hits} code hits vs "
                         f"{sum(len(h) for h in coder.match_texts(sample))} on lemmas"},
                {"name": "spaCy tokenizer only (ceiling)", "rate": words / tok_sec},
            ],
            "note": f"matchers built in {build:.2f} s; {len(result):,} codings",
        }

    return {"measure": lambda: coder.code(corpus), "work": words, "unit": "words",
            "references": references}


def task_train(b: Bench):
    from qualcode import ClassifierCoder

    corpus, cb = b.corpus(), b.codebook()
    codings, n_segments = b.training_codings(corpus, cb)

    def measure():
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # codes too rare at the small sizes: listed in skipped_
            return ClassifierCoder(cb).fit(corpus, codings)

    def references(clf):
        return {"note": f"{len(clf.classes_)} codes modelled, {clf.n_documents_} documents; "
                        "threshold='auto' (3 inner folds)"}

    return {"measure": measure, "work": n_segments, "unit": "segments", "references": references}


def task_predict(b: Bench):
    from qualcode import ClassifierCoder

    corpus, cb = b.corpus(), b.codebook()
    codings, _ = b.training_codings(corpus, cb)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        clf = ClassifierCoder(cb, threshold=0.5).fit(corpus, codings)
    n = len(corpus.codable_segments())
    return {"measure": lambda: clf.code(corpus), "work": n, "unit": "segments",
            "references": lambda out: {"note": f"{len(out):,} suggestions, {len(clf.classes_)} codes"}}


def _compare_task(unit: str):
    def task(b: Bench):
        from qualcode import agreement as ag

        corpus, cb = b.corpus(), b.codebook()
        codings = b.codings(corpus, cb)
        n = len(corpus.codable_segments())
        return {"measure": lambda: ag.compare(corpus, codings, unit, n_boot=0), "work": n,
                "unit": "segments",
                "references": lambda t: {"note": f"{len(codings):,} codings, 3 coders, "
                                                 f"{t['code'].nunique() - 1} codes; no bootstrap"}}
    return task


def task_case_by_code(b: Bench):
    from qualcode import matrix

    corpus, cb = b.corpus(), b.codebook()
    codings = b.codings(corpus, cb)
    return {"measure": lambda: matrix.case_by_code(corpus, codings),
            "work": len(corpus.codable_segments()), "unit": "segments"}


def task_strategy_by_case(b: Bench):
    from qualcode import matrix

    corpus, cb = b.corpus(), b.codebook()
    codings = b.codings(corpus, cb)
    return {"measure": lambda: matrix.strategy_by_case(corpus, codings, cb),
            "work": len(corpus.codable_segments()), "unit": "segments"}


def task_alpha(b: Bench):
    from qualcode import agreement as ag

    n = b.meta["size"]
    x = reliability_matrix(n)

    def references(ours):
        import krippendorff

        note = f"3 coders x {n:,} units, 20 categories, 5% missing; alpha={ours:.6f}"
        if n > KRIPPENDORFF_MAX_UNITS:  # it holds a categories x categories matrix per unit
            gib = n * 20 * 20 * 8 / 2**30
            return {"note": note + f"; krippendorff package not run (it would allocate {gib:.0f} GiB)"}
        sec, theirs = timed(lambda: krippendorff.alpha(reliability_data=x,
                                                       level_of_measurement="nominal"), 1)
        if abs(theirs - ours) > 1e-9:
            raise AssertionError(f"alpha {ours} differs from krippendorff.alpha {theirs}")
        return {"references": [{"name": "krippendorff package", "rate": n / sec}], "note": note}

    return {"measure": lambda: ag.krippendorff_alpha(x, level="nominal"), "work": n,
            "unit": "units", "references": references}


def task_store(b: Bench):
    import store

    project = store.make_project(b.folder / "project", b.transcripts, CODEBOOK, store.N_CODINGS)
    return {"measure": lambda: store.open_and_read(project), "work": store.N_CODINGS,
            "unit": "codings",
            "references": lambda df: {"note": f"{len(df):,} codings read (3 human coders, 1 "
                                              "machine run) from qualcode.sqlite"}}


def _coefficient_task(name: str, **options):
    """Another coefficient on the data of ``task_alpha`` (issue 16: missing ratings, weights)."""
    def task(b: Bench):
        from qualcode import agreement as ag

        n = b.meta["size"]
        x = reliability_matrix(n)
        fn = getattr(ag, name)
        return {"measure": lambda: fn(x, **options), "work": n, "unit": "units"}
    return task


TASKS = {  # name -> (set-up function, label)
    "load": (task_load, "load_transcripts"),
    "keyword": (task_keyword, "KeywordCoder.code"),
    "cli": (None, "CLI `qualcode code` (load + keyword + write)"),
    "train": (task_train, "ClassifierCoder.fit (50 codes)"),
    "predict": (task_predict, "ClassifierCoder.code"),
    "compare_segment": (_compare_task("segment"), "compare, unit=segment"),
    "compare_character": (_compare_task("character"), "compare, unit=character"),
    "case_by_code": (task_case_by_code, "matrix.case_by_code"),
    "strategy_by_case": (task_strategy_by_case, "matrix.strategy_by_case"),
    "alpha": (task_alpha, "krippendorff_alpha (nominal)"),
    "fleiss_weighted": (_coefficient_task("fleiss_kappa", weights="quadratic"),
                        "fleiss_kappa (Gwet's missing data, quadratic weights)"),
    "conger": (_coefficient_task("conger_kappa", weights="quadratic"),
               "conger_kappa (quadratic weights)"),
    "store": (task_store, "Project.open + codings() (10,000 codings)"),
}


# ------------------------------------------------------------------------------------------------
# running a measurement in a child process


def _rss_kib(field: str) -> int | None:
    try:
        with open("/proc/self/status") as f:
            m = re.search(rf"^{field}:\s+(\d+) kB", f.read(), re.MULTILINE)
        return int(m.group(1)) if m else None
    except OSError:
        return None


def _reset_peak() -> bool:
    try:
        with open("/proc/self/clear_refs", "w") as f:
            f.write("5")  # Linux: reset the peak RSS (VmHWM) to the current RSS
        return True
    except OSError:
        return False


def _maxrss_mib(ru_maxrss: int) -> float:
    return ru_maxrss / (1024 * 1024 if sys.platform == "darwin" else 1024)  # bytes on macOS


def _measure_in_child(name: str, bench: Bench) -> dict:
    import resource

    spec = TASKS[name][0](bench)
    base = _rss_kib("VmRSS")
    reset = _reset_peak()
    seconds, result = timed(spec["measure"], bench.repeats)
    peak_kib = _rss_kib("VmHWM") if reset else None
    peak = peak_kib / 1024 if peak_kib else _maxrss_mib(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss)
    out = {"seconds": seconds, "work": spec["work"], "unit": spec["unit"], "peak_mib": peak,
           "baseline_mib": base / 1024 if base else None, "repeats": bench.repeats}
    if "references" in spec:
        try:
            out.update(spec["references"](result))
        except MemoryError as exc:  # a reference that cannot run at this size must not hide ours
            out["note"] = f"reference failed: MemoryError ({exc})"
    return out


def run_isolated(name: str, bench: Bench) -> dict:
    """Run one measurement in a forked child; its result comes back as JSON through a pipe."""
    read_fd, write_fd = os.pipe()
    pid = os.fork()
    if pid == 0:  # the child
        os.close(read_fd)
        code = 0
        try:
            out = _measure_in_child(name, bench)
        except BaseException as exc:  # noqa: BLE001 (reported in the table, never hidden)
            out, code = {"error": f"{type(exc).__name__}: {exc}"}, 1
        try:
            with os.fdopen(write_fd, "w") as f:
                json.dump(out, f)
        finally:
            os._exit(code)
    os.close(write_fd)
    with os.fdopen(read_fd) as f:
        data = f.read()
    _, status, _ = os.wait4(pid, 0)
    if data:
        return json.loads(data)
    if os.WIFSIGNALED(status):
        sig = os.WTERMSIG(status)
        why = " (out of memory?)" if sig == 9 else ""
        return {"error": f"killed by signal {sig}{why}"}
    return {"error": f"exited with status {os.waitstatus_to_exitcode(status)} and no result"}


def run_cli(bench: Bench, workdir: Path) -> dict:
    """Time ``qualcode code`` in a fresh process; peak RSS from the child's rusage."""
    exe = shutil.which("qualcode")
    cmd = [exe] if exe else [sys.executable, "-m", "qualcode"]
    out_csv = workdir / "cli_codings.csv"
    args = cmd + ["code", str(bench.transcripts), "--codebook", str(CODEBOOK), "-o", str(out_csv),
                  "--force"]
    times, peak = [], 0.0
    runs = 1 if bench.meta.get("small") else bench.repeats  # a fresh process costs seconds
    for _ in range(runs):
        code, sec, mib, err = _spawn(args)
        if code != 0:
            return {"error": f"`qualcode code` exited {code}: {err.strip()[-300:]}"}
        times.append(sec)
        peak = max(peak, mib)
    out = {"seconds": sorted(times)[len(times) // 2], "work": bench.meta["words"], "unit": "words",
           "peak_mib": peak, "repeats": runs}
    if not bench.meta.get("small"):  # what any run of the command pays before reading a file
        startup = sorted(_spawn([sys.executable, "-c", STARTUP])[1] for _ in range(min(3, runs)))
        st = startup[len(startup) // 2]
        out.update(references=[{"name": "Python start-up + imports", "seconds": st}],
                   note=f"{st:.1f} s of it is start-up and imports")
    return out


def _spawn(args: list[str]) -> tuple[int, float, float, str]:
    with tempfile.TemporaryFile() as err:
        t0 = time.perf_counter()
        proc = subprocess.Popen(args, stdout=subprocess.DEVNULL, stderr=err)
        _, status, usage = os.wait4(proc.pid, 0)
        sec = time.perf_counter() - t0
        proc.returncode = os.waitstatus_to_exitcode(status)
        err.seek(0)
        text = err.read().decode("utf-8", "replace")
    return proc.returncode, sec, _maxrss_mib(usage.ru_maxrss), text


# ------------------------------------------------------------------------------------------------
# the run


def parse_size(text: str) -> int:
    m = re.fullmatch(r"\s*([\d.]+)\s*([kKmM]?)\s*", text)
    if not m:
        raise argparse.ArgumentTypeError(f"not a size: {text!r} (use e.g. 10k, 1M, 250000)")
    return int(float(m.group(1)) * {"": 1, "k": 1_000, "m": 1_000_000}[m.group(2).lower()])


def size_label(n: int) -> str:
    if n >= 1_000_000 and n % 1_000_000 == 0:
        return f"{n // 1_000_000}M"
    if n >= 1_000 and n % 1_000 == 0:
        return f"{n // 1_000}k"
    return f"{n:,}"


def repeats_for(size: int, repeats: int) -> int:
    """Fewer repeats at large sizes: all up to 100k words, half at 1M, one beyond."""
    if size <= 100_000:
        return repeats
    return max(1, -(-repeats // 2)) if size <= 1_000_000 else 1


def run(sizes, repeats: int, tasks, workdir: Path, log, *, small: bool = False) -> list[dict]:
    import spacy  # noqa: F401

    # import what the children use once, here, so that no child pays for it
    import qualcode.agreement
    import qualcode.coders
    import qualcode.matrix  # noqa: F401
    from qualcode import Codebook

    codebook = Codebook.load(CODEBOOK)
    results = []
    for size in sizes:
        folder = workdir / size_label(size)
        t0 = time.perf_counter()
        meta = synthetic.make_corpus(folder, size, codebook)
        meta["size"], meta["small"] = size, small
        log(f"{size_label(size)}: {meta['words']:,} words, {meta['documents']} interviews, "
            f"{meta['codable_segments']:,} answers written in {time.perf_counter() - t0:.1f} s")
        bench = Bench(folder, meta, repeats_for(size, repeats))
        for name in tasks:
            t0 = time.perf_counter()
            out = run_cli(bench, workdir) if name == "cli" else run_isolated(name, bench)
            out.update({"task": name, "label": TASKS[name][1], "size": size, "words": meta["words"]})
            results.append(out)
            log(f"  {name:<18} {_brief(out)}  ({time.perf_counter() - t0:.1f} s)")
        shutil.rmtree(folder, ignore_errors=True)
    return results


def _brief(r: dict) -> str:
    if "error" in r:
        return "ERROR " + r["error"]
    return f"{r['seconds']:.3f} s, {r['work'] / r['seconds']:,.0f} {r['unit']}/s, peak {r['peak_mib']:.0f} MiB"


# ------------------------------------------------------------------------------------------------
# targets, scaling, tables


def _find(results, task, pred=lambda r: True):
    return [r for r in results if r["task"] == task and "error" not in r and pred(r)]


def targets(results) -> list[dict]:
    out = []

    def add(name, goal, rows, value, ok, how):
        if not rows:
            out.append({"target": name, "goal": goal, "measured": "not measured at these sizes",
                        "status": "not run"})
        else:
            out.append({"target": name, "goal": goal, "measured": how(value(rows)),
                        "status": "met" if ok(value(rows)) else "missed"})

    cli1m = _find(results, "cli", lambda r: r["size"] == 1_000_000)
    add("load + keyword-code 1M words through `qualcode code`", "< 5 s", cli1m,
        lambda rows: rows[0]["seconds"], lambda v: v < 5, lambda v: f"{v:.2f} s")
    big = [r for r in results if r["task"] == "cli" and r["size"] >= 10_000_000]
    if big and "error" in big[0]:
        out.append({"target": "10M words through `qualcode code` without running out of memory",
                    "goal": f"exit 0, peak RSS < {MEMORY_LIMIT_MIB // 1024} GiB",
                    "measured": big[0]["error"], "status": "missed"})
    else:
        add("10M words through `qualcode code` without running out of memory",
            f"exit 0, peak RSS < {MEMORY_LIMIT_MIB // 1024} GiB", big,
            lambda rows: rows[0]["peak_mib"], lambda v: v < MEMORY_LIMIT_MIB,
            lambda v: f"peak RSS {v:,.0f} MiB ({big[0]['seconds']:.1f} s)")
    alpha = _find(results, "alpha", lambda r: r["work"] == 1_000_000)
    add("Krippendorff's alpha, 3 coders x 1M units", "< 0.5 s", alpha,
        lambda rows: rows[0]["seconds"], lambda v: v < 0.5, lambda v: f"{v:.3f} s")
    for task, label in (("fleiss_weighted", "weighted Fleiss' kappa"), ("conger", "Conger's kappa")):
        rows_ = _find(results, task, lambda r: r["work"] == 1_000_000)
        add(f"{label}, 3 coders x 1M units", "< 1 s", rows_,
            lambda rows: rows[0]["seconds"], lambda v: v < 1, lambda v: f"{v:.3f} s")
    train = _find(results, "train", lambda r: r["work"] >= TRAIN_SEGMENTS)
    add("classifier training, 20k segments x 50 codes", "< 30 s", train,
        lambda rows: rows[0]["seconds"], lambda v: v < 30, lambda v: f"{v:.1f} s")
    store_rows = _find(results, "store")
    add("open a project with 10,000 codings and read them as a DataFrame (issue 13)",
        "well under 1 s (< 0.25 s)", store_rows, lambda rows: max(r["seconds"] for r in rows),
        lambda v: v < 0.25, lambda v: f"{v:.3f} s")
    return out


def scaling(results) -> list[dict]:
    """Per measurement: seconds at each size and the log-log slope of time against work, fitted on
    the sizes from 100k words up (below that, fixed costs dominate)."""
    import numpy as np

    rows = []
    for name in TASKS:
        rs = sorted(_find(results, name), key=lambda r: r["size"])
        if len(rs) < 2:
            continue
        fit = [r for r in rs if r["size"] >= 100_000 and r["seconds"] > 0]
        fit = fit if len(fit) >= 2 else [r for r in rs if r["seconds"] > 0]
        x = np.log([r["work"] for r in fit])
        y = np.log([r["seconds"] for r in fit])
        slope = float(np.polyfit(x, y, 1)[0]) if len(set(x)) >= 2 else float("nan")
        # the verdict goes by the two largest sizes, where fixed costs matter least
        a, b = rs[-2], rs[-1]
        last = (math.log(b["seconds"] / a["seconds"]) / math.log(b["work"] / a["work"])
                if b["work"] != a["work"] and a["seconds"] > 0 else float("nan"))
        verdict = ("n/a" if math.isnan(last) else
                   "worse than linear" if last > SLOPE_TOLERANCE else "linear or better")
        rows.append({"task": name, "label": TASKS[name][1],
                     "seconds": {size_label(r["size"]): r["seconds"] for r in rs},
                     "work": {size_label(r["size"]): r["work"] for r in rs},
                     "slope": slope, "last_slope": last, "verdict": verdict})
    return rows


def _rate(v: float) -> str:
    if v >= 1e6:
        return f"{v / 1e6:.2f}M"
    if v >= 1e3:
        return f"{v / 1e3:.1f}k"
    return f"{v:.0f}"


def markdown(results, targets_, scaling_, meta) -> str:
    lines = [HEADER, "| --- | --- | ---: | ---: | ---: | ---: | --- | ---: |"]
    for r in results:
        size = size_label(r["size"])
        if "error" in r:
            lines.append(f"| {r['label']} | {size} | | | | | ERROR: {r['error']} | |")
            continue
        rate = r["work"] / r["seconds"] if r["seconds"] else float("inf")
        refs = r.get("references", [])
        ref_txt, ratio = "", ""
        if refs:
            ref = refs[0]
            if "rate" in ref:
                ref_txt = "; ".join(f"{x['name']} {_rate(x['rate'])} {r['unit']}/s" for x in refs)
                ratio = " / ".join(f"{rate / x['rate']:.2f}x" for x in refs)
            else:
                ref_txt = f"{ref['name']} {ref['seconds']:.2f} s"
                ratio = f"{ref['seconds'] / r['seconds']:.0%} of time"
        lines.append(f"| {r['label']} | {size} | {r['work']:,} {r['unit']} | {r['seconds']:.3f} | "
                     f"{_rate(rate)} {r['unit']}/s | {r['peak_mib']:,.0f} | {ref_txt} | {ratio} |")
    out = ["## Results", "", *lines, ""]
    notes = [f"- {r['label']} at {size_label(r['size'])}: {r['note']}" for r in results if r.get("note")]
    if notes:
        out += ["Notes:", "", *notes, ""]
    out += [("Ratio = qualcode's throughput / the reference's (above 1: qualcode is faster; for the "
             "tokenizer ceiling, the share of it reached). Peak MiB = peak resident memory of the "
             "process during the measured call, the loaded corpus included."), ""]
    out += ["## Targets (issue 7)", "", "| target | goal | measured | status |", "| --- | --- | --- | --- |"]
    out += [f"| {t['target']} | {t['goal']} | {t['measured']} | {t['status']} |" for t in targets_]
    out.append("")
    if scaling_:
        sizes = sorted({s for row in scaling_ for s in row["seconds"]}, key=parse_size)
        out += ["## Scaling", "",
                ("Seconds at each size; slope of log time against log work (words, segments or "
                 "units; 1 = linear) fitted from 100k words up, and between the two largest sizes, "
                 f"which gives the verdict (above {SLOPE_TOLERANCE}: worse than linear)."), "",
                "| measurement | " + " | ".join(sizes) + " | slope | last step | verdict |",
                "| --- | " + " | ".join("---:" for _ in sizes) + " | ---: | ---: | --- |"]
        for row in scaling_:
            cells = [f"{row['seconds'][s]:.3f}" if s in row["seconds"] else "" for s in sizes]
            out.append(f"| {row['label']} | " + " | ".join(cells) +
                       f" | {row['slope']:.2f} | {row['last_slope']:.2f} | {row['verdict']} |")
        out.append("")
    out.append(f"Machine: {meta['machine']}; load average {meta['load_before']:.1f} before the run, "
               f"{meta['load_average']:.1f} after; Python {meta['python']}; qualcode {meta['commit']}; "
               f"seed {meta['seed']}; command: `{meta['command']}`")
    if max(meta["load_before"], meta["load_average"]) > 1.0:
        out.append("")
        out.append("**Other processes were using the CPUs during this run: the times are pessimistic.**")
    return "\n".join(out) + "\n"


def machine_meta(args_line: str) -> dict:
    cpu = platform.processor() or platform.machine()
    with contextlib.suppress(OSError):
        m = re.search(r"model name\s*:\s*(.+)", Path("/proc/cpuinfo").read_text())
        cpu = m.group(1).strip() if m else cpu
    try:
        commit = subprocess.run(["git", "-C", str(REPO), "rev-parse", "--short", "HEAD"],
                                capture_output=True, text=True, timeout=10, check=False).stdout.strip()
    except (OSError, subprocess.SubprocessError):
        commit = ""
    mem = ""
    with contextlib.suppress(OSError, AttributeError, ValueError):
        mem = f", {os.sysconf('SC_PAGE_SIZE') * os.sysconf('SC_PHYS_PAGES') / 2**30:.0f} GiB"
    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
    return {"machine": f"{os.cpu_count()} cores ({cpu}){mem}", "python": platform.python_version(),
            "load_average": load,
            "platform": platform.platform(), "commit": commit, "seed": 0, "command": args_line,
            "date": datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds")}


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0],
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--small", action="store_true",
                    help="10k words and a tiny agreement case only (seconds; for CI)")
    ap.add_argument("--sizes", type=lambda s: [parse_size(x) for x in s.split(",") if x.strip()],
                    default=None, help="comma-separated corpus sizes in words (default 10k,100k,1M,10M)")
    ap.add_argument("--repeats", type=int, default=5,
                    help="repeats up to 100k words (about half at 1M, one beyond); median reported")
    ap.add_argument("--tasks", default=",".join(TASKS),
                    help=f"comma-separated measurements (default all: {','.join(TASKS)})")
    ap.add_argument("--json", type=Path, default=None, help="also write the results as JSON")
    ap.add_argument("--markdown", type=Path, default=None, help="also write the tables as Markdown")
    ap.add_argument("--workdir", type=Path, default=None,
                    help="folder for the synthetic corpora (default: a temporary folder, removed)")
    args = ap.parse_args(argv)
    if not hasattr(os, "fork"):
        ap.error("the benchmarks need os.fork (Linux or macOS)")
    tasks = [t.strip() for t in args.tasks.split(",") if t.strip()]
    unknown = [t for t in tasks if t not in TASKS]
    if unknown:
        ap.error(f"unknown task {unknown[0]!r}; choose from {', '.join(TASKS)}")
    if args.repeats < 1:
        ap.error("--repeats must be at least 1")
    sizes = args.sizes or ([10_000] if args.small else list(FULL_SIZES))
    repeats = min(args.repeats, 3) if args.small else args.repeats
    command = "python benchmarks/run.py " + " ".join(sys.argv[1:] if argv is None else argv)

    def log(msg):
        print(msg, file=sys.stderr, flush=True)

    load_before = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
    tmp = Path(tempfile.mkdtemp(prefix="qualcode-bench-", dir=args.workdir))
    try:
        t0 = time.perf_counter()
        results = run(sizes, repeats, tasks, tmp, log, small=args.small)
        log(f"total {time.perf_counter() - t0:.0f} s")
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    meta = machine_meta(command.strip())
    meta["load_before"] = load_before
    tg, sc = targets(results), scaling(results)
    text = markdown(results, tg, sc, meta)
    print(text)
    if args.markdown:
        args.markdown.write_text(text, encoding="utf-8")
    if args.json:
        args.json.write_text(json.dumps({"meta": meta, "results": results, "targets": tg,
                                         "scaling": sc}, indent=1, default=str), encoding="utf-8")
    return 1 if any("error" in r for r in results) else 0


if __name__ == "__main__":
    sys.exit(main())
