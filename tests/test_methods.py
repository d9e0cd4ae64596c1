"""The methods record on constructed projects with known answers: machine help counted per method
(accepted, edited, adjusted, rejected, pending, undone), the codebook's history, agreement and the
corpus."""
from __future__ import annotations

import json

import pandas as pd
import pytest
from methods_projects import interviews, make_project

from qualcode.methods import (agreement_paragraph, history_export, methods_record, statement,
                              to_markdown)

KEYS = {"codings": {"human", "from_suggestions", "edited_after_accept", "by_coder"},
        "suggestions": {"accepted", "rejected", "pending", "by_method"},
        "codebook": {"codes", "changes", "timeline"}}


def _suggest(p, coder, method, spans, run):
    df = pd.DataFrame([{"document": d, "start": s, "end": e, "code": c, "method": method,
                        "score": 0.9} for d, s, e, c in spans])
    p.replace_suggestions(df, coder=coder, run=run)
    return p.suggestions(coder=coder).sort_values("id")["id"].astype(int).tolist()


@pytest.fixture()
def helped(tmp_path):
    """3 direct human codings by ME, then suggestions reviewed as the test below counts them."""
    ivs = interviews([["x.a", "x.b"], ["y.d", "y.e"], ["x.a"]])
    ivs[0]["codes"]["ME"] += ["", "", ""]  # five turns in i01
    ivs[1]["codes"]["ME"] += ["", "", ""]
    p = make_project(tmp_path / "p", ivs)
    seg = p.corpus.codable_segments()
    turn = {(d, k): (int(r.start), int(r.end)) for d, g in seg.groupby("document")
            for k, r in enumerate(g.sort_values("start").itertuples(), start=1)}

    def span(d, k, code):
        return (d, *turn[(d, k)], code)

    kw = _suggest(p, "qualcode-keyword", "keyword",
                  [span("i01", 3, "x.a"), span("i01", 4, "x.a"), span("i01", 5, "x.a"),
                   span("i02", 3, "x.b")], {"method": "keyword"})
    cb = _suggest(p, "qualcode-codebook", "codebook",
                  [span("i02", 3, "y.d"), span("i02", 4, "y.d"), span("i02", 5, "y.e"),
                   span("i01", 3, "y.e"), span("i01", 4, "y.e")],
                  {"method": "codebook", "model": "codebook-trained coder",
                   "parameters": {"model_sha256": "abc123"}})
    # keyword: k1 accepted with its end moved (adjusted), k2 accepted then its coding deleted,
    # k3 rejected, k4 pending
    e = turn[("i01", 3)][1]
    p.accept([kw[0]], coder="ME", end=e - 3)
    [h2] = p.accept([kw[1]], coder="ME")
    p.delete_coding(h2, coder="ME", expected_version=1)
    p.reject([kw[2]], coder="ME")
    # codebook: s1 accepted then its span edited; s2 accepted and only its memo edited; s3
    # accepted, edited and the edit undone; s4 rejected; s5 accepted and the accept undone
    [c1] = p.accept([cb[0]], coder="YOU")
    p.update_coding(c1, coder="YOU", expected_version=1, start=turn[("i02", 3)][0] + 2)
    [c2] = p.accept([cb[1]], coder="YOU")
    p.update_coding(c2, coder="YOU", expected_version=1, memo="fine as proposed")
    [c3] = p.accept([cb[2]], coder="YOU")
    p.update_coding(c3, coder="YOU", expected_version=1, code="y.d")
    p.undo(coder="YOU")
    p.reject([cb[3]], coder="YOU")
    p.accept([cb[4]], coder="YOU")
    p.undo(coder="YOU")
    yield p
    p.close()


def test_machine_help_is_counted_exactly(helped):
    r = methods_record(helped, agreement=False)
    co, su = r["codings"], r["suggestions"]
    # human: ME 5 direct + k1 (k2's coding deleted); YOU c1, c2, c3
    assert co["human"] == 9 and co["by_coder"] == {"ME": 6, "YOU": 3}
    assert co["from_suggestions"] == 4 and co["edited_after_accept"] == 1  # c1 only
    assert co["adjusted_on_accept"] == 1  # k1
    assert co["from_suggestions_by"] == [
        {"method": "codebook", "model": "codebook-trained coder", "version": "abc123",
         "codings": 3},
        {"method": "keyword", "model": None, "version": None, "codings": 1}]
    assert (su["accepted"], su["rejected"], su["pending"]) == (5, 2, 2)
    assert su["by_method"] == {"codebook": {"accepted": 3, "rejected": 1, "pending": 1},
                               "keyword": {"accepted": 2, "rejected": 1, "pending": 1}}
    assert su["by_code"]["x.a"] == {"accepted": 2, "rejected": 1, "pending": 0,
                                    "acceptance_rate": 2 / 3}
    assert su["by_code"]["x.b"]["acceptance_rate"] is None  # nothing decided yet
    assert su["by_code"]["y.e"] == {"accepted": 1, "rejected": 1, "pending": 1,
                                    "acceptance_rate": 0.5}
    assert [(x["method"], x["model"], x["version"], x["suggestions"])
            for x in r["machine"]["runs"]] == [("keyword", None, None, 4),
                                               ("codebook", "codebook-trained coder", "abc123", 5)]
    assert r["machine"]["statement"] == (
        "Of 9 codings, 4 (44.4%) were first proposed by qualcode's machine coders (qualcode's "
        "codebook-trained coder: 3, qualcode's keyword rules: 1) and accepted by a human coder "
        "(2 of them with their span or code changed by the coder); 2 suggestions were rejected; "
        "2 were never reviewed and are not part of the coding; every machine suggestion was "
        "reviewed by a human coder before use.")
    md = to_markdown(r)
    assert "| x.a | 2 | 1 | 0 | 66.7% |" in md and "| y.e | 1 | 1 | 1 | 50.0% |" in md
    assert "| x.b |" not in md and "1 other code has suggestions not reviewed yet." in md
    assert "| codebook | codebook-trained coder | abc123 | 3 |" in md
    for part, keys in KEYS.items():
        assert keys <= set(r[part])
    assert {"agreement", "saturation"} <= set(r)
    json.dumps(r)  # JSON-ready


def test_the_statement_without_machine_help():
    none = {"accepted": 0, "rejected": 0, "pending": 0}
    co = {"human": 1142, "from_suggestions": 0, "edited_after_accept": 0,
          "adjusted_on_accept": 0, "from_suggestions_by": []}
    assert statement(co, none) == ("All 1,142 codings were made by human coders; no machine "
                                   "suggestions were used.")
    assert statement({**co, "human": 0}, none) == ("There are no codings yet, and no machine "
                                                   "suggestions were used.")
    assert statement(co, {"accepted": 0, "rejected": 208, "pending": 80}) == (
        "All 1,142 codings were made by human coders without machine help: none of the 288 "
        "machine suggestions was accepted (208 rejected, 80 not reviewed).")
    co = {**co, "from_suggestions": 312,
          "from_suggestions_by": [{"method": "codebook", "model": None, "version": None,
                                   "codings": 312}]}
    assert statement(co, {"accepted": 312, "rejected": 208, "pending": 0}) == (
        "Of 1,142 codings, 312 (27.3%) were first proposed by qualcode's codebook-trained coder "
        "and accepted by a human coder; 208 suggestions were rejected; every machine suggestion "
        "was reviewed by a human coder before use.")


def test_codebook_history_and_its_size_over_time(tmp_path):
    with make_project(tmp_path / "p", interviews([["x.a"], ["y.d"]])) as p:
        start = len(p.codebook)  # x, x.a, y, y.d
        assert start == 4
        p.create_code("x.n1", "New one", coder="ME")
        p.update_code("x.n1", name="Renamed", coder="ME")
        p.update_code("x.n1", description="what it means", coder="YOU")
        p.move_code("x.n1", "y", coder="ME")
        p.create_code("x.n2", "Second", coder="YOU")
        p.merge_codes("x.n2", "x.a", coder="ME")
        p.delete_code("y.n1", coder="ME")
        h = methods_record(p, agreement=False)["codebook"]
        assert (h["start"], h["codes"], h["changes"]) == (4, 4, 7)
        assert [(t["action"], t["code"], t["actor"], t["size"]) for t in h["timeline"]] == [
            ("create", "x.n1", "ME", 5), ("rename", "x.n1", "ME", 5), ("edit", "x.n1", "YOU", 5),
            ("move", "x.n1", "ME", 5), ("create", "x.n2", "YOU", 6), ("merge", "x.n2", "ME", 5),
            ("delete", "y.n1", "ME", 4)]
        assert [t["detail"] for t in h["timeline"]][1:4] == [
            "renamed to 'Renamed'", "description edited", "moved under y (now y.n1)"]
        assert h["by_action"] == {"create": 2, "rename": 1, "edit": 1, "move": 1, "merge": 1,
                                  "delete": 1}
        assert all(t["time"] for t in h["timeline"])
        md = to_markdown(methods_record(p, agreement=False))
        assert "4 codes at the start, 4 now; 7 changes recorded" in md
        assert "| YOU | created 'Second' | x.n2 | 6 |" in md


def test_agreement_of_two_coders_with_a_known_alpha(tmp_path):
    # one interview of 4 codable turns; ME codes turns 1, 2 and YOU turns 1, 3 with x.a:
    # A = 1100, B = 1010 -> percent agreement 0.5, Cohen's kappa 0, Krippendorff's alpha
    # 1 - (n-1) * D / E = 1 - 7 * 4 / 32 = 0.125
    ivs = [{"name": "i01", "codes": {"ME": ["x.a", "x.a", "", ""], "YOU": ["x.a", "", "x.a", ""]}}]
    with make_project(tmp_path / "p", ivs) as p:
        a = methods_record(p, n_boot=0)["agreement"]
    assert a["coders"] == ["ME", "YOU"] and a["units"] == 4 and a["codable_units"] == 4
    assert a["share_units"] == 1.0 and a["codes"] == 1
    o = a["overall"]
    assert o["alpha"] == pytest.approx(0.125) and o["percent_agreement"] == pytest.approx(0.5)
    assert o["kappa_name"] == "cohen_kappa" and o["kappa"] == pytest.approx(0.0)
    assert a["range"] == {"min": pytest.approx(0.125), "min_code": "x.a",
                          "max": pytest.approx(0.125), "max_code": "x.a"}
    assert a["paragraph"] == agreement_paragraph(a)
    assert a["paragraph"].startswith(
        "Intercoder agreement was assessed between ME and YOU on the 4 codable turns that two "
        "or more of them coded (100.0% of the 4 codable turns); for each of the 1 codes,")
    assert "Pooled over codes, alpha was 0.125; percent agreement was 50.0% and Cohen's kappa " \
        "0.000." in a["paragraph"]
    assert "How disagreements were resolved is not recorded" in a["paragraph"]


def test_corpus_and_no_agreement_with_one_coder(tmp_path):
    with make_project(tmp_path / "p", interviews([["x.a", "x.b"], ["y.d"]])) as p:
        r = methods_record(p)
    c = r["corpus"]
    assert (c["interviews"], c["cases"], c["codable_turns"]) == (2, 2, 3)
    # "This is answer number 1 of interview i01, in plain words." is 11 words a turn
    assert c["words"] == 33
    assert r["agreement"] is None
    assert r["saturation"] == {"error": "saturation needs at least base size + run length = 4 + "
                                        "2 = 6 interviews; there are 2: code more interviews, or "
                                        "choose a smaller --base or --run"}
    assert "Not assessed: saturation needs" in to_markdown(r)


def test_history_export_refuses_an_unknown_format(helped):
    from qualcode.errors import QualcodeError

    with pytest.raises(QualcodeError, match="unknown history format 'xml'"):
        history_export(helped, "xml")
