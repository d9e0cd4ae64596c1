"""The project store ``qualcode.sqlite``: codings, memos, review decisions and their history.

The standard library's :mod:`sqlite3` in WAL mode with a ``busy_timeout``, so several processes
(the command line, the workbench, two coders) write at once without losing anything. Every write
method is ONE transaction (``BEGIN IMMEDIATE`` ... ``COMMIT``), committed before it returns, and
appends rows to the ``events`` table, which triggers keep append-only.

The schema is versioned with ``PRAGMA user_version``; :data:`MIGRATIONS` lists the steps from an
empty file (version 0) to the current version, and opening an older store upgrades it in one
transaction. Tables (current version):

``documents(id, sha256, length, text, first_seen, updated_at)``
    The text each document's codings were made on, and its hash.
``codings(id, document, start, end, code, coder, segment, method, score, memo, status, version,
suggestion_id, run_id, reviewer, deleted, created_at, updated_at)``
    ``status`` is NULL for human rows and ``suggested|accepted|rejected`` for machine rows;
    ``version`` counts changes (optimistic concurrency); deleted rows keep ``deleted = 1``.
``memos(kind, target, coder, text, version, updated_at)`` (one memo per author and target); ``codebook_changes(id, time, actor, action,
code, data)``; ``machine_runs(id, coder, method, model, codebook, parameters, started_at,
n_suggestions)``; ``events(id, time, actor, action, coding, document, code, before, after, batch,
undoes)``.

Beside them, outside the versioned schema, ``data_version(id, version)``: one counter row every
write transaction bumps (:meth:`Store.data_version`, for caches across processes). The file is
marked with ``PRAGMA application_id`` and checked, backed up and restored by
:mod:`qualcode.store_file`; codebook changes are :mod:`qualcode.store_codebook`, memos and the
events log :mod:`qualcode.store_events`. These modules
hold every SQL statement of the package.

This module knows nothing about corpora or codebooks: :mod:`qualcode.project` validates what it
writes. One connection per thread (and per process after a fork).
"""
from __future__ import annotations

import contextlib
import json
import os
import sqlite3
import threading
from pathlib import Path
from typing import Iterable, Iterator

import numpy as np
import pandas as pd

from . import store_file
from .errors import ConflictError, NotFoundError, StoreError
from .store_codebook import CodebookMixin
from .store_events import EventsMixin
from .store_file import FileMixin
from .store_rows import (CODING_COLUMNS, EVENT_COLUMNS, STATUSES, _codings_frame,  # noqa: F401
                         _id_list, _json, _none, _row_state, _state, _statements, now, sha256)

BUSY_TIMEOUT_MS = 60_000
MIGRATIONS: list[str] = [
    # version 1: the first store (documents with their hash, codings, events)
    """
    CREATE TABLE documents (
        id TEXT PRIMARY KEY, sha256 TEXT NOT NULL, length INTEGER NOT NULL,
        first_seen TEXT NOT NULL);
    CREATE TABLE codings (
        id INTEGER PRIMARY KEY AUTOINCREMENT, document TEXT NOT NULL, start INTEGER NOT NULL,
        "end" INTEGER NOT NULL, code TEXT NOT NULL, coder TEXT NOT NULL, segment INTEGER,
        method TEXT NOT NULL DEFAULT 'human', score REAL, memo TEXT, created_at TEXT NOT NULL);
    CREATE TABLE events (
        id INTEGER PRIMARY KEY AUTOINCREMENT, time TEXT NOT NULL, actor TEXT, action TEXT NOT NULL,
        coding INTEGER, document TEXT, code TEXT, before TEXT, after TEXT);
    CREATE INDEX codings_coder ON codings(coder);
    CREATE INDEX codings_document ON codings(document);
    """,
    # version 2: review status and provenance, optimistic versions, soft deletes, memos,
    # codebook changes, machine runs, undo batches, the text codings were made on,
    # and an append-only events table
    """
    ALTER TABLE documents ADD COLUMN text TEXT;
    ALTER TABLE documents ADD COLUMN updated_at TEXT;
    ALTER TABLE codings ADD COLUMN status TEXT;
    ALTER TABLE codings ADD COLUMN version INTEGER NOT NULL DEFAULT 1;
    ALTER TABLE codings ADD COLUMN suggestion_id INTEGER;
    ALTER TABLE codings ADD COLUMN run_id INTEGER;
    ALTER TABLE codings ADD COLUMN reviewer TEXT;
    ALTER TABLE codings ADD COLUMN deleted INTEGER NOT NULL DEFAULT 0;
    ALTER TABLE codings ADD COLUMN updated_at TEXT;
    UPDATE codings SET updated_at = created_at;
    UPDATE codings SET status = 'suggested' WHERE method != 'human';
    CREATE INDEX codings_status ON codings(status);
    CREATE TABLE memos (
        kind TEXT NOT NULL, target TEXT NOT NULL, text TEXT NOT NULL, coder TEXT,
        updated_at TEXT NOT NULL, PRIMARY KEY (kind, target));
    CREATE TABLE codebook_changes (
        id INTEGER PRIMARY KEY AUTOINCREMENT, time TEXT NOT NULL, actor TEXT,
        action TEXT NOT NULL, code TEXT NOT NULL, data TEXT NOT NULL);
    CREATE TABLE machine_runs (
        id INTEGER PRIMARY KEY AUTOINCREMENT, coder TEXT NOT NULL, method TEXT, model TEXT,
        codebook TEXT, parameters TEXT, started_at TEXT NOT NULL, n_suggestions INTEGER);
    ALTER TABLE events ADD COLUMN batch INTEGER;
    ALTER TABLE events ADD COLUMN undoes INTEGER;
    CREATE INDEX events_coding ON events(coding);
    CREATE INDEX events_document ON events(document);
    CREATE INDEX events_actor ON events(actor, batch);
    CREATE TRIGGER events_no_update BEFORE UPDATE ON events
        BEGIN SELECT RAISE(ABORT, 'the events table is append-only'); END;
    CREATE TRIGGER events_no_delete BEFORE DELETE ON events
        BEGIN SELECT RAISE(ABORT, 'the events table is append-only'); END;
    """,
    # version 3: memos belong to their author: one memo per (kind, target, coder), versioned
    # like codings (a stale save is a conflict); the rows of version 2 keep their author ('' when
    # none was recorded) and start at version 1
    """
    CREATE TABLE memos_v3 (
        kind TEXT NOT NULL, target TEXT NOT NULL, coder TEXT NOT NULL DEFAULT '',
        text TEXT NOT NULL, version INTEGER NOT NULL DEFAULT 1, updated_at TEXT NOT NULL,
        PRIMARY KEY (kind, target, coder));
    INSERT INTO memos_v3 (kind, target, coder, text, version, updated_at)
        SELECT kind, target, COALESCE(coder, ''), text, 1, updated_at FROM memos;
    DROP TABLE memos;
    ALTER TABLE memos_v3 RENAME TO memos;
    """,
]
SCHEMA_VERSION = len(MIGRATIONS)


class Store(FileMixin, CodebookMixin, EventsMixin):
    """The sqlite store of a project (see the module docstring).

    ``Store(path)`` creates the file when missing and upgrades an older schema; a file that is not
    a qualcode store (another application's SQLite, an empty or damaged file) is refused with a
    :class:`StoreError`, never made anew. ``read_only=True`` opens it with SQLite's ``mode=ro``
    (for a project the user may only read): reads work, every write is refused with one line. Use
    as a context manager or call :meth:`close`.
    """

    _migrations = MIGRATIONS
    _statements = staticmethod(_statements)

    def __init__(self, path: str | os.PathLike, *, create: bool = True, migrate: bool = True,
                 read_only: bool = False):
        self.path = Path(path)
        self.read_only = read_only
        if not self.path.exists():
            newest = store_file.newest_backup(self.path)
            if not create or read_only or newest is not None:
                raise StoreError("the store is missing; " + (store_file.restore_hint(self.path)
                                 if newest is not None else "run 'qualcode init' in the project "
                                 "folder"), file=self.path)
        store_file.check_header(self.path)
        self._local = threading.local()
        self._lock = threading.Lock()
        self._connections: list[sqlite3.Connection] = []
        self._counter = False  # whether the store has its data_version row
        if self.path.exists():  # whose file it is, asked before anything is written to it
            try:
                con = self._connect_read_only()
                try:
                    store_file.check_identity(con, self.path)
                    self._counter = bool(con.execute(
                        "SELECT 1 FROM sqlite_master WHERE name = 'data_version'").fetchall())
                finally:
                    con.close()
            except sqlite3.Error as exc:
                raise (store_file.translate(exc, self.path, writing=False) or StoreError(
                    f"cannot read the store ({exc}); {store_file.restore_hint(self.path)}",
                    file=self.path)) from None
        if migrate:
            self.migrate()

    # -- connections and transactions -------------------------------------------------------

    @property
    def connection(self) -> sqlite3.Connection:
        """This thread's connection (a new one after a fork)."""
        con = getattr(self._local, "con", None)
        if con is None or getattr(self._local, "pid", None) != os.getpid():
            con = self._connect()
            self._local.con, self._local.pid = con, os.getpid()
        return con

    def _connect(self) -> sqlite3.Connection:
        try:
            if self.read_only:
                con = self._connect_read_only()
            else:
                con = sqlite3.connect(self.path, timeout=BUSY_TIMEOUT_MS / 1000,
                                      isolation_level=None, check_same_thread=False)
            con.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
            mode = con.execute("PRAGMA journal_mode" if self.read_only else
                               "PRAGMA journal_mode = WAL").fetchone()[0]
            if not self.read_only:
                con.execute("PRAGMA synchronous = FULL")
            con.execute("PRAGMA foreign_keys = ON")
        except sqlite3.Error as exc:
            raise (store_file.translate(exc, self.path, writing=False) or StoreError(
                f"cannot open the store ({exc}); {store_file.restore_hint(self.path)}",
                file=self.path)) from None
        if str(mode).lower() != "wal" and not self.read_only:
            raise StoreError(f"the store could not switch to WAL mode (got {mode!r}); keep the "
                             "project on a local disk", file=self.path)
        with self._lock:
            self._connections.append(con)
        return con

    def _connect_read_only(self) -> sqlite3.Connection:
        """SQLite's ``mode=ro``; in a folder the user cannot write and with no write-ahead log
        beside the file (nobody is writing), ``immutable=1``: a WAL database otherwise needs to
        create its ``-shm`` file to be read."""
        uri = self.path.resolve().as_uri()
        kw = {"uri": True, "timeout": BUSY_TIMEOUT_MS / 1000, "isolation_level": None,
              "check_same_thread": False}
        con = sqlite3.connect(f"{uri}?mode=ro", **kw)
        try:
            con.execute("SELECT COUNT(*) FROM sqlite_master").fetchone()
            return con
        except sqlite3.Error:
            con.close()
            if Path(f"{self.path}-wal").exists():
                raise
        return sqlite3.connect(f"{uri}?immutable=1", **kw)

    def close(self) -> None:
        with self._lock:
            for con in self._connections:
                with contextlib.suppress(sqlite3.Error):
                    con.close()
            self._connections.clear()
        self._local = threading.local()

    def __enter__(self) -> "Store":
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    @contextlib.contextmanager
    def transaction(self) -> Iterator[sqlite3.Connection]:
        """``BEGIN IMMEDIATE`` ... ``COMMIT`` (rolled back when the body raises); the data
        version moves with every committed write. SQLite's errors become one-line
        :class:`StoreError` s (a full disk, a read-only folder, a damaged file)."""
        con = self.connection
        if con.in_transaction:  # nested: part of the outer transaction
            yield con
            return
        if self.read_only:
            raise store_file.read_only_error(self.path)
        try:
            con.execute("BEGIN IMMEDIATE")
        except sqlite3.Error as exc:
            raise (store_file.translate(exc, self.path) or StoreError(
                f"the store is busy or locked ({exc}); try again", file=self.path)) from None
        try:
            yield con
            if self._counter:
                con.execute("UPDATE data_version SET version = version + 1")
            self._commit(con)
        except sqlite3.Error as exc:
            with contextlib.suppress(sqlite3.Error):
                if con.in_transaction:
                    con.execute("ROLLBACK")
            clear = store_file.translate(exc, self.path)
            if clear is None:
                raise
            raise clear from None
        except BaseException:
            with contextlib.suppress(sqlite3.Error):
                if con.in_transaction:
                    con.execute("ROLLBACK")
            raise

    def _commit(self, con: sqlite3.Connection) -> None:
        con.execute("COMMIT")

    def _query(self, sql: str, params: Iterable = ()) -> list[tuple]:
        try:
            return self.connection.execute(sql, tuple(params)).fetchall()
        except sqlite3.Error as exc:
            clear = store_file.translate(exc, self.path, writing=False)
            if clear is None:
                raise
            raise clear from None

    # -- documents ---------------------------------------------------------------------------

    def documents(self) -> pd.DataFrame:
        """``id, sha256, length, first_seen, updated_at, n_codings`` (live codings)."""
        rows = self._query(
            "SELECT d.id, d.sha256, d.length, d.first_seen, d.updated_at, "
            "(SELECT COUNT(*) FROM codings c WHERE c.document = d.id AND c.deleted = 0) "
            "FROM documents d ORDER BY d.id")
        return pd.DataFrame(rows, columns=["id", "sha256", "length", "first_seen", "updated_at",
                                           "n_codings"])

    def document_text(self, document: str) -> str | None:
        row = self._query("SELECT text FROM documents WHERE id = ?", (document,))
        return row[0][0] if row else None

    def sync_documents(self, texts: dict[str, str]) -> pd.DataFrame:
        """Record new documents' hashes; update the hash of changed documents without codings.

        Returns the changed documents that have codings:
        ``document, stored_sha256, current_sha256, n_codings`` (their codings are never moved).
        """
        stored = {r[0]: r[1] for r in self._query("SELECT id, sha256 FROM documents")}
        counts = dict(self._query("SELECT document, COUNT(*) FROM codings WHERE deleted = 0 "
                                 "GROUP BY document"))
        hashes = {d: sha256(t) for d, t in texts.items()}
        new = [d for d in texts if d not in stored]
        stale = [d for d in texts if d in stored and stored[d] != hashes[d] and not counts.get(d)]
        if (new or stale) and not self.read_only:  # a read-only project reports, records nothing
            with self.transaction() as con:
                t = now()
                con.executemany("INSERT OR IGNORE INTO documents (id, sha256, length, text, "
                                "first_seen, updated_at) VALUES (?, ?, ?, ?, ?, ?)",
                                [(d, hashes[d], len(texts[d]), texts[d], t, t) for d in new])
                con.executemany("UPDATE documents SET sha256 = ?, length = ?, text = ?, "
                                "updated_at = ? WHERE id = ? AND NOT EXISTS (SELECT 1 FROM codings "
                                "WHERE document = ? AND deleted = 0)",
                                [(hashes[d], len(texts[d]), texts[d], t, d, d) for d in stale])
        changed = [(d, stored[d], hashes[d], int(counts[d])) for d in texts
                   if d in stored and stored[d] != hashes[d] and counts.get(d)]
        return pd.DataFrame(changed, columns=["document", "stored_sha256", "current_sha256",
                                              "n_codings"])

    def accept_document_text(self, document: str, text: str, *, actor: str | None = None) -> None:
        """Record ``text`` as the document's text (codings keep their offsets); logs ``rehash``."""
        with self.transaction() as con:
            old = con.execute("SELECT sha256 FROM documents WHERE id = ?", (document,)).fetchone()
            if old is None:
                raise NotFoundError(f"no document {document!r} in the store", file=self.path)
            t = now()
            con.execute("UPDATE documents SET sha256 = ?, length = ?, text = ?, updated_at = ? "
                        "WHERE id = ?", (sha256(text), len(text), text, t, document))
            self._event(con, t, actor, "rehash", document=document,
                        before={"sha256": old[0]}, after={"sha256": sha256(text)},
                        batch=self._new_batch(con))

    # -- codings: reading --------------------------------------------------------------------

    def codings(self, *, coder=None, method=None, status=None, document=None, code=None,
                include_machine: bool = True, ids=None, order: str = "id") -> pd.DataFrame:
        """Live codings as the DESIGN.md table plus store columns (:data:`CODING_COLUMNS`).

        Each filter takes a value or a list of values; ``status=None`` means any status.
        """
        where, params = ["deleted = 0"], []
        for col, value in (("coder", coder), ("method", method), ("status", status),
                           ("document", document), ("code", code), ("id", ids)):
            if value is None:
                continue
            values = [value] if isinstance(value, (str, int, np.integer)) else list(value)
            where.append(f"{col} IN ({','.join('?' * len(values))})")
            params.extend(_none(v) for v in values)
        if not include_machine:
            where.append("method = 'human'")
        cols = ", ".join(f'"{c}"' for c in CODING_COLUMNS)
        sql = f"SELECT {cols} FROM codings WHERE {' AND '.join(where)} ORDER BY {order}"
        return _codings_frame(self._query(sql, params))

    def coding(self, coding_id: int, *, con=None) -> dict:
        """One live coding as a dict (:class:`NotFoundError` when there is none)."""
        cols = ", ".join(f'"{c}"' for c in CODING_COLUMNS)
        sql = f"SELECT {cols} FROM codings WHERE id = ? AND deleted = 0"
        rows = con.execute(sql, (int(coding_id),)).fetchall() if con is not None else \
            self._query(sql, (int(coding_id),))
        row = rows[0] if rows else None
        if row is None:
            raise NotFoundError(f"no coding with id {coding_id} (deleted, or never made); "
                                "reload to see the current codings", file=self.path)
        return dict(zip(CODING_COLUMNS, row))

    # -- codings: writing --------------------------------------------------------------------

    def insert_codings(self, df: pd.DataFrame, *, actor: str | None, action: str = "create",
                       run_id: int | None = None, con=None, batch=None) -> list[int]:
        """Insert rows (columns of the codings table); one ``action`` event per row; new ids."""
        if not len(df):
            return []
        t = now()
        rows = []
        for r in df.to_dict("records"):
            method = _none(r.get("method")) or "human"
            status = _none(r.get("status"))
            if method == "human":
                status = None
            elif status is None:
                status = "suggested"
            if status is not None and status not in STATUSES:
                raise StoreError(f"unknown status {status!r} (use {', '.join(STATUSES)})",
                                 file=self.path)
            rows.append((r["document"], int(r["start"]), int(r["end"]), r["code"], r["coder"],
                         _none(r.get("segment")), method, _none(r.get("score")),
                         _none(r.get("memo")), status, _none(r.get("suggestion_id")), run_id,
                         _none(r.get("reviewer")), t, t))
        with self.transaction() if con is None else contextlib.nullcontext(con) as con:
            # inside the write transaction nobody else inserts: the new ids are those above the
            # largest id before (AUTOINCREMENT gives increasing ids in insertion order)
            before = con.execute("SELECT COALESCE(MAX(id), 0) FROM codings").fetchone()[0]
            con.executemany(
                'INSERT INTO codings (document, start, "end", code, coder, segment, method, score, '
                "memo, status, suggestion_id, run_id, reviewer, created_at, updated_at) "
                "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", rows)
            ids = [i for (i,) in con.execute("SELECT id FROM codings WHERE id > ? ORDER BY id",
                                             (before,))]
            if action:
                batch = batch or self._new_batch(con)
                con.executemany(
                    "INSERT INTO events (time, actor, action, coding, document, code, before, "
                    "after, batch) VALUES (?, ?, ?, ?, ?, ?, NULL, ?, ?)",
                    [(t, actor, action, i, r[0], r[3], _json(_row_state(r)), batch)
                     for i, r in zip(ids, rows)])
        return ids

    def import_codings(self, df: pd.DataFrame, *, actor: str | None, source_ids=None,
                       source_links=None) -> tuple[list[int], int]:
        """Add a file's codings in ONE transaction, one ``create`` event each; a row identical to
        a live one (document, start, end, code, coder) is skipped. ``source_ids`` and
        ``source_links`` (the file's ``id`` and ``suggestion_id`` columns, per row) relink
        accepted codings to their suggestions among the new rows. Returns (new ids, skipped)."""
        df = df.reset_index(drop=True)
        with self.transaction() as con:
            live = set(con.execute('SELECT document, start, "end", code, coder FROM codings '
                                   "WHERE deleted = 0"))
            keys = list(zip(df["document"], df["start"].astype(int), df["end"].astype(int),
                            df["code"], df["coder"]))
            keep = [k not in live for k in keys]
            skipped = len(keep) - sum(keep)
            part = df[keep]
            ids = self.insert_codings(part, actor=actor, action="", con=con)
            if source_ids is not None and source_links is not None:
                olds = [o for o, k in zip(source_ids, keep) if k]
                links = [s for s, k in zip(source_links, keep) if k]
                old_to_new = {int(o): n for o, n in zip(olds, ids) if pd.notna(o)}
                pairs = [(old_to_new[int(s)], n) for s, n in zip(links, ids)
                         if pd.notna(s) and int(s) in old_to_new]
                con.executemany("UPDATE codings SET suggestion_id = ? WHERE id = ?", pairs)
            if ids:
                t, batch = now(), self._new_batch(con)
                for i in ids:
                    row = self.coding(i, con=con)
                    self._event(con, t, actor, "create", coding=i, document=row["document"],
                                code=row["code"], after=_state(row), batch=batch)
        return ids, skipped

    def coder_kinds(self, coder: str) -> set[bool]:
        """Whether ``coder``'s live codings are human (True), machine (False), or both."""
        return {bool(v) for (v,) in self._query(
            "SELECT DISTINCT method = 'human' FROM codings WHERE coder = ? AND deleted = 0",
            (coder,))}

    def update_coding(self, coding_id: int, *, actor: str, expected_version: int,
                      action: str = "edit", con=None, batch=None, **fields) -> dict:
        """Change fields of a live coding whose version is ``expected_version``; version + 1."""
        with self.transaction() if con is None else contextlib.nullcontext(con) as con:
            before = self.coding(coding_id, con=con)
            if expected_version is not None and int(expected_version) != before["version"]:
                raise ConflictError(
                    f"coding {coding_id} was changed by someone else (version {before['version']}, "
                    f"you edited version {expected_version}); reload it and make your change again",
                    file=self.path)
            fields = {k: _none(v) if k != "memo" else v for k, v in fields.items()}
            sets = ", ".join(f'"{k}" = ?' for k in fields)
            t = now()
            con.execute(f"UPDATE codings SET {sets + ', ' if sets else ''}version = version + 1, "
                        "updated_at = ? WHERE id = ?", (*fields.values(), t, int(coding_id)))
            after = self.coding(coding_id, con=con) if not fields.get("deleted") else \
                {**before, **fields, "version": before["version"] + 1}
            self._event(con, t, actor, action, coding=int(coding_id), document=before["document"],
                        code=after["code"], before=_state(before), after=_state(after),
                        batch=batch or self._new_batch(con))
        return after

    def delete_coding(self, coding_id: int, *, actor: str, expected_version: int) -> None:
        self.update_coding(coding_id, actor=actor, expected_version=expected_version,
                           action="delete", deleted=1)

    # -- machine runs ------------------------------------------------------------------------

    def replace_suggestions(self, df: pd.DataFrame, *, coder: str, run: dict) -> int:
        """One machine run: drop ``coder``'s ``suggested`` rows, insert ``df`` as suggestions.

        Accepted and rejected rows stay, and a new suggestion on the same span and code as one of
        them is not added again. Returns the run id.
        """
        with self.transaction() as con:
            t = now()
            params = dict(run.get("parameters") or {})
            cur = con.execute(
                "INSERT INTO machine_runs (coder, method, model, codebook, parameters, started_at, "
                "n_suggestions) VALUES (?, ?, ?, ?, ?, ?, 0)",
                (coder, run.get("method"), run.get("model"), run.get("codebook"),
                 _json(params), t))
            run_id = cur.lastrowid
            removed = con.execute("DELETE FROM codings WHERE coder = ? AND status = 'suggested'",
                                  (coder,)).rowcount
            reviewed = {(d, s, e, c) for d, s, e, c in con.execute(
                'SELECT document, start, "end", code FROM codings WHERE coder = ? AND status IN '
                "('accepted', 'rejected')", (coder,))}
            df = df.copy()
            df["coder"] = coder
            if "method" not in df.columns:
                df["method"] = run.get("method") or "keyword"
            df["status"] = "suggested"
            if reviewed and len(df):
                keys = list(zip(df["document"], df["start"].astype(int), df["end"].astype(int),
                                df["code"]))
                df = df[[k not in reviewed for k in keys]]
            ids = self.insert_codings(df, actor=coder, action="", run_id=run_id, con=con)
            con.execute("UPDATE machine_runs SET n_suggestions = ? WHERE id = ?", (len(ids), run_id))
            self._event(con, t, coder, "suggest", before={"removed": removed},
                        after={"run": run_id, "added": len(ids), **{k: v for k, v in run.items()
                                                                    if k != "parameters"}},
                        batch=self._new_batch(con))
        return run_id

    def machine_runs(self) -> pd.DataFrame:
        """``id, coder, method, model, codebook, parameters, started_at, n_suggestions``."""
        rows = self._query("SELECT id, coder, method, model, codebook, parameters, started_at, "
                          "n_suggestions FROM machine_runs ORDER BY id")
        return pd.DataFrame(rows, columns=["id", "coder", "method", "model", "codebook",
                                           "parameters", "started_at", "n_suggestions"])

    # -- review ------------------------------------------------------------------------------

    def accept(self, ids, *, coder: str, start=None, end=None, code=None) -> list[int]:
        """Suggestions become ``accepted`` and new human rows by ``coder``; returns the new ids."""
        out = []
        with self.transaction() as con:
            batch = self._new_batch(con)
            for sid in _id_list(ids):
                s, t = self._review(con, sid, coder, "accepted")
                row = {"document": s["document"], "start": s["start"] if start is None else start,
                       "end": s["end"] if end is None else end, "code": code or s["code"],
                       "coder": coder, "segment": s["segment"], "method": "human",
                       "suggestion_id": sid}
                [new_id] = self.insert_codings(pd.DataFrame([row]), actor=coder, action="",
                                               con=con)
                after = self.coding(sid, con=con)
                self._event(con, t, coder, "accept", coding=sid, document=s["document"],
                            code=s["code"], before=_state(s),
                            after={**_state(after), "human_id": new_id,
                                   "human": _state(self.coding(new_id, con=con))}, batch=batch)
                out.append(new_id)
        return out

    def reject(self, ids, *, coder: str) -> None:
        with self.transaction() as con:
            batch = self._new_batch(con)
            for sid in _id_list(ids):
                s, t = self._review(con, sid, coder, "rejected")
                self._event(con, t, coder, "reject", coding=sid, document=s["document"],
                            code=s["code"], before=_state(s),
                            after=_state(self.coding(sid, con=con)), batch=batch)

    def _review(self, con, sid: int, coder: str, status: str) -> tuple[dict, str]:
        """Mark suggestion ``sid`` ``status`` by ``coder``; its state before, and the time."""
        s = self._suggestion(con, sid)
        t = now()
        con.execute("UPDATE codings SET status = ?, reviewer = ?, version = version + 1, "
                    "updated_at = ? WHERE id = ?", (status, coder, t, sid))
        return s, t

    def _suggestion(self, con, sid: int) -> dict:
        s = self.coding(sid, con=con)
        if s["status"] != "suggested":
            what = "a human coding" if s["status"] is None else f"already {s['status']}"
            raise ConflictError(f"coding {sid} is {what}, not a suggestion awaiting review; "
                                "reload the suggestions", file=self.path)
        return s

    def training_decisions(self) -> pd.DataFrame:
        """Reviewed suggestions: ``id, document, start, end, code, status, reviewer``."""
        rows = self._query('SELECT id, document, start, "end", code, status, reviewer FROM codings '
                          "WHERE status IN ('accepted', 'rejected') AND deleted = 0 ORDER BY id")
        return pd.DataFrame(rows, columns=["id", "document", "start", "end", "code", "status",
                                           "reviewer"])

    # -- undo --------------------------------------------------------------------------------

    def undo(self, *, coder: str, check=None) -> dict | None:
        """Revert ``coder``'s most recent not-yet-undone action (all events of its batch).

        ``check(action, coding, before, after)`` (optional) sees each event first and may raise
        to refuse the undo (nothing is changed then). A codebook change (``code_*`` events, with
        the recoding it made) is refused (a :class:`StoreError`): reverting the recodes
        alone would leave codings on codes the codebook no longer has."""
        undoable = ("create", "edit", "delete", "accept", "reject", "memo")
        with self.transaction() as con:
            q = ",".join("?" * len(undoable))
            row = con.execute(
                f"SELECT MAX(batch) FROM events WHERE actor = ? AND (action IN ({q}) OR action "
                "LIKE 'code\\_%' ESCAPE '\\') AND id NOT IN (SELECT undoes FROM events WHERE "
                "undoes IS NOT NULL)", (coder, *undoable)).fetchone()
            if row is None or row[0] is None:
                return None
            batch = row[0]
            change = con.execute("SELECT action, code FROM events WHERE batch = ? AND action LIKE "
                                 "'code\\_%' ESCAPE '\\' ORDER BY id LIMIT 1", (batch,)).fetchone()
            if change is not None:
                # reverting its recodes alone would leave codings on codes the codebook no
                # longer has (a merge, a move) or keep a code nobody asked to keep
                raise StoreError(
                    f"your last action was a codebook change ({change[0][5:]} of {change[1]}); "
                    "undo does not reverse codebook changes: make the opposite change, or put "
                    "back the copy saved before it ('qualcode restore' with the newest "
                    ".qualcode/backups/auto-*.sqlite)", file=self.path)
            events = con.execute(
                f"SELECT id, action, coding, document, code, before, after FROM events WHERE "
                f"batch = ? AND action IN ({q}) ORDER BY id DESC", (batch, *undoable)).fetchall()
            undo_batch = self._new_batch(con)
            touched = []
            for eid, action, coding, document, code, before, after in events:
                before = json.loads(before) if before else None
                after = json.loads(after) if after else None
                if check is not None:
                    check(action, coding, before, after)
                self._revert(con, action, coding, before, after, eid, actor=coder)
                t = now()
                con.execute("INSERT INTO events (time, actor, action, coding, document, code, "
                            "before, after, batch, undoes) VALUES (?, ?, 'undo', ?, ?, ?, ?, ?, ?, ?)",
                            (t, coder, coding, document, code, _json(after), _json(before),
                             undo_batch, eid))
                touched.append(coding)
            return {"action": events[0][1], "event": events[-1][0], "batch": batch,
                    "coding": touched[0] if touched else None,
                    "codings": [c for c in touched if c is not None], "events": len(events)}

    def _revert(self, con, action, coding, before, after, eid, *, actor=None) -> None:
        t = now()

        def unchanged_since(cid) -> bool:
            # the coding is as the event left it when every later action on it was undone (an
            # undo bumps the version, so the version alone cannot tell)
            if con.execute("SELECT 1 FROM codings WHERE id = ?", (cid,)).fetchone() is None:
                return False
            later = con.execute(
                "SELECT COUNT(*) FROM events WHERE coding = ? AND id > ? AND action != 'undo' "
                "AND id NOT IN (SELECT undoes FROM events WHERE undoes IS NOT NULL)",
                (cid, eid)).fetchone()[0]
            return later == 0

        def check(expected, cid=coding):
            if expected is None or not unchanged_since(cid):
                raise ConflictError(f"cannot undo: coding {cid} was changed since; "
                                    "edit it directly instead", file=self.path)

        if action == "create":
            check(after.get("version", 1))
            con.execute("UPDATE codings SET deleted = 1, version = version + 1, updated_at = ? "
                        "WHERE id = ?", (t, coding))
        elif action in ("edit", "delete", "recode"):
            check(after["version"])
            con.execute('UPDATE codings SET start = ?, "end" = ?, code = ?, memo = ?, deleted = ?, '
                        "version = version + 1, updated_at = ? WHERE id = ?",
                        (before["start"], before["end"], before["code"], before.get("memo"),
                         before.get("deleted", 0), t, coding))
        elif action in ("accept", "reject"):
            check(after["version"])
            if action == "accept":
                human = after["human_id"]
                check(after["human"]["version"], human)
                con.execute("UPDATE codings SET deleted = 1, version = version + 1, updated_at = ? "
                            "WHERE id = ?", (t, human))
            con.execute("UPDATE codings SET status = 'suggested', reviewer = NULL, "
                        "version = version + 1, updated_at = ? WHERE id = ?", (t, coding))
        elif action == "memo":
            kind, target, text = before["kind"], before["target"], before["text"]
            who = before.get("coder", actor or "")
            if kind == "coding":
                con.execute("UPDATE codings SET memo = ?, updated_at = ? WHERE id = ?",
                            (text, t, int(target)))
            if text:
                con.execute("INSERT INTO memos (kind, target, coder, text, version, updated_at) "
                            "VALUES (?, ?, ?, ?, 1, ?) ON CONFLICT (kind, target, coder) DO UPDATE "
                            "SET text = excluded.text, version = memos.version + 1, "
                            "updated_at = excluded.updated_at", (kind, target, who, text, t))
            else:
                con.execute("DELETE FROM memos WHERE kind = ? AND target = ? AND coder = ?",
                            (kind, target, who))
