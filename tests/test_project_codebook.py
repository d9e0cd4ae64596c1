"""project_codebook: codebook changes applied on top of the file, validated as a file is."""
from __future__ import annotations

import warnings

import pytest

import qualcode as qc
from qualcode.errors import CodebookError, QualcodeWarning
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


def test_declared_categories_follow_moves_merges_and_deletes():
    cb = qc.Codebook.from_dict({"name": "T", "categories": ["a", "b", "c"], "codes": [
        {"id": "a", "name": "A", "children": [{"id": "a.x", "name": "X"}]},
        {"id": "b", "name": "B"}, {"id": "c", "name": "C"}, {"id": "d", "name": "D"}]})
    out = apply_changes(cb, [change("create", "d.new", name="New", parent="d")])
    assert out.categories == ["a", "b", "c"]  # a change keeps the declared categories
    out = apply_changes(cb, [change("move", "c", new_parent="d", renames=moved_ids(cb, "c", "d")),
                             change("merge", "b", target="a"), change("delete", "a.x")])
    assert out.categories == ["a", "d.c"]


# -- the codebook file kept in step with the store (issue 23) ------------------------------------

FILE_CB = """\
# my own notes on the codebook
name: Mine
codes:
  - id: goal
    name: Goals
    description: Why.
    children:
      - id: goal.sales
        name: Sales
        description: Deals.
"""


def _project(tmp_path, text=FILE_CB):
    root = tmp_path / "study"
    root.mkdir()
    (root / "t.txt").write_text("Interviewer: Why?\nAnn: Sales and trust.\n", encoding="utf-8")
    (root / "codebook.yaml").write_text(text, encoding="utf-8")
    return qc.Project.init(root, transcripts=["t.txt"], codebook="codebook.yaml"), root


def test_every_codebook_change_is_written_to_the_file_atomically(tmp_path):
    p, root = _project(tmp_path)
    with p:
        assert p.codebook.ids() == ["goal", "goal.sales"]
        assert (root / "codebook.yaml").read_text(encoding="utf-8") == FILE_CB  # read only
        with pytest.warns(QualcodeWarning, match=r"kept as codebook\.yaml\..*\.bak"):
            p.create_code("goal.trust", "Trust", parent="goal", coder="ME")
        on_disk = qc.Codebook.load(root / "codebook.yaml")
        assert on_disk.ids() == p.codebook.ids() == ["goal", "goal.sales", "goal.trust"]
        p.update_code("goal.trust", coder="ME", description="Believing them.")
        p.merge_codes("goal.sales", "goal.trust", coder="ME")
        on_disk = qc.Codebook.load(root / "codebook.yaml")
        assert on_disk.ids() == ["goal", "goal.trust"] and on_disk.name == "Mine"
        assert on_disk["goal.trust"].description == "Believing them."
    # the student's own file (comments and all) is kept once, beside it; no stray temporary files
    backups = sorted(root.glob("codebook.yaml.*.bak"))
    assert len(backups) == 1 and backups[0].read_text(encoding="utf-8") == FILE_CB
    # no temporary file left (.qualcode holds the automatic snapshots)
    assert sorted(f.name for f in root.iterdir() if f.name.startswith(".")) in ([], [".qualcode"])
    with qc.Project.open(root) as again:  # another process reads the same codebook from the file
        assert again.codebook.ids() == ["goal", "goal.trust"]


def test_a_project_whose_file_fell_behind_is_brought_in_step_when_read(tmp_path):
    """The student's case: codebook.yaml at the codes they started with, the store with more."""
    p, root = _project(tmp_path)
    with p:  # changes stored as qualcode 0.2 stored them, without touching the file
        p.store.add_codebook_change("create", "goal.trust", {"name": "Trust", "parent": "goal"},
                                    actor="ME")
        p.store.add_codebook_change("create", "risk", {"name": "Risk"}, actor="ME")
    with qc.Project.open(root) as p, pytest.warns(QualcodeWarning, match="brought in step"):
        assert p.codebook.ids() == ["goal", "goal.sales", "goal.trust", "risk"]
    assert qc.Codebook.load(root / "codebook.yaml").ids() == ["goal", "goal.sales", "goal.trust",
                                                               "risk"]
    with qc.Project.open(root) as p:  # now in step: read as it is, written no more
        before = (root / "codebook.yaml").stat().st_mtime_ns
        assert len(p.codebook) == 4 and (root / "codebook.yaml").stat().st_mtime_ns == before


def test_a_hand_edit_is_read_and_the_next_change_keeps_it(tmp_path):
    p, root = _project(tmp_path)
    with p, pytest.warns(QualcodeWarning, match="brought in step"):  # the student's file kept
        p.create_code("goal.trust", "Trust", parent="goal", coder="ME")
    path = root / "codebook.yaml"
    edited = path.read_text(encoding="utf-8").replace("description: Deals.",
                                                      "description: Deals closed.  # by hand")
    path.write_text(edited, encoding="utf-8")
    with qc.Project.open(root) as p:
        assert p.codebook["goal.sales"].description == "Deals closed."  # the edit is read at once
        assert path.read_text(encoding="utf-8") == edited  # and not rewritten by a read
        with pytest.warns(QualcodeWarning, match="kept as"):
            p.create_code("goal.risk", "Risk", parent="goal", coder="ME")
    cb = qc.Codebook.load(path)
    assert cb["goal.sales"].description == "Deals closed." and "goal.risk" in cb
    assert any(b.read_text(encoding="utf-8") == edited for b in root.glob("codebook.yaml.*.bak"))


def test_a_server_holding_the_old_codebook_applies_its_change_to_the_hand_edit(tmp_path):
    p, root = _project(tmp_path)
    path = root / "codebook.yaml"
    with p, pytest.warns(QualcodeWarning, match="brought in step"):  # the student's file kept
        p.create_code("goal.trust", "Trust", parent="goal", coder="ME")
    with qc.Project.open(root) as server:
        assert "risk" not in server.codebook  # cached, as the workbench holds it
        path.write_text(path.read_text(encoding="utf-8")
                        + "- id: risk\n  name: Risk\n  description: Hand-made.\n", encoding="utf-8")
        with pytest.warns(QualcodeWarning, match="kept as"):  # under the hand-made code
            server.create_code("risk.cost", "Cost", parent="risk", coder="ME")
    assert {"risk", "risk.cost", "goal.trust"} <= set(qc.Codebook.load(path).ids())


def _unwritten_change(tmp_path):
    """A project whose store holds a codebook change its file did not receive (the process
    stopped before writing it): ``goal.trust`` created, then its description "Believing." stored
    only. Returns (root, the codebook file)."""
    p, root = _project(tmp_path)
    with p, pytest.warns(QualcodeWarning, match="brought in step"):
        p.create_code("goal.trust", "Trust", parent="goal", coder="ME")
    with qc.Project.open(root) as p:
        p.store.add_codebook_change("update", "goal.trust", {"description": "Believing."},
                                    actor="ME")
    return root, root / "codebook.yaml"


def test_a_hand_edit_while_the_store_has_changes_keeps_both(tmp_path):
    root, path = _unwritten_change(tmp_path)  # a change the file did not receive...
    # ...and a hand edit of the file meanwhile
    edited = path.read_text(encoding="utf-8").replace("description: Deals.", "description: Won.")
    path.write_text(edited, encoding="utf-8")
    with qc.Project.open(root) as p, pytest.warns(QualcodeWarning, match="brought in step"):
        cb = p.codebook
    assert cb["goal.sales"].description == "Won." and cb["goal.trust"].description == "Believing."
    assert qc.Codebook.load(path).to_dict() == cb.to_dict()
    assert any(b.read_text(encoding="utf-8") == edited for b in root.glob("codebook.yaml.*.bak"))


def test_a_hand_edit_the_stored_changes_cannot_apply_to_is_one_clear_error(tmp_path):
    root, path = _unwritten_change(tmp_path)
    text = path.read_text(encoding="utf-8")
    edited = text[:text.index("  - id: goal.trust")]  # the code removed by hand
    path.write_text(edited, encoding="utf-8")
    with qc.Project.open(root) as p, pytest.raises(CodebookError) as info:
        _ = p.codebook
    message = str(info.value)
    assert "codebook.yaml" in message and "no code 'goal.trust' to update" in message
    assert "edited by hand" in message and "Nothing was lost" in message
    assert path.read_text(encoding="utf-8") == edited  # the edit is untouched


def test_a_codebook_file_outside_the_project_is_never_rewritten(tmp_path, repo):
    shipped = repo / "codebooks" / "b2b_influencer_marketing.yaml"
    before = shipped.read_bytes()
    root = tmp_path / "study"
    root.mkdir()
    (root / "t.txt").write_text("Interviewer: Why?\nAnn: Sales.\n", encoding="utf-8")
    with qc.Project.init(root, transcripts=["t.txt"], codebook=str(shipped)) as p:
        p.create_code("goal.open_idea", "Open idea", parent="goal", coder="ME")
        assert "goal.open_idea" in p.codebook
        assert p.codebook.categories == qc.Codebook.load(shipped).categories
    assert shipped.read_bytes() == before


def test_suggestions_of_a_code_a_hand_edit_removed_are_not_offered(tmp_path):
    import pandas as pd

    from qualcode.errors import CodingsError

    p, root = _project(tmp_path)
    text = p.corpus.text("t")
    start = text.index("Sales")
    with p:
        p.replace_suggestions(pd.DataFrame({
            "document": "t", "start": [start, start], "end": [start + 5, start + 15],
            "code": ["goal.sales", "goal"], "method": "keyword", "score": [0.9, 0.5]}),
            coder="qualcode-keyword")
        p.reject(p.suggestions(code="goal")["id"].tolist(), coder="ME")
    path = root / "codebook.yaml"
    path.write_text(FILE_CB.replace("goal.sales", "goal.deals"), encoding="utf-8")
    with qc.Project.open(root) as p:
        assert p.codebook.ids() == ["goal", "goal.deals"]
        assert len(p.suggestions()) == 0  # nobody can review a suggestion of goal.sales
        assert p.suggestions(status=None)["status"].tolist() == ["rejected"]  # decisions stay
        [sid] = p.store.codings(status="suggested")["id"].tolist()
        with pytest.raises(CodingsError, match=r"no longer has .* \(--as-code\)"):
            p.accept([sid], coder="ME")
        [new] = p.accept([sid], coder="ME", code="goal.deals")
        assert p.store.coding(new)["code"] == "goal.deals"


def test_human_codings_of_codes_a_hand_edit_removed_are_reported(tmp_path):
    p, root = _project(tmp_path)
    text = p.corpus.text("t")
    with p:
        p.add_coding("t", text.index("Sales"), text.index("Sales") + 5, "goal.sales", coder="ME")
    (root / "codebook.yaml").write_text(FILE_CB.replace("goal.sales", "goal.deals"),
                                        encoding="utf-8")
    with qc.Project.open(root) as p:
        with pytest.warns(QualcodeWarning, match=r"codebook\.yaml: 1 human codings use codes this "
                          r"codebook does not have: goal\.sales \(1\)\. Renamed or removed"):
            assert p.codebook.ids() == ["goal", "goal.deals"]
    (root / "codebook.yaml").write_text(FILE_CB, encoding="utf-8")  # put back: nothing to say
    with qc.Project.open(root) as p, warnings.catch_warnings():
        warnings.simplefilter("error")
        assert p.codebook.ids() == ["goal", "goal.sales"]
