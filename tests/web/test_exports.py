"""Every download of the workbench is the bytes the CLI writes for the same project: codings
csv/xlsx, qdpx, the report, the codebook."""
from __future__ import annotations

import pytest

import io
import zipfile

import pandas as pd
import yaml
from workbench import invoke, SAMPLE, client_for

import qualcode as qc


def _figures(html: str) -> dict:
    """The figures a student would report, read from a report's HTML."""
    import re

    text = re.sub(r"<[^>]+>", " ", html)
    text = re.sub(r"\s+", " ", text)
    return {"codable": re.search(r"(\d+) codable turn segments", text).group(1),
            "reference": re.search(r"Reference coder: (\S+) \((.*?)\)\. The matrices", text).groups(),
            "alpha": re.findall(r"\d\.\d{3} \[-?\d\.\d{3}, -?\d\.\d{3}\]", text),
            "units": re.findall(r"<td>(\d+)</td>", html)[:40],
            "themes": 'id="themes"' in html}


def test_codebook_export_equals_the_cli(cclient, coded, tmp_path):
    cclient.post("/api/codes", json={"name": "Open code", "parent": "goal"})
    cclient.post("/api/codes/goal.sales/merge", json={"into": "goal.branding"})
    for fmt in ("yaml", "qdc", "md"):
        page = cclient.get(f"/api/export/codebook.{fmt}")
        assert page.status_code == 200 and "attachment" in page.headers["content-disposition"]
        out = tmp_path / f"cb.{fmt}"
        invoke("codebook", "export", "-p", coded.root, "-o", out)
        assert page.content == out.read_bytes(), fmt
    data = yaml.safe_load(cclient.get("/api/export/codebook.yaml").text)
    assert "Open code" in str(data) and "goal.sales" not in str(data)
    reloaded = qc.Codebook.load(tmp_path / "cb.yaml")  # the same Codebook rules
    assert "goal.open_code" in reloaded and "goal.sales" not in reloaded
    assert cclient.get("/api/export/codebook.pdf").status_code == 400


def test_report_needs_codings(client):
    r = client.get("/api/export/report.html")
    assert r.status_code == 400 and "no human codings" in r.json()["error"]
    assert client.get("/api/export/report.html?n_boot=x").status_code == 400


@pytest.mark.slow  # over 2 s: end to end (the full suite runs it)
def test_exports_equal_the_cli(study, tmp_path):
    """One library function per format (qualcode.exports): the CLI's file and the workbench's
    download are the same bytes, human codings by default, the machine rows when asked."""
    machine = study.codings(include_machine=False).head(5).assign(coder="qualcode-keyword",
                                                                  method="keyword", score=0.5)
    study.add_codings(machine.drop(columns=["id", "version", "created_at", "updated_at",
                                            "suggestion_id", "status", "segment"]))
    with client_for(study, coder="C1") as c:
        csv = c.get("/api/export/codings.csv")
        qdpx = c.get("/api/export/project.qdpx")
        qdpx_all = c.get("/api/export/project.qdpx?include_suggestions=1")
        xlsx = c.get("/api/export/codings.xlsx")
        assert c.get("/api/export/nothing.txt").status_code == 400
    out = {}
    for name, extra in (("c.csv", []), ("p.qdpx", []), ("all.qdpx", ["--include-suggestions"])):
        invoke("export", "-p", study.root, "-o", tmp_path / name, *extra)
        out[name] = (tmp_path / name).read_bytes()
    assert csv.content == out["c.csv"]
    assert qdpx.content == out["p.qdpx"] and qdpx_all.content == out["all.qdpx"]
    human = qc.refi.read_qdpx(tmp_path / "p.qdpx").codings
    both = qc.refi.read_qdpx(tmp_path / "all.qdpx").codings
    n_human = len(study.codings(include_machine=False))
    assert len(human) == n_human and set(human["method"]) == {"human"}
    assert len(both) == n_human + 5 and (both["method"] == "keyword").sum() == 5
    # marked as machine rows for the other tool's user, and no memo of anyone's on read-back
    qde = zipfile.ZipFile(io.BytesIO(qdpx_all.content)).read("project.qde").decode("utf-8")
    assert qde.count("machine suggestion by qualcode-keyword (keyword, score 0.50, suggested)") == 5
    assert "machine suggestion" not in zipfile.ZipFile(io.BytesIO(qdpx.content)) \
        .read("project.qde").decode("utf-8")
    assert not both["memo"].fillna("").str.contains("machine suggestion").any()
    book = pd.read_excel(io.BytesIO(xlsx.content), dtype=str)
    assert len(book) == n_human and list(book.columns) == list(pd.read_csv(tmp_path / "c.csv").columns)


def test_report_export_equals_the_cli(study, tmp_path):
    out = tmp_path / "report.html"
    invoke("report", "-p", study.root, "--no-classifier", "--reference", "C1", "--n-boot", 50,
           "-o", out)
    with client_for(study, coder="C1") as c:
        page = c.get("/api/export/report.html?reference=C1&n_boot=50")
    assert page.status_code == 200, page.text[:300]
    assert page.content == out.read_bytes()


def test_cli_report_and_workbench_report_show_the_same_figures(tmp_path):
    """A project whose interviewer is named in the settings (Dan asks the questions): the
    workbench's report counts the codable turns the project counts (Dan's turns are not), the
    agreement units of the project's corpus, names the reference coder and why, and has Themes;
    the CLI's report says the same."""
    folder = tmp_path / "t"
    folder.mkdir()
    for name in ("alpha", "beta"):
        text = (SAMPLE / f"{name}.txt").read_text(encoding="utf-8")
        text = text.replace("interviewer: Interviewer\n", "").replace("Interviewer:", "Dan Jackson:")
        (folder / f"{name}.txt").write_text(text, encoding="utf-8")
    p = qc.Project.init(tmp_path / "p", transcripts=[str(folder)], interviewer=["Dan Jackson"],
                        codebook=str(SAMPLE.parent / "codebooks" / "b2b_influencer_marketing.yaml"))
    h = pd.read_csv(SAMPLE / "codings_human.csv")
    p.add_codings(h[h["coder"].isin(["C1", "C2"]) & h["document"].isin(["alpha", "beta"])])
    codable = p.corpus.summary()["codable_segments"]
    assert codable < len(p.corpus.segments)  # Dan's questions are not codable
    out = tmp_path / "cli.html"
    invoke("report", "-p", p.root, "--no-classifier", "--n-boot", 50, "-o", out)
    with client_for(p, coder="C1") as c:
        page = c.get("/api/export/report.html?n_boot=50")
    assert page.status_code == 200, page.text[:300]
    cli, web = _figures(out.read_text(encoding="utf-8")), _figures(page.text)
    assert cli == web
    assert web["codable"] == str(codable)
    assert web["reference"][0] in ("C1", "C2") and "most codings" in web["reference"][1]
    assert web["alpha"] and web["themes"]
    p.close()
