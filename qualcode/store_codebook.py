"""The store's codebook changes (a part of the store: :class:`CodebookMixin` is a base of
:class:`~qualcode.store.Store`): the ``codebook_changes`` rows, and a change with the recoding it
implies written in one transaction, planned inside it so that a change that no longer applies to
the codebook as stored is refused, never stored."""
from __future__ import annotations

import contextlib
import json

from .store_rows import _json, now


class CodebookMixin:
    """Expects ``transaction``, ``_query``, ``update_coding``, ``_event`` and ``_new_batch``."""

    def change_codebook(self, action: str, code: str, plan, *, actor: str) -> dict:
        """One codebook change, the recoding it implies and its events, in ONE transaction.

        ``plan(changes, count)`` runs inside the write transaction (no other process writes
        meanwhile) with every stored change so far and ``count(code)``, the number of live
        codings of a code that are not pending suggestions. It returns ``(data, recode)``, the
        change's data and ``{old code: new code}`` for the codings to move (a new code of None
        discards the code's pending suggestions), or raises to refuse the change: so a change
        that cannot be replayed on the current codebook is never stored. A pending suggestion
        whose coder has the same span with the new code already (two merged codes suggested on
        one passage) is discarded rather than recoded into a second copy. Returns ``data``."""
        with self.transaction() as con:
            def count(c: str) -> int:
                return int(con.execute(
                    "SELECT COUNT(*) FROM codings WHERE code = ? AND deleted = 0 AND "
                    "(status IS NULL OR status != 'suggested')", (c,)).fetchone()[0])

            data, recode = plan(self.codebook_changes(con=con), count)
            batch = self._new_batch(con)
            self.add_codebook_change(action, code, data, actor=actor, con=con, batch=batch)
            for old, new in (recode or {}).items():
                if new is None:  # nothing to point at: the code's pending suggestions go
                    rows = con.execute("SELECT id, version FROM codings WHERE code = ? AND "
                                       "deleted = 0 AND status = 'suggested'", (old,)).fetchall()
                    for cid, version in rows:
                        self.update_coding(cid, actor=actor, expected_version=version,
                                           action="discard", con=con, batch=batch, deleted=1)
                    continue
                rows = con.execute("SELECT id, version, status, method FROM codings WHERE code = ? "
                                   "AND deleted = 0", (old,)).fetchall()
                for cid, version, status, method in rows:
                    if (status == "suggested" or method == "human") and _has_copy(
                            con, cid, new, suggestion=status == "suggested"):
                        # its coder has this span with the new code already (a merge): not twice
                        self.update_coding(cid, actor=actor, expected_version=version,
                                           action="discard" if status == "suggested" else
                                           "merge_duplicate", con=con, batch=batch, deleted=1)
                        continue
                    self.update_coding(cid, actor=actor, expected_version=version,
                                       action="recode", con=con, batch=batch, code=new)
        return data

    def human_code_counts(self) -> dict[str, int]:
        """Live human codings per code id (to find those of codes a codebook lacks)."""
        rows = self._query("SELECT code, COUNT(*) FROM codings WHERE deleted = 0 AND method = "
                           "'human' GROUP BY code")
        return {str(c): int(n) for c, n in rows}

    def codebook_version(self) -> tuple:
        """Changes with each stored codebook change (also across a restore)."""
        return tuple(self._query("SELECT COUNT(*), MAX(id), MAX(time) FROM codebook_changes")[0])

    def add_codebook_change(self, action: str, code: str, data: dict, *, actor: str,
                            con=None, batch=None) -> None:
        with self.transaction() if con is None else contextlib.nullcontext(con) as con:
            t = now()
            con.execute("INSERT INTO codebook_changes (time, actor, action, code, data) VALUES "
                        "(?, ?, ?, ?, ?)", (t, actor, action, code, _json(data)))
            self._event(con, t, actor, f"code_{action}", code=code, after=data,
                        batch=batch or self._new_batch(con))

    def codebook_changes(self, *, con=None) -> list[dict]:
        sql = "SELECT id, time, actor, action, code, data FROM codebook_changes ORDER BY id"
        rows = con.execute(sql).fetchall() if con is not None else self._query(sql)
        return [{"id": i, "time": t, "actor": a, "action": act, "code": c, "data": json.loads(d)}
                for i, t, a, act, c, d in rows]


def _has_copy(con, cid: int, code: str, *, suggestion: bool) -> bool:
    """Whether coding ``cid``'s coder has a live coding of ``code`` on the same span already, so
    that recoding ``cid`` to ``code`` would make a second copy. For a pending suggestion any such
    coding counts; for a human coding only another human coding whose memo is the same or that
    ``cid`` has none of: a memo of the student's is never discarded (two codings with different
    memos both stay). Reviewed suggestions (accepted, rejected) are records of a decision, linked
    from the codings they made, and are recoded, never dropped."""
    sql = ('SELECT 1 FROM codings AS o, codings AS s WHERE s.id = ? AND o.id != s.id AND '
           'o.deleted = 0 AND o.code = ? AND o.coder = s.coder AND o.document = s.document AND '
           'o.start = s.start AND o."end" = s."end"')
    if not suggestion:
        sql += (" AND o.method = 'human' AND (IFNULL(s.memo, '') = '' OR s.memo = o.memo)")
    return con.execute(sql, (cid, code)).fetchone() is not None
