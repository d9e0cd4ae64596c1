"""``qualcode backup`` and ``qualcode restore`` through the command line: where backups go, the
store as it was kept before a restore, and a store that cannot be opened brought back."""
from __future__ import annotations

import shutil
from pathlib import Path

import pandas as pd
import pytest
from click.testing import CliRunner

import qualcode as qc
from qualcode.cli import main

REPO = Path(__file__).resolve().parents[2]
SAMPLE = REPO / "transcripts_sample"
CODEBOOK = REPO / "codebooks" / "b2b_influencer_marketing.yaml"


@pytest.fixture
def study(tmp_path, monkeypatch):
    t = tmp_path / "study" / "transcripts"
    t.mkdir(parents=True)
    shutil.copy(SAMPLE / "alpha.txt", t)
    shutil.copy(CODEBOOK, tmp_path / "study" / "codebook.yaml")
    with qc.Project.init(tmp_path / "study", transcripts=["transcripts/"],
                         codebook="codebook.yaml") as p:
        seg = p.corpus.codable_segments().head(3)
        p.add_codings(pd.DataFrame({"document": seg["document"], "start": seg["start"],
                                    "end": seg["end"], "code": "goal.sales", "coder": "ME"}))
    monkeypatch.chdir(tmp_path / "study")
    return tmp_path / "study"


def run(*args):
    return CliRunner().invoke(main, list(args))


def test_backup_goes_to_the_backups_folder_or_to_a_file(study):
    res = run("backup")
    assert res.exit_code == 0, res.output
    [made] = list((study / ".qualcode" / "backups").glob("backup-*.sqlite"))
    assert res.output == f"backed up qualcode.sqlite (3 codings) to {made}\n"
    res = run("backup", "-o", "copy.sqlite")
    assert res.exit_code == 0 and (study / "copy.sqlite").exists()
    res = run("backup", "-o", "copy.sqlite")
    assert res.exit_code == 1 and "already exists; pass --force" in res.output
    assert run("backup", "-o", "copy.sqlite", "--force").exit_code == 0


def test_restore_keeps_the_store_as_it_was(study):
    assert run("backup", "-o", "three.sqlite").exit_code == 0
    with qc.Project.open(study) as p:
        p.delete_coding(1, coder="ME", expected_version=1)
    res = run("restore", "three.sqlite", "--coder", "ME")
    assert res.exit_code == 0, res.output
    assert "restored qualcode.sqlite from three.sqlite (3 codings)" in res.output
    kept = Path(res.output.rsplit(" ", 1)[1].strip())
    assert kept.name.startswith("before-restore-")
    with qc.Project.open(study) as p:
        assert len(p.codings()) == 3
        assert p.history()["action"].iloc[-1] == "restore"
    with qc.Project.open(study) as p, qc.store.Store(kept) as before:
        assert len(before.codings()) == 2 and len(p.codings()) == 3


def test_an_empty_store_names_the_backup_and_restore_brings_it_back(study):
    assert run("backup").exit_code == 0
    (study / "qualcode.sqlite").write_bytes(b"")
    for suffix in ("-wal", "-shm"):
        (study / f"qualcode.sqlite{suffix}").unlink(missing_ok=True)
    res = run("status")
    assert res.exit_code == 1
    assert "qualcode.sqlite: the store is empty (0 bytes)" in res.output
    newest = res.output.split("qualcode restore ")[1].strip()
    assert (study / "qualcode.sqlite").stat().st_size == 0  # never recreated empty
    res = run("restore", newest)
    assert res.exit_code == 0, res.output
    assert "damaged-" in res.output
    assert run("status").exit_code == 0


def test_restore_of_something_else_is_refused(study):
    (study / "notes.sqlite").write_text("not a database")
    res = run("restore", "notes.sqlite")
    assert res.exit_code == 1 and "not an SQLite database" in res.output
    with qc.Project.open(study) as p:
        assert len(p.codings()) == 3
