"""The sqlite store: migrations, append-only events, optimistic versions, review, undo, and what
two real processes and a ``kill -9`` in the middle of a write do to it."""
from __future__ import annotations

import os
import re
import signal
import sqlite3
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pandas as pd
import pytest

from qualcode.errors import ConflictError, NotFoundError, StoreError
from qualcode.store import CODING_COLUMNS, MIGRATIONS, SCHEMA_VERSION, Store, sha256
from qualcode.store_file import APPLICATION_ID

REPO = Path(__file__).resolve().parents[1]


def rows(n, *, coder="ME", method="human", document="alpha", start=0, status=None):
    df = pd.DataFrame({"document": document, "start": range(start, start + n),
                       "end": range(start + 5, start + n + 5), "code": "goal.sales",
                       "coder": coder, "method": method})
    if method != "human":
        df["score"] = 0.5
    if status:
        df["status"] = status
    return df


@pytest.fixture
def store(tmp_path):
    with Store(tmp_path / "qualcode.sqlite") as s:
        yield s


def run_python(code: str, *args, **kwargs) -> subprocess.Popen:
    env = dict(os.environ, PYTHONPATH=str(REPO) + os.pathsep + os.environ.get("PYTHONPATH", ""))
    return subprocess.Popen([sys.executable, "-c", textwrap.dedent(code), *map(str, args)],
                            env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            **kwargs)


# -- schema ------------------------------------------------------------------------------------


def test_new_store_is_wal_and_current(store):
    assert store.schema_version == SCHEMA_VERSION
    assert store.connection.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    assert store.connection.execute("PRAGMA busy_timeout").fetchone()[0] > 0
    assert list(store.codings().columns) == CODING_COLUMNS


def test_migration_from_version_1_keeps_rows(tmp_path):
    path = tmp_path / "old.sqlite"
    con = sqlite3.connect(path)
    con.executescript(MIGRATIONS[0])  # a store written by the first version
    con.execute("PRAGMA user_version = 1")
    con.execute("INSERT INTO documents VALUES ('alpha', ?, 11, '2025-01-01T00:00:00+00:00')",
                (sha256("hello world"),))
    con.execute('INSERT INTO codings (document, start, "end", code, coder, segment, method, '
                "score, memo, created_at) VALUES ('alpha', 0, 5, 'goal.sales', 'ME', 1, 'human', "
                "NULL, 'my memo', '2025-01-01T00:00:00+00:00')")
    con.execute('INSERT INTO codings (document, start, "end", code, coder, method, score, '
                "created_at) VALUES ('alpha', 6, 11, 'goal.sales', 'qualcode-keyword', 'keyword', "
                "0.7, '2025-01-01T00:00:00+00:00')")
    con.execute("INSERT INTO events (time, actor, action, coding) VALUES "
                "('2025-01-01T00:00:00+00:00', 'ME', 'create', 1)")
    con.commit()
    con.close()
    with Store(path) as s:
        assert s.schema_version == SCHEMA_VERSION
        df = s.codings()
        assert df["memo"].tolist() == ["my memo", None]
        assert df["status"].tolist() == [None, "suggested"]  # machine rows await review
        assert df["version"].tolist() == [1, 1]
        assert df["updated_at"].tolist() == df["created_at"].tolist()
        assert s.history()["action"].tolist() == ["create"]
        assert s.documents()["sha256"].tolist() == [sha256("hello world")]
        s.accept([2], coder="ME")  # the new columns work on migrated rows
        assert s.codings(status="accepted")["id"].tolist() == [2]


def test_a_newer_store_is_refused(tmp_path):
    path = tmp_path / "new.sqlite"
    con = sqlite3.connect(path)
    con.execute(f"PRAGMA application_id = {APPLICATION_ID}")  # a newer qualcode's store
    con.execute(f"PRAGMA user_version = {SCHEMA_VERSION + 1}")
    con.close()
    with pytest.raises(StoreError, match="newer than this qualcode"):
        Store(path)


def test_events_are_append_only(store):
    store.insert_codings(rows(1), actor="ME")
    con = store.connection
    with pytest.raises(sqlite3.DatabaseError, match="append-only"):
        con.execute("UPDATE events SET actor = 'X'")
    with pytest.raises(sqlite3.DatabaseError, match="append-only"):
        con.execute("DELETE FROM events")
    assert len(store.history()) == 1


# -- writes ------------------------------------------------------------------------------------


def test_optimistic_versions(store):
    [i] = store.insert_codings(rows(1), actor="ME")
    after = store.update_coding(i, actor="ME", expected_version=1, end=9)
    assert (after["end"], after["version"]) == (9, 2)
    with pytest.raises(ConflictError, match=f"coding {i} was changed by someone else"):
        store.update_coding(i, actor="YOU", expected_version=1, end=7)
    with pytest.raises(ConflictError):
        store.delete_coding(i, actor="YOU", expected_version=1)
    assert store.coding(i)["end"] == 9  # the refused writes changed nothing
    store.delete_coding(i, actor="ME", expected_version=2)
    assert store.codings().empty
    with pytest.raises(NotFoundError, match=f"no coding with id {i}"):
        store.update_coding(i, actor="ME", expected_version=3, end=8)
    with pytest.raises(NotFoundError):
        store.coding(999)
    assert store.history(coding=i)["action"].tolist() == ["create", "edit", "delete"]


def test_accept_reject_and_undo(store):
    store.insert_codings(rows(2, coder="Ann"), actor="Ann")
    run = store.replace_suggestions(rows(4, coder="x", method="keyword", start=20),
                                    coder="qualcode-keyword", run={"method": "keyword"})
    sug = store.codings(status="suggested")
    assert len(sug) == 4 and set(sug["method"]) == {"keyword"} and set(sug["coder"]) == {
        "qualcode-keyword"}
    a, b, c, d = sug["id"].tolist()
    [h] = store.accept([a], coder="ME", end=30)
    human = store.coding(h)
    assert (human["method"], human["coder"], human["suggestion_id"], human["status"]) == (
        "human", "ME", a, None)
    assert (human["start"], human["end"]) == (20, 30)
    store.reject([b, c], coder="ME")
    with pytest.raises(ConflictError, match="already rejected"):
        store.accept([b], coder="ME")
    with pytest.raises(ConflictError, match="human coding"):
        store.reject([h], coder="ME")
    dec = store.training_decisions()
    assert dec[["id", "status", "reviewer"]].values.tolist() == [
        [a, "accepted", "ME"], [b, "rejected", "ME"], [c, "rejected", "ME"]]
    # a new run replaces only what is still suggested, and does not bring rejected ones back
    run2 = store.replace_suggestions(rows(4, coder="x", method="keyword", start=20),
                                     coder="qualcode-keyword", run={"method": "keyword"})
    assert run2 == run + 1
    assert len(store.codings(status="suggested")) == 1
    assert d not in store.codings()["id"].tolist()
    assert store.machine_runs()["n_suggestions"].tolist() == [4, 1]
    # undo: the two rejections go together (one action), then the accept
    undone = store.undo(coder="ME")
    assert undone["action"] == "reject" and sorted(undone["codings"]) == [b, c]
    assert store.coding(b)["status"] == "suggested"
    undone = store.undo(coder="ME")
    assert undone["action"] == "accept"
    assert store.coding(a)["status"] == "suggested"
    with pytest.raises(NotFoundError):
        store.coding(h)
    assert store.undo(coder="ME") is None
    assert store.undo(coder="Ann")["action"] == "create"
    assert store.codings(coder="Ann").empty
    actions = store.history()["action"].tolist()
    assert actions.count("undo") == 5 and actions[-1] == "undo"


def test_undo_refuses_to_clobber_a_later_edit(store):
    [i] = store.insert_codings(rows(1), actor="ME")
    store.update_coding(i, actor="ME", expected_version=1, end=8)
    store.update_coding(i, actor="YOU", expected_version=2, end=9)
    with pytest.raises(ConflictError, match="cannot undo"):
        store.undo(coder="ME")
    assert store.coding(i)["end"] == 9


def test_memos_and_history(store):
    [i] = store.insert_codings(rows(1), actor="ME")
    store.set_memo("coding", i, "why I coded this", coder="ME")
    store.set_memo("document", "alpha", "a hard interview", coder="ME")
    assert store.coding(i)["memo"] == "why I coded this"
    memos = store.memos()
    assert memos[["kind", "target", "text"]].values.tolist() == [
        ["coding", str(i), "why I coded this"], ["document", "alpha", "a hard interview"]]
    store.undo(coder="ME")
    assert store.memos(kind="document").empty
    hist = store.history(document="alpha")
    assert hist["action"].tolist() == ["create", "memo", "memo", "undo"]
    assert hist["time"].is_monotonic_increasing
    assert '"text": "why I coded this"' in hist["after"].iloc[1]


def test_changed_document_detected_and_codings_not_moved(store):
    store.sync_documents({"alpha": "hello world", "beta": "other"})
    store.insert_codings(rows(1), actor="ME")
    changed = store.sync_documents({"alpha": "Hello, world", "beta": "other, changed"})
    assert changed["document"].tolist() == ["alpha"]  # beta has no codings: just re-recorded
    assert changed["stored_sha256"].iloc[0] == sha256("hello world")
    assert store.document_text("alpha") == "hello world"
    assert store.document_text("beta") == "other, changed"
    assert store.codings()[["start", "end"]].values.tolist() == [[0, 5]]


# -- processes ---------------------------------------------------------------------------------

WRITER = """
import sys, pandas as pd
from qualcode.store import Store
path, coder, n = sys.argv[1], sys.argv[2], int(sys.argv[3])
s = Store(path)
print("ready", flush=True)
sys.stdin.readline()
for i in range(n):
    s.insert_codings(pd.DataFrame([{"document": "alpha", "start": i, "end": i + 1,
                                    "code": "goal.sales", "coder": coder}]), actor=coder)
    if i % 10 == 0:
        cid = int(s.codings(coder=coder)["id"].iloc[-1])
        s.update_coding(cid, actor=coder, expected_version=1, end=i + 2)
print("done", flush=True)
"""


def test_two_processes_writing_at_once_lose_nothing(tmp_path):
    path = tmp_path / "qualcode.sqlite"
    Store(path).close()
    n = 150
    procs = [run_python(WRITER, path, coder, n, stdin=subprocess.PIPE) for coder in ("A", "B")]
    for p in procs:
        assert p.stdout.readline().strip() == "ready", p.stderr.read()
    for p in procs:  # start both together
        p.stdin.write("go\n")
        p.stdin.flush()
    for p in procs:
        out, err = p.communicate(timeout=300)
        assert p.returncode == 0, err
    with Store(path) as s:
        df = s.codings()
        assert df.groupby("coder").size().to_dict() == {"A": n, "B": n}
        assert df["id"].is_unique
        for coder in ("A", "B"):
            assert sorted(df[df["coder"] == coder]["start"]) == list(range(n))
        hist = s.history()
        assert (hist["action"] == "create").sum() == 2 * n
        assert (hist["action"] == "edit").sum() == 2 * len(range(0, n, 10))
        assert s.integrity_check() == "ok"


KILLED_WRITER = """
import sys, time, pandas as pd
from qualcode.store import Store
path, n = sys.argv[1], int(sys.argv[2])
s = Store(path)
def stall(con):  # the rows are written, the COMMIT never comes
    print("written", flush=True)
    time.sleep(600)
Store._commit = lambda self, con: stall(con)
df = pd.DataFrame({"document": "alpha", "start": range(n), "end": range(1, n + 1),
                   "code": "goal.sales", "method": "keyword", "score": 0.5})
s.replace_suggestions(df, coder="qualcode-keyword", run={"method": "keyword"})
"""


def _state(path):
    with Store(path) as s:
        assert s.integrity_check() == "ok"
        return (s.codings().drop(columns=["created_at", "updated_at"]),
                s.machine_runs(), s.history())


def _previous_state(path):
    with Store(path) as s:
        s.insert_codings(rows(3, coder="ME"), actor="ME")
        s.replace_suggestions(rows(5, coder="x", method="keyword", start=40),
                              coder="qualcode-keyword", run={"method": "keyword"})
        s.accept([int(s.codings(status="suggested")["id"].iloc[0])], coder="ME")
    return _state(path)


@pytest.mark.slow
def test_kill_9_in_the_middle_of_a_large_write_keeps_the_previous_state(tmp_path):
    path = tmp_path / "qualcode.sqlite"
    before = _previous_state(path)
    p = run_python(KILLED_WRITER, path, 200_000)
    line = p.stdout.readline().strip()
    assert line == "written", p.stderr.read()
    assert Path(f"{path}-wal").stat().st_size > 1_000_000  # the big write is in the WAL
    os.kill(p.pid, signal.SIGKILL)
    p.wait(timeout=30)
    after = _state(path)
    pd.testing.assert_frame_equal(after[0], before[0])
    pd.testing.assert_frame_equal(after[1], before[1])
    pd.testing.assert_frame_equal(after[2], before[2])
    with Store(path) as s:  # and the store takes writes again
        s.insert_codings(rows(1, coder="ME", start=90), actor="ME")
        assert len(s.codings(coder="ME")) == 5


LOOPING_WRITER = """
import sys, pandas as pd
from qualcode.store import Store
path, n = sys.argv[1], int(sys.argv[2])
s = Store(path)
k = 0
while True:
    k += 1
    df = pd.DataFrame({"document": "alpha", "start": range(n), "end": range(k, n + k),
                       "code": "goal.sales", "method": "keyword", "score": 0.5})
    s.replace_suggestions(df, coder="qualcode-keyword", run={"method": "keyword"})
    print(k, flush=True)
"""


@pytest.mark.slow
def test_kill_9_at_an_arbitrary_moment_leaves_one_whole_run(tmp_path):
    path = tmp_path / "qualcode.sqlite"
    _previous_state(path)
    p = run_python(LOOPING_WRITER, path, 20_000)
    assert p.stdout.readline().strip() == "1", p.stderr.read()
    time.sleep(0.7)  # somewhere inside a later run
    os.kill(p.pid, signal.SIGKILL)
    p.wait(timeout=30)
    codings, runs, _ = _state(path)
    last = runs.iloc[-1]
    sug = codings[codings["status"] == "suggested"]
    assert len(sug) == last["n_suggestions"] == 20_000  # the last committed run, whole
    k = int(last["id"]) - 1  # run ids: 1 is the set-up's, then 2, 3, ... for k = 1, 2, ...
    assert ((sug["end"] - sug["start"]) == k).all()
    assert len(codings[codings["coder"] == "ME"]) == 4  # human rows untouched


def test_threads_share_a_store_safely(store):
    """The workbench serves requests from several threads: one connection each, nothing lost."""
    import threading

    errors = []

    def work(coder):
        try:
            for i in range(40):
                [cid] = store.insert_codings(rows(1, coder=coder, start=i), actor=coder)
                store.update_coding(cid, actor=coder, expected_version=1, end=i + 9)
        except Exception as exc:  # noqa: BLE001 (reported below)
            errors.append(exc)

    threads = [threading.Thread(target=work, args=(c,)) for c in ("A", "B", "C", "D")]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors
    df = store.codings()
    assert df.groupby("coder").size().to_dict() == {"A": 40, "B": 40, "C": 40, "D": 40}
    assert (df["version"] == 2).all()


# -- the store owns every SQL statement ----------------------------------------------------------

SQL = re.compile(r"""\.execute(?:many|script)?\(|\.executescript|["'](?:SELECT|INSERT|UPDATE|"""
                 r"""DELETE FROM|CREATE TABLE|ALTER TABLE|DROP TABLE|PRAGMA|BEGIN|COMMIT)\b|"""
                 r"""\bimport sqlite3\b|\bsqlite3\.connect\(""")


def test_no_sql_outside_the_store_modules():
    """Every SQL statement (and every sqlite3 connection) is in store.py or store_*.py: the rest of
    the package calls Store methods, so every write is one transaction with its events."""
    found = []
    for path in sorted((REPO / "qualcode").rglob("*.py")):
        if path.parent == REPO / "qualcode" and (path.name == "store.py"
                                                 or path.name.startswith("store_")):
            continue
        for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            if SQL.search(line):
                found.append(f"{path.relative_to(REPO)}:{n}: {line.strip()}")
    assert not found, "SQL outside the store:\n" + "\n".join(found)


def test_the_sql_check_finds_sql(tmp_path):
    """The pattern above catches the forms the project used before the store owned them."""
    for line in ('rows = con.execute("SELECT id FROM codings")',
                 'self.store.query("SELECT COUNT(*) FROM codings WHERE code = ?")',
                 'con.executemany("UPDATE codings SET suggestion_id = ? WHERE id = ?", pairs)',
                 "import sqlite3"):
        assert SQL.search(line), line
    assert not SQL.search("df.query('document == \"alpha\"')")
