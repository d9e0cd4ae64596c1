"""qualcode.parallel: forked workers give the results of a plain loop, in order."""
from __future__ import annotations

import os

import numpy as np
import pytest

from qualcode import parallel
from qualcode.parallel import fork_map, processes

needs_fork = pytest.mark.skipif(not parallel.can_fork(), reason="this platform cannot fork")


@needs_fork
def test_fork_map_equals_a_loop_and_really_forks():
    big = np.arange(1_000_000)  # inherited by the workers, never pickled
    out = fork_map(lambda i: (i, int(big[i::7].sum()), os.getpid()), range(20), 2)
    assert [(i, s) for i, s, _ in out] == [(i, int(big[i::7].sum())) for i in range(20)]
    assert os.getpid() not in {pid for *_, pid in out}  # computed in other processes


@needs_fork
def test_a_task_error_is_raised_in_the_parent():
    def task(i):
        if i == 3:
            raise ValueError("task 3 failed")
        return i

    with pytest.raises(ValueError, match="task 3 failed"):
        fork_map(task, range(6), 2)


def test_one_process_or_one_item_runs_here():
    assert fork_map(lambda i: os.getpid(), range(3), 1) == [os.getpid()] * 3
    assert fork_map(lambda i: os.getpid(), [0], 4) == [os.getpid()]


@needs_fork
def test_nested_calls_run_in_the_worker():
    out = fork_map(lambda i: fork_map(lambda j: (i, j), range(3), 2), range(2), 2)
    assert out == [[(0, 0), (0, 1), (0, 2)], [(1, 0), (1, 1), (1, 2)]]


def test_how_many_processes(monkeypatch):
    monkeypatch.setattr(parallel, "can_fork", lambda: True)
    monkeypatch.setattr(parallel, "available_cores", lambda: 4)
    monkeypatch.setattr(parallel.sys, "platform", "linux")
    assert processes(3, 10, worth_it=False) == 3  # asked for: used even for small work
    assert processes(8, 2, worth_it=True) == 2  # never more than the tasks
    assert processes(None, 10, worth_it=True) == 4
    assert processes(None, 10, worth_it=False) == 1
    assert processes(None, 1, worth_it=True) == 1
    monkeypatch.setattr(parallel.sys, "platform", "darwin")
    assert processes(None, 10, worth_it=True) == 1  # opt-in outside Linux
    monkeypatch.setattr(parallel, "can_fork", lambda: False)
    assert processes(4, 10, worth_it=True) == 1


@needs_fork
def test_a_qualcode_error_keeps_its_file_and_place():
    from qualcode import InputFormatError

    def task(i):
        raise InputFormatError("cannot read it", file="/data/t1.txt", place=f"line {i}")

    with pytest.raises(InputFormatError) as caught:
        fork_map(task, [7, 8], 2)
    assert (caught.value.file, caught.value.place) == ("/data/t1.txt", "line 7")
    assert str(caught.value).endswith("t1.txt, line 7: cannot read it")
