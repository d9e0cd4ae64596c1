"""Codebook loading, validation messages (asserted exactly) and lookups."""
from __future__ import annotations

import textwrap

import pytest

from qualcode import Codebook, CodebookError

GOOD = """\
name: Tiny
version: "1.0"
codes:
  - id: goal
    name: Goals
    description: Why firms do it.
    children:
      - id: goal.branding
        name: Branding
        description: Image and awareness.
        keywords: [brand awareness, "build * image", Thought Leaders]
        properties:
          associated_firms: [Beta, "Alpha*"]
      - id: goal.sales
        name: Sales
        description: Leads and deals.
  - id: challenge
    name: Challenges
"""


def write(tmp_path, text, name="cb.yaml"):
    p = tmp_path / name
    p.write_text(textwrap.dedent(text), encoding="utf-8")
    return p


def test_load_and_lookups(tmp_path):
    cb = Codebook.load(write(tmp_path, GOOD))
    assert cb.ids() == ["goal", "goal.branding", "goal.sales", "challenge"]
    assert cb.roots() == ["goal", "challenge"]
    assert cb.children("goal") == ["goal.branding", "goal.sales"]
    assert cb.descendants("goal") == ["goal.branding", "goal.sales"]
    assert cb.ancestors("goal.sales") == ["goal"]
    assert cb.leaves() == ["goal.branding", "goal.sales", "challenge"]
    # keywords normalised to lowercase single-spaced phrases
    assert cb["goal.branding"].keywords == ["brand awareness", "build * image", "thought leaders"]
    assert cb["goal.branding"].properties == {"associated_firms": ["Beta", "Alpha*"]}
    assert cb["goal.branding"].line == 8
    assert "goal.sales" in cb and "goal.nothing" not in cb
    with pytest.raises(KeyError):
        cb["nope"]


def test_flat_list_with_parents():
    cb = Codebook.from_dict({"codes": [
        {"id": "a", "name": "A"}, {"id": "a.b", "name": "B", "parent": "a"}]})
    assert cb.children("a") == ["a.b"]


def test_yaml_round_trip(tmp_path):
    cb = Codebook.load(write(tmp_path, GOOD))
    again = Codebook.from_dict(__import__("yaml").safe_load(cb.to_yaml()))
    assert again.ids() == cb.ids()
    assert again.fingerprint() == cb.fingerprint()
    assert again["goal.branding"].keywords == cb["goal.branding"].keywords


def test_fingerprint_changes_with_definition(tmp_path):
    a = Codebook.load(write(tmp_path, GOOD))
    b = Codebook.load(write(tmp_path, GOOD.replace("Leads and deals.", "Leads."), "b.yaml"))
    assert a.fingerprint() != b.fingerprint()


@pytest.mark.parametrize("text, message", [
    # duplicate id
    ("""\
     codes:
       - id: a
         name: A
       - id: a
         name: A again
     """, "cb.yaml, line 4, code a: duplicate id 'a' (first defined on line 2)"),
    # unknown parent (flat form)
    ("""\
     codes:
       - id: a.b
         name: B
         parent: a
     """, "cb.yaml, line 2, code a.b: unknown parent 'a'"),
    # missing name
    ("""\
     codes:
       - id: goal
         description: no name here
     """, "cb.yaml, line 2, code goal: missing 'name'"),
    # malformed keyword: wildcard inside a word
    ("""\
     codes:
       - id: goal
         name: Goal
         keywords: ["influenc*"]
     """, "cb.yaml, line 2, code goal: malformed keyword 'influenc*': '*' must be a whole word (one token)"),
    # malformed keyword: wildcard at the edge
    ("""\
     codes:
       - id: goal
         name: Goal
         keywords: ["* roi"]
     """, "cb.yaml, line 2, code goal: malformed keyword '* roi': '*' must stand between two words"),
    # empty keyword
    ("""\
     codes:
       - id: goal
         name: Goal
         keywords: ["  "]
     """, "cb.yaml, line 2, code goal: empty phrase in 'keywords'"),
    # child id not under its parent
    ("""\
     codes:
       - id: goal
         name: Goal
         children:
           - id: sales
             name: Sales
     """, "cb.yaml, line 5, code sales: id must start with its parent's id 'goal.'"),
    # malformed id
    ("""\
     codes:
       - id: Goal Branding
         name: Goal
     """, "cb.yaml, line 2, code Goal Branding: malformed id 'Goal Branding': use lowercase letters, "
         "digits and _ in dotted parts, e.g. goal.branding"),
    # broken YAML
    ("""\
     codes:
       - id: goal
         name: [unclosed
     """, "cb.yaml, line 4: not valid YAML (expected ',' or ']', but got '<stream end>')"),
    # no codes list
    ("name: x\n", "cb.yaml, line 1: a codebook needs a top-level 'codes:' list"),
    # unknown field (typo)
    ("""\
     codes:
       - id: goal
         name: Goal
         keyword: [x]
     """, "cb.yaml, line 2, code goal: unknown field 'keyword' (fields: children, color, description, "
         "examples, exclude_keywords, exclusion, id, inclusion, keywords, name, parent, properties, source)"),
    # bad colour
    ("""\
     codes:
       - id: goal
         name: Goal
         color: red
     """, "cb.yaml, line 2, code goal: color 'red' is not #RRGGBB"),
])
def test_malformed_codebooks_one_line(tmp_path, monkeypatch, text, message):
    monkeypatch.chdir(tmp_path)
    write(tmp_path, text)
    with pytest.raises(CodebookError) as info:
        Codebook.load("cb.yaml")
    assert str(info.value) == message


def test_empty_and_missing_file(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    write(tmp_path, "")
    with pytest.raises(CodebookError, match=r"^cb\.yaml: empty codebook$"):
        Codebook.load("cb.yaml")
    with pytest.raises(CodebookError, match=r"^nothere\.yaml: no such codebook file$"):
        Codebook.load("nothere.yaml")


def test_markdown_and_frame(tmp_path):
    cb = Codebook.load(write(tmp_path, GOOD))
    md = cb.to_markdown()
    assert "## Goals (`goal`)" in md
    assert "### Branding (`goal.branding`)" in md
    assert "**Definition.** Image and awareness." in md
    assert "| associated firms | Beta, Alpha* |" in md
    frame = cb.to_frame()
    assert list(frame["id"]) == cb.ids()
    assert frame.loc[frame["id"] == "goal.branding", "parent"].item() == "goal"
    assert frame.loc[frame["id"] == "goal.branding", "keywords"].item() == \
        "brand awareness; build * image; thought leaders"
