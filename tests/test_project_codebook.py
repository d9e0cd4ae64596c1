"""project_codebook: codebook changes applied on top of the file, validated as a file is."""
from __future__ import annotations

import pytest

import qualcode as qc
from qualcode.errors import CodebookError
from qualcode.project_codebook import apply_changes, merged_ids, moved_ids

CB = qc.Codebook.from_dict({"name": "T", "codes": [
    {"id": "a", "name": "A", "children": [{"id": "a.x", "name": "X"}, {"id": "a.y", "name": "Y"}]},
    {"id": "b", "name": "B"}]})


def change(action, code, **data):
    return {"action": action, "code": code, "data": data}


def test_changes_in_order():
    cb = apply_changes(CB, [
        change("create", "b.new", name="New", parent="b", color="#123456", description="d"),
        change("update", "b.new", name="Newer", keywords=["a phrase"]),
        change("move", "a.y", new_parent="b", renames=moved_ids(CB, "a.y", "b")),
    ])
    assert cb.ids() == ["a", "a.x", "b", "b.new", "b.y"]
    assert cb["b.new"].name == "Newer" and cb["b.new"].keywords == ["a phrase"]
    assert cb["b.y"].parent == "b" and cb.name == "T"


def test_merge_moves_children_and_delete():
    assert merged_ids(CB, "a", "b") == {"a": "b", "a.x": "b.x", "a.y": "b.y"}
    cb = apply_changes(CB, [change("merge", "a", target="b")])
    assert cb.ids() == ["b", "b.x", "b.y"]
    assert cb["b.x"].parent == "b"
    cb = apply_changes(CB, [change("delete", "b")])
    assert "b" not in cb


@pytest.mark.parametrize("bad, message", [
    (change("create", "a", name="again"), "exists already"),
    (change("update", "zzz", name="x"), "no code 'zzz'"),
    (change("update", "a", parent="b"), "cannot edit 'parent'"),
    (change("delete", "a"), "has children"),
    (change("create", "c.d", name="D", parent="c"), "unknown parent"),
])
def test_bad_changes_name_the_change(bad, message):
    with pytest.raises(CodebookError, match=message):
        apply_changes(CB, [bad])


def test_moves_and_merges_that_cannot_be():
    with pytest.raises(CodebookError, match="under itself"):
        moved_ids(CB, "a", "a.x")
    with pytest.raises(CodebookError, match="cannot merge"):
        merged_ids(CB, "a", "a.x")
