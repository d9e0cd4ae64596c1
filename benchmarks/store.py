"""Store benchmark (issue 13): open a project with 10,000 codings and read them as a DataFrame.

    python benchmarks/store.py                     # the sample transcripts, 10,000 codings
    python benchmarks/store.py --codings 100000 --repeats 5

``make_project`` builds a project over a transcripts folder and adds ``n`` validated human and
machine codings through :meth:`qualcode.Project.add_codings` and ``replace_suggestions`` (not
timed); ``open_and_read`` is what is timed: ``Project.open`` (settings, store, schema check) and
``project.codings()``. ``benchmarks/run.py`` runs it as its ``store`` row.
"""
from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
N_CODINGS = 10_000


def make_project(folder: Path, transcripts: Path, codebook: Path, n: int = N_CODINGS):
    """A project in ``folder`` with ``n`` codings: three human coders and one machine run, spread
    over the codable segments and the codebook's codes (a memo on every tenth)."""
    import pandas as pd

    from qualcode import Project

    with Project.init(folder, transcripts=[transcripts], codebook=codebook) as p:
        seg = p.corpus.codable_segments()
        codes = p.codebook.ids()
        n_machine = n // 4
        n_human = n - n_machine
        idx = [i % len(seg) for i in range(n)]
        rows = seg.iloc[idx][["document", "start", "end", "segment"]].reset_index(drop=True)
        rows["code"] = [codes[(i * 7) % len(codes)] for i in range(n)]
        human = rows.iloc[:n_human].copy()
        human["coder"] = [("ann", "ben", "cai")[i % 3] for i in range(n_human)]
        human["method"] = "human"
        human["memo"] = [f"memo {i}" if i % 10 == 0 else None for i in range(n_human)]
        p.add_codings(human)
        machine = rows.iloc[n_human:].copy()
        machine["method"] = "keyword"
        machine["score"] = [(i % 100) / 100 for i in range(len(machine))]
        p.replace_suggestions(machine, coder="qualcode-keyword", run={"method": "keyword"})
    return folder


def open_and_read(folder: Path):
    """What is timed: open the project and read every live coding as a DataFrame."""
    from qualcode import Project

    with Project.open(folder) as p:
        return p.codings()


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--codings", type=int, default=N_CODINGS)
    ap.add_argument("--repeats", type=int, default=7)
    ap.add_argument("--transcripts", type=Path, default=REPO / "transcripts_sample")
    args = ap.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="qualcode-store-") as tmp:
        folder = make_project(Path(tmp) / "project", args.transcripts.resolve(),
                              REPO / "codebooks" / "b2b_influencer_marketing.yaml", args.codings)
        open_and_read(folder)  # warm the imports and the file cache
        times = []
        for _ in range(args.repeats):
            t0 = time.perf_counter()
            df = open_and_read(folder)
            times.append(time.perf_counter() - t0)
        assert len(df) == args.codings, len(df)
    print(f"| Project.open + codings() | {args.codings:,} codings | median "
          f"{statistics.median(times):.3f} s | min {min(times):.3f} s | {args.repeats} repeats |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
