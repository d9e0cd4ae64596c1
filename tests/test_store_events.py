"""Memos in the store belong to their author: one memo per (kind, target, coder), versioned like
codings (a stale save is a conflict), undone per author; migration 3 carries the memos of a
version-2 store over with their authors."""
from __future__ import annotations

import pandas as pd
import pytest

from qualcode.errors import ConflictError
from qualcode.store import Store


@pytest.fixture
def store(tmp_path):
    with Store(tmp_path / "qualcode.sqlite") as s:
        yield s


def test_migration_3_from_a_version_2_store_keeps_memos_with_their_authors(tmp_path):
    path = tmp_path / "v2.sqlite"
    with Store(path, migrate=False) as old:
        old.migrate(2)  # a store as version 2 wrote it: one memo per (kind, target)
        con = old.connection
        con.execute('INSERT INTO codings (document, start, "end", code, coder, method, memo, '
                    "created_at, updated_at) VALUES ('alpha', 0, 5, 'goal', 'Maya', 'human', "
                    "'why', '2025-01-01', '2025-01-01')")
        con.execute("INSERT INTO memos VALUES ('document', 'alpha', 'Maya on alpha', 'Maya', "
                    "'2025-01-01T00:00:00+00:00')")
        con.execute("INSERT INTO memos VALUES ('coding', '1', 'why', 'Maya', '2025-01-01')")
        con.execute("INSERT INTO memos VALUES ('code', 'goal', 'no author', NULL, '2025-01-02')")
        assert old.schema_version == 2
    with Store(path) as s:
        assert s.schema_version >= 3
        memos = s.memos().sort_values(["kind", "target"])
        assert memos[["kind", "target", "coder", "text", "version"]].values.tolist() == [
            ["code", "goal", "", "no author", 1], ["coding", "1", "Maya", "why", 1],
            ["document", "alpha", "Maya", "Maya on alpha", 1]]
        # a second author's memo on the same document no longer replaces the first one
        assert s.set_memo("document", "alpha", "Kim on alpha", coder="Kim") == 1
        assert s.set_memo("document", "alpha", "Maya again", coder="Maya",
                          expected_version=1) == 2
        by = dict(zip(*s.memos(kind="document", target="alpha")[["coder", "text"]].values.T))
        assert by == {"Kim": "Kim on alpha", "Maya": "Maya again"}


def test_memos_are_versioned_per_author(store):
    assert store.set_memo("document", "alpha", "first", coder="Kim", expected_version=0) == 1
    with pytest.raises(ConflictError, match="changed meanwhile"):
        store.set_memo("document", "alpha", "from a stale tab", coder="Kim", expected_version=0)
    assert store.set_memo("document", "alpha", "second", coder="Kim", expected_version=1) == 2
    assert store.set_memo("document", "alpha", "Maya's", coder="Maya", expected_version=0) == 1
    assert store.memos(kind="document", coder="Kim")["text"].tolist() == ["second"]
    assert store.set_memo("document", "alpha", "", coder="Kim") == 0  # removed
    assert store.memos(kind="document")["coder"].tolist() == ["Maya"]


def test_undo_of_a_memo_restores_the_authors_own(store):
    store.set_memo("document", "alpha", "Maya's", coder="Maya")
    store.set_memo("document", "alpha", "Kim's first", coder="Kim")
    store.set_memo("document", "alpha", "Kim's second", coder="Kim")
    store.undo(coder="Kim")
    by = dict(zip(*store.memos(kind="document")[["coder", "text"]].values.T))
    assert by == {"Kim": "Kim's first", "Maya": "Maya's"}
    store.undo(coder="Kim")
    assert store.memos(kind="document")["coder"].tolist() == ["Maya"]


def test_undo_check_may_refuse_and_nothing_changes(store):
    [i] = store.insert_codings(pd.DataFrame([{"document": "alpha", "start": 0, "end": 5,
                                              "code": "goal", "coder": "Maya"}]), actor="Maya")
    store.update_coding(i, actor="Kim", expected_version=1, end=9)

    def refuse(action, coding, before, after):
        raise ConflictError(f"not yours: {action} {coding} {before['coder']}")
    with pytest.raises(ConflictError, match="not yours: edit 1 Maya"):
        store.undo(coder="Kim", check=refuse)
    assert store.coding(i)["end"] == 9 and store.history()["action"].tolist()[-1] == "edit"


def test_log_event_records_a_project_event(store):
    store.log_event("blind_lifted", actor="Olga", data={"blind": False})
    h = store.history()
    assert h[["actor", "action"]].values.tolist() == [["Olga", "blind_lifted"]]
    assert '"blind": false' in h["after"].iloc[0]
