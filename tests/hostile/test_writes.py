"""Hostile input for writes: formula injection, file modes, races, bad output paths.

Each test reproduces a case of issue 17's attack run (inputs generated here, nothing committed)."""
from __future__ import annotations

import os
import stat
import subprocess
import sys
import textwrap
import zipfile
from pathlib import Path

import pandas as pd
import pytest

from qualcode.errors import OutputExistsError, QualcodeError
from qualcode.fileio import read_string_table, write_dataframe, write_text

REPO = Path(__file__).resolve().parents[2]
DANGEROUS = ["=HYPERLINK(\"http://x\",\"y\")", "+1+2", "-2+3", "@SUM(A1)", "\tx", "\rx",
             "'=already", "''-two", "plain", "", "it's", "-", "a=b"]


def test_csv_cells_a_spreadsheet_would_run_are_neutralised_and_read_back(tmp_path):
    df = pd.DataFrame({"document": DANGEROUS, "n": range(len(DANGEROUS)), "=col": DANGEROUS})
    path = write_dataframe(df, tmp_path / "seg.csv")
    raw = path.read_text(encoding="utf-8")
    for line in raw.splitlines()[1:]:
        assert not line.startswith(("=", "+", "-", "@", "\t")), line
    assert raw.startswith("document,n,'=col\n")
    back = read_string_table(path)
    assert back.columns.tolist() == ["document", "n", "=col"]
    expected = [v.replace("\r", "\n") for v in DANGEROUS]  # a CR in a cell is written as LF
    assert back["document"].tolist() == expected
    assert back["=col"].tolist() == expected
    assert back["n"].tolist() == [str(i) for i in range(len(DANGEROUS))]


def test_numbers_are_not_neutralised(tmp_path):
    df = pd.DataFrame({"score": [-0.5, 1.0], "start": [-1, 2]})
    assert write_dataframe(df, tmp_path / "n.csv").read_text() == "score,start\n-0.5,-1\n1.0,2\n"


def test_xlsx_never_holds_a_formula_and_reads_back_unchanged(tmp_path):
    df = pd.DataFrame({"code": DANGEROUS[:4] + ["ok"], "n": [1, 2, 3, 4, 5]})
    path = write_dataframe(df, tmp_path / "fw.xlsx")
    with zipfile.ZipFile(path) as z:
        sheet = next(n for n in z.namelist() if n.startswith("xl/worksheets/"))
        assert b"<f>" not in z.read(sheet)
    back = pd.read_excel(path, dtype=str)
    assert back["code"].tolist() == DANGEROUS[:4] + ["ok"]
    assert back["n"].tolist() == ["1", "2", "3", "4", "5"]


def test_new_files_follow_the_umask_and_replaced_files_keep_their_mode(tmp_path):
    old = os.umask(0o022)
    try:
        p = write_text(tmp_path / "new.txt", "x")
        assert stat.S_IMODE(p.stat().st_mode) == 0o644
        os.umask(0o077)
        q = write_text(tmp_path / "private.txt", "x")
        assert stat.S_IMODE(q.stat().st_mode) == 0o600
    finally:
        os.umask(old)
    p.chmod(0o640)
    write_text(p, "y", force=True)
    assert stat.S_IMODE(p.stat().st_mode) == 0o640 and p.read_text() == "y"


RACER = textwrap.dedent("""
    import os, sys, time
    from pathlib import Path
    sys.path.insert(0, sys.argv[3])
    from qualcode import fileio
    from qualcode.errors import OutputExistsError
    barrier = Path(sys.argv[2])
    me = barrier / sys.argv[4]

    def wait_for_both():
        me.touch()
        deadline = time.time() + 20
        while len(list(barrier.iterdir())) < 2 and time.time() < deadline:
            time.sleep(0.005)

    # both processes reach the step that commits the file before either takes it
    for name in ("replace", "link"):
        real = getattr(os, name)
        def gated(*a, _real=real, **k):
            wait_for_both()
            return _real(*a, **k)
        setattr(os, name, gated)
    try:
        fileio.write_text(sys.argv[1], sys.argv[4])
    except OutputExistsError:
        sys.exit(3)
""")


def test_two_processes_cannot_both_win_the_same_new_file(tmp_path):
    target, barrier = tmp_path / "out.txt", tmp_path / "barrier"
    barrier.mkdir()
    script = tmp_path / "racer.py"
    script.write_text(RACER, encoding="utf-8")
    procs = [subprocess.Popen([sys.executable, str(script), str(target), str(barrier), str(REPO), name])
             for name in ("one", "two")]
    codes = sorted(p.wait(timeout=60) for p in procs)
    assert codes == [0, 3]
    assert target.read_text() in ("one", "two")
    assert sorted(f.name for f in tmp_path.iterdir()) == ["barrier", "out.txt", "racer.py"]


def test_output_naming_a_folder_is_a_clear_error(tmp_path):
    with pytest.raises(OutputExistsError, match="is a folder"):
        write_dataframe(pd.DataFrame({"a": [1]}), tmp_path, force=True)
    (tmp_path / "d.csv").mkdir()
    with pytest.raises(OutputExistsError, match=r"d\.csv: is a folder"):
        write_dataframe(pd.DataFrame({"a": [1]}), tmp_path / "d.csv", force=True)


def test_too_long_a_name_says_so_and_names_the_output(tmp_path):
    long = tmp_path / ("x" * 300 + ".csv")
    with pytest.raises(QualcodeError) as err:
        write_dataframe(pd.DataFrame({"a": [1]}), long)
    msg = str(err.value)
    assert "too long" in msg and "x" * 300 in msg and ".tmp" not in msg
    assert list(tmp_path.iterdir()) == []


def test_unwritable_folder_names_the_output_not_the_temporary_file(tmp_path, monkeypatch):
    import tempfile

    def denied(*a, **k):
        raise PermissionError(13, "Permission denied", str(tmp_path / ".out.csv.abc.tmp"))

    monkeypatch.setattr(tempfile, "mkstemp", denied)
    with pytest.raises(QualcodeError) as err:
        write_text(tmp_path / "out.csv", "x")
    msg = str(err.value)
    assert "out.csv" in msg and "permission denied" in msg and ".tmp" not in msg


@pytest.mark.skipif(os.geteuid() == 0, reason="root writes into read-only folders")
def test_read_only_folder_is_a_clear_error(tmp_path):
    ro = tmp_path / "ro"
    ro.mkdir()
    ro.chmod(0o500)
    try:
        with pytest.raises(QualcodeError, match="permission denied"):
            write_text(ro / "out.csv", "x")
    finally:
        ro.chmod(0o700)


def test_ragged_csv_row_is_an_error_naming_its_line(tmp_path):
    p = tmp_path / "cases.csv"
    p.write_text("case,role\nA,lead\nB,lead,extra\n", encoding="utf-8")
    with pytest.raises(QualcodeError, match=r"cases\.csv, line 3: 3 fields where the header has 2"):
        read_string_table(p)


def test_output_piped_into_head_ends_quietly(tmp_path):
    lines = ["codes:"] + [f"  - id: c{i}\n    name: Code number {i} with a long name to fill a pipe"
                          for i in range(6000)]
    (tmp_path / "big.yaml").write_text("\n".join(lines) + "\n", encoding="utf-8")
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    proc = subprocess.Popen([sys.executable, "-m", "qualcode", "codebook", "show", "big.yaml"],
                            cwd=tmp_path, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    first = proc.stdout.readline()
    proc.stdout.close()  # what `| head -1` does
    _, err = proc.communicate(timeout=60)
    assert first.startswith(b"c0")
    assert b"internal error" not in err and b"Traceback" not in err


def test_cli_output_naming_a_folder_is_one_clear_line(tmp_path, run_cli):
    (tmp_path / "t").mkdir()
    (tmp_path / "t" / "a.txt").write_text("Interviewer: Why?\n\nAnna: Because.\n", encoding="utf-8")
    (tmp_path / "out").mkdir()
    res = run_cli("load", "t", "-o", "out", "--force")
    assert res.returncode == 1
    assert res.stderr.strip() == "Error: out: is a folder; give a file name for the output"


def _sheet_xml(path) -> bytes:
    with zipfile.ZipFile(path) as z:
        return b"".join(z.read(n) for n in z.namelist() if n.startswith("xl/worksheets/"))


def test_cli_tables_hold_no_live_formulas(tmp_path, run_cli):
    t = tmp_path / "t"
    t.mkdir()
    evil = '=HYPERLINK("http://evil.example","click")'
    for name in ("anna", "ben"):
        (t / f"{name}.txt").write_text(f"---\ncase: \"@{name}\"\n---\nInterviewer: Why?\n\n"
                                       f"{name.title()}: {evil}\n", encoding="utf-8")
    out = run_cli("load", "t", "-o", "seg.xlsx", "--cases-output", "cases.csv")
    assert out.returncode == 0, out.stderr
    assert b"<f>" not in _sheet_xml(tmp_path / "seg.xlsx")
    assert evil.encode().replace(b'"', b"&quot;") in _sheet_xml(tmp_path / "seg.xlsx") or \
        evil.encode() in _sheet_xml(tmp_path / "seg.xlsx")
    assert "'@anna" in (tmp_path / "cases.csv").read_text(encoding="utf-8")
    seg = pd.read_excel(tmp_path / "seg.xlsx", dtype=str)
    turn = seg[seg["text"] == evil]
    assert len(turn) == 2
    rows = [f"{r.document},{r.start},{r.end},{c},{coder}" for r in turn.itertuples()
            for c, coder in (("cost", "ann"), ("trust" if r.document == "ben" else "cost", "bob"))]
    (tmp_path / "c.csv").write_text("document,start,end,code,coder\n" + "\n".join(rows) + "\n",
                                    encoding="utf-8")
    fw = run_cli("matrix", "framework", "t", "--codings", "c.csv", "-o", "fw.xlsx")
    assert fw.returncode == 0, fw.stderr
    assert b"<f>" not in _sheet_xml(tmp_path / "fw.xlsx")
    ag = run_cli("agree", "c.csv", "-t", "t", "--n-boot", "0", "--disagreements", "d.xlsx")
    assert ag.returncode == 0, ag.stderr
    assert b"<f>" not in _sheet_xml(tmp_path / "d.xlsx")
