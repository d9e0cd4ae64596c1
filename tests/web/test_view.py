"""CoderView: the project as one coder sees it (what it hides in a blind project, whose names it
masks, which suggestions it lets through) and what it lets that coder change."""
from __future__ import annotations

import pandas as pd
import pytest

from qualcode.errors import NotFoundError
from qualcode.web.http import Forbidden
from qualcode.web.view import SOMEONE, CoderView


@pytest.fixture
def coded(project):
    for coder, start in (("Kim", 394), ("Maya", 977)):
        project.add_coding("alpha", start, start + 40, "goal.sales", coder=coder)
    project.set_memo("document", "alpha", "Maya's memo", coder="Maya")
    return project


def run(project, coder, method, learned=None, start=1300):
    df = pd.DataFrame([{"document": "alpha", "start": start, "end": start + 40,
                        "code": "goal.sales", "score": 0.5, "method": method}])
    params = {} if learned is None else {"learned_from": learned}
    project.replace_suggestions(df, coder=coder, run={"method": method, "parameters": params})


def test_an_open_project_shows_everything(coded):
    view = CoderView(coded, "Kim", "coder", blind=False)
    assert view.coders() == ["Kim", "Maya"]
    assert view.memo("document", "alpha")["others"][0]["coder"] == "Maya"
    assert view.name("Maya") == "Maya"


def test_a_blind_view_holds_only_the_coders_own_work(coded):
    view = CoderView(coded, "Kim", "coder", blind=True)
    assert view.codings()["coder"].tolist() == ["Kim"]
    assert view.coders() == ["Kim"]
    assert view.memos().empty and view.memos(coder="Maya").empty
    assert view.memo("document", "alpha") == {"text": "", "version": 0, "others": []}
    maya_id = int(coded.codings(coder="Maya")["id"].iloc[0])
    with pytest.raises(NotFoundError):
        view.coding(maya_id)
    with pytest.raises(NotFoundError):
        view.history(coding=maya_id)
    assert set(view.history()["actor"]) == {"Kim"}  # Maya's acts are not shown at all
    assert view.name("Maya") == SOMEONE and view.name("qualcode-keyword") == "qualcode-keyword"


def test_a_blind_view_shows_suggestions_only_of_models_that_learned_from_the_coder(coded):
    run(coded, "qualcode-keyword", "keyword", start=1300)          # the codebook's rules
    run(coded, "qualcode-a", "classifier", ["Kim"], start=1400)    # learned from Kim alone
    run(coded, "qualcode-b", "classifier", ["Maya"], start=1500)   # from Maya
    run(coded, "qualcode-c", "classifier", ["Kim", "Maya"], start=1600)
    run(coded, "qualcode-classifier", "classifier", start=1700)   # unknown: from everyone
    kim = CoderView(coded, "Kim", "coder", blind=True)
    assert sorted(kim.suggestions()["coder"]) == ["qualcode-a", "qualcode-keyword"]
    assert sorted(kim.machine_runs()["coder"]) == ["qualcode-a", "qualcode-keyword"]
    maya_sid = int(coded.suggestions(coder="qualcode-b")["id"].iloc[0])
    with pytest.raises(NotFoundError):
        kim.accept([maya_sid])
    open_view = CoderView(coded, "Kim", "coder", blind=False)
    assert len(open_view.suggestions()) == 5


def test_a_blind_view_hides_other_coders_review_decisions(coded):
    run(coded, "qualcode-keyword", "keyword")
    sid = int(coded.suggestions()["id"].iloc[0])
    CoderView(coded, "Maya", "coder", blind=True).reject([sid])
    kim = CoderView(coded, "Kim", "coder", blind=True)
    assert kim.training_decisions().empty
    assert kim.suggestions(status=["accepted", "rejected"]).empty
    assert len(CoderView(coded, "Maya", "coder", blind=True).training_decisions()) == 1


def test_writes_are_the_coders_own_and_owners_reshape(coded):
    kim = CoderView(coded, "Kim", "coder", blind=False, owners=["Olga"])
    maya_id = int(coded.codings(coder="Maya")["id"].iloc[0])
    with pytest.raises(Forbidden, match="Maya's: only Maya"):
        kim.update_coding(maya_id, expected_version=1, end=1100)
    with pytest.raises(Forbidden, match=r"owners \(Olga\)"):
        kim.merge_codes("goal.sales", "goal.branding")
    kim.create_code("goal.new", "New")  # coders may create codes
    assert "goal.new" in coded.codebook
    blind = CoderView(coded, "Kim", "coder", blind=True, owners=["Olga"])
    with pytest.raises(Forbidden) as info:
        blind.update_code("goal.new", name="Other")
    assert "Olga" not in str(info.value)  # blind: no other name, not even the owner's
    owner = CoderView(coded, "Olga", "owner", blind=False)
    owner.merge_codes("goal.sales", "goal.branding")  # recodes everyone's work: an owner's act
    assert set(coded.codings()["code"]) == {"goal.branding"}


def test_a_blind_view_gives_the_viewer_as_reference_coder(coded):
    coded.set_setting("reference_coder", "Maya")
    assert CoderView(coded, "Kim", "coder", blind=True).settings.reference_coder == "Kim"
    assert CoderView(coded, "Kim", "coder", blind=False).settings.reference_coder == "Maya"
