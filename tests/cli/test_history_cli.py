"""`qualcode history`: the table after an undone creation (issue 23) and the event log exported
as CSV / JSON Lines (issue 26)."""
from __future__ import annotations

import csv
import io
import json
import shutil
from pathlib import Path

from click.testing import CliRunner
from helpers import inside

import qualcode as qc
from qualcode.cli import main

REPO = Path(__file__).resolve().parents[2]
SAMPLE = REPO / "transcripts_sample"
CODEBOOK = REPO / "codebooks" / "b2b_influencer_marketing.yaml"


def invoke(*args):
    res = CliRunner().invoke(main, [str(a) for a in args])
    assert "Traceback" not in res.output, res.output
    return res


def _project(folder: Path) -> qc.Project:
    (folder / "transcripts").mkdir(parents=True)
    shutil.copy(SAMPLE / "alpha.txt", folder / "transcripts")
    return qc.Project.init(folder, transcripts="transcripts/", codebook=CODEBOOK)


def _participant_span(p) -> tuple[int, int]:
    seg = p.corpus.codable_segments().iloc[0]
    return int(seg["start"]), int(seg["start"]) + 20


def test_history_after_an_undone_creation(tmp_path):
    with inside(tmp_path):
        with _project(Path("study")) as p:
            s, e = _participant_span(p)
            made = p.add_coding("alpha", s, e, "goal.branding", coder="ME")
            p.undo(coder="ME")  # its undo event has after = null
        res = invoke("history", "-p", "study")
        assert res.exit_code == 0, res.output
        lines = res.output.splitlines()
        undo = [ln for ln in lines if " undo " in ln]
        assert len(undo) == 1 and f"removed: code=goal.branding, start={s}, end={e}" in undo[0]
        assert str(made["id"]) in undo[0]


def _events_project(folder: Path) -> list[int]:
    with _project(folder) as p:
        s, e = _participant_span(p)
        a = p.add_coding("alpha", s, e, "goal.branding", coder="ME")
        p.update_coding(a["id"], coder="ME", expected_version=a["version"], end=e + 5)
        b = p.add_coding("alpha", s, e, "goal.sales", coder="YOU")
        p.undo(coder="YOU")
        p.create_code("goal.new_one", "=1+1 a formula-like name", coder="ME")
        return [int(a["id"]), int(b["id"])]


def test_history_exports_the_event_log_as_jsonl_and_csv(tmp_path):
    with inside(tmp_path):
        a, b = _events_project(Path("study"))
        res = invoke("history", "-p", "study", "--format", "jsonl")
        assert res.exit_code == 0, res.output
        events = [json.loads(line) for line in res.output.splitlines()]
        assert [ev["action"] for ev in events] == ["create", "edit", "create", "undo",
                                                   "code_create"]
        assert list(events[0]) == ["id", "time", "actor", "action", "coding", "document", "code",
                                   "before", "after", "batch", "undoes"]
        undo = events[3]
        assert undo["undoes"] == events[2]["id"] and undo["coding"] == b and undo["after"] is None
        assert undo["before"]["code"] == "goal.sales"  # JSON objects, not JSON text
        assert events[1]["before"]["end"] + 5 == events[1]["after"]["end"]
        assert events[4]["after"]["name"] == "=1+1 a formula-like name"
        # CSV: the same events, before/after as the stored JSON text
        res = invoke("history", "-p", "study", "--format", "csv")
        rows = list(csv.DictReader(io.StringIO(res.output)))
        assert [r["id"] for r in rows] == [str(ev["id"]) for ev in events]
        assert rows[3]["undoes"] == str(events[2]["id"]) and rows[3]["after"] == "null"
        assert json.loads(rows[1]["after"]) == events[1]["after"]
        assert rows[0]["undoes"] == "" and rows[0]["coding"] == str(a)
        # filters and -o
        res = invoke("history", "-p", "study", "--format", "jsonl", "--coding", a, "-o", "a.jsonl")
        assert res.exit_code == 0 and res.output == "2 events written to a.jsonl\n"
        assert [json.loads(x)["action"] for x in Path("a.jsonl").read_text().splitlines()] == \
            ["create", "edit"]
        assert invoke("history", "-p", "study", "--format", "csv", "-o", "a.jsonl").exit_code == 1
        res = invoke("history", "-p", "study", "--format", "csv", "--last", "1", "-o", "t.csv")
        assert res.output == "1 events written to t.csv\n"
        with open("t.csv", encoding="utf-8") as f:
            assert [r["action"] for r in csv.DictReader(f)] == ["code_create"]
