"""Thematic saturation as Guest, Namey & Chen (2020) assess and report it.

Guest G, Namey E, Chen M (2020), "A simple method to assess and report thematic saturation in
qualitative research", PLOS ONE 15(5): e0232076. Three parameters: the *base size* ``b`` (the
interviews whose codes are the reference), the *run length* ``r`` (how many further interviews are
looked at together) and the *new-information threshold* (the share of the base's codes a run may
add and still count as "no new information"). The rule, exactly (so a result is reproducible):

* interviews in order ``1 … n`` (one document is one interview); ``codes[i]`` the distinct codes
  the chosen coders applied in interview ``i`` (or their top-level categories);
* base codes: the union of ``codes[1 … b]``;
* for each start ``s = b+1 … n-r+1`` the run is interviews ``s … s+r-1``; ``new`` = the run's codes
  not seen in interviews ``1 … s-1``; ``ratio = |new| / |base codes|``;
* saturation is reached at ``s-1`` interviews for the first run whose ratio ≤ the threshold (the
  run confirms it); otherwise it is not reached, and the last run's ratio is what is reported.

:func:`assess` is the rule on a list of code sets; :func:`project_saturation` reads the sets from a
project (order by a case attribute or the project's document order; chosen human coders; code or
category level) and adds the curve (cumulative distinct codes, new codes per interview) and the
reporting sentence. Nothing here writes.

>>> r = assess([{"a", "b"}, {"c"}, {"a"}, {"d"}], base=2, run=1, threshold=0.5, names=list("wxyz"))
>>> r["reached"], r["at"], [run["new"] for run in r["runs"]]
(True, 2, [0, 1])
"""
from __future__ import annotations

import math
from collections.abc import Sequence

from .errors import QualcodeError

#: the keys of ``qualcode saturation --json`` (issue 26), in this order
JSON_KEYS = ("reached", "at", "base_size", "run_length", "threshold", "base_codes", "runs", "order")
LEVELS = ("code", "category")


class SaturationError(QualcodeError):
    """Saturation cannot be assessed as asked (too few interviews, no base, unknown attribute)."""


def assess(codes: Sequence[set], *, base: int = 4, run: int = 2, threshold: float = 0.05,
           names: Sequence[str] | None = None) -> dict:
    """The rule of the module docstring on ``codes`` (one set of codes per interview, in order).

    Returns the :data:`JSON_KEYS` dict: ``reached``, ``at`` (interviews, or None), ``base_size``,
    ``run_length``, ``threshold``, ``base_codes`` (how many), ``runs`` (every run, ``start, end``
    1-based and inclusive, ``new``, ``ratio``; the first within the threshold decides) and ``order`` (``names``, default ``"1", "2", …``), plus
    ``new_codes`` (the codes each run added, in the same order as ``runs``).
    Raises :class:`SaturationError` when there are fewer than ``base + run`` interviews or the
    base has no codes (the ratio would divide by zero).
    """
    if base < 1 or run < 1:
        raise SaturationError(f"base size and run length must be at least 1 (got base {base}, "
                              f"run {run})")
    if not 0 <= threshold < 1:
        raise SaturationError(f"the new-information threshold is a share in [0, 1), not "
                              f"{threshold}; e.g. 0.05 for 5%")
    n = len(codes)
    names = [str(i + 1) for i in range(n)] if names is None else [str(x) for x in names]
    if len(names) != n:
        raise ValueError("names must name every interview")
    if n < base + run:
        raise SaturationError(
            f"saturation needs at least base size + run length = {base} + {run} = {base + run} "
            f"interviews; there {'is' if n == 1 else 'are'} {n}: code more interviews, or choose "
            "a smaller --base or --run")
    sets = [set(c) for c in codes]
    base_codes = set().union(*sets[:base])
    if not base_codes:
        raise SaturationError(f"the first {base} interviews have no codes, so there is no base to "
                              "compare new codes with; code them first or choose another --order")
    runs, new_codes = [], []
    reached_at = None
    for s in range(base + 1, n - run + 2):  # 1-based start
        seen_before = set().union(*sets[: s - 1])
        window = set().union(*sets[s - 1: s - 1 + run])
        new = window - seen_before
        ratio = len(new) / len(base_codes)
        runs.append({"start": s, "end": s + run - 1, "new": len(new), "ratio": ratio})
        new_codes.append(sorted(new))
        if reached_at is None and ratio <= threshold:
            reached_at = s - 1
    return {"reached": reached_at is not None, "at": reached_at, "base_size": base,
            "run_length": run, "threshold": float(threshold), "base_codes": len(base_codes),
            "runs": runs, "order": names, "new_codes": new_codes}


def curve(codes: Sequence[set]) -> list[dict]:
    """Per interview (1-based ``interview``): ``new`` codes not seen before it and the
    ``cumulative`` number of distinct codes up to it."""
    seen: set = set()
    out = []
    for i, c in enumerate(codes, start=1):
        new = set(c) - seen
        seen |= new
        out.append({"interview": i, "new": len(new), "cumulative": len(seen)})
    return out


def sentence(result: dict) -> str:
    """The reporting sentence in the paper's style for an :func:`assess` result."""
    params = (f"base size {result['base_size']}, run length {result['run_length']}, "
              f"new-information threshold ≤ {_pct(result['threshold'])}")
    if result["reached"]:
        return f"Saturation was reached at {result['at']} interviews ({params})."
    last = result["runs"][-1]
    return (f"Saturation was not reached within {len(result['order'])} interviews ({params}): "
            f"the last run, interviews {last['start']}–{last['end']}, added {last['new']} new "
            f"code{'' if last['new'] == 1 else 's'} ({_pct(last['ratio'])} of the "
            f"{result['base_codes']} base codes).")


def _pct(share: float) -> str:
    text = f"{100 * share:.1f}".rstrip("0").rstrip(".")
    return f"{text}%"


def public(result: dict) -> dict:
    """Only the :data:`JSON_KEYS` of a result (what ``qualcode saturation --json`` prints)."""
    return {k: result[k] for k in JSON_KEYS}


# ---- from a project ------------------------------------------------------------------------------

def interview_order(corpus, attribute: str | None = None) -> list[str]:
    """The documents in interview order: by the case attribute ``attribute`` (numbers as numbers
    when every value is one, else as text; ties in document order), else the corpus's document
    order."""
    docs = list(corpus.document_ids)
    if not attribute:
        return docs
    cases = corpus.cases
    if attribute == "case" or attribute not in cases.columns:
        names = ", ".join(c for c in cases.columns if c != "case") or "none"
        raise SaturationError(f"no case attribute {attribute!r} to order interviews by "
                              f"(attributes: {names}); add it to the cases table or front matter")
    seg = corpus.segments.drop_duplicates("document")
    case_of = dict(zip(seg["document"], seg["case"].astype(str)))
    value_of = {str(c): v for c, v in zip(cases["case"], cases[attribute])}
    values = {}
    for d in docs:
        v = value_of.get(case_of.get(d, d))
        if v is None or (isinstance(v, float) and math.isnan(v)) or str(v).strip() == "":
            raise SaturationError(f"case {case_of.get(d, d)!r} (document {d!r}) has no "
                                  f"{attribute!r}; fill it in, or order by another attribute")
        values[d] = str(v).strip()
    try:
        keys = {d: float(v) for d, v in values.items()}
    except ValueError:
        keys = values
    position = {d: i for i, d in enumerate(docs)}
    return sorted(docs, key=lambda d: (keys[d], position[d]))


def codes_by_interview(codings, order: Sequence[str], *, codebook=None,
                       level: str = "code") -> list[set]:
    """The distinct codes of ``codings`` (``document, code``) in each document of ``order``; at
    ``level="category"`` each code's top-level code in ``codebook`` instead."""
    if level not in LEVELS:
        raise SaturationError(f"level must be one of {', '.join(LEVELS)}, not {level!r}")
    top = codebook.rollup(0) if (level == "category" and codebook is not None) else {}
    by_doc: dict[str, set] = {d: set() for d in order}
    for d, c in zip(codings["document"], codings["code"]):
        if d in by_doc:
            c = str(c)
            by_doc[d].add(top.get(c, c.split(".")[0]) if level == "category" else c)
    return [by_doc[d] for d in order]


def project_saturation(project, *, order: str | None = None, coders: Sequence[str] | None = None,
                       level: str = "code", base: int = 4, run: int = 2,
                       threshold: float = 0.05) -> dict:
    """Saturation of a project's human coding: :func:`saturation_of` on its corpus, codebook and
    live human codings."""
    try:
        return saturation_of(project.corpus, project.codebook,
                             project.codings(include_machine=False), order=order, coders=coders,
                             level=level, base=base, run=run, threshold=threshold)
    except SaturationError as exc:
        if exc.file is None and exc.message.startswith(("no human codings", "no codings")):
            raise SaturationError(exc.message, file=project.store.path) from None
        raise


def saturation_of(corpus, codebook, human, *, order: str | None = None,
                  coders: Sequence[str] | None = None, level: str = "code", base: int = 4,
                  run: int = 2, threshold: float = 0.05) -> dict:
    """Saturation of human codings (``document, code, coder``) of ``corpus``.

    Interviews are the documents the chosen human ``coders`` (default: every coder in ``human``)
    coded, in :func:`interview_order`; a document nobody among them coded yet is left out and
    listed in ``uncoded`` (an interview not yet coded would otherwise count as one with nothing
    new). Returns :func:`assess`'s dict plus ``level``, ``coders``, ``order_by``, ``uncoded``,
    ``curve`` (:func:`curve` with each interview's ``document``) and ``sentence``.
    """
    present = sorted(human["coder"].astype(str).unique().tolist()) if len(human) else []
    if coders:
        unknown = [c for c in coders if c not in present]
        if unknown:
            raise SaturationError(f"no human codings by coder {unknown[0]!r} "
                                  f"(human coders: {', '.join(present) or 'none yet'})")
        human = human[human["coder"].isin(list(coders))]
    chosen = list(coders) if coders else present
    if not len(human):
        raise SaturationError("no human codings yet: saturation is assessed on coded interviews")
    docs = interview_order(corpus, order)
    coded = set(human["document"])
    interviews = [d for d in docs if d in coded]
    sets = codes_by_interview(human, interviews, codebook=codebook, level=level)
    result = assess(sets, base=base, run=run, threshold=threshold, names=interviews)
    result.update(level=level, coders=chosen, order_by=order,
                  uncoded=[d for d in docs if d not in coded],
                  curve=[{**p, "document": d} for p, d in zip(curve(sets), interviews)])
    result["sentence"] = sentence(result)
    return result


__all__ = ["JSON_KEYS", "LEVELS", "SaturationError", "assess", "curve", "sentence", "public",
           "interview_order", "codes_by_interview", "project_saturation", "saturation_of"]
