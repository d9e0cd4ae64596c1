"""Projects: qualcode.yaml, discovery, the Project API over the store, integrity checks, round
trips of codings files, codebook changes."""
from __future__ import annotations

import shutil
from pathlib import Path

import pandas as pd
import pytest

import qualcode as qc
from qualcode.errors import CodingsError, ConflictError, ProjectError, StoreError
from qualcode.project import ProjectSettings

REPO = Path(__file__).resolve().parents[1]
SAMPLE = REPO / "transcripts_sample"
CODEBOOK = REPO / "codebooks" / "b2b_influencer_marketing.yaml"
ROUND_TRIP = ["document", "start", "end", "code", "coder", "segment", "method", "score", "memo",
              "status"]


@pytest.fixture
def folder(tmp_path):
    """A study folder with three of the sample's transcripts, its cases table and codebook."""
    t = tmp_path / "study" / "transcripts"
    t.mkdir(parents=True)
    for name in ("alpha", "beta", "gamma"):
        shutil.copy(SAMPLE / f"{name}.txt", t)
    shutil.copy(CODEBOOK, tmp_path / "study" / "codebook.yaml")
    return tmp_path / "study"


@pytest.fixture
def project(folder):
    with qc.Project.init(folder, transcripts=["transcripts/"], codebook="codebook.yaml",
                         reference_coder="ME") as p:
        yield p


def human(project, coder="ME", n=6):
    """``n`` human codings on the participants' first turns, by ``coder``."""
    seg = project.corpus.codable_segments().groupby("document").head(2).head(n)
    return pd.DataFrame({"document": seg["document"], "start": seg["start"], "end": seg["end"],
                         "code": "goal.branding", "coder": coder, "method": "human"})


def machine(project, n=8):
    seg = project.corpus.codable_segments().tail(n)
    return pd.DataFrame({"document": seg["document"], "start": seg["start"], "end": seg["end"],
                         "code": "goal.sales", "method": "keyword",
                         "score": [round(0.1 * (i + 1), 2) for i in range(len(seg))],
                         "memo": "matched: sales"})


# -- settings and discovery ----------------------------------------------------------------------


def test_init_writes_commented_settings_and_refuses_to_overwrite(folder, project):
    text = (folder / "qualcode.yaml").read_text()
    assert text.startswith("#") and "# unit:" in text and "reference_coder: \"ME\"" in text
    settings = ProjectSettings.load(folder / "qualcode.yaml")
    assert settings.transcripts == ["transcripts/"] and settings.codebook == "codebook.yaml"
    assert settings.unit == "turn" and settings.reference_coder == "ME"
    assert (folder / "qualcode.sqlite").exists()
    with pytest.raises(ProjectError, match="a project already exists here"):
        qc.Project.init(folder)


def test_find_and_open_from_a_subfolder(folder, project, tmp_path):
    sub = folder / "transcripts"
    assert qc.Project.find(sub) == folder.resolve()
    with qc.Project.open(sub) as p:
        assert p.root == folder.resolve() and len(p.corpus.document_ids) == 3
    outside = tmp_path / "elsewhere"
    outside.mkdir()
    assert qc.Project.find(outside) is None
    with pytest.raises(ProjectError, match="no qualcode.yaml here or in a parent folder") as e:
        qc.Project.open(outside)
    assert "\n" not in str(e.value)


@pytest.mark.parametrize("yaml_text, message", [
    ("unit: word\n", "unit must be one of"),
    ("transcript: [a]\n", "unknown setting 'transcript'"),
    ("speakers: {a: 1}\n", "'speakers' must be a list"),
    ("name: [unclosed\n", "not valid YAML"),
    # a 'billion laughs' settings file is refused before it is expanded
    ("a: &a [x, x, x, x, x, x, x, x, x, x]\n"
     + "".join(f"{n}: &{n} [*{p}, *{p}, *{p}, *{p}, *{p}, *{p}, *{p}, *{p}, *{p}, *{p}]\n"
               for p, n in zip("abcdefgh", "bcdefghi"))
     + "name: *i\n", "expands to more than"),
])
def test_bad_settings_name_the_file_and_key(tmp_path, yaml_text, message):
    (tmp_path / "qualcode.yaml").write_text(yaml_text)
    with pytest.raises(ProjectError, match=message) as e:
        qc.Project.open(tmp_path)
    assert "qualcode.yaml" in str(e.value)


def test_paths_outside_the_project_are_kept_absolute(tmp_path):
    with qc.Project.init(tmp_path / "p", transcripts=[SAMPLE], codebook=CODEBOOK) as p:
        assert p.settings.transcripts == [str(SAMPLE)]
        assert len(p.corpus.document_ids) == 22
        assert len(p.corpus.cases.columns) > 2  # the folder's cases.csv is found


def test_project_speakers_and_interviewers(tmp_path):
    (tmp_path / "t").mkdir()
    (tmp_path / "t" / "one.txt").write_text(
        "Dan: How did it start?\nAnna: With a webinar.\nBen: hello fine\nAnna: and then more.\n")
    with qc.Project.init(tmp_path, transcripts=["t/"], interviewer=["Dan"],
                         speakers=["Ben"]) as p:
        seg = p.corpus.segments
        assert seg["speaker"].tolist() == ["Dan", "Anna", "Ben", "Anna"]
        assert seg["is_interviewer"].tolist() == [True, False, False, False]


# -- writes through the project ------------------------------------------------------------------


def test_add_codings_validates_and_keeps_columns(project):
    ids = project.add_codings(human(project))
    df = project.codings()
    assert df["id"].tolist() == ids and list(df.columns) == qc.project.CODING_COLUMNS
    assert set(df["method"]) == {"human"} and df["status"].isna().all()
    bad = human(project).assign(code="no.such.code")
    with pytest.raises(CodingsError, match="unknown code id 'no.such.code'"):
        project.add_codings(bad)
    bad = human(project).assign(end=10**7)
    with pytest.raises(CodingsError, match="outside document"):
        project.add_codings(bad)
    assert len(project.codings()) == len(ids)  # nothing of a refused table was written


def test_add_coding_refuses_interviewer_turns(project):
    seg = project.corpus.segments
    q = seg[seg["is_interviewer"]].iloc[0]
    with pytest.raises(CodingsError, match="interviewer turns only"):
        project.add_coding(q["document"], int(q["start"]), int(q["end"]), "goal.sales", coder="ME")
    a = seg[~seg["is_interviewer"]].iloc[0]
    row = project.add_coding(a["document"], int(a["start"]), int(a["end"]), "goal.sales",
                             coder="ME", memo="first")
    assert (row["version"], row["memo"], row["method"]) == (1, "first", "human")
    moved = project.update_coding(row["id"], coder="ME", expected_version=1, code="goal.branding")
    assert moved["code"] == "goal.branding" and moved["version"] == 2
    with pytest.raises(ConflictError):
        project.update_coding(row["id"], coder="YOU", expected_version=1, memo="x")


def test_machine_and_human_rows_never_mix(project):
    project.add_codings(human(project))
    with pytest.raises(CodingsError, match="both human and machine"):
        project.replace_suggestions(machine(project), coder="ME")
    project.replace_suggestions(machine(project), coder="qualcode-keyword")
    with pytest.raises(CodingsError, match="both human and machine"):
        project.add_codings(human(project, coder="qualcode-keyword"))


def test_suggestions_review(project):
    run = project.replace_suggestions(machine(project), coder="qualcode-keyword",
                                      run={"method": "keyword", "parameters": {"min_score": 0}})
    sug = project.suggestions()
    assert sug["score"].is_monotonic_decreasing and set(sug["status"]) == {"suggested"}
    assert project.machine_runs()["codebook"].iloc[0] == project.codebook.fingerprint()
    assert len(project.suggestions(min_score=0.5)) == 4
    top = sug["id"].iloc[0]
    [h] = project.accept([top], coder="ME")
    accepted = project.store.coding(h)
    assert accepted["memo"] is None  # the machine's memo stays on the machine's row
    assert accepted["suggestion_id"] == top and accepted["method"] == "human"
    project.reject(sug["id"].iloc[1:3].tolist(), coder="ME")
    dec = project.training_decisions().set_index("id")
    assert dec["status"].to_dict() == {top: "accepted", **{int(i): "rejected"
                                                          for i in sug["id"].iloc[1:3]}}
    assert len(project.suggestions()) == 5
    assert len(project.suggestions(status=None)) == 8
    assert run == project.machine_runs()["id"].iloc[-1]


# -- integrity -----------------------------------------------------------------------------------


def test_changed_transcript_is_reported_and_codings_not_reanchored(folder, project):
    ids = project.add_codings(human(project))
    before = project.codings()
    project.close()
    path = folder / "transcripts" / "alpha.txt"
    text = path.read_text()
    body_at = text.index("---", 3) + 4
    path.write_text(text[:body_at] + "[00:00:01] Interviewer: One more question first.\n"
                    + text[body_at:])
    with qc.Project.open(folder) as p:
        changed = p.changed_documents()
        assert changed["document"].tolist() == ["alpha"]
        assert changed["n_codings"].tolist() == [int((before["document"] == "alpha").sum())]
        assert changed["stored_sha256"].iloc[0] != changed["current_sha256"].iloc[0]
        pd.testing.assert_frame_equal(p.codings(), before)  # offsets untouched
        seg = p.corpus.codable_segments()
        a = seg[seg["document"] == "alpha"].iloc[0]
        with pytest.raises(StoreError, match="document 'alpha' changed since it was coded") as e:
            p.add_coding("alpha", int(a["start"]), int(a["end"]), "goal.sales", coder="ME")
        assert "rehash alpha --accept" in str(e.value) and "qualcode.sqlite" in str(e.value)
        b = seg[seg["document"] == "beta"].iloc[0]
        p.add_coding("beta", int(b["start"]), int(b["end"]), "goal.sales", coder="ME")
        p.accept_document_change("alpha", coder="ME")
        assert p.changed_documents().empty
        assert p.history(document="alpha")["action"].iloc[-1] == "rehash"
        assert len(p.codings()) == len(ids) + 1


@pytest.mark.parametrize("suffix", ["csv", "xlsx"])
def test_codings_file_round_trip_row_for_row(project, folder, tmp_path, suffix):
    project.add_codings(human(project))
    project.add_codings(human(project, coder="YOU").assign(memo="a memo, with \"quotes\""))
    project.replace_suggestions(machine(project), coder="qualcode-keyword",
                                run={"method": "keyword"})
    sug = project.suggestions()["id"].tolist()
    project.accept(sug[:2], coder="ME")
    project.reject(sug[2:4], coder="ME")
    out = project.export_codings(tmp_path / f"codings.{suffix}")
    original = project.codings()
    assert set(original["status"].dropna()) == {"suggested", "accepted", "rejected"}

    target = tmp_path / "copy"
    shutil.copytree(folder / "transcripts", target / "transcripts")
    with qc.Project.init(target, transcripts=["transcripts/"], codebook=folder / "codebook.yaml") \
            as copy:
        copy.import_codings(out)
        back = copy.codings()
    left = original[ROUND_TRIP].reset_index(drop=True)
    right = back[ROUND_TRIP].reset_index(drop=True)
    pd.testing.assert_frame_equal(left, right, check_dtype=False)
    # the links from accepted human rows to their suggestions survive too
    link = dict(zip(original["id"], original["suggestion_id"]))
    relinked = back["suggestion_id"].map(dict(zip(back["id"], original["id"]))).fillna(-1)
    expected = original["suggestion_id"].fillna(-1)
    assert relinked.tolist() == expected.tolist() and len(link) == len(original)


# -- codebook changes ----------------------------------------------------------------------------


def test_codebook_changes_apply_and_persist(folder, project):
    project.add_codings(human(project))
    project.create_code("goal.talent", "Recruiting talent", parent="goal", color="#aa3311",
                        coder="ME")
    project.update_code("goal.talent", description="Hiring as a goal", coder="ME")
    new_id = project.move_code("goal.talent", "challenge", coder="ME")
    assert new_id == "challenge.talent"
    project.merge_codes("goal.branding", "goal.relationship_building", coder="ME")
    assert project.codings()["code"].eq("goal.relationship_building").all()
    with pytest.raises(StoreError, match="has 6 codings"):
        project.delete_code("goal.relationship_building", coder="ME")
    project.delete_code("goal.sales", coder="ME")
    project.close()
    with qc.Project.open(folder) as p:
        cb = p.codebook
        assert cb["challenge.talent"].description == "Hiring as a goal"
        assert cb["challenge.talent"].color == "#aa3311"
        assert "goal.talent" not in cb and "goal.branding" not in cb and "goal.sales" not in cb
        actions = p.history()["action"].tolist()
        assert {"code_create", "code_update", "code_move", "code_merge", "code_delete",
                "recode"} <= set(actions)
        with pytest.raises(qc.CodebookError, match="exists already"):
            p.create_code("challenge.talent", "Again", parent="challenge", coder="ME")
        with pytest.raises(qc.CodebookError, match="unknown parent"):
            p.create_code("nowhere.x", "X", parent="nowhere", coder="ME")


def test_qdpx_round_trip_keeps_machine_rows_and_memos(project, tmp_path):
    """Export then import of a .qdpx gave machine suggestions back as human codings and attached
    the machine's memos to the student's codings (issue 13)."""
    from qualcode import refi
    from qualcode.project_io import init_from_qdpx

    h = human(project)
    h["memo"] = [None, "my own memo", None, None, None, None]
    project.add_codings(h)
    m = machine(project)
    m.loc[:, ["document", "start", "end"]] = h[["document", "start", "end"]].to_numpy()[
        [i % len(h) for i in range(len(m))]]
    m = m.drop_duplicates(["document", "start", "end"])
    project.replace_suggestions(m, coder="qualcode-keyword", run={"method": "keyword"})
    sug = project.suggestions()["id"].tolist()
    project.accept(sug[:1], coder="ME")
    project.reject(sug[1:2], coder="ME")
    original = project.codings()
    out = tmp_path / "study.qdpx"
    refi.write_qdpx(out, project.corpus, project.codebook, original)

    copy, p = init_from_qdpx(tmp_path / "copy", out)
    with copy:
        back = copy.codings()
        assert copy.settings.reference_coder == "ME"  # the only human coder
    cols = [c for c in ROUND_TRIP if c != "segment"]
    key = ["document", "start", "end", "code", "coder"]
    left = original[cols].sort_values(key).reset_index(drop=True)
    right = back[cols].sort_values(key).reset_index(drop=True)
    pd.testing.assert_frame_equal(left, right, check_dtype=False)
    assert set(back.loc[back["coder"] == "qualcode-keyword", "method"]) == {"keyword"}
    assert back.loc[back["method"] == "human", "memo"].dropna().tolist() == ["my own memo"]


def test_qdpx_from_another_tool_keeps_machine_coder_names_machine(project, tmp_path):
    from qualcode import refi

    project.replace_suggestions(machine(project), coder="qualcode-keyword",
                                run={"method": "keyword"})
    out = tmp_path / "study.qdpx"
    refi.write_qdpx(out, project.corpus, project.codebook, project.codings())
    import zipfile

    with zipfile.ZipFile(out) as z:  # what a CAQDAS that drops unknown notes writes back
        qde = z.read("project.qde").decode()
        members = {n: z.read(n) for n in z.namelist()}
    start = qde.index("<Notes>")
    members["project.qde"] = (qde[:start] + qde[qde.index("</Notes>") + len("</Notes>"):]).encode()
    stripped = tmp_path / "stripped.qdpx"
    with zipfile.ZipFile(stripped, "w") as z:
        for n, data in members.items():
            z.writestr(n, data)
    codings = refi.read_qdpx(stripped).codings
    assert set(codings["method"]) == {"keyword"} and set(codings["status"]) == {"suggested"}


P1 = REPO.parent / "shared" / "real-data" / "pdpilot-user-study" / "P1.pdf"


@pytest.mark.skipif(not P1.exists(), reason="../shared/real-data is not beside the repository")
@pytest.mark.parametrize("how", ["settings", "cases"])
def test_interviewer_from_settings_or_cases_table(tmp_path, how):
    """The interviewer's 47 questions in a real PDF were coded: 'Dan' is not a default label."""
    (tmp_path / "t").mkdir()
    shutil.copy(P1, tmp_path / "t" / "P1.pdf")
    kw = {"interviewer": ["Dan"]}
    if how == "cases":
        (tmp_path / "cases.csv").write_text("case,interviewer,role\nP1,Dan,data scientist\n")
        kw = {"cases": "cases.csv"}
    with qc.Project.init(tmp_path, transcripts=["t/"], **kw) as p:
        seg = p.corpus.segments
        asked = seg[seg["speaker"] == "Dan"]
        assert len(asked) == 47 and asked["is_interviewer"].all()
        assert not seg[seg["speaker"] == "Participant"]["is_interviewer"].any()


KILLED_CODE = """
import sys, time
from qualcode.store import Store
def stall(self, con):  # every row of the run is written; the COMMIT never comes
    print("written", flush=True)
    time.sleep(600)
Store._commit = stall
from qualcode.cli import main
main(["code", "--method", "keyword", "-p", sys.argv[1]])
"""


@pytest.mark.slow
def test_kill_9_during_qualcode_code_keeps_the_previous_state(project, folder):
    """`qualcode code` killed while it writes its suggestions into the store."""
    import os
    import signal
    import subprocess
    import sys

    project.add_codings(human(project))
    project.replace_suggestions(machine(project), coder="qualcode-keyword",
                                run={"method": "keyword"})
    project.accept(project.suggestions()["id"].tolist()[:2], coder="ME")
    before = project.codings()
    runs = project.machine_runs()
    project.close()
    env = dict(os.environ, PYTHONPATH=str(REPO))
    p = subprocess.Popen([sys.executable, "-c", KILLED_CODE, str(folder)], env=env,
                         stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    lines = []
    for line in p.stdout:  # the command's summary, then the stalled commit
        lines.append(line.strip())
        if line.strip() == "written":
            break
    os.kill(p.pid, signal.SIGKILL)
    p.wait(timeout=30)
    assert lines[-1:] == ["written"], (lines, p.stderr.read())
    assert "suggestions (keyword" in lines[0]
    with qc.Project.open(folder) as again:
        assert again.store.integrity_check() == "ok"
        pd.testing.assert_frame_equal(again.codings(), before)
        pd.testing.assert_frame_equal(again.machine_runs(), runs)
