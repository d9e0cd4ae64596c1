"""The store's memos and events (a base class of :class:`qualcode.store.Store`): memos one per
author and target, versioned; the append-only ``events`` table (who did what and when), read as a
coding's history, exported whole for a replication package, and the provenance of machine rows
for the methods record."""
from __future__ import annotations

import contextlib

import pandas as pd

from .errors import ConflictError
from .store_rows import EVENT_COLUMNS, _json, _none, now


class EventsMixin:
    """Memos and the events log; ``self`` is a :class:`~qualcode.store.Store`."""

    # -- memos -------------------------------------------------------------------------------

    def set_memo(self, kind: str, target: str, text: str | None, *, coder: str,
                 expected_version: int | None = None, con=None) -> int:
        """Store ``coder``'s memo on ``kind``/``target`` (an empty text removes it); a coding memo
        is also the coding's ``memo``. Each author has their own memo per target; with
        ``expected_version`` a save over a newer version is a :class:`ConflictError` (0: the
        author had none). Returns the memo's new version (0 when removed)."""
        with self.transaction() if con is None else contextlib.nullcontext(con) as con:
            t = now()
            old = con.execute("SELECT text, version FROM memos WHERE kind = ? AND target = ? AND "
                              "coder = ?", (kind, str(target), coder or "")).fetchone()
            version = old[1] if old else 0
            if expected_version is not None and int(expected_version) != version:
                raise ConflictError(
                    f"your {kind} memo on {target} was changed meanwhile (version {version}, you "
                    f"edited version {expected_version}), e.g. in another tab; reload it and save "
                    "again", file=self.path)
            coding = document = code = None
            if kind == "coding":
                row = self.coding(int(target), con=con)
                coding, document, code = int(target), row["document"], row["code"]
                old = old or ((row["memo"], 0) if row["memo"] else None)
                con.execute("UPDATE codings SET memo = ?, updated_at = ? WHERE id = ?",
                            (text or None, t, int(target)))
            elif kind == "document":
                document = str(target)
            else:
                code = str(target)
            new_version = version + 1 if text else 0
            if text:
                con.execute("INSERT INTO memos (kind, target, coder, text, version, updated_at) "
                            "VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (kind, target, coder) DO UPDATE "
                            "SET text = excluded.text, version = excluded.version, "
                            "updated_at = excluded.updated_at",
                            (kind, str(target), coder or "", text, new_version, t))
            else:
                con.execute("DELETE FROM memos WHERE kind = ? AND target = ? AND coder = ?",
                            (kind, str(target), coder or ""))
            self._event(con, t, coder, "memo", coding=coding, document=document, code=code,
                        before={"kind": kind, "target": str(target), "coder": coder or "",
                                "text": old[0] if old else None},
                        after={"kind": kind, "target": str(target), "coder": coder or "",
                               "text": text or None},
                        batch=self._new_batch(con))
        return new_version

    def memos(self, kind=None, target=None, coder=None) -> pd.DataFrame:
        """``kind, target, text, coder, version, updated_at`` (oldest change first per target)."""
        where, params = [], []
        for col, value in (("kind", kind), ("target", target), ("coder", coder)):
            if value is not None:
                where.append(f"{col} = ?")
                params.append(str(value))
        sql = "SELECT kind, target, text, coder, version, updated_at FROM memos"
        if where:
            sql += " WHERE " + " AND ".join(where)
        rows = self._query(sql + " ORDER BY kind, target, updated_at", params)
        return pd.DataFrame(rows, columns=["kind", "target", "text", "coder", "version",
                                           "updated_at"])

    # -- events ------------------------------------------------------------------------------

    def history(self, *, document=None, coding=None, code=None, actor=None) -> pd.DataFrame:
        """Events oldest first: ``id, time, actor, action, coding, document, code, before, after``
        (before/after are JSON text)."""
        where, params = [], []
        for col, value in (("document", document), ("coding", coding), ("code", code),
                           ("actor", actor)):
            if value is not None:
                where.append(f"{col} = ?")
                params.append(_none(value))
        sql = f"SELECT {', '.join(EVENT_COLUMNS)} FROM events"
        if where:
            sql += " WHERE " + " AND ".join(where)
        df = pd.DataFrame(self._query(sql + " ORDER BY id", params), columns=EVENT_COLUMNS)
        df["coding"] = df["coding"].astype("Int64")
        return df

    def log_event(self, action: str, *, actor: str, data: dict | None = None) -> None:
        """Record a project event that changes no row (e.g. ``blind_lifted``), one transaction."""
        with self.transaction() as con:
            self._event(con, now(), actor, action, after=data, batch=self._new_batch(con))

    def _new_batch(self, con) -> int:
        return int(con.execute("SELECT COALESCE(MAX(batch), 0) + 1 FROM events").fetchone()[0])

    def _event(self, con, t, actor, action, *, coding=None, document=None, code=None,
               before=None, after=None, batch=None) -> None:
        con.execute("INSERT INTO events (time, actor, action, coding, document, code, before, "
                    "after, batch) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                    (t, actor, action, coding, document, code,
                     None if before is None else _json(before),
                     None if after is None else _json(after), batch))

    # -- the methods record (read-only) -------------------------------------------------------

    def event_log(self) -> pd.DataFrame:
        """Every event oldest first, for export: :data:`EVENT_COLUMNS` plus ``batch`` (one user
        action) and ``undoes`` (the event an undo reverts); before/after are JSON text."""
        cols = EVENT_COLUMNS + ["batch", "undoes"]
        df = pd.DataFrame(self._query(f"SELECT {', '.join(cols)} FROM events ORDER BY id"),
                          columns=cols)
        for c in ("coding", "batch", "undoes"):
            df[c] = df[c].astype("Int64")
        return df

    def machine_provenance(self) -> pd.DataFrame:
        """Live machine rows with their run: ``id, code, method, status, run_id, reviewer``."""
        rows = self._query("SELECT id, code, method, status, run_id, reviewer FROM codings "
                          "WHERE deleted = 0 AND method != 'human' ORDER BY id")
        df = pd.DataFrame(rows, columns=["id", "code", "method", "status", "run_id", "reviewer"])
        df["run_id"] = df["run_id"].astype("Int64")
        return df
