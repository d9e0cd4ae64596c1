"""One project state across processes: every Project reads the store by its data version before
it writes, a codebook change that cannot be replayed is refused at write time (never stored), a
transcript added while a process runs is seen without a restart, and a code deleted with its
suggestions is one logged transaction."""
from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest
from click.testing import CliRunner

import qualcode as qc
from qualcode.cli import main
from qualcode.errors import CodebookError, CodingsError, QualcodeError, StoreError

REPO = Path(__file__).resolve().parents[1]
SAMPLE = REPO / "transcripts_sample"
CODEBOOK = REPO / "codebooks" / "b2b_influencer_marketing.yaml"


@pytest.fixture
def folder(tmp_path):
    t = tmp_path / "study" / "transcripts"
    t.mkdir(parents=True)
    for name in ("alpha", "beta"):
        shutil.copy(SAMPLE / f"{name}.txt", t)
    shutil.copy(CODEBOOK, tmp_path / "study" / "codebook.yaml")
    with qc.Project.init(tmp_path / "study", transcripts=["transcripts/"],
                         codebook="codebook.yaml", reference_coder="ME"):
        pass
    return tmp_path / "study"


def branding(project, n=3, coder="ME") -> pd.DataFrame:
    seg = project.corpus.codable_segments().head(n)
    return pd.DataFrame({"document": seg["document"], "start": seg["start"], "end": seg["end"],
                         "code": "goal.branding", "coder": coder, "method": "human"})


def test_the_issue_scenario_two_projects_move_then_rename(folder, tmp_path):
    """Two processes on one project: one moves goal.branding, the other (which loaded its
    codebook before) accepts a coding on it and renames it. Today: after a restart every call
    fails with 'codebook change 4 (update goal.branding): no code ...'."""
    first, second = qc.Project.open(folder), qc.Project.open(folder)
    first.add_codings(branding(first))
    assert "goal.branding" in second.codebook  # the second has its codebook loaded
    new = first.move_code("goal.branding", "process", coder="ME")
    assert new == "process.branding"
    # the second reads the store's state before it writes: the code has moved
    with pytest.raises(CodingsError, match="goal.branding"):
        second.add_codings(branding(second, n=1, coder="B"))
    with pytest.raises(CodebookError, match="no code 'goal.branding' to update"):
        second.update_code("goal.branding", name="Brand", coder="B")
    assert "process.branding" in second.codebook and "goal.branding" not in second.codebook
    second.update_code("process.branding", name="Brand", coder="B")
    first.close()
    second.close()
    with qc.Project.open(folder) as again:  # after a restart everything still works
        assert again.codebook["process.branding"].name == "Brand"
        assert set(again.codings()["code"]) == {"process.branding"}
        assert [c["action"] for c in again.store.codebook_changes()] == ["move", "update"]
    res = CliRunner().invoke(main, ["export", "-p", str(folder), "-o", str(tmp_path / "c.csv")])
    assert res.exit_code == 0, res.output


def test_a_change_planned_on_a_stale_codebook_is_refused_at_write_time(folder):
    """Even a writer whose cached codebook is stale (another process wrote between its read and
    its write) cannot store a change that does not apply: the plan runs inside the store's
    write transaction on the codebook as stored."""
    first, second = qc.Project.open(folder), qc.Project.open(folder)
    second.codebook
    first.merge_codes("goal.branding", "goal.sales", coder="ME")
    # pretend the second has not yet seen the merge: its cache key says it is current
    second._codebook_key = (second.store.data_version(), *second._codebook_key[1:])
    assert "goal.branding" in second.codebook  # stale, as a racing process would be
    with pytest.raises(CodebookError, match="goal.branding"):
        second.move_code("goal.branding", "process", coder="B")
    assert [c["action"] for c in second.store.codebook_changes()] == ["merge"]  # never stored
    first.close()
    second.close()


def test_another_process_writing_moves_the_data_version_and_the_codebook_follows(folder):
    with qc.Project.open(folder) as p:
        version = p.data_version()
        assert "goal.newcode" not in p.codebook
        env = dict(os.environ, PYTHONPATH=str(REPO))
        code = ("import qualcode as qc, sys\n"
                "with qc.Project.open(sys.argv[1]) as p:\n"
                "    p.create_code('goal.newcode', 'New', parent='goal', coder='B')\n")
        done = subprocess.run([sys.executable, "-c", code, str(folder)], env=env,
                              capture_output=True, text=True, timeout=120)
        assert done.returncode == 0, done.stderr
        assert p.data_version() > version
        assert "goal.newcode" in p.codebook


def test_a_transcript_added_while_running_appears_without_restart(folder):
    with qc.Project.open(folder) as p:
        p.SOURCES_CHECK_SECONDS = 0
        assert sorted(p.corpus.document_ids) == ["alpha", "beta"]
        shutil.copy(SAMPLE / "gamma.txt", folder / "transcripts")
        assert sorted(p.corpus.document_ids) == ["alpha", "beta", "gamma"]
        seg = p.corpus.codable_segments()
        seg = seg[seg["document"] == "gamma"].head(1)
        p.add_coding("gamma", int(seg["start"].iloc[0]), int(seg["end"].iloc[0]), "goal.sales",
                     coder="ME")
        (folder / "transcripts" / "beta.txt").unlink()
        assert sorted(p.corpus.document_ids) == ["alpha", "gamma"]


def test_the_corpus_is_not_reloaded_while_nothing_changed(folder):
    with qc.Project.open(folder) as p:
        p.SOURCES_CHECK_SECONDS = 0
        corpus = p.corpus
        assert p.corpus is corpus
        assert p.codebook is p.codebook


def test_deleting_a_code_discards_its_suggestions_in_one_logged_transaction(folder):
    with qc.Project.open(folder) as p:
        seg = p.corpus.codable_segments().tail(3)
        p.replace_suggestions(pd.DataFrame({
            "document": seg["document"], "start": seg["start"], "end": seg["end"],
            "code": "goal.relationship_building", "method": "keyword", "score": 0.5}),
            coder="qualcode-keyword", run={"method": "keyword"})
        ids = p.suggestions()["id"].tolist()
        assert len(ids) == 3
        p.delete_code("goal.relationship_building", coder="ME")
        assert p.suggestions().empty
        hist = p.history()
        last = hist[hist["action"].isin(["code_delete", "discard"])]
        assert sorted(last["action"]) == ["code_delete", "discard", "discard", "discard"]
        assert sorted(last["coding"].dropna().astype(int)) == ids
        assert len(set(p.store.history().tail(4)["id"])) == 4
        batches = p.store._query("SELECT DISTINCT batch FROM events WHERE action IN "
                                 "('code_delete', 'discard')")
        assert len(batches) == 1  # one action, one batch, one transaction
        # a codebook change is not undone (its discards and recodes are part of it)
        with pytest.raises(StoreError, match="codebook change .delete of goal.relat"):
            p.undo(coder="ME")


def test_deleting_a_code_with_codings_is_refused_inside_the_transaction(folder):
    with qc.Project.open(folder) as p:
        p.add_codings(branding(p, coder="ME"))
        with pytest.raises(QualcodeError, match="has 3 codings"):
            p.delete_code("goal.branding", coder="ME")
        assert p.store.codebook_changes() == []
        p.delete_code("goal.branding", coder="ME", recode_to="goal.sales")
        assert set(p.codings()["code"]) == {"goal.sales"}
        recode = p.history()
        assert (recode["action"] == "recode").sum() == 3
        assert json.loads(recode[recode["action"] == "code_delete"]["after"].iloc[0]) == \
            {"recode_to": "goal.sales"}
        assert any(b.name.startswith("auto-") for b in p.store.backups())  # a snapshot first


def test_rehash_is_preceded_by_a_snapshot(folder):
    with qc.Project.open(folder) as p:
        p.add_codings(branding(p))
        path = folder / "transcripts" / "alpha.txt"
        path.write_text(path.read_text() + "\nP: one more line\n")
        p.reload()
        assert p.changed_documents()["document"].tolist() == ["alpha"]
        p.accept_document_change("alpha", coder="ME")
        assert [b.name.split("-")[0] for b in p.store.backups()] == ["auto"]
        assert p.store.backups()[0].name.endswith("-rehash-alpha.sqlite")
        assert p.changed_documents().empty


def test_a_restore_is_seen_by_the_codebook_of_a_running_project(folder):
    with qc.Project.open(folder) as p, qc.Project.open(folder) as other:
        saved = p.backup()
        p.create_code("goal.extra", "Extra", parent="goal", coder="ME")
        assert "goal.extra" in other.codebook
        kept = other.restore(saved, actor="ME")
        assert kept.name.startswith("before-restore-")
        assert "goal.extra" not in p.codebook and "goal.extra" not in other.codebook


def test_a_restore_brings_back_the_codebook_file_kept_in_step(tmp_path):
    """The codebook file inside the project holds the stored changes; a restore puts back the
    file as it was when the backup was made, so the codebook is the restored store's."""
    root = tmp_path / "study"
    root.mkdir()
    shutil.copy(CODEBOOK, root / "codebook.yaml")
    p = qc.Project.init(root, name="s", transcripts=[str(SAMPLE / "alpha.txt")],
                        codebook="codebook.yaml")
    try:
        saved = p.backup()
        assert saved.with_name(saved.name + ".codebook.yaml").is_file()
        p.create_code("goal.extra", "Extra", parent="goal", coder="ME")
        assert "goal.extra" in (root / "codebook.yaml").read_text(encoding="utf-8")
    finally:
        p.close()
    r = CliRunner().invoke(main, ["restore", str(saved), "-p", str(root)])
    assert r.exit_code == 0, r.output
    assert "goal.extra" not in (root / "codebook.yaml").read_text(encoding="utf-8")
    with qc.Project.open(root) as again:
        assert "goal.extra" not in again.codebook
