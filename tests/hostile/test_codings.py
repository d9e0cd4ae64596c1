"""Hostile and careless codings tables, and the coding run's worker processes (issue 17)."""
from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pandas as pd
import pytest

from qualcode.codings import read_codings, write_codings
from qualcode.errors import CodingsError, InputFormatError

REPO = Path(__file__).resolve().parents[2]
HEADER = "document,start,end,code,coder\n"


@pytest.mark.parametrize("value", ["inf", "1e30", "-inf", "nan", "9007199254740993"])
def test_absurd_offsets_are_a_clear_error(tmp_path, value):
    p = tmp_path / "c.csv"
    p.write_text(HEADER + f"doc,0,{value},a,ann\n", encoding="utf-8")
    with pytest.raises(CodingsError, match=r"c\.csv, row 2: 'end' must be a whole number"):
        read_codings(p)


def test_extra_fields_in_a_codings_row_are_an_error_naming_it(tmp_path):
    p = tmp_path / "c.csv"
    p.write_text(HEADER + "doc,0,5,a,ann\ndoc,5,9,b,ann,surplus\n", encoding="utf-8")
    with pytest.raises(InputFormatError, match=r"c\.csv, line 3: 6 fields where the header has 5"):
        read_codings(p)


def test_codings_with_formula_like_names_round_trip(tmp_path):
    df = pd.DataFrame({"document": ["=doc", "+d"], "start": [0, 3], "end": [2, 5],
                       "code": ["a", "b"], "coder": ["@ann", "-bob"], "memo": ["=1+1", "ok"]})
    for suffix in ("csv", "xlsx"):
        path = write_codings(df, tmp_path / f"c.{suffix}")
        back = read_codings(path)
        assert back["document"].tolist() == ["=doc", "+d"]
        assert back["coder"].tolist() == ["@ann", "-bob"]
        assert back["memo"].tolist() == ["=1+1", "ok"]


CHILD = textwrap.dedent("""
    import os, sys, time
    sys.path.insert(0, sys.argv[1])
    from qualcode.parallel import fork_map
    pids = sys.argv[2]

    def task(i):
        with open(pids, "a") as fh:
            fh.write(f"{os.getpid()}\\n")
        time.sleep(120)
        return i

    fork_map(task, range(4), 2)
""")


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    try:  # a zombie (exited, not yet reaped by init) counts as gone
        with open(f"/proc/{pid}/stat") as fh:
            return fh.read().split(")")[-1].split()[0] != "Z"
    except OSError:
        return True


@pytest.mark.slow
@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="fork pool runs on Linux")
def test_workers_exit_when_the_parent_is_killed(tmp_path):
    pids = tmp_path / "pids"
    script = tmp_path / "child.py"
    script.write_text(CHILD, encoding="utf-8")
    parent = subprocess.Popen([sys.executable, str(script), str(REPO), str(pids)])
    workers: list[int] = []
    try:
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            if pids.exists():
                workers = [int(x) for x in pids.read_text().split()]
                if len(workers) >= 2:
                    break
            time.sleep(0.05)
        assert len(workers) >= 2, "workers never started"
        parent.send_signal(signal.SIGKILL)
        parent.wait(timeout=10)
        deadline = time.monotonic() + 5
        while time.monotonic() < deadline and any(_alive(p) for p in workers):
            time.sleep(0.05)
        assert not any(_alive(p) for p in workers)
    finally:
        for p in workers:
            try:
                os.kill(p, signal.SIGKILL)
            except ProcessLookupError:
                pass
        if parent.poll() is None:
            parent.kill()


# -- the command line: what `code -o` may replace, agree's code ids, hand-coded segments -------

CB = "codes:\n  - id: cost\n    name: Cost\n    keywords: [price]\n  - id: trust\n    name: Trust\n"


def _study(root: Path) -> Path:
    t = root / "t"
    t.mkdir()
    (t / "anna.txt").write_text("Interviewer: Why?\n\nAnna: The price was right.\n\n"
                                "Interviewer: And then?\n\nAnna: We trusted them.\n", encoding="utf-8")
    (t / "ben.csv").write_text("speaker,text\nInterviewer,Why?\nBen,The price mattered.\n",
                               encoding="utf-8")
    (t / "cases.csv").write_text("case,document\nanna,anna\nben,ben\n", encoding="utf-8")
    (root / "cb.yaml").write_text(CB, encoding="utf-8")
    return t


@pytest.mark.parametrize("target", ["t/cases.csv", "t/ben.csv", "cb.yaml"])
def test_code_force_never_replaces_an_input(tmp_path, run_cli, target):
    _study(tmp_path)
    before = (tmp_path / target).read_bytes()
    out = run_cli("code", "t", "--codebook", "cb.yaml", "-o", target, "--force")
    assert out.returncode == 1
    assert "is an input of this command" in out.stderr
    assert (tmp_path / target).read_bytes() == before


@pytest.mark.slow  # over 2 s: end to end (the full suite runs it)
def test_code_force_replaces_only_machine_codings(tmp_path, run_cli):
    _study(tmp_path)
    (tmp_path / "other.csv").write_text("case,role\nanna,lead\n", encoding="utf-8")
    out = run_cli("code", "t", "--codebook", "cb.yaml", "-o", "other.csv", "--force")
    assert out.returncode == 1 and "is not a codings table" in out.stderr
    assert (tmp_path / "other.csv").read_text() == "case,role\nanna,lead\n"
    first = run_cli("code", "t", "--codebook", "cb.yaml", "-o", "m.csv")
    assert first.returncode == 0, first.stderr
    again = run_cli("code", "t", "--codebook", "cb.yaml", "-o", "m.csv", "--force")
    assert again.returncode == 0, again.stderr


def test_code_refuses_an_existing_output_before_working(tmp_path, run_cli):
    (tmp_path / "m.csv").write_text("x\n", encoding="utf-8")
    (tmp_path / "cb.yaml").write_text(CB, encoding="utf-8")
    out = run_cli("code", "missing-folder", "--codebook", "cb.yaml", "-o", "m.csv")
    assert out.returncode == 1
    assert out.stderr.strip() == "Error: m.csv: already exists; pass --force to replace it"


def test_agree_refuses_malformed_code_ids_unless_allowed(tmp_path, run_cli):
    _study(tmp_path)
    (tmp_path / "ann.csv").write_text(
        "document,start,end,code\nanna,26,45,cost\nanna,60,80,experience.difficulty;materials\n",
        encoding="utf-8")
    (tmp_path / "bob.csv").write_text("document,start,end,code\nanna,26,45,cost\n", encoding="utf-8")
    out = run_cli("agree", "ann.csv", "bob.csv", "-t", "t", "--n-boot", "0")
    assert out.returncode == 1
    assert out.stderr.strip() == (
        "Error: ann.csv, row 3: code id 'experience.difficulty;materials' is not a lowercase "
        "dotted id (one code per row, e.g. experience.difficulty); give --codebook to check codes, "
        "or --allow-unknown-codes")
    allowed = run_cli("agree", "ann.csv", "bob.csv", "-t", "t", "--n-boot", "0", "--allow-unknown-codes")
    assert allowed.returncode == 0, allowed.stderr


def test_a_segments_table_with_a_partly_filled_code_column_is_codings(tmp_path, run_cli):
    from qualcode import load_transcripts

    t = _study(tmp_path)
    out = run_cli("load", "t", "-o", "segments.csv")
    assert out.returncode == 0, out.stderr
    seg = pd.read_csv(tmp_path / "segments.csv", dtype=str, keep_default_na=False)
    seg["code"] = ""
    codable = seg.index[seg["text"].str.contains("price|trusted")]
    seg.loc[codable[0], "code"] = "cost"
    seg.loc[codable[-1], "code"] = "trust"
    seg.to_csv(tmp_path / "ann.csv", index=False)
    corpus = load_transcripts(t)
    codings = read_codings(tmp_path / "ann.csv", corpus=corpus, coder="ann")
    assert sorted(codings["code"]) == ["cost", "trust"] and set(codings["coder"]) == {"ann"}


def test_segment_rows_and_offset_rows_may_be_mixed(tmp_path):
    from qualcode import load_transcripts

    corpus = load_transcripts(_study(tmp_path))
    s = corpus.segments[corpus.segments["document"] == "anna"].iloc[1]
    (tmp_path / "c.csv").write_text(
        "document,segment,start,end,code,coder\n"
        f"anna,{s['segment']},,,cost,ann\nanna,,{s['start']},{s['end']},trust,ann\n", encoding="utf-8")
    codings = read_codings(tmp_path / "c.csv", corpus=corpus)
    assert codings[["start", "end"]].values.tolist() == [[s["start"], s["end"]]] * 2



@pytest.mark.parametrize("name", ["codings.xlsx", "cases.xlsx"])
def test_xlsx_zip_bombs_are_refused_for_codings_and_cases(tmp_path, name):
    import zipfile

    from qualcode.fileio import read_string_table

    path = tmp_path / name
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED) as z:
        z.writestr("[Content_Types].xml", "<Types/>")
        z.writestr("xl/worksheets/sheet1.xml", b"<" + b" " * (4 << 20) + b">")
    reader = read_codings if name.startswith("codings") else read_string_table
    with pytest.raises(InputFormatError, match=rf"{name}, entry 'xl/worksheets/sheet1\.xml': .*zip bomb"):
        reader(path)


@pytest.mark.slow  # over 2 s: end to end (the full suite runs it)
def test_code_output_in_the_transcripts_folder_must_be_a_codings_file(tmp_path, run_cli):
    _study(tmp_path)
    out = run_cli("code", "t", "--codebook", "cb.yaml", "-o", "t/machine.csv")
    assert out.returncode == 1 and "would read it as a transcript" in out.stderr
    assert not (tmp_path / "t" / "machine.csv").exists()
    ok = run_cli("code", "t", "--codebook", "cb.yaml", "-o", "t/codings-machine.csv")
    assert ok.returncode == 0, ok.stderr
