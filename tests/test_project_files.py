"""A project's files appear whole or not at all: init that fails leaves nothing and can be rerun,
an import is one transaction and adds nothing twice, a project the user may only read works for
reading commands, and writes into a folder one cannot write fail before anything is written."""
from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
import zipfile
from pathlib import Path

import pandas as pd
import pytest
from click.testing import CliRunner

import qualcode as qc
from qualcode.cli import main
from qualcode.errors import ProjectError, StoreError
from qualcode.project_files import ImportedIds, check_writable, place_new_project

REPO = Path(__file__).resolve().parents[1]
SAMPLE = REPO / "transcripts_sample"
CODEBOOK = REPO / "codebooks" / "b2b_influencer_marketing.yaml"
U = "11111111-1111-1111-1111-111111111111"
A = "22222222-2222-2222-2222-222222222222"
S1 = "44444444-4444-4444-4444-444444444444"
S2 = "55555555-5555-5555-5555-555555555555"


def qdpx(path: Path, names: dict[str, str]) -> Path:
    """A .qdpx with one code and a source per ``guid: name``, each coded on its first word."""
    sources = "".join(
        f'<TextSource guid="{g}" name="{name}" plainTextPath="internal://{g}.txt">'
        f'<PlainTextSelection guid="{g[:-4]}9999" startPosition="0" endPosition="5">'
        f'<Coding guid="{g[:-4]}8888" creatingUser="{U}"><CodeRef targetGUID="{A}"/>'
        f"</Coding></PlainTextSelection></TextSource>" for g, name in names.items())
    qde = (f'<?xml version="1.0" encoding="UTF-8"?>\n<Project xmlns="urn:QDA-XML:project:1.0" '
           f'name="p" origin="test"><Users><User guid="{U}" name="ann"/></Users><CodeBook><Codes>'
           f'<Code guid="{A}" name="Cost" isCodable="true"/></Codes></CodeBook>'
           f"<Sources>{sources}</Sources></Project>")
    with zipfile.ZipFile(path, "w") as z:
        z.writestr("project.qde", qde)
        for g in names:
            z.writestr(f"sources/{g}.txt", "Hello world, said the participant.")
    return path


@pytest.fixture
def folder(tmp_path):
    t = tmp_path / "study" / "transcripts"
    t.mkdir(parents=True)
    for name in ("alpha", "beta"):
        shutil.copy(SAMPLE / f"{name}.txt", t)
    shutil.copy(CODEBOOK, tmp_path / "study" / "codebook.yaml")
    return tmp_path / "study"


# -- init leaves nothing behind ------------------------------------------------------------------


@pytest.mark.parametrize("existing", [False, True])
def test_a_failed_init_leaves_the_folder_as_it_was_and_can_be_rerun(tmp_path, existing):
    root = tmp_path / "study"
    if existing:
        root.mkdir()
        (root / "notes.txt").write_text("mine")

    def full_disk(stage):
        (stage / "transcripts").mkdir()
        (stage / "transcripts" / "a.txt").write_text("half")
        raise OSError(28, "No space left on device")

    with pytest.raises(ProjectError, match="No space left on device.*nothing was left behind"):
        place_new_project(root, "name: x\n", full_disk)
    if existing:
        assert sorted(p.name for p in root.iterdir()) == ["notes.txt"]
    else:
        assert not root.exists()
    assert sorted(p.name for p in tmp_path.iterdir()) == (["study"] if existing else [])
    place_new_project(root, "name: x\n")
    assert (root / "qualcode.yaml").read_text() == "name: x\n"
    with qc.Project.open(root) as p:
        assert p.store.integrity_check() == "ok"
    with pytest.raises(ProjectError, match="a project already exists here"):
        place_new_project(root, "name: y\n")


def test_init_from_a_qdpx_with_a_readme_and_a_300_character_source(tmp_path, monkeypatch):
    """Today: the README document's codings fail against a corpus that skips README.txt, and a
    300-character name cannot be a file name; the half-made project then refuses a rerun."""
    long = "interview with the marketing director " * 8
    assert len(long) > 300
    qdpx(tmp_path / "p.qdpx", {S1: "README", S2: long})
    monkeypatch.chdir(tmp_path)
    res = CliRunner().invoke(main, ["init", "proj", "--from", "p.qdpx"])
    assert res.exit_code == 0, res.output
    assert "'README' is 'doc-README' in the project" in res.output
    with qc.Project.open(tmp_path / "proj") as p:
        docs = sorted(p.corpus.document_ids)
        assert docs[0] == "doc-README" and docs[1].startswith("interview with the marketing")
        assert sorted(p.codings()["document"]) == docs
    assert sorted(x.name for x in tmp_path.iterdir()) == ["p.qdpx", "proj"]  # no stage left


def test_init_from_a_bad_qdpx_leaves_nothing(tmp_path, monkeypatch):
    bad = tmp_path / "bad.qdpx"
    with zipfile.ZipFile(bad, "w") as z:
        z.writestr("project.qde", "<Project")
    monkeypatch.chdir(tmp_path)
    res = CliRunner().invoke(main, ["init", "proj", "--from", "bad.qdpx"])
    assert res.exit_code != 0
    assert sorted(x.name for x in tmp_path.iterdir()) == ["bad.qdpx"]


def test_init_whose_codings_fail_to_import_leaves_nothing(folder, monkeypatch):
    (folder / "bad.csv").write_text("document,start,end,code,coder\nalpha,0,10,no.such.code,ME\n")
    monkeypatch.chdir(folder)
    res = CliRunner().invoke(main, ["init", "--transcripts", "transcripts/", "--codebook",
                                    "codebook.yaml", "--codings", "bad.csv"])
    assert res.exit_code != 0
    assert sorted(p.name for p in folder.iterdir()) == ["bad.csv", "codebook.yaml", "transcripts"]


# -- import adds nothing twice ---------------------------------------------------------------------


def test_importing_a_file_twice_adds_nothing_the_second_time(folder, tmp_path):
    with qc.Project.init(folder, transcripts=["transcripts/"], codebook="codebook.yaml") as p:
        seg = p.corpus.codable_segments().head(4)
        df = pd.DataFrame({"document": seg["document"], "start": seg["start"],
                           "end": seg["end"], "code": "goal.sales", "coder": "ME"})
        p.add_codings(df)
        out = p.export_codings(tmp_path / "c.csv")
        again = p.import_codings(out)
        assert isinstance(again, ImportedIds) and list(again) == [] and again.skipped == 4
        df2 = df.assign(code="goal.branding")
        df2.to_csv(tmp_path / "more.csv", index=False)
        new = p.import_codings(tmp_path / "more.csv")
        assert len(new) == 4 and new.skipped == 0
        assert len(p.codings()) == 8
        assert [b.name.split("-")[0] for b in p.store.backups()] == ["auto", "auto"]
    res = CliRunner().invoke(main, ["import", str(out), "-p", str(folder)])
    assert res.exit_code == 0, res.output
    assert "imported 0 codings" in res.output and "4 already in the store, skipped" in res.output


# -- reading a project one may only read ---------------------------------------------------------


def _reader_tree():
    """A folder every user may enter (pytest's tmp_path is private to root)."""
    top = Path(tempfile.mkdtemp(prefix="qualcode-ro-", dir="/tmp"))
    top.chmod(0o755)
    return top


def _run_as_reader(args, cwd, home) -> subprocess.CompletedProcess:
    env = dict(os.environ, PYTHONPATH=str(REPO), HOME=str(home))
    cmd = [sys.executable, "-m", "qualcode", *args]
    if os.geteuid() == 0:  # root reads and writes everything: run as nobody
        if shutil.which("setpriv") is None:
            pytest.skip("needs setpriv to drop root")
        cmd = ["setpriv", "--reuid=65534", "--regid=65534", "--clear-groups", *cmd]
    return subprocess.run(cmd, cwd=cwd, env=env, capture_output=True, text=True, timeout=300)


@pytest.mark.slow  # over 2 s: end to end (the full suite runs it)
def test_a_read_only_project_reads_and_refuses_writes_in_one_line():
    top = _reader_tree()
    try:
        root = top / "study"
        (root / "transcripts").mkdir(parents=True)
        for name in ("alpha", "beta"):
            shutil.copy(SAMPLE / f"{name}.txt", root / "transcripts")
        shutil.copy(CODEBOOK, root / "codebook.yaml")
        with qc.Project.init(root, transcripts=["transcripts/"], codebook="codebook.yaml") as p:
            seg = p.corpus.codable_segments().head(3)
            p.add_codings(pd.DataFrame({"document": seg["document"], "start": seg["start"],
                                        "end": seg["end"], "code": "goal.sales", "coder": "ME"}))
            p.add_codings(pd.DataFrame({"document": seg["document"], "start": seg["start"],
                                        "end": seg["end"], "code": "goal.sales", "coder": "KIM"}))
        home = top / "home"
        home.mkdir(mode=0o777)
        home.chmod(0o777)
        for path in [root, *root.rglob("*")]:
            path.chmod(0o555 if path.is_dir() else 0o444)
        status = _run_as_reader(["status"], root, home)
        assert status.returncode == 0, status.stderr
        assert "ME" in status.stdout and "2 documents" in status.stdout
        export = _run_as_reader(["export", "-o", str(home / "c.csv")], root, home)
        assert export.returncode == 0, export.stderr
        assert len(pd.read_csv(home / "c.csv")) == 6
        agree = _run_as_reader(["agree"], root, home)
        assert agree.returncode == 0, agree.stderr
        assert "KIM" in agree.stdout and "ME" in agree.stdout
        report = _run_as_reader(["report", "-o", str(home / "r.html")], root,
                                home)
        assert report.returncode == 0, report.stderr
        assert (home / "r.html").stat().st_size > 1000
        write = _run_as_reader(["accept", "1", "--coder", "X"], root, home)
        assert write.returncode == 1
        assert write.stderr.count("\n") == 1 and "read-only for you" in write.stderr, write.stderr
        source = qdpx(home / "p.qdpx", {S1: "one"})
        source.chmod(0o644)
        for into in (root / "x", root / "transcripts"):  # new and existing, both unwritable
            out = _run_as_reader(["import", str(source), "-o", str(into)], root, home)
            assert out.returncode == 1
            assert out.stderr.count("\n") == 1 and "cannot write" in out.stderr, out.stderr
        assert sorted(p.name for p in root.iterdir()) == ["codebook.yaml", "qualcode.sqlite",
                                                         "qualcode.yaml", "transcripts"]
        assert sorted(p.name for p in (root / "transcripts").iterdir()) == ["alpha.txt",
                                                                           "beta.txt"]
    finally:
        for path in [top, *top.rglob("*")]:
            path.chmod(0o755 if path.is_dir() else 0o644)
        shutil.rmtree(top, ignore_errors=True)


def test_project_open_read_only_by_request(folder):
    with qc.Project.init(folder, transcripts=["transcripts/"], codebook="codebook.yaml"):
        pass
    with qc.Project.open(folder, read_only=True) as p:
        assert p.read_only and len(p.corpus.document_ids) == 2
        with pytest.raises(StoreError, match="read-only for you"):
            p.create_code("goal.new", "New", coder="ME")
        assert p.store.snapshot("import") is None
    with qc.Project.open(folder) as p:
        assert not p.read_only


def test_check_writable_refuses_before_anything_is_written(tmp_path):
    check_writable(tmp_path / "new" / "deeper")  # the nearest existing parent is writable
    if os.geteuid() == 0:
        pytest.skip("root may write everywhere; covered as nobody above")
    ro = tmp_path / "ro"
    ro.mkdir(mode=0o555)
    try:
        with pytest.raises(ProjectError, match="cannot write into this folder"):
            check_writable(ro / "x")
    finally:
        ro.chmod(0o755)


def test_opening_a_project_without_its_store_says_a_new_one_was_started(folder):
    with qc.Project.init(folder, transcripts=["transcripts/"], codebook="codebook.yaml"):
        pass
    (folder / "qualcode.sqlite").unlink()
    with pytest.warns(UserWarning, match="there was no store; started a new, empty one"):
        qc.Project.open(folder).close()
    with qc.Project.open(folder) as p:  # no backup of it existed: the new store is used
        assert p.codings().empty


def test_init_in_an_empty_working_folder_keeps_the_folder_itself(tmp_path, monkeypatch):
    """The folder one is standing in is never replaced (a shell's working folder would vanish)."""
    root = tmp_path / "here"
    root.mkdir()
    inode = root.stat().st_ino
    monkeypatch.chdir(root)
    res = CliRunner().invoke(main, ["init"])
    assert res.exit_code == 0, res.output
    assert root.stat().st_ino == inode and Path.cwd().samefile(root)
    assert sorted(p.name for p in root.iterdir()) == ["codebook.yaml", "qualcode.sqlite",
                                                     "qualcode.yaml"]


def test_a_plain_init_that_fails_leaves_no_template_and_no_folder(tmp_path, monkeypatch):
    from qualcode import project_files

    def full_disk(*args, **kwargs):
        raise OSError(28, "No space left on device")

    monkeypatch.chdir(tmp_path)
    monkeypatch.setattr(project_files.os, "fsync", full_disk)  # the settings file's last step
    res = CliRunner().invoke(main, ["init", "new"])
    assert res.exit_code == 1 and "No space left on device" in res.output
    assert list(tmp_path.iterdir()) == []
    monkeypatch.undo()
    res = CliRunner().invoke(main, ["init", str(tmp_path / "new")])
    assert res.exit_code == 0, res.output
