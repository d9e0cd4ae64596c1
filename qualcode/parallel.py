"""Work spread over forked processes.

The children of a fork inherit the parent's memory, so a large object a task needs (a built keyword
matcher, a feature matrix) is not pickled; only each task's argument and result travel. Where a
platform cannot fork (Windows), or forking fails (process limits, a sandbox), the tasks run in this
process: results never depend on how many processes computed them.

Forking a process that runs other threads (a notebook kernel does) is hazardous only when the
child needs a lock another thread held at fork time; the tasks here tokenize, match and fit, and
take no such lock (a library warning written to stderr is the one exception we know of). Python
3.12+ warns about every such fork; that warning is silenced here for this reason.

Workers exit when their parent dies (``kill -9`` of ``qualcode code`` would otherwise leave them
waiting on the task queue forever, since each holds its own copy of the queue's writing end): on
Linux the kernel signals them (``PR_SET_PDEATHSIG``), and everywhere a watchdog thread in each
worker exits when its parent process changes. joblib's loky backend also detects a dead parent,
but pickles the closure for every task: with a closure over a 150 MB dict, 24 tasks on 2 workers
took 29.6 s under loky against 0.27 s here (0.09 s serially), so the fork pool stays.

Threads are no substitute here: spaCy's tokenizer holds the GIL, and scikit-learn's liblinear
releases it but draws from one process-wide random generator (concurrent fits raced on it and
crashed in our measurements).
"""
from __future__ import annotations

import ctypes
import multiprocessing
import os
import signal
import sys
import threading
import time
import warnings
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from typing import Callable, Iterable, TypeVar

from .errors import QualcodeError

T = TypeVar("T")
R = TypeVar("R")

#: feature values x models below which fitting in one process is quicker than forking
PARALLEL_MIN_WORK = 20_000_000
_TASK: Callable | None = None  # the function the forked workers run (they inherit it)


def available_cores() -> int:
    """Cores this process may run on."""
    if hasattr(os, "sched_getaffinity"):
        return len(os.sched_getaffinity(0))
    return os.cpu_count() or 1


def can_fork() -> bool:
    return "fork" in multiprocessing.get_all_start_methods()


def processes(n_jobs: int | None, n_tasks: int, *, worth_it: bool) -> int:
    """How many processes to use for ``n_tasks`` tasks.

    ``n_jobs`` given: that many (at most one per task). ``None``: one per available core when the
    caller judges the work ``worth_it`` (large enough to repay forking) and the platform is Linux
    (macOS forks, but system libraries there are not always fork-safe, so it is opt-in), else one.
    """
    if n_tasks < 2 or not can_fork():
        return 1
    if n_jobs is not None:
        return max(1, min(int(n_jobs), n_tasks))
    if not worth_it or not sys.platform.startswith("linux"):
        return 1
    return max(1, min(available_cores(), n_tasks))


def check_n_jobs(n_jobs) -> None:
    """Raise :class:`~qualcode.errors.QualcodeError` unless ``n_jobs`` is None or an int >= 1."""
    if n_jobs is not None and (isinstance(n_jobs, bool) or not isinstance(n_jobs, int) or n_jobs < 1):
        raise QualcodeError(f"n_jobs must be None or a whole number of at least 1, not {n_jobs!r}")


def fork_map(func: Callable[[T], R], items: Iterable[T], n_processes: int) -> list[R]:
    """``[func(x) for x in items]``, computed by ``n_processes`` forked workers, in order.

    ``func`` may be a closure over large objects: the workers inherit it. An exception in a task is
    raised here. Where forking is impossible or the pool breaks, the tasks run in this process.
    """
    global _TASK
    items = list(items)
    if n_processes <= 1 or len(items) <= 1 or not can_fork() or _TASK is not None:
        return [func(x) for x in items]  # (_TASK set: already inside a fork_map; no nesting)
    _TASK = func
    try:
        with warnings.catch_warnings():  # Python >= 3.12 warns on fork with threads running
            warnings.filterwarnings("ignore", message=".*fork.*", category=DeprecationWarning)
            with ProcessPoolExecutor(min(n_processes, len(items)),
                                     mp_context=multiprocessing.get_context("fork"),
                                     initializer=_exit_with_parent,
                                     initargs=(os.getpid(),)) as pool:
                return list(pool.map(_run, items))
    except (OSError, BrokenProcessPool):
        pass
    finally:
        _TASK = None
    return [func(x) for x in items]


def _run(item):
    return _TASK(item)


def _exit_with_parent(parent: int, *, poll: float = 0.5) -> None:
    """In a worker: exit as soon as ``parent`` is gone (see the module docstring)."""
    if sys.platform.startswith("linux"):
        try:
            libc = ctypes.CDLL(None, use_errno=True)
            libc.prctl(1, signal.SIGKILL, 0, 0, 0)  # 1 = PR_SET_PDEATHSIG
        except (OSError, AttributeError):
            pass
    if os.getppid() != parent:  # died before the signal was armed
        os._exit(1)

    def watch():
        while True:
            time.sleep(poll)
            if os.getppid() != parent:
                os._exit(1)

    threading.Thread(target=watch, name="qualcode-parent-watch", daemon=True).start()
