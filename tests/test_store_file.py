"""The store as a file: qualcode's mark, foreign and broken files refused (never made anew),
SQLite's errors as one line, the data version across processes, backups and restores, and a
``kill -9`` in the middle of a backup or a restore."""
from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
import textwrap
from pathlib import Path

import pandas as pd
import pytest

from qualcode.errors import OutputExistsError, StoreError
from qualcode.store import MIGRATIONS, SCHEMA_VERSION, Store
from qualcode.store_file import APPLICATION_ID, KEEP_SNAPSHOTS, backups, translate

REPO = Path(__file__).resolve().parents[1]


def rows(n, *, coder="ME", start=0):
    return pd.DataFrame({"document": "alpha", "start": range(start, start + n),
                         "end": range(start + 5, start + n + 5), "code": "goal.sales",
                         "coder": coder, "method": "human"})


def child(code: str, *args) -> subprocess.Popen:
    env = dict(os.environ, PYTHONPATH=str(REPO))
    return subprocess.Popen([sys.executable, "-c", textwrap.dedent(code), *map(str, args)],
                            env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def made(path, n=3) -> Path:
    with Store(path) as s:
        s.insert_codings(rows(n), actor="ME")
    return Path(path)


# -- whose file it is --------------------------------------------------------------------------


def test_a_new_store_is_marked_as_qualcodes(tmp_path):
    with Store(tmp_path / "qualcode.sqlite") as s:
        assert s.connection.execute("PRAGMA application_id").fetchone()[0] == APPLICATION_ID


def test_an_unmarked_store_of_an_older_qualcode_is_marked_and_kept(tmp_path):
    path = tmp_path / "qualcode.sqlite"
    con = sqlite3.connect(path)
    con.executescript(MIGRATIONS[0])
    con.execute("PRAGMA user_version = 1")
    con.execute("INSERT INTO codings (document, start, \"end\", code, coder, created_at) VALUES "
                "('alpha', 0, 5, 'goal.sales', 'ME', '2025-01-01')")
    con.commit()
    con.close()
    with Store(path) as s:
        assert s.schema_version == SCHEMA_VERSION
        assert s.connection.execute("PRAGMA application_id").fetchone()[0] == APPLICATION_ID
        assert s.codings()["coder"].tolist() == ["ME"]
    # the upgrade of a store with data was preceded by a snapshot... of a store without events:
    # nothing to lose there, so none is made; with events there is one (see the migration test)


def test_another_applications_database_is_refused_and_left_alone(tmp_path):
    path = tmp_path / "qualcode.sqlite"
    con = sqlite3.connect(path)
    con.execute("CREATE TABLE recipes (name TEXT)")
    con.execute("INSERT INTO recipes VALUES ('soup')")
    con.commit()
    con.close()
    before = path.read_bytes()
    with pytest.raises(StoreError, match=r"qualcode\.sqlite: not a qualcode store .*recipes"):
        Store(path)
    assert path.read_bytes() == before  # no qualcode table added
    con = sqlite3.connect(path)
    con.execute("PRAGMA application_id = 1234")
    con.close()
    with pytest.raises(StoreError, match="another application"):
        Store(path)


def test_user_version_1_without_qualcode_tables_is_refused(tmp_path):
    """Today: 'internal error (OperationalError: no such table: documents)'."""
    path = tmp_path / "qualcode.sqlite"
    con = sqlite3.connect(path)
    con.execute("CREATE TABLE notes (text TEXT)")
    con.execute("PRAGMA user_version = 1")
    con.close()
    with pytest.raises(StoreError, match="not a qualcode store .*schema version 1"):
        Store(path)


def test_an_empty_store_is_an_error_naming_the_newest_backup_never_a_new_store(tmp_path):
    path = made(tmp_path / "qualcode.sqlite")
    with Store(path) as s:
        first = s.backup()
        newest = s.snapshot("import")
    assert backups(path) == [first, newest]
    path.write_bytes(b"")
    with pytest.raises(StoreError, match=rf"empty \(0 bytes\).*qualcode restore .*{newest.name}"):
        Store(path)
    assert path.stat().st_size == 0  # not recreated
    path.write_bytes(b"PK\x03\x04 not a database at all")
    with pytest.raises(StoreError, match="not an SQLite database"):
        Store(path)


def test_a_missing_store_with_backups_is_not_made_anew(tmp_path):
    path = made(tmp_path / "qualcode.sqlite")
    with Store(path) as s:
        s.backup()
    for suffix in ("", "-wal", "-shm"):
        Path(f"{path}{suffix}").unlink(missing_ok=True)
    with pytest.raises(StoreError, match="the store is missing; restore the newest backup"):
        Store(path)
    assert not path.exists()


def test_corrupted_pages_are_one_clear_line(tmp_path):
    path = made(tmp_path / "qualcode.sqlite", n=3000)
    with Store(path) as s:
        s.backup()
    data = bytearray(path.read_bytes())
    assert len(data) > 40_000
    for page in range(2, len(data) // 4096):  # every page but the first (the schema)
        data[page * 4096:page * 4096 + 200] = b"\xff" * 200
    path.write_bytes(bytes(data))
    with pytest.raises(StoreError) as err:
        with Store(path) as s:
            s.codings()
    message = str(err.value)
    assert "damaged" in message and "qualcode restore" in message and "\n" not in message


def test_a_full_disk_is_one_clear_line_and_writes_nothing(tmp_path):
    """SQLite's own limit on the file's pages gives the same SQLITE_FULL as a full disk."""
    path = made(tmp_path / "qualcode.sqlite")
    with Store(path) as s:
        pages = s.connection.execute("PRAGMA page_count").fetchone()[0]
        s.connection.execute(f"PRAGMA max_page_count = {pages + 1}")
        with pytest.raises(StoreError, match="the disk is full: nothing was written"):
            s.insert_codings(rows(20_000, start=100), actor="ME")
        assert len(s.codings()) == 3


def test_translate_knows_sqlites_errors_and_leaves_programming_errors_alone(tmp_path):
    assert "read-only" in str(translate(sqlite3.OperationalError(
        "attempt to write a readonly database"), tmp_path))
    assert "disk I/O error while reading" in str(translate(sqlite3.OperationalError(
        "disk I/O error"), tmp_path, writing=False))
    assert translate(sqlite3.OperationalError("no such column: x"), tmp_path) is None


# -- the data version ----------------------------------------------------------------------------


def test_data_version_moves_with_every_write_of_any_process(tmp_path):
    path = made(tmp_path / "qualcode.sqlite")
    with Store(path) as s:
        v0 = s.data_version()
        assert s.data_version() == v0  # reads do not move it
        s.insert_codings(rows(1, start=50), actor="ME")
        v1 = s.data_version()
        assert v1 > v0
        p = child("""
            import sys, pandas as pd
            from qualcode.store import Store
            with Store(sys.argv[1]) as s:
                s.insert_codings(pd.DataFrame([{"document": "alpha", "start": 1, "end": 2,
                    "code": "goal.sales", "coder": "B"}]), actor="B")
            """, path)
        assert p.wait(timeout=60) == 0, p.stderr.read()
        assert s.data_version() > v1


# -- backups ---------------------------------------------------------------------------------------


def test_backup_is_a_consistent_marked_copy_and_does_not_overwrite(tmp_path):
    path = made(tmp_path / "qualcode.sqlite", n=5)
    with Store(path) as s:
        out = s.backup(tmp_path / "copy.sqlite")
        with pytest.raises(OutputExistsError):
            s.backup(out)
    with Store(out) as copy:
        assert len(copy.codings()) == 5 and copy.integrity_check() == "ok"


def test_only_the_newest_snapshots_are_kept_and_backups_by_hand_stay(tmp_path):
    path = made(tmp_path / "qualcode.sqlite")
    with Store(path) as s:
        manual = s.backup()
        for i in range(KEEP_SNAPSHOTS + 3):
            s.snapshot(f"import {i}")
    found = backups(path)
    assert manual in found
    auto = [p for p in found if p.name.startswith("auto-")]
    assert len(auto) == KEEP_SNAPSHOTS
    assert auto[-1].name.endswith(f"-import-{KEEP_SNAPSHOTS + 2}.sqlite")


def test_restore_puts_the_backup_back_after_backing_up_the_current_store(tmp_path):
    path = made(tmp_path / "qualcode.sqlite", n=2)
    with Store(path) as s:
        saved = s.backup()
        s.insert_codings(rows(4, start=20), actor="ME")
        version = s.data_version()
        kept = s.restore(saved, actor="ME")
        assert len(s.codings()) == 2
        assert s.data_version() > version  # caches of the store before see a new version
        assert s.history()["action"].tolist()[-1] == "restore"
        assert s.connection.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    with Store(kept) as before:
        assert len(before.codings()) == 6  # the restore can be undone


def test_restore_refuses_a_file_that_is_not_a_qualcode_store(tmp_path):
    path = made(tmp_path / "qualcode.sqlite")
    other = tmp_path / "other.sqlite"
    con = sqlite3.connect(other)
    con.execute("CREATE TABLE recipes (name TEXT)")
    con.close()
    with Store(path) as s, pytest.raises(StoreError, match="not a qualcode store"):
        s.restore(other)
    with Store(path) as s:
        assert len(s.codings()) == 3


def test_restore_file_replaces_a_damaged_store_and_keeps_it(tmp_path):
    path = made(tmp_path / "qualcode.sqlite", n=4)
    with Store(path) as s:
        saved = s.backup()
    path.write_bytes(b"garbage" * 100)
    kept = Store.restore_file(path, saved, actor="ME")
    assert kept.read_bytes() == b"garbage" * 100
    with Store(path) as s:
        assert len(s.codings()) == 4 and s.integrity_check() == "ok"


STALLED = """
import sys, time
from qualcode.store import Store
def stall(self, status, remaining, total):  # some pages copied, the rest never comes
    if remaining > 0:
        print("copying", flush=True)
        time.sleep(600)
Store._backup_step = stall
s = Store(sys.argv[1])
s.restore(sys.argv[2]) if len(sys.argv) > 2 else s.backup()
"""


def _big_store(path, n=40_000) -> Path:
    with Store(path) as s:
        s.insert_codings(rows(n), actor="ME")
    return path


def test_kill_9_during_a_backup_loses_nothing_and_leaves_no_half_backup(tmp_path):
    path = _big_store(tmp_path / "qualcode.sqlite")
    p = child(STALLED, path)
    assert p.stdout.readline().strip() == "copying", p.stderr.read()
    with Store(path) as s:  # a writer is not blocked by the backup under way
        s.insert_codings(rows(3, coder="B"), actor="B")
    os.kill(p.pid, signal.SIGKILL)
    p.wait(timeout=30)
    assert backups(path) == []  # the half copy is a hidden temporary file, never a backup
    with Store(path) as s:
        assert s.integrity_check() == "ok"
        assert len(s.codings()) == 40_003
        done = s.backup()
    with Store(done) as copy:
        assert len(copy.codings()) == 40_003


def test_kill_9_during_a_restore_leaves_the_store_as_it_was(tmp_path):
    path = made(tmp_path / "qualcode.sqlite", n=2)
    big = _big_store(tmp_path / "big.sqlite")
    with Store(path) as s:
        before, history = s.codings(), s.history()
    p = child(STALLED, path, big)
    assert p.stdout.readline().strip() == "copying", p.stderr.read()
    os.kill(p.pid, signal.SIGKILL)  # pages of the backup are in the store's WAL, uncommitted
    p.wait(timeout=30)
    with Store(path) as s:
        assert s.integrity_check() == "ok"
        pd.testing.assert_frame_equal(s.codings(), before)
        pd.testing.assert_frame_equal(s.history(), history)
        [kept] = [b for b in backups(path) if b.name.startswith("before-restore-")]
        s.restore(big)  # and a restore works afterwards
        assert len(s.codings()) == 40_000
    with Store(kept) as copy:
        pd.testing.assert_frame_equal(copy.codings(), before)


def test_an_upgrade_of_a_store_with_events_is_preceded_by_a_snapshot(tmp_path):
    path = tmp_path / "qualcode.sqlite"
    con = sqlite3.connect(path)
    con.executescript(MIGRATIONS[0])
    con.execute("PRAGMA user_version = 1")
    con.execute("INSERT INTO events (time, actor, action, coding) VALUES ('2025-01-01', 'ME', "
                "'create', 1)")
    con.commit()
    con.close()
    with Store(path) as s:
        assert s.schema_version == SCHEMA_VERSION
    [snap] = backups(path)
    assert snap.name.startswith("auto-")
    assert snap.name.endswith(f"-migration-1-to-{SCHEMA_VERSION}.sqlite")
    con = sqlite3.connect(snap)  # the snapshot is the store as it was, before the upgrade
    assert con.execute("PRAGMA user_version").fetchone()[0] == 1
    con.close()
