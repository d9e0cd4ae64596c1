"""The coding loop's plumbing: after new decisions or a codebook change the project learner
retrains in the background.

What is learned, measured, gated and suggested is :mod:`qualcode.coders.learner` (the same function
``qualcode code`` calls in a project); this module only runs it off the request path.
:class:`Trainer`: a worker thread waits for a request, snapshots the project under the web lock,
runs :func:`qualcode.coders.learner.measure` in a separate process (``mode="process"``, the
default: the server's event loop never waits on training) or in the thread (``mode="thread"``, for
tests), then :func:`~qualcode.coders.learner.gate` and writes the suggestions as one machine run
(:func:`qualcode.coders.learner.store`). Requests that arrive during a run make one more run after
it. While the human coding and the decisions are unchanged (a new kappa floor) the last
measurement is reused and only the gate runs again. The workbench's codebook changes ask every
model to retrain (the codebook is part of what each learns from, and its key); a change made by
another process is noticed when the model's status is next asked for (:meth:`Trainer.status`),
which leaves out the rows of codes that are gone until the retraining is done. The gate's
settings (kappa floor, minimum examples, "show everything") and the chat model's are kept in the
workbench's settings file.

In a blind project each coder's suggestions come from a model of their own work:
:meth:`Trainer.for_coder` makes (on the coder's first ask) a trainer that learns from that
coder's codings and review decisions only (the codebook alone when they have none) and stores
its runs under the coder's own machine coder name with ``learned_from: [coder]``. The coders'
trainers share the workbench trainer's one worker process and train in turn; each retrains only
when asked (its coder's decisions) and its inputs changed. The shared model (everyone's coding)
trains only while the project is open, the coders' models only while it is blind.
"""
from __future__ import annotations

import hashlib
import logging
import multiprocessing
import threading
import time
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool

import pandas as pd

from ..coders import learner as learner_mod
from ..coders.learner import KAPPA_FLOOR, MIN_EXAMPLES, gate, learning_curve, measure

log = logging.getLogger("qualcode.web")
CODER = learner_mod.CODER
HUMAN_COLUMNS = learner_mod.HUMAN_COLUMNS


def retrain(corpus, codebook, human: pd.DataFrame, decisions: pd.DataFrame | None = None, *,
            kappa_floor: float = KAPPA_FLOOR, min_examples: int = MIN_EXAMPLES, show_all=False,
            folds: int = 3, **options) -> dict:
    """:func:`qualcode.coders.learner.learn` (kept under this name for callers of the loop)."""
    return learner_mod.learn(corpus, codebook, human, decisions, kappa_floor=kappa_floor,
                             min_examples=min_examples, show_all=show_all, folds=folds, **options)


def _fingerprint(human: pd.DataFrame, decisions: pd.DataFrame, extra: str,
                 coder: str | None = None) -> str:
    """What :func:`measure` depends on besides the corpus and codebook (``coder``: only that
    coder's codings and decisions count)."""

    if coder:
        human = human[human["coder"] == coder] if len(human) else human
        if len(decisions) and "reviewer" in decisions.columns:
            decisions = decisions[decisions["reviewer"] == coder]

    cols = [c for c in HUMAN_COLUMNS if c in human.columns]
    rows = human[cols].astype(str).sort_values(cols).to_csv(index=False) if len(human) else ""
    dcols = [c for c in ("document", "start", "end", "code", "status", "reviewer") if c in decisions.columns]
    drows = decisions[dcols].astype(str).sort_values(dcols).to_csv(index=False) if len(decisions) else ""
    return hashlib.sha256(f"{extra}|{rows}|{drows}".encode()).hexdigest()


class Trainer:
    """Background retraining for one workbench (see the module docstring). ``coder``: learn from
    that coder's codings and decisions only (a blind project's per-coder model); ``base`` and
    ``base_options`` go to :func:`qualcode.coders.learner.measure`."""

    def __init__(self, *, mode: str = "process", delay: float = 2.0, folds: int = 3,
                 coder: str | None = None, base: str | None = None,
                 base_options: dict | None = None):
        if mode not in ("process", "thread"):
            raise ValueError("mode must be 'process' or 'thread'")
        self.mode, self.delay, self.folds = mode, delay, folds
        self.coder, self.base, self.base_options = coder, base, base_options
        self.web = None
        self._wake = threading.Event()
        self._stop = threading.Event()
        self._idle = threading.Event()
        self._idle.set()
        # one worker process and one training at a time, shared with the coders' trainers
        self._shared = {"pool": None, "turn": threading.Lock()}
        self._parent: Trainer | None = None
        self._coders: dict[str, Trainer] = {}
        self._family = threading.Lock()
        self._thread = None
        self.result: dict | None = None
        self._measured: dict | None = None  # the last measure(), reused while its inputs are unchanged
        self._key: str | None = None
        self._codebook: str | None = None  # the fingerprint of the codebook ``result`` suggests from
        self._asked: str | None = None  # the codebook a retraining was last asked for by status()
        self.state = {"status": "waiting", "error": None, "trained_at": None, "seconds": None,
                      "runs": 0, "trainings": 0}

    def attach(self, web) -> None:
        self.web = web
        self._thread = threading.Thread(target=self._run, name="qualcode-trainer", daemon=True)
        self._thread.start()
        self.request()

    def for_coder(self, coder: str) -> Trainer:
        """The trainer of ``coder``'s own model (a blind project): made, attached and asked to
        train on first use; it shares this trainer's worker process and trains in turn."""
        if self._parent is not None:
            return self._parent.for_coder(coder)
        with self._family:
            trainer = self._coders.get(coder)
            if trainer is None:
                trainer = Trainer(mode=self.mode, delay=self.delay, folds=self.folds, coder=coder,
                                  base=self.base, base_options=self.base_options)
                trainer._shared, trainer._parent = self._shared, self
                self._coders[coder] = trainer
                if self.web is not None:
                    trainer.attach(self.web)
        return trainer

    def family(self) -> list[Trainer]:
        """This trainer and the coders' trainers made from it."""
        with self._family:
            return [self, *self._coders.values()]

    def request_all(self, *, force: bool = False) -> None:
        """Ask every model to retrain (the gate's or the chat model's settings changed); a
        model that does not suggest in the project's current mode (shared / per coder) skips."""
        for trainer in (self._parent or self).family():
            trainer.request(force=force)

    def settings(self) -> dict:
        """The gate's settings (kappa floor, min. examples, show everything) and the chat model's
        (``llm``: None when off), from the workbench's settings file, defaults from the learner."""
        data = self.web.state.read() if self.web is not None else {}
        show_all = bool(data.get("show_all", False))
        floor = data.get("kappa_floor", KAPPA_FLOOR)
        try:
            out = learner_mod.check_gate(floor, show_all=show_all,
                                         min_examples=data.get("min_examples", MIN_EXAMPLES))
        except learner_mod.GateError:  # a settings file from before the minimum: the minimum
            out = learner_mod.check_gate(max(float(floor or 0), learner_mod.KAPPA_MINIMUM),
                                         show_all=show_all)
        llm = data.get("llm")
        out["llm"] = llm if isinstance(llm, dict) and llm.get("enabled") else None
        return out

    def request(self, *, force: bool = False) -> None:
        """Ask for a retraining (after new decisions; ``force``: even when nothing changed);
        returns at once."""
        if force:
            self._key = None
        self._idle.clear()
        self._wake.set()

    def wait(self, timeout: float = 60) -> bool:
        """Block until no retraining is pending or running, the coders' trainers' included
        (tests and benchmarks)."""
        end = time.monotonic() + timeout
        family = self.family() if self._parent is None else [self]
        return all(t._idle.wait(max(0.0, end - time.monotonic())) for t in family)

    def close(self) -> None:
        if self._parent is None:
            for trainer in self.family()[1:]:
                trainer.close()
        self._stop.set()
        self._wake.set()
        if self._thread is not None:
            self._thread.join(timeout=5)
        pool = self._shared["pool"]
        if pool is not None and self._parent is None:
            pool.shutdown(wait=False, cancel_futures=True)

    def status(self) -> dict:
        """What the home page shows: the run state, per code the source of its figure, kappa with
        its interval, precision, recall and n, and this project's learning curve."""
        opts = self.settings()
        out = dict(self.state, **{k: v for k, v in opts.items() if k != "llm"})
        out["kappa_minimum"] = learner_mod.KAPPA_MINIMUM
        res = self.result or {}
        out["codes"] = res.get("codes", [])
        if res:
            out["codes"] = self._current_codes(out["codes"])
        out["note"] = res.get("note", "")
        out["documents"] = res.get("documents", 0)
        out["codings"] = res.get("codings", 0)
        out["base"] = res.get("base")
        out["suggesting"] = sum(1 for c in out["codes"] if c["state"] == "suggesting")
        out["llm"] = res.get("llm") if opts["llm"] else None
        try:
            with self.web.lock:
                out["curve"] = learning_curve(self.web.project.machine_runs(), self.coder)
        except Exception:  # noqa: BLE001 - the curve is a nicety, never an error page
            out["curve"] = []
        return out

    def _current_codes(self, codes: list[dict]) -> list[dict]:
        """The last result's per-code rows, while the codebook it was made on is still the
        project's; after a codebook change (here or by another process: a ``qualcode`` command
        beside the server) a retraining is asked for, and until it is done the rows of codes the
        codebook no longer has are left out."""
        try:
            with self.web.lock:
                codebook = self.web.project.codebook
                fingerprint = codebook.fingerprint()
        except Exception:  # noqa: BLE001 - a codebook that cannot be read: the last result stands
            return codes
        if fingerprint == self._codebook:
            return codes
        if fingerprint != self._asked:  # once per codebook: a failing retraining is not repeated
            self._asked = fingerprint
            self.request()
        return [c for c in codes if c["code"] in codebook]

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

    def _suggests(self) -> bool:
        """Whether this model suggests in the project's current mode: the shared one while the
        project is open, a coder's own while it is blind (a standalone trainer always)."""
        if self._parent is None and self.coder is None:
            return not self.web.blind()
        return self._parent is None or self.web.blind()

    def _measure(self, args, kwargs) -> dict:
        if self.mode == "thread":
            return measure(*args, **kwargs)
        if self._shared["pool"] is None:

            self._shared["pool"] = ProcessPoolExecutor(
                max_workers=1, mp_context=multiprocessing.get_context("spawn"))
        try:
            return self._shared["pool"].submit(measure, *args, **kwargs).result()
        except BrokenProcessPool:  # the worker died (e.g. out of memory): a fresh one next time
            self._shared["pool"] = None
            raise

    def _once(self) -> None:
        web = self.web
        with web.lock:
            if not self._suggests():
                return
            project = web.project
            corpus, codebook = project.corpus, project.codebook
            human = project.codings(include_machine=False)
            decisions = project.training_decisions()
            changed = list(project.changed_documents()["document"])
        opts = self.settings()
        llm = opts.pop("llm")
        key = _fingerprint(human, decisions, f"{opts['min_examples']}|{self.folds}|{llm}|"
                           f"{self.base}|{self.coder}", self.coder) + codebook.fingerprint()
        fresh = key != self._key or self._measured is None
        if fresh:
            self.state.update(status="training", error=None)
            args = (corpus, codebook, human, decisions)
            kwargs = {"coder": self.coder, "base": self.base, "min_examples": opts["min_examples"],
                      "folds": self.folds, "base_options": self.base_options, "llm": llm}
            with self._shared["turn"]:  # the coders' models train in turn
                self._measured = self._measure(args, kwargs)
            self._key = key
        result = gate(self._measured, codebook, human, decisions, coder=self.coder,
                      changed=changed, **opts)
        with web.lock:
            # whose work it learned from: a blind coder sees only a model of their own work
            learned = [self.coder] if self.coder else sorted(
                set(human["coder"]) | set(decisions["reviewer"].dropna()))
            learner_mod.store(project, result, coder=self.coder,
                              parameters={"folds": self.folds, "source": "workbench",
                                          "learned_from": learned})
        self.result, self._codebook = result, codebook.fingerprint()
        self.state.update(status="idle", runs=self.state["runs"] + 1)
        if fresh:
            self.state.update(trained_at=time.strftime("%Y-%m-%d %H:%M:%S"),
                              seconds=round(result["seconds"], 2),
                              trainings=self.state["trainings"] + 1)
