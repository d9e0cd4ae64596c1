"""The project learner's chat model (:mod:`qualcode.coders.learner`): when the workbench's
settings name an OpenAI-compatible server, the learner asks it about the passages the cheaper
model is least sure of (a budget per retrain), and measures it on passages the person coded,
like any other coder."""
from __future__ import annotations

import numpy as np
import pandas as pd

from ..codings import segment_code_matrix
from ..errors import QualcodeError
from .evaluate import score_labels
from .labels import human_labels
from .llm import DEFAULT_URL, LLMCoder

#: passages asked about per retrain
LLM_BUDGET = 20


def empty_codings() -> pd.DataFrame:
    return pd.DataFrame(columns=["document", "start", "end", "code", "coder", "segment", "method",
                                 "score", "memo"])


def _num(v):
    v = float(v)
    return None if np.isnan(v) else v


def ask_llm(corpus, codebook, segments, human, llm: dict, ranks: dict):
    """Ask the chat model about the least certain uncoded passages and some hand-coded ones."""
    url = llm.get("url") or DEFAULT_URL
    model = llm.get("model") or "local"
    budget = int(llm.get("budget") or LLM_BUDGET)
    info = {"url": url, "model": model, "budget": budget, "asked": 0, "kappa": None,
            "precision": None, "measured_on": 0, "error": None}
    try:
        coder = LLMCoder(codebook, url=url, model_name=model,
                         allow_remote=bool(llm.get("allow_remote")), cache_dir=llm.get("cache_dir"))
    except QualcodeError as exc:  # e.g. a remote server without consent: said, never sent
        info["error"] = str(exc)
        return info, empty_codings()
    order = sorted(ranks, key=ranks.get)[:budget]
    key = set(order)
    pick = segments[[(str(d), int(s)) in key for d, s in zip(segments["document"], segments["segment"])]]
    info["asked"] = len(pick)
    try:
        found = coder.code_segments(pick) if len(pick) else empty_codings()
        coded = segments[segments["document"].isin(set(human["document"]))]
        check = coded.head(budget)
        if len(check):
            got = coder.code_segments(check)
            codes = codebook.ids()
            y, _ = human_labels(human, check, codes, rule="any")
            p = segment_code_matrix(got, check, codes) if len(got) else np.zeros_like(y)
            _, overall = score_labels(y, p, codes)
            info.update(measured_on=len(check), kappa=_num(overall["kappa"]),
                        precision=_num(overall["micro_precision"]))
    except QualcodeError as exc:
        info["error"] = str(exc)
        return info, empty_codings()
    info["cached"] = int(coder.stats_.get("cached", 0))
    if len(found):
        found = found.assign(memo=[f"{model}: “{m}”" if m else model for m in found["memo"]],
                             coder="qualcode-llm")
    return info, found
