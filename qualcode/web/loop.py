"""The coding loop: after new decisions the classifier retrains in the background.

:func:`retrain` is a pure function of the corpus, the codebook and the human codings: it measures
each code by cross-validation over documents (:func:`qualcode.coders.evaluate.evaluate`), trains
:class:`~qualcode.ClassifierCoder` on everything, and suggests codes only for the codes it can
predict: at least ``min_examples`` coded segments and a cross-validated Cohen's kappa of at least
``kappa_floor`` (default 0.2). Every other code says "needs more examples", so a few hand codings
do not flood every segment with guesses. Each suggestion says why (its nearest coded example, and
the code's keyword when one occurs in it). The uncertainty order is that of ``qualcode next``
(:func:`qualcode.coders.active.next_segments`, the same trained model).

:class:`Trainer` runs it off the request path: a worker thread waits for a request, snapshots the
project under the web lock, runs :func:`retrain` in a separate process (``mode="process"``, the
default: the server's event loop never waits on training) or in the thread (``mode="thread"``,
for tests), then writes the suggestions as one machine run (``Project.replace_suggestions``).
Requests that arrive during a run make one more run after it. While the human coding is
unchanged (a rejection, a new kappa floor) the last measurement is reused and only :func:`gate`
runs again.
"""
from __future__ import annotations

import logging
import threading
import time
import warnings
from concurrent.futures.process import BrokenProcessPool

import numpy as np
import pandas as pd

log = logging.getLogger("qualcode.web")
CODER = "qualcode-classifier"
KAPPA_FLOOR = 0.2
MIN_EXAMPLES = 5
HUMAN_COLUMNS = ["document", "start", "end", "code", "coder", "method"]


def retrain(corpus, codebook, human: pd.DataFrame, decisions: pd.DataFrame | None = None, *,
            kappa_floor: float = KAPPA_FLOOR, min_examples: int = MIN_EXAMPLES,
            folds: int = 5) -> dict:
    """Evaluate, train and suggest (see the module docstring): :func:`measure`, then :func:`gate`.

    ``human``: codings with ``document, start, end, code, coder`` (machine rows are ignored);
    ``decisions``: reviewed suggestions (``document, start, end, code, status``) never suggested
    again. Returns ``{"codes": [per-code dict: code, n, precision, recall, kappa, state],
    "suggestions": DataFrame (codings columns, method classifier, memo = why),
    "uncertainty": {(document, segment): rank}, "documents": coded documents, "codings": n,
    "seconds": float, "note": str}``.
    """
    measured = measure(corpus, codebook, human, min_examples=min_examples, folds=folds)
    return gate(measured, codebook, decisions, kappa_floor=kappa_floor, min_examples=min_examples)


def measure(corpus, codebook, human: pd.DataFrame, *, min_examples: int = MIN_EXAMPLES,
            folds: int = 5) -> dict:
    """The expensive part, a function of the human coding only: per code the cross-validated
    figures and the number of coded segments, and the trained model's predictions (with why) for
    every code that has enough examples. Rejections and the kappa floor are applied by
    :func:`gate`, so a rejection or a new floor needs no retraining."""
    from ..coders.active import next_segments
    from ..coders.classifier import ClassifierCoder
    from ..coders.evaluate import evaluate

    t0 = time.perf_counter()
    human = human[human["method"].fillna("human") == "human"][HUMAN_COLUMNS] if len(human) else \
        pd.DataFrame(columns=HUMAN_COLUMNS)
    docs = sorted(set(human["document"]))
    out = {"metrics": {}, "support": _support(corpus, human, codebook), "predictions": _empty(),
           "uncertainty": {}, "documents": len(docs), "codings": len(human), "note": "",
           "seconds": 0.0}
    if len(docs) < 2:
        out["note"] = ("code passages in at least two documents: the model is checked on "
                       "documents it did not learn from")
    else:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            report = evaluate(lambda: ClassifierCoder(codebook, min_examples=min_examples), corpus,
                              human, folds=min(folds, len(docs)), codebook=codebook)
        out["metrics"] = {r.code: {k: (None if pd.isna(getattr(r, k)) else float(getattr(r, k)))
                                   for k in ("precision", "recall", "kappa")}
                          for r in report.per_code.itertuples()}
    able = [c for c, m in out["metrics"].items()
            if m["kappa"] is not None and out["support"].get(c, 0) >= min_examples]
    if able:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            clf = ClassifierCoder(codebook, min_examples=min_examples).fit(corpus, human)
        pred = clf.code(corpus)
        pred = pred[pred["code"].isin(able)]
        pred = _drop_known(pred, human, None)
        out["predictions"] = pred.assign(memo=_why(corpus, codebook, human, pred)).reset_index(drop=True)
        try:
            ranked = next_segments(corpus, human, codebook, coder=clf,
                                   n=len(corpus.codable_segments()), preview=0)
            out["uncertainty"] = {(str(r.document), int(r.segment)): int(r.rank)
                                  for r in ranked.itertuples()}
        except Exception as exc:  # noqa: BLE001 - the score order still works
            log.info("no uncertainty order: %s", exc)
    out["seconds"] = time.perf_counter() - t0
    return out


def gate(measured: dict, codebook, decisions: pd.DataFrame | None = None, *,
         kappa_floor: float = KAPPA_FLOOR, min_examples: int = MIN_EXAMPLES) -> dict:
    """Which codes suggest (enough examples and a cross-validated kappa at the floor or above),
    and their suggestions minus the spans a person already accepted or rejected (cheap)."""
    out = {k: measured[k] for k in ("uncertainty", "documents", "codings", "note", "seconds")}
    out["codes"], good = [], []
    for code in codebook.ids():
        m = measured["metrics"].get(code) or {"precision": None, "recall": None, "kappa": None}
        n = int(measured["support"].get(code, 0))
        if n == 0:
            state = "not coded yet"
        elif n < min_examples or m["kappa"] is None or m["kappa"] < kappa_floor:
            state = "needs more examples"
        else:
            state = "suggesting"
            good.append(code)
        out["codes"].append({"code": code, "n": n, "state": state, **m})
    pred = measured["predictions"]
    pred = pred[pred["code"].isin(good)]
    if decisions is not None and len(decisions) and len(pred):
        pred = pred[~_overlaps(pred, decisions)]
    out["suggestions"] = pred.reset_index(drop=True)
    return out


def _empty() -> pd.DataFrame:
    return pd.DataFrame(columns=["document", "start", "end", "code", "coder", "segment", "method",
                                 "score", "memo"])


def _support(corpus, human: pd.DataFrame, codebook) -> dict[str, int]:
    """Per code, the codable segments a human coding of it overlaps (the model's positives)."""
    from ..codings import segment_code_matrix

    if len(human) == 0:
        return {}
    segs = corpus.codable_segments()
    segs = segs[segs["document"].isin(set(human["document"]))]
    codes = codebook.ids()
    m = segment_code_matrix(human, segs, codes)
    return dict(zip(codes, np.asarray(m).sum(axis=0).astype(int).tolist()))


def _overlaps(a: pd.DataFrame, b: pd.DataFrame) -> np.ndarray:
    """For each row of ``a``: does a row of ``b`` with the same document and code overlap it?"""
    hit = np.zeros(len(a), dtype=bool)
    if len(a) == 0 or b is None or len(b) == 0:
        return hit
    groups = {k: g for k, g in b.groupby(["document", "code"])}
    for i, (doc, code, s, e) in enumerate(zip(a["document"], a["code"], a["start"], a["end"])):
        g = groups.get((doc, code))
        if g is not None and bool(((g["start"].to_numpy() < e) & (g["end"].to_numpy() > s)).any()):
            hit[i] = True
    return hit


def _drop_known(pred: pd.DataFrame, human: pd.DataFrame, decisions) -> pd.DataFrame:
    """No suggestion where a person already coded that code (or accepted or rejected it)."""
    keep = ~_overlaps(pred, human)
    if decisions is not None and len(decisions):
        keep &= ~_overlaps(pred, decisions)
    return pred[keep]


def _why(corpus, codebook, human: pd.DataFrame, pred: pd.DataFrame) -> list[str]:
    """Why each suggestion: the code's keyword found in it, and the nearest human-coded example of
    the code (TF-IDF cosine), quoted with its document."""
    from sklearn.feature_extraction.text import TfidfVectorizer

    texts = {d: corpus.text(d) for d in set(pred["document"]) | set(human["document"])}
    ex = human[human["code"].isin(set(pred["code"]))]
    ex_text = [texts[d][s:e] for d, s, e in zip(ex["document"], ex["start"], ex["end"])]
    pr_text = [texts[d][s:e] for d, s, e in zip(pred["document"], pred["start"], pred["end"])]
    if not ex_text or not pr_text:
        return [""] * len(pred)
    vec = TfidfVectorizer(sublinear_tf=True).fit(ex_text + pr_text)
    E, P = vec.transform(ex_text), vec.transform(pr_text)
    ex_codes = ex["code"].to_numpy()
    ex_docs = ex["document"].to_numpy()
    why = []
    for i, code in enumerate(pred["code"].to_numpy()):
        parts = []
        low = pr_text[i].lower()
        for kw in codebook[code].keywords or []:
            k = str(kw).replace("*", "").strip().lower()
            if k and k in low:
                parts.append(f"keyword “{kw}”")
                break
        idx = np.flatnonzero(ex_codes == code)
        if len(idx):
            sims = (E[idx] @ P[i].T).toarray().ravel()
            j = idx[int(sims.argmax())]
            quote = " ".join(ex_text[j].split())
            quote = quote if len(quote) <= 140 else quote[:139] + "…"
            parts.append(f"like “{quote}” ({ex_docs[j]}, similarity {sims.max():.2f})")
        why.append("; ".join(parts))
    return why


def _fingerprint(human: pd.DataFrame, min_examples: int, folds: int) -> str:
    """What :func:`measure` depends on besides the corpus and codebook: the human codings."""
    import hashlib

    cols = [c for c in HUMAN_COLUMNS if c in human.columns]
    rows = human[cols].astype(str).sort_values(cols).to_csv(index=False) if len(human) else ""
    return hashlib.sha256(f"{min_examples}|{folds}|{rows}".encode()).hexdigest()


class Trainer:
    """Background retraining for one workbench (see the module docstring)."""

    def __init__(self, *, mode: str = "process", delay: float = 2.0, folds: int = 3):
        if mode not in ("process", "thread"):
            raise ValueError("mode must be 'process' or 'thread'")
        self.mode, self.delay, self.folds = mode, delay, folds
        self.web = None
        self._wake = threading.Event()
        self._stop = threading.Event()
        self._idle = threading.Event()
        self._idle.set()
        self._pool = None
        self._thread = None
        self.result: dict | None = None
        self._measured: dict | None = None  # the last measure(), reused while the coding is unchanged
        self._key: str | None = None
        self.state = {"status": "waiting", "error": None, "trained_at": None, "seconds": None,
                      "runs": 0, "trainings": 0}

    def attach(self, web) -> None:
        self.web = web
        self._thread = threading.Thread(target=self._run, name="qualcode-trainer", daemon=True)
        self._thread.start()
        self.request()

    def settings(self) -> dict:
        data = self.web.state.read() if self.web is not None else {}
        return {"kappa_floor": float(data.get("kappa_floor", KAPPA_FLOOR)),
                "min_examples": int(data.get("min_examples", MIN_EXAMPLES))}

    def request(self, *, force: bool = False) -> None:
        """Ask for a retraining (after new decisions; ``force``: even when the human coding is
        unchanged); returns at once."""
        if force:
            self._key = None
        self._idle.clear()
        self._wake.set()

    def wait(self, timeout: float = 60) -> bool:
        """Block until no retraining is pending or running (tests and benchmarks)."""
        return self._idle.wait(timeout)

    def close(self) -> None:
        self._stop.set()
        self._wake.set()
        if self._thread is not None:
            self._thread.join(timeout=5)
        if self._pool is not None:
            self._pool.shutdown(wait=False, cancel_futures=True)

    def status(self) -> dict:
        """What the home page shows: the run state and, per code, the cross-validated figures."""
        out = dict(self.state, **self.settings())
        res = self.result or {}
        out["codes"] = res.get("codes", [])
        out["note"] = res.get("note", "")
        out["documents"] = res.get("documents", 0)
        out["codings"] = res.get("codings", 0)
        out["suggesting"] = sum(1 for c in out["codes"] if c["state"] == "suggesting")
        return out

    def uncertainty(self) -> dict:
        return (self.result or {}).get("uncertainty", {})

    def _run(self) -> None:
        while not self._stop.is_set():
            self._wake.wait()
            if self._stop.is_set():
                return
            time.sleep(self.delay)  # a burst of decisions makes one run
            self._wake.clear()
            try:
                self._once()
            except Exception as exc:
                log.exception("retraining failed")
                self.state.update(status="failed", error=f"{type(exc).__name__}: {exc}")
            if not self._wake.is_set():
                self._idle.set()

    def _once(self) -> None:
        web = self.web
        with web.lock:
            project = web.project
            corpus, codebook = project.corpus, project.codebook
            human = project.codings(include_machine=False)
            decisions = project.training_decisions()
            changed = set(project.changed_documents()["document"])
        opts = self.settings()
        key = _fingerprint(human, opts["min_examples"], self.folds) + codebook.fingerprint()
        fresh = key != self._key or self._measured is None
        if fresh:
            self.state.update(status="training", error=None)
            args = (corpus, codebook, human)
            kwargs = dict(min_examples=opts["min_examples"], folds=self.folds)
            if self.mode == "process":
                if self._pool is None:
                    import multiprocessing
                    from concurrent.futures import ProcessPoolExecutor

                    self._pool = ProcessPoolExecutor(max_workers=1,
                                                     mp_context=multiprocessing.get_context("spawn"))
                try:
                    self._measured = self._pool.submit(measure, *args, **kwargs).result()
                except BrokenProcessPool:  # the worker died (e.g. out of memory): a fresh one next time
                    self._pool = None
                    raise
            else:
                self._measured = measure(*args, **kwargs)
            self._key = key
        result = gate(self._measured, codebook, decisions, kappa_floor=opts["kappa_floor"],
                      min_examples=opts["min_examples"])
        sugg = result["suggestions"]
        if changed:  # transcripts edited since they were coded: no new codings there (see rehash)
            sugg = sugg[~sugg["document"].isin(changed)]
        with web.lock:
            project.replace_suggestions(sugg.assign(coder=CODER, method="classifier"), coder=CODER, run={
                "method": "classifier", "model": "ClassifierCoder (TF-IDF + logistic regression)",
                "parameters": {**opts, "folds": self.folds,  # whose work it learned from (blind views)
                               "learned_from": sorted(set(human["coder"]) | set(decisions["reviewer"].dropna()))},
                "codes": [c["code"] for c in result["codes"] if c["state"] == "suggesting"],
            })
        self.result = result
        self.state.update(status="idle", runs=self.state["runs"] + 1)
        if fresh:
            self.state.update(trained_at=time.strftime("%Y-%m-%d %H:%M:%S"),
                              seconds=round(result["seconds"], 2),
                              trainings=self.state["trainings"] + 1)
