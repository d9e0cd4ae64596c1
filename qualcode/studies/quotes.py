"""The papers' own quotes as a test corpus: does a coder agree with the papers' authors?

Each visible participant quote in the two papers of ``../shared/seeds/`` becomes one turn; its
label is the category (:data:`~qualcode.studies.b2b_influencer_marketing.CATEGORIES`) of the section
it stands in, by the explicit section map below. A quote is a passage in double quotes followed
by a participant attribution in parentheses: a role and firm pseudonym with no digits in paper 1
("(Chief Marketing Officer, Kappa)"), "(Interview N ...)" in paper 2; literature citations
("(Lou & Yuan, 2019, p. 58)") are not quotes. Entries that read "[quote withheld]" are skipped: they
are held back on purpose to measure the coder from outside, and nothing here tries to recover
them. Quotes in sections without a category (introductions, "the growing importance", the 4.2.2
overview that spans two dimensions, discussion) are not used.

Each paper's authors only coded their own categories, so a category counts on the quotes of the
papers that have it (paper 1: the five process stages, challenge, the four strategies; paper 2: the
six dimensions and challenge). A machine code outside a quote's paper's categories is ignored for
that quote rather than counted as a false positive.
"""
from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pandas as pd

from ..codings import empty_codings, segment_code_matrix
from ..coders.evaluate import EvaluationReport, rollup, score_labels
from ..corpus import Corpus
from ..errors import QualcodeError
from ..readers import Source, Turn
from .b2b_influencer_marketing import CATEGORIES, CODEBOOK, default_seeds_dir

AUTHORS = "authors"

#: paper id -> file, the section map (number, title as printed, category) and tables with quotes.
PAPERS = {
    "mero2023": {
        "file": "mero2023_b2b_influencer_marketing.txt",
        "citation": "Mero, Vanninen & Keränen (2023), B2B influencer marketing: Conceptualization "
                    "and four managerial strategies",
        "sections": [
            ("4.1.1", "Planning B2B influencer marketing", "process.planning"),
            ("4.1.2", "Selecting B2B influencers", "process.selection"),
            ("4.1.3", "Preparation and coordination of B2B influencer marketing", "process.preparation"),
            ("4.1.4", "Content creation and delivery of B2B influencer marketing",
             "process.content_delivery"),
            ("4.1.5", "Evaluation of B2B influencer marketing", "process.evaluation"),
            ("4.1.6", "Key challenges in B2B influencer marketing", "challenge"),
            ("4.2.1", "Reference-based influencer marketing strategy", "strategy.reference_based"),
            ("4.2.2", "Content-based influencer marketing strategy", "strategy.content_based"),
            ("4.2.3", "Interaction-based influencer marketing strategy", "strategy.interaction_based"),
            ("4.2.4", "Purpose-based influencer marketing strategy", "strategy.purpose_based"),
        ],
        "tables": [],
        "scope": ("process.", "challenge", "strategy."),
    },
    "uk_influential": {
        "file": "b2b_influential_marketing_uk.txt",
        "citation": "Influencer marketing within business-to-business organisations (UK study, "
                    "22 interviews)",
        "sections": [
            ("4.2.1.1", "Professionalism and Influentials’ Attributes", "dimension.attributes"),
            ("4.2.1.2", "Reach", "dimension.reach"),
            ("4.2.2.1", "Types of Content", "dimension.content_types"),
            ("4.2.2.2", "Focus of Communication", "dimension.communication_focus"),
            ("4.2.3.1", "Existing Relationships", "dimension.existing_relationships"),
            ("4.2.3.2", "Collaborative Relationships", "dimension.collaborative_relationships"),
            ("4.3", "Challenges in influential marketing", "challenge"),
        ],
        # Table 2 (dimensions, themes and interview quotes): each row's quotes carry its dimension
        "tables": [{
            "title": "Table 2: Dimensions of B2B Influential Marketing", "end": "Fig. 1.",
            "rows": [
                ("SM professionalism", "dimension.attributes"),
                ("Reach", "dimension.reach"),
                ("Types of content", "dimension.content_types"),
                ("Focus of communication", "dimension.communication_focus"),
                ("Existing relationships", "dimension.existing_relationships"),
                ("Collaborative relationships", "dimension.collaborative_relationships"),
            ],
        }],
        "scope": ("dimension.", "challenge"),
    },
}

_HEADING = re.compile(r"^(\d+(?:\.\d+)*)\.?[ \t]+(\S.{0,118})$", re.M)
_CLOSE = re.compile(r"[\"”][ \t]*\(([^()\n]{1,120})\)")
_PARTICIPANT = re.compile(r"^Interview \d+\b|^[^\d]+$")
_PAGE_HEADER = re.compile(r"\n[ \t]*J\. Mero et al\.[ \t]*\n")
COLUMNS = ["paper", "quote", "section", "section_title", "category", "attribution", "text",
           "start", "end"]


def extract_quotes(seeds_dir=None) -> pd.DataFrame:
    """The visible, labelled participant quotes of both papers, one row each (:data:`COLUMNS`).

    ``start``/``end`` are the quote's offsets in the paper's text file (without the quote marks);
    ``text`` is the quote with line breaks and page headers folded into single spaces.
    """
    seeds = Path(seeds_dir) if seeds_dir is not None else default_seeds_dir()
    rows = []
    for paper, spec in PAPERS.items():
        path = seeds / spec["file"]
        try:
            text = path.read_text(encoding="utf-8")
        except FileNotFoundError:
            raise QualcodeError("paper not found; pass the folder that holds the seed papers "
                                "(--seeds)", file=path) from None
        regions = _table_regions(text, spec) + _section_regions(text, spec)
        seen = set()
        for start, end, attribution in _quotes(text):
            region = next((r for r in regions if r[0] <= start < r[1]), None)
            if region is None or region[2] is None:
                continue
            clean = " ".join(_PAGE_HEADER.sub("\n", text[start:end]).split())
            if (clean, region[2]) in seen:
                continue
            seen.add((clean, region[2]))
            rows.append({"paper": paper, "section": region[3], "section_title": region[4],
                         "category": region[2], "attribution": attribution, "text": clean,
                         "start": start, "end": end})
    df = pd.DataFrame(rows, columns=[c for c in COLUMNS if c != "quote"])
    df.insert(1, "quote", [f"{p}-q{i + 1:02d}" for p, i in
                           zip(df["paper"], df.groupby("paper").cumcount())])
    return df[COLUMNS]


def _section_regions(text: str, spec: dict) -> list[tuple]:
    """(start, end, category or None, number, title) for every numbered heading's section."""
    known = {num: (title, cat) for num, title, cat in spec["sections"]}
    heads = list(_HEADING.finditer(text))
    out = []
    for i, m in enumerate(heads):
        num, title = m.group(1), m.group(2).strip()
        end = heads[i + 1].start() if i + 1 < len(heads) else len(text)
        cat = None
        if num in known and title.startswith(known[num][0]):
            cat = known[num][1]
        out.append((m.end(), end, cat, num, title))
    return out


def _table_regions(text: str, spec: dict) -> list[tuple]:
    out = []
    for table in spec["tables"]:
        t0 = text.find(table["title"])
        if t0 < 0:
            raise QualcodeError(f"table {table['title']!r} not found in {spec['file']}")
        t1 = text.find(table["end"], t0)
        t1 = len(text) if t1 < 0 else t1
        starts = []
        for name, cat in table["rows"]:
            m = re.compile(r"^\t" + re.escape(name), re.M).search(text, t0, t1)
            if m is None:
                raise QualcodeError(f"row {name!r} of {table['title']!r} not found")
            starts.append((m.start(), name, cat))
        starts.sort()
        for i, (s, name, cat) in enumerate(starts):
            e = starts[i + 1][0] if i + 1 < len(starts) else t1
            out.append((s, e, cat, table["title"].split(":")[0], name))
    return out


def _quotes(text: str):
    """(start, end, attribution) of each quoted passage followed by a participant attribution."""
    for m in _CLOSE.finditer(text):
        attribution = " ".join(m.group(1).split())
        if not _PARTICIPANT.match(attribution):
            continue  # a literature citation, not a participant
        close = m.start()
        opener = _opening_quote(text, close)
        if opener is not None and close - opener > 1:
            yield opener + 1, close, attribution


def _opening_quote(text: str, close: int, limit: int = 6000) -> int | None:
    """The opening mark matching the closing mark at ``close``; curly quotes may nest inside."""
    depth = 0
    for i in range(close - 1, max(close - limit, -1), -1):
        ch = text[i]
        if ch == "”":
            depth += 1
        elif ch == "“" or ch == '"':
            if depth == 0:
                return i
            depth -= 1
    return None


# -- the quotes as a corpus, and a coder measured on them -----------------------------------------


def quotes_corpus(quotes: pd.DataFrame | None = None, *, seeds_dir=None):
    """A corpus with one document per paper and one turn per quote, and the authors' codings.

    Returns ``(corpus, codings)``; codings have coder ``authors``, method ``human`` and the
    quote's category as ``code``. Speakers are the attributions; none is an interviewer.
    """
    quotes = extract_quotes(seeds_dir) if quotes is None else quotes
    sources, rows = [], []
    for paper, group in quotes.groupby("paper", sort=False):
        parts, turns, pos = [], [], 0
        for q in group.itertuples(index=False):
            line = f"{q.attribution}: "
            start = pos + len(line)
            parts.append(line + q.text + "\n")
            turns.append(Turn(speaker=q.attribution, start=start, end=start + len(q.text)))
            rows.append((paper, start, start + len(q.text), q.category, AUTHORS, "human", q.quote))
            pos += len(parts[-1])
        sources.append(Source(name=paper, text="".join(parts), path="", format="text", turns=turns,
                              attributes={"case": paper, "interviewer": []}))
    corpus = Corpus.from_sources(sources)
    codings = pd.DataFrame(rows, columns=["document", "start", "end", "code", "coder", "method", "memo"])
    return corpus, codings


def evaluate_on_quotes(coder, codebook=None, *, seeds_dir=None, quotes=None) -> EvaluationReport:
    """Agreement of ``coder`` with the papers' authors on the visible quotes, per category.

    Each quote is a unit; the authors' label is its section's category; the machine's codes are
    rolled up to the codebook's categories (:meth:`Codebook.category_mapping`). A codebook that
    does not declare the quotes' categories (:data:`CATEGORIES`) is refused: the quotes do not
    belong to it. Per category: support
    (quotes the authors put there), precision, recall, F1 and Cohen's kappa, counted on the
    quotes of the papers that use the category (see the module docstring).
    """
    codebook = codebook if codebook is not None else coder.codebook
    check_codebook(codebook)
    quotes = extract_quotes(seeds_dir) if quotes is None else quotes
    corpus, authors = quotes_corpus(quotes)
    segments = corpus.codable_segments().reset_index(drop=True)
    labels = list(CATEGORIES)
    ref = segment_code_matrix(authors, segments, labels)
    codes = codebook.ids()
    machine = coder.code(corpus)
    pred_codes = segment_code_matrix(machine, segments, codes) if len(machine) else \
        np.zeros((len(segments), len(codes)), dtype=np.int8)
    mapping = codebook.category_mapping()
    cats, _, pred_c = rollup(pred_codes, pred_codes, codes, mapping)
    pred = np.zeros_like(ref)
    for j, cat in enumerate(cats):
        pred[:, labels.index(cat)] = pred_c[:, j]
    scope = {p: spec["scope"] for p, spec in PAPERS.items()}
    mask = np.array([[any(lab == s or lab.startswith(s) for s in scope[doc]) for lab in labels]
                     for doc in segments["document"]])
    notes = [f"{len(quotes)} visible quotes ({', '.join(f'{p}: {n}' for p, n in quotes['paper'].value_counts(sort=False).items())}); "
             "withheld quotes are not used"]
    per, overall = score_labels(ref, pred, labels, mask=mask, keep_unused=True, notes=notes)
    method = getattr(coder, "method", None) or "classifier"
    return EvaluationReport(per, overall, [], notes, method=method, reference=AUTHORS,
                            level="category")


def check_codebook(codebook) -> None:
    """Raise :class:`QualcodeError` unless ``codebook`` declares every category the papers' quotes
    are labelled with: scored against another codebook, every quote would be a miss."""
    missing = [c for c in CATEGORIES if c not in codebook.categories]
    if missing:
        where = codebook.path or repr(codebook.name)
        more = f" and {len(missing) - 1} more" if len(missing) > 1 else ""
        raise QualcodeError(f"the papers' quotes are labelled with the categories of {CODEBOOK}; "
                            f"codebook {where} does not declare {missing[0]!r}{more} among its "
                            "'categories:', so the quotes do not belong to it")


def evaluate_leave_one_quote_out(factory, codebook, *, seeds_dir=None, quotes=None,
                                 n: int = 6) -> EvaluationReport:
    """:func:`evaluate_on_quotes` with each quote scored by a coder whose codebook lacks that
    quote's own example: ``factory(codebook_without)`` builds the coder (fitted or not) for each
    distinct set of removed examples (an example is the quote's when they share a run of ``n``
    words, :func:`qualcode.coders.semantic.without_examples_from`'s rule), and it codes only the
    quotes that set belongs to. Keywords stay as they are (they were written with the visible
    quotes in view: the keyword evidence is still optimistic here)."""
    from ..coders.semantic import without_examples_from  # lazy: scikit-learn

    class _LeaveOneOut:
        method = ""

        def __init__(self):
            self.codebook = codebook

        def code(self, corpus):
            segments = corpus.codable_segments()
            groups: dict[tuple, tuple] = {}
            for i, text in enumerate(segments["text"]):
                cb_i, _ = without_examples_from(codebook, [text], n=n)
                key = tuple(len(c.examples) for c in cb_i) + tuple(
                    str(e) for c in cb_i for e in c.examples)
                groups.setdefault(key, (cb_i, []))[1].append(i)
            parts = []
            for cb_g, rows in groups.values():
                coder = factory(cb_g)
                self.method = getattr(coder, "method", "") or self.method
                sub = segments.iloc[rows]
                parts.append(coder.code_segments(sub) if hasattr(coder, "code_segments") else
                             _only(coder.code(corpus), sub))
            parts = [p for p in parts if len(p)]
            return pd.concat(parts, ignore_index=True) if parts else empty_codings()

    return evaluate_on_quotes(_LeaveOneOut(), codebook, seeds_dir=seeds_dir, quotes=quotes)


def _only(codings: pd.DataFrame, segments: pd.DataFrame) -> pd.DataFrame:
    keys = set(zip(segments["document"], segments["start"]))
    keep = [(d, s) in keys for d, s in zip(codings["document"], codings["start"])]
    return codings[keep]
