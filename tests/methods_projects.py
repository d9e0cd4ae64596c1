"""Constructed projects with known answers for the methods record's tests (saturation, machine
help, codebook history): interviews whose codes, order and coders are chosen by the test."""
from __future__ import annotations

from pathlib import Path

import pandas as pd
import yaml

import qualcode as qc


def write_study(folder: Path, interviews: list[dict], *, extra_codes=()) -> None:
    """Write transcripts, cases.csv and a codebook for ``interviews``: each a dict with ``name``,
    ``codes`` ({coder: [code, ...]}) and optional ``date``. Each interview has as many participant
    turns as its longest coder's list; coder c's i-th code goes on turn i."""
    t = folder / "transcripts"
    t.mkdir(parents=True)
    codes = set(extra_codes)
    rows = []
    for iv in interviews:
        n = max([len(v) for v in iv["codes"].values()] + [1])
        lines = ["---", f"case: {iv['name'].title()}", "---"]
        for k in range(n):
            lines.append(f"Interviewer: Question {k + 1} for {iv['name']}?")
            lines.append(f"Pat: This is answer number {k + 1} of interview {iv['name']}, in "
                         "plain words.")
        (t / f"{iv['name']}.txt").write_text("\n".join(lines) + "\n", encoding="utf-8")
        rows.append({"case": iv["name"].title(), "date": iv.get("date", "")})
        for v in iv["codes"].values():
            codes.update(c for c in v if c)
    pd.DataFrame(rows).to_csv(t / "cases.csv", index=False)
    tops = sorted({c.split(".")[0] for c in codes})
    tree = [{"id": top, "name": top.title(), "description": f"category {top}",
             "children": [{"id": c, "name": c, "description": f"code {c}"}
                          for c in sorted(codes) if c.startswith(top + ".")]}
            for top in tops]
    (folder / "codebook.yaml").write_text(yaml.safe_dump({"name": "t", "codes": tree}),
                                          encoding="utf-8")


def make_project(folder: Path, interviews: list[dict], **kw) -> qc.Project:
    """The project of :func:`write_study` with every interview's codings in the store."""
    write_study(folder, interviews, **kw)
    p = qc.Project.init(folder, transcripts=["transcripts/"], codebook="codebook.yaml")
    rows = []
    segs = p.corpus.codable_segments()
    for iv in interviews:
        turns = segs[segs["document"] == iv["name"]].sort_values("start")
        for coder, codes in iv["codes"].items():
            for k, code in enumerate(codes):
                if not code:  # "" leaves the turn uncoded
                    continue
                seg = turns.iloc[k]
                rows.append({"document": iv["name"], "start": int(seg["start"]),
                             "end": int(seg["end"]), "code": code, "coder": coder})
    if rows:
        p.add_codings(pd.DataFrame(rows))
    return p


def interviews(code_lists: list[list[str]], *, coder: str = "ME", dates=None) -> list[dict]:
    """One interview per list (named i01, i02, ...), coded by ``coder``."""
    return [{"name": f"i{k + 1:02d}", "codes": {coder: list(c)},
             **({"date": dates[k]} if dates else {})}
            for k, c in enumerate(code_lists)]
