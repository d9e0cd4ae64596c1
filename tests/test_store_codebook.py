"""The store's codebook changes: one transaction with the recoding, planned inside it; a plan
that refuses stores nothing."""
from __future__ import annotations

import pandas as pd
import pytest

from qualcode.errors import CodebookError, StoreError
from qualcode.store import Store


@pytest.fixture
def store(tmp_path):
    with Store(tmp_path / "qualcode.sqlite") as s:
        s.insert_codings(pd.DataFrame({"document": "alpha", "start": [0, 10], "end": [5, 15],
                                       "code": "goal.sales", "coder": "ME"}), actor="ME")
        s.insert_codings(pd.DataFrame({"document": "alpha", "start": [20], "end": [25],
                                       "code": "goal.sales", "coder": "qualcode-keyword",
                                       "method": "keyword", "score": 0.5}), actor="x")
        yield s


def test_the_plan_sees_every_stored_change_and_the_counts(store):
    store.add_codebook_change("create", "goal.new", {"name": "New"}, actor="ME")
    seen = {}

    def plan(changes, count):
        seen["changes"] = [c["code"] for c in changes]
        seen["count"] = count("goal.sales")  # live codings that are not pending suggestions
        return {"new_parent": None, "renames": {"goal.sales": "sales"}}, {"goal.sales": "sales"}

    version = store.data_version()
    data = store.change_codebook("move", "goal.sales", plan, actor="ME")
    assert data["renames"] == {"goal.sales": "sales"}
    assert seen == {"changes": ["goal.new"], "count": 2}
    assert set(store.codings()["code"]) == {"sales"}
    hist = store.history()
    moved = hist[hist["action"].isin(["code_move", "recode"])]
    assert sorted(moved["action"]) == ["code_move", "recode", "recode", "recode"]
    assert store.data_version() == version + 1  # one transaction
    assert len(store._query("SELECT DISTINCT batch FROM events WHERE action IN ('code_move', "
                            "'recode')")) == 1


def test_a_plan_that_refuses_stores_nothing(store):
    before = (store.codebook_changes(), store.codings(), store.history(), store.data_version())

    def plan(changes, count):
        raise CodebookError("no code 'goal.branding' to update")

    with pytest.raises(CodebookError, match="goal.branding"):
        store.change_codebook("update", "goal.branding", plan, actor="B")
    after = (store.codebook_changes(), store.codings(), store.history(), store.data_version())
    assert after[0] == before[0] and after[3] == before[3]
    pd.testing.assert_frame_equal(after[1], before[1])
    pd.testing.assert_frame_equal(after[2], before[2])


def test_recoding_to_none_discards_pending_suggestions_only(store):
    store.change_codebook("delete", "goal.sales",
                          lambda changes, count: ({"recode_to": None}, {"goal.sales": None}),
                          actor="ME")
    assert store.codings()["coder"].tolist() == ["ME", "ME"]  # human codings are not discarded
    assert store.history()["action"].tolist()[-1] == "discard"
    assert store.codebook_version()[0] == 1


def test_a_merge_never_leaves_a_suggestion_twice(store):
    store.insert_codings(pd.DataFrame({"document": "alpha", "start": [20, 30], "end": [25, 35],
                                       "code": "goal.branding", "coder": "qualcode-keyword",
                                       "method": "keyword", "score": [0.9, 0.4]}), actor="x")
    store.change_codebook("merge", "goal.branding",
                          lambda changes, count: ({"target": "goal.sales"},
                                                  {"goal.branding": "goal.sales"}), actor="ME")
    live = store.codings()
    machine = live[live["coder"] == "qualcode-keyword"].sort_values("start")
    # 20-25 had both codes: the target's suggestion stays, the source's is discarded; 30-35 moves
    assert machine[["start", "code"]].values.tolist() == [[20, "goal.sales"], [30, "goal.sales"]]
    assert machine["score"].tolist() == [0.5, 0.4]
    assert sorted(store.history()["action"].tolist()[-2:]) == ["discard", "recode"]


def test_a_merge_never_leaves_a_coding_twice_but_keeps_every_memo(store):
    # ME coded 0-5 with both codes (a copy after the merge), 10-15 with both, the source's with a
    # memo of its own (kept: a memo is the student's), and 40-45 with the source only (moves)
    store.insert_codings(pd.DataFrame({"document": "alpha", "start": [0, 10, 40], "end": [5, 15, 45],
                                       "code": "goal.branding", "coder": "ME",
                                       "memo": [None, "why this is branding", None]}), actor="ME")
    # two accepted suggestions on one span, one of each code: records of two decisions
    store.insert_codings(pd.DataFrame({"document": "alpha", "start": 60, "end": 65,
                                       "code": ["goal.sales", "goal.branding"],
                                       "coder": "qualcode-keyword", "method": "keyword",
                                       "score": 0.7, "status": "accepted"}), actor="x")
    store.change_codebook("merge", "goal.branding",
                          lambda changes, count: ({"target": "goal.sales"},
                                                  {"goal.branding": "goal.sales"}), actor="ME")
    mine = store.codings()
    mine = mine[mine["coder"] == "ME"].sort_values(["start", "id"])
    assert mine[["start", "code"]].values.tolist() == [
        [0, "goal.sales"], [10, "goal.sales"], [10, "goal.sales"], [40, "goal.sales"]]
    assert mine["memo"].fillna("").tolist() == ["", "", "why this is branding", ""]
    hist = store.history()
    assert sorted(hist["action"].tolist()[-4:]) == ["merge_duplicate", "recode", "recode", "recode"]
    live_after = store.codings()
    # reviewed suggestions are decision records: recoded, never dropped as copies
    reviewed = live_after[live_after["start"] == 60]
    assert reviewed["code"].tolist() == ["goal.sales", "goal.sales"]
    # undo does not half-reverse a codebook change (codings back on a code that is gone)
    with pytest.raises(StoreError, match="codebook change .merge of goal.branding"):
        store.undo(coder="ME")
    pd.testing.assert_frame_equal(store.codings(), live_after)
