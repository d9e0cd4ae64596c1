"""The store as a file: whose database it is, its schema version and data version, what
SQLite's errors mean to a user, and backups.

:mod:`qualcode.store` works on the tables; this module (a part of the store: :class:`FileMixin` is
a base of :class:`~qualcode.store.Store`) knows the file around them:

- :data:`APPLICATION_ID` marks a qualcode store (``PRAGMA application_id``). :func:`check_identity`
  tells a qualcode store (marked, or an older unmarked one with qualcode's tables) from any other
  SQLite file, which is refused, never given qualcode's tables.
- :func:`check_header` refuses a store that is empty, unreadable or not an SQLite file before
  SQLite is asked to open it (SQLite would make an empty file a new, empty database).
- :func:`translate` turns SQLite's errors (a full disk, a read-only folder, a damaged file) into one
  :class:`~qualcode.errors.StoreError` line naming the file and what to do.
- Backups live in ``.qualcode/backups/`` beside the store: :func:`backup_to` copies a live store
  with SQLite's online backup API (consistent while other processes write) into a temporary file
  that is renamed into place only when complete; :func:`prune` keeps the newest automatic ones;
  :meth:`FileMixin.restore` puts a backup back in one SQLite step.
- The data version: a counter row bumped in every write transaction (by any process), so a cache
  or a codebook built at one version is known stale at the next.
"""
from __future__ import annotations

import contextlib
import datetime
import os
import re
import shutil
import sqlite3
import tempfile
from pathlib import Path

from .errors import OutputExistsError, StoreError

#: ``PRAGMA application_id`` of every qualcode store: "QCOD" in ASCII
APPLICATION_ID = 0x51434F44
#: tables an unmarked store written by qualcode 0.2 before the mark already had
QUALCODE_TABLES = frozenset({"documents", "codings", "events"})
BACKUP_FOLDER = Path(".qualcode") / "backups"
#: automatic snapshots kept (older ones are removed); backups made by hand are never removed
KEEP_SNAPSHOTS = 10
SQLITE_HEADER = b"SQLite format 3\x00"
#: pages copied per step of a backup (other processes write between steps)
BACKUP_PAGES = 1024
#: a backup's copy of the project's codebook file (kept in step with the store) is named
#: ``<backup>.sqlite`` + this
CODEBOOK_BESIDE = ".codebook.yaml"
_NAME = re.compile(r"^(auto|backup|before-restore)-(\d{8}T\d{6}\d{6})(?:-([a-z0-9-]+))?\.sqlite$")


def backup_folder(store_path) -> Path:
    """``.qualcode/backups`` in the folder of the store."""
    return Path(store_path).parent / BACKUP_FOLDER


def backups(store_path) -> list[Path]:
    """The complete backups of a store, oldest first (half-written temporary files are not)."""
    folder = backup_folder(store_path)
    if not folder.is_dir():
        return []
    found = [p for p in folder.iterdir() if _NAME.match(p.name) and p.is_file()]
    return sorted(found, key=lambda p: (_NAME.match(p.name).group(2), p.name))


def newest_backup(store_path) -> Path | None:
    found = backups(store_path)
    return found[-1] if found else None


def restore_hint(store_path) -> str:
    """What to do about a lost or damaged store: the newest backup, or that there is none."""
    newest = newest_backup(store_path)
    if newest is None:
        return "no backup found in .qualcode/backups; restore the file from your own copies"
    return f"restore the newest backup with: qualcode restore {newest}"


def _now() -> str:
    return datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="microseconds")


def backup_name(kind: str, reason: str | None = None) -> str:
    stamp = datetime.datetime.now(datetime.timezone.utc).strftime("%Y%m%dT%H%M%S%f")
    tag = re.sub(r"[^a-z0-9]+", "-", (reason or "").lower()).strip("-")[:40]
    return f"{kind}-{stamp}{'-' + tag if tag else ''}.sqlite"


def check_header(path) -> None:
    """Refuse a store that exists but is empty, unreadable or not an SQLite database."""
    path = Path(path)
    try:
        with open(path, "rb") as f:
            head = f.read(len(SQLITE_HEADER))
    except FileNotFoundError:
        return
    except IsADirectoryError:
        raise StoreError("is a folder, not a store file; move it away", file=path) from None
    except OSError as exc:
        raise StoreError(f"cannot read the store ({exc.strerror}); check its permissions, or "
                         f"{restore_hint(path)}", file=path) from None
    if not head:
        raise StoreError(f"the store is empty (0 bytes): its codings are lost from this file; "
                         f"{restore_hint(path)}", file=path)
    if head != SQLITE_HEADER:
        raise StoreError(f"not an SQLite database (damaged or replaced); {restore_hint(path)}",
                         file=path)


def check_identity(con: sqlite3.Connection, path) -> bool:
    """Whether ``con``'s database needs the qualcode mark (an empty new file, or an unmarked
    qualcode store); :class:`StoreError` when it belongs to something else."""
    app = int(con.execute("PRAGMA application_id").fetchone()[0])
    if app == APPLICATION_ID:
        return False
    if app != 0:
        raise StoreError(f"not a qualcode store (it belongs to another application: "
                         f"application_id {app:#x}); move it away or name another project",
                         file=path)
    tables = {r[0] for r in con.execute(
        "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'")}
    version = int(con.execute("PRAGMA user_version").fetchone()[0])
    if not tables and version == 0:
        return True  # a new, empty database
    if version >= 1 and QUALCODE_TABLES <= tables:
        return True  # written by qualcode before stores were marked
    listed = ", ".join(sorted(tables)[:5]) or "none"
    raise StoreError(f"not a qualcode store (schema version {version}, tables: {listed}); it "
                     "was not made by qualcode: move it away or name another project", file=path)


def read_only_error(path) -> StoreError:
    return StoreError("the project is read-only for you (you may read its folder but not write "
                      "it): this command needs to write its store; ask the project's owner, or "
                      "copy the project folder", file=path)


def translate(exc: sqlite3.Error, path, *, writing: bool = True) -> StoreError | None:
    """One line for an SQLite error a user can meet (None for a programming error)."""
    name = getattr(exc, "sqlite_errorname", "") or ""
    text = str(exc).lower()
    if name.startswith("SQLITE_FULL") or "disk is full" in text:
        return StoreError("the disk is full: nothing was written; free some space and try again",
                          file=path)
    if name.startswith("SQLITE_READONLY") or "readonly database" in text:
        return read_only_error(path)
    if name.startswith(("SQLITE_CORRUPT", "SQLITE_NOTADB")) or "malformed" in text \
            or "not a database" in text:
        return StoreError(f"the store is damaged ({exc}); {restore_hint(path)}", file=path)
    if name.startswith("SQLITE_CANTOPEN") or "unable to open" in text:
        return StoreError("cannot open the store: check that its folder exists and that you may "
                          "read it", file=path)
    if name.startswith("SQLITE_IOERR") or "disk i/o error" in text:
        what = "writing" if writing else "reading"
        return StoreError(f"disk I/O error while {what} the store; check the disk (space, "
                          f"permissions, a network drive), then {restore_hint(path)} if it "
                          "persists", file=path)
    if name.startswith(("SQLITE_BUSY", "SQLITE_LOCKED")) or "locked" in text:
        return StoreError(f"the store is busy or locked ({exc}); try again", file=path)
    return None


def backup_to(con: sqlite3.Connection, target, *, path=None, progress=None) -> Path:
    """Copy ``con``'s database to ``target`` with SQLite's online backup API: written to a
    temporary file in the target's folder, synced, then renamed, so ``target`` is either absent
    or a complete, consistent copy (also when the process is killed in the middle)."""
    target = Path(target)
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".partial",
                                   dir=target.parent)
        os.close(fd)
    except OSError as exc:
        raise StoreError(f"cannot write the backup ({exc.strerror})", file=target) from None
    try:
        dst = sqlite3.connect(tmp)
        try:
            con.backup(dst, pages=BACKUP_PAGES, progress=progress)
            dst.execute("PRAGMA journal_mode = DELETE")  # one self-contained file
        finally:
            dst.close()
        with open(tmp, "rb") as f:
            os.fsync(f.fileno())
        os.replace(tmp, target)
        _fsync_folder(target.parent)
    except sqlite3.Error as exc:
        raise (translate(exc, path or target) or
               StoreError(f"backup failed ({exc})", file=target)) from None
    except OSError as exc:
        raise StoreError(f"cannot write the backup ({exc.strerror})", file=target) from None
    finally:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
    return target


def prune(store_path, keep: int = KEEP_SNAPSHOTS) -> list[Path]:
    """Remove all but the newest ``keep`` automatic snapshots, and temporary files of backups that
    were killed half-way; returns what was removed."""
    folder = backup_folder(store_path)
    auto = [p for p in backups(store_path) if p.name.startswith("auto-")]
    removed = auto[:-keep] if keep else auto
    # a snapshot's copy of the project's codebook file (see project_codebook.save_beside) goes too
    removed += [q for q in (p.with_name(p.name + CODEBOOK_BESIDE) for p in list(removed))
                if q.is_file()]
    if folder.is_dir():  # left by a backup killed half-way (an hour old: not one under way)
        cutoff = datetime.datetime.now().timestamp() - 3600
        removed += [p for p in folder.glob(".*.partial") if _mtime(p) < cutoff]
    for p in removed:
        with contextlib.suppress(OSError):
            p.unlink()
    return removed


class FileMixin:
    """The file-level methods of :class:`~qualcode.store.Store` (schema, data version, backups).

    Expects ``path``, ``read_only``, ``_counter``, ``connection``, ``_query``, ``transaction``,
    ``_event``, ``_new_batch`` and the class attributes ``_migrations`` and ``_statements``."""

    @property
    def schema_version(self) -> int:
        return int(self._query("PRAGMA user_version")[0][0])

    def data_version(self) -> int:
        """A number that changes with every write committed to the store by any process (a
        counter row bumped in each write transaction): caches keyed on it are never stale."""
        if self._counter:
            return int(self._query("SELECT version FROM data_version")[0][0])
        # a read-only store of an older qualcode has no counter: its last event stands in
        return int(self._query("SELECT COALESCE(MAX(id), 0) FROM events")[0][0])

    def integrity_check(self) -> str:
        return self._query("PRAGMA integrity_check")[0][0]

    def migrate(self, target: int | None = None) -> int:
        """Upgrade the schema to ``target`` (default: the current version) and mark the file as
        qualcode's (``PRAGMA application_id``); return the version. A store that is not
        qualcode's is refused; an upgrade of a store with data is preceded by a snapshot."""
        newest = len(self._migrations)
        target = newest if target is None else target
        try:
            unmarked = check_identity(self.connection, self.path)
        except sqlite3.Error as exc:
            raise (translate(exc, self.path, writing=False) or StoreError(
                f"cannot read the store ({exc}); {restore_hint(self.path)}",
                file=self.path)) from None
        version = self.schema_version
        if version > newest:
            raise StoreError(f"the store has schema version {version}, newer than this "
                             f"qualcode's {newest}; upgrade qualcode", file=self.path)
        self._counter = bool(self._query(
            "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'data_version'"))
        if version >= target and not unmarked and self._counter:
            return version  # the usual case: no write lock taken
        if self.read_only:
            if version < target:
                raise StoreError(f"the store has schema version {version} and this qualcode "
                                 f"needs {target}: open the project once with write access to "
                                 "upgrade it", file=self.path)
            return version
        if 0 < version < target:
            self.snapshot(f"migration-{version}-to-{target}")
        with self.transaction() as con:
            version = int(con.execute("PRAGMA user_version").fetchone()[0])
            for v in range(version, target):
                for statement in self._statements(self._migrations[v]):
                    con.execute(statement)
                con.execute(f"PRAGMA user_version = {v + 1}")
            con.execute(f"PRAGMA application_id = {APPLICATION_ID}")
            # the data version is a counter SQLite could keep itself, not part of the versioned
            # schema: it is made when missing, whatever the schema version
            con.execute("CREATE TABLE IF NOT EXISTS data_version (id INTEGER PRIMARY KEY "
                        "CHECK (id = 1), version INTEGER NOT NULL)")
            con.execute("INSERT OR IGNORE INTO data_version (id, version) VALUES (1, 1)")
            self._counter = True
            return max(version, target)

    # -- backups -----------------------------------------------------------------------------

    def _backup_step(self, status: int, remaining: int, total: int) -> None:
        """Called after each step of a backup or restore (tests stop a process here)."""

    def backup(self, target=None, *, force: bool = False) -> Path:
        """A consistent copy of the store (SQLite's online backup API, safe while other processes
        write) at ``target``, default ``.qualcode/backups/backup-<time>.sqlite``; the file appears
        only when complete. Refuses to replace a file unless ``force``."""
        if target is None:
            target = backup_folder(self.path) / backup_name("backup")
        target = Path(target)
        if target.exists() and not force:
            raise OutputExistsError("already exists; pass --force to replace it", file=target)
        return backup_to(self.connection, target, path=self.path, progress=self._backup_step)

    def snapshot(self, reason: str) -> Path | None:
        """An automatic backup before an operation that rewrites many rows (import, recoding,
        rehash, migration, restore): ``.qualcode/backups/auto-<time>-<reason>.sqlite``, the newest
        :data:`KEEP_SNAPSHOTS` kept. None for a read-only or empty store."""
        if self.read_only or not self._query("SELECT 1 FROM events LIMIT 1"):
            return None
        target = backup_folder(self.path) / backup_name("auto", reason)
        out = backup_to(self.connection, target, path=self.path, progress=self._backup_step)
        prune(self.path)
        return out

    @classmethod
    def restore_file(cls, path, source, *, actor: str | None = None) -> Path | None:
        """Restore the store at ``path`` from the backup ``source`` whether or not it can be
        opened: a working store through :meth:`restore`; a missing, empty or damaged one is
        kept as ``damaged-<time>.sqlite`` in the backups folder and replaced by a checked copy
        of the backup (renamed into place). Returns the copy of what was there before (None when
        there was no store)."""
        path, source = Path(path), Path(source)
        try:
            store = cls(path, create=False)
        except StoreError:
            store = None
        if store is not None:
            with store:
                return store.restore(source, actor=actor)
        if not source.is_file():
            raise StoreError("no such backup file", file=source)
        check_header(source)
        staged = path.parent / f".{path.name}.restore.partial"
        try:
            shutil.copyfile(source, staged)
            with cls(staged) as copy:
                if copy.integrity_check() != "ok":
                    raise StoreError("the backup is damaged (integrity check failed); choose "
                                     "another", file=source)
                with copy.transaction() as con:
                    copy._event(con, _now(), actor, "restore", after={"from": source.name},
                                batch=copy._new_batch(con))
                    con.execute("UPDATE data_version SET version = version + 1000000")
            keep = _set_aside(path) if path.exists() else None
            os.replace(staged, path)
            _fsync_folder(path.parent)
        finally:
            for suffix in ("", "-wal", "-shm", "-journal"):
                with contextlib.suppress(OSError):
                    os.unlink(f"{staged}{suffix}")
        return keep

    def backups(self) -> list[Path]:
        """This store's backups in ``.qualcode/backups``, oldest first."""
        return backups(self.path)

    def restore(self, source, *, actor: str | None = None) -> Path:
        """Replace the store's content with the backup ``source``, atomically (one SQLite backup
        step into the live store: a process killed in the middle leaves the old content). The
        current store is backed up first (``before-restore-<time>.sqlite``, returned); the restore
        is logged as an event and moves the data version past both stores'."""
        source = Path(source)
        if not source.is_file():
            raise StoreError("no such backup file", file=source)
        if self.read_only:
            raise read_only_error(self.path)
        check_header(source)
        safety = backup_to(
            self.connection, backup_folder(self.path) /
            backup_name("before-restore"), path=self.path)
        seen = self.data_version()
        work = Path(tempfile.mkdtemp(prefix=".restore-", dir=backup_folder(self.path)))
        try:
            staged = work / "qualcode.sqlite"
            shutil.copyfile(source, staged)
            # opening it refuses another application's file and upgrades an older store
            with type(self)(staged) as copy:
                if copy.integrity_check() != "ok":
                    raise StoreError("the backup is damaged (integrity check failed); choose "
                                     "another", file=source)
                with copy.transaction() as con:
                    con.execute("UPDATE data_version SET version = ?",
                                (max(seen, copy.data_version()) + 1,))
                    copy._event(con, _now(), actor, "restore",
                                after={"from": source.name, "previous": safety.name},
                                batch=copy._new_batch(con))
                copy.connection.execute("PRAGMA wal_checkpoint(TRUNCATE)")
                try:
                    # one transaction on the live store across every step: all or nothing
                    copy.connection.backup(self.connection, pages=BACKUP_PAGES,
                                           progress=self._backup_step)
                except sqlite3.Error as exc:
                    raise (translate(exc, self.path) or StoreError(
                        f"restore failed ({exc}); the store is as it was", file=self.path)) \
                        from None
            self.connection.execute("PRAGMA journal_mode = WAL")
        finally:
            shutil.rmtree(work, ignore_errors=True)
        return safety


def _set_aside(path: Path) -> Path:
    """Keep a copy of a store that cannot be opened (and move its WAL files away, which must not
    be applied to what replaces it) in the backups folder as ``damaged-<time>.sqlite``."""
    folder = backup_folder(path)
    folder.mkdir(parents=True, exist_ok=True)
    keep = folder / backup_name("damaged")
    if path.exists():
        shutil.copyfile(path, keep)
    for suffix in ("-wal", "-shm"):
        side = Path(f"{path}{suffix}")
        if side.exists():
            os.replace(side, Path(f"{keep}{suffix}"))
    return keep


def _mtime(path: Path) -> float:
    try:
        return path.stat().st_mtime
    except OSError:
        return float("inf")


def _fsync_folder(folder: Path) -> None:
    with contextlib.suppress(OSError):
        fd = os.open(folder, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)
