"""The pure helpers of the workbench's pages (qualcode/web/static/util.js): one table of cases,
run in ONE Chromium page that loads the script (no server, no page per case)."""
from __future__ import annotations

import json
from pathlib import Path

import pytest

UTIL = Path(__file__).resolve().parents[2] / "qualcode" / "web" / "static" / "util.js"

HARD = ("We started with the brand team and\nthen the\nsales people.\nShort one.\n"
        "And this line is long enough to be a wrapped line of the text\nthe end")
EMOJI = "a😀b c😀 d"  # code points: a=0 😀=1 b=2 ' '=3 c=4 😀=5 ' '=6 d=7

# name (a function of the harness below), arguments, expected result
CASES = [
    # offsets: code points <-> UTF-16 units
    ("toU16", [EMOJI, [0, 1, 2, 3, 8]], [0, 1, 3, 4, 10]),
    ("toCp", [EMOJI, [0, 1, 3, 4, 10]], [0, 1, 2, 3, 8]),
    ("toU16", ["plain", [0, 5]], [0, 5]),
    # selections: white space at both ends left out, in code points
    ("trimSpan", ["  ab 😀 ", 0, 7], {"start": 2, "end": 6}),
    ("trimSpan", ["   ", 0, 3], None),
    ("trimSpan", ["xy z", 4, 0], {"start": 0, "end": 4}),
    ("adjustSpan", ["one two three four", 0, 18, -1, False], {"start": 0, "end": 13}),
    ("adjustSpan", ["one two three four", 0, 18, 1, True], {"start": 4, "end": 18}),
    ("adjustSpan", [EMOJI, 0, 8, -1, False], {"start": 0, "end": 6}),
    ("adjustSpan", ["one", 0, 1, -1, False], {"start": 0, "end": 1}),  # never empty
    # codings per turn, pieces' cut points, stripe lanes
    ("bucketCodings", [[[0, 10], [10, 20], [20, 30]], [[5, 15], [20, 21], [0, 30]]],
     [[0, 2], [0, 2], [1, 2]]),
    ("cutPoints", [[10, 20], [[5, 12], [15, 25], [12, 18]], [[16, 17]]], [10, 12, 15, 16, 17, 18, 20]),
    ("lanes", [[[0, 10], [5, 20], [11, 15], [21, 30]]], [0, 1, 0, 0]),
    # hard-wrapped lines: breaks inside a sentence shown as spaces, short sentence ends kept
    ("unwrap", [HARD], ("We started with the brand team and then the sales people.\nShort one.\n"
                       "And this line is long enough to be a wrapped line of the text the end")),
    ("unwrap", ["Para one.\n\nPara two"], "Para one.\n\nPara two"),
    ("unwrap", ["no breaks"], "no breaks"),
    ("timestamps", ["ok [Pallis 00:00:52] so [00:12:31] and (01:02) not [note] 12:30"],
     [[3, 20], [24, 34], [39, 46]]),
    # colours
    ("withAlpha", ["#0072b2", 0.3], "#0072b24d"),
    ("withAlpha", ["red;x:y", 1], "#888888ff"),  # never a string copied into a style
    ("highlightStyle", [[]], ""),
    ("highlightStyle", [["#0072b2"]], "background-color:#0072b24d"),
    ("highlightStyle", [["#0072b2", "#e69f00"]],
     ("background-image:linear-gradient(to bottom,#0072b26b 0.0%,#0072b26b 50.0%,"
     "#e69f006b 50.0%,#e69f006b 100.0%)")),
    ("inkOn", ["#f0e442"], "#000000"),
    ("inkOn", ["#332288"], "#ffffff"),
    # numbers and text: never null, undefined or NaN on a page
    ("fmt", [0.90749, None], "0.907"),
    ("fmt", [0.90749, 2], "0.91"),
    ("fmt", [0.90749, 3], "0.907"),
    ("fmt", [None, None], "–"),
    ("fmt", [-0.0001, None], "0.000"),
    ("fmt", [-0.01, None], "-0.010"),
    ("fmtNaN", [], "–"),
    ("interval", [0.90749, 0.8812, 0.928], "0.907 [0.881, 0.928]"),
    ("interval", [0.5, None, None], "0.500"),
    ("interval", [None, 0.1, 0.2], "–"),
    ("count", [1234567], "1,234,567"),
    ("count", [None], "–"),
    ("text", [None], ""),
    ("textNaN", [], "–"),
    ("text", [0], "0"),
    ("changeText", ['{"code": "g", "memo": null, "start": 0, "tags": [], "x": {"a": null, "b": 1}}'],
     'code: g, start: 0, x: {"b":1}'),
    ("changeText", ["null"], ""),
    ("changeText", ["plain words"], "plain words"),
    # the chat model's memo and where its evidence is (case, white space, ’ and the quote marks
    # around it ignored, as qualcode.coders.llm checks it); UTF-16 offsets into the text
    ("llmMemo", ["stub-1: “evidence: We report”"], {"model": "stub-1", "evidence": "We report"}),
    ("llmMemo", ["evidence: trust"], {"model": "", "evidence": "trust"}),
    ("llmMemo", ["gemma3-270m"], {"model": "gemma3-270m", "evidence": ""}),
    ("llmMemo", [None], {"model": "", "evidence": ""}),
    ("evidenceSpan", ["We report ROI monthly.", "report ROI"], [3, 13]),
    ("evidenceSpan", ["We  REPORT\n roi monthly.", "report   ROI"], [4, 15]),
    ("evidenceSpan", ["It’s the brand’s voice.", "\"it's the brand's voice.\""], [0, 22]),
    ("evidenceSpan", ["We report ROI.", "trust"], None),
    ("evidenceSpan", ["We report ROI.", " \". "], None),
    ("evidenceSpan", ['Say <b>"hi"</b> & go', '<b>"hi"</b> &'], [4, 17]),
    ("evidenceSpan", ["😀 Trust us", "TRUST"], [3, 8]),
    # the picker: every word matches; name prefix first, then id prefix, then the rest
    ("rankCodes", [[["goal.sales", "Sales"], ["goal.branding", "Brand awareness"],
                    ["tactic.brand", "Tactics"], ["x", "Rebranding"]], "brand"],
     ["goal.branding", "x", "tactic.brand"]),
    ("rankCodes", [[["goal.sales", "Sales"], ["goal.branding", "Brand awareness"]], "goal sa"],
     ["goal.sales"]),
    ("isLetterKey", [{"key": "u"}], True),
    ("isLetterKey", [{"key": "u", "ctrlKey": True}], False),
    ("isLetterKey", [{"key": "Enter"}], False),
]

HARNESS = """(cases) => {
  const U = QCUtil;
  const spans = (list) => list.map(([start, end], id) => ({ id, start, end }));
  const f = {
    toU16: (t, xs) => xs.map(U.offsets(t).toU16),
    toCp: (t, xs) => xs.map(U.offsets(t).toCp),
    trimSpan: (t, a, b) => U.trimSpan(t, U.offsets(t), a, b),
    adjustSpan: (t, a, b, dir, moveStart) => U.adjustSpan(t, U.offsets(t), { start: a, end: b }, dir, moveStart),
    bucketCodings: (turns, cods) => U.bucketCodings(spans(turns), spans(cods)).map((b) => b.map((c) => c.id).sort()),
    cutPoints: (turn, cods, extra) => U.cutPoints({ start: turn[0], end: turn[1] }, spans(cods), spans(extra)),
    lanes: (list) => U.lanes(list.map(([top, bottom]) => ({ top, bottom }))),
    unwrap: U.unwrap, timestamps: U.timestamps, withAlpha: U.withAlpha, highlightStyle: U.highlightStyle,
    inkOn: U.inkOn, fmt: (v, d) => U.fmt(v, d === null ? undefined : d), fmtNaN: () => U.fmt(NaN),
    interval: U.interval, count: U.count, text: U.text, changeText: U.changeText, textNaN: () => U.text(NaN),
    rankCodes: (codes, q) => U.rankCodes(codes.map(([id, name]) => ({ id, name, keywords: [] })), q).map((c) => c.id),
    isLetterKey: U.isLetterKey, llmMemo: U.llmMemo, evidenceSpan: U.evidenceSpan,
  };
  return cases.map(([name, args]) => { try { return f[name](...args); } catch (e) { return "error: " + e.message; } });
}"""


@pytest.fixture(scope="module")
def util_page(browser):
    context = browser.new_context()
    page = context.new_page()
    page.set_content("<!doctype html><title>util</title>")
    page.add_script_tag(path=str(UTIL))
    yield page
    context.close()


def test_util_cases_in_one_page(util_page):
    got = util_page.evaluate(HARNESS, [[name, args] for name, args, _ in CASES])
    wrong = [(name, args, want, out) for (name, args, want), out in zip(CASES, got) if out != want]
    assert not wrong, json.dumps(wrong, ensure_ascii=False, indent=1)


def test_unwrap_keeps_every_offset(util_page):
    """Display only: the shown text has the source's length and the source's characters except
    line breaks shown as spaces, so a selection maps to the same code points."""
    texts = [HARD, EMOJI + "\nnext 😀 line\n\nend", "a\nb\nc", "Q?\nYes.\nNo"]
    for source in texts:
        shown = util_page.evaluate("(t) => QCUtil.unwrap(t)", source)
        assert len(shown) == len(source)
        assert all(s == t or (t == "\n" and s == " ") for s, t in zip(shown, source))
