"""The keyword coder: the codebook's keyword phrases matched on lemmas, segment by segment.

A code's ``keywords`` are lowercase phrases; ``*`` stands for exactly one token
("build * relationship" matches "build strong relationships"). Phrases are matched on the
lowercased lemma of each token, so "measured ROI" in a transcript hits the keyword "measure roi",
and the keywords themselves go through the same lemmatizer when the patterns are built, so
"measuring roi" in a codebook matches too. A hit of one of a code's ``exclude_keywords`` in a
segment suppresses that code in that segment. There is no negation rule: "we never measure ROI"
still hits "measure roi" (a person reviews every suggestion).

Idioms. Lemma matching folds "it paid off" into "pay off", which is not about payment. A one-word
keyword whose token starts one of :data:`IDIOMS` (matched on lemmas: the keyword's word followed by
the idiom's other words) does not count there; the same word elsewhere in the segment still does.
A keyword phrase that spells the idiom itself ("pay off") is matched as usual.

Score: 1.0 for every hit (DESIGN.md: keyword hits are unweighted). ``memo`` lists the codebook
phrases that matched, ``"; "``-joined, in codebook order.

How tokens get their lowercase lemma, fastest first:

* default (``nlp=None``, or a pipeline whose only component is the lookup lemmatizer): a private
  ``spacy.blank`` tokenizer whose lexemes carry the lowercase lookup lemma in ``NORM``. A lexeme
  is made once per word type, so coding costs only tokenization and matching (about a million
  words a second; ``benchmarks/bench_coding.py``). The lemma is the lookup table's entry for the
  lowercased word, which is what ``spacy.blank("en")`` + the lookup lemmatizer gives on
  lowercased text.
* any other pipeline that sets lemmas (e.g. a trained ``en_core_web_sm`` passed as ``nlp``): texts
  stream through ``nlp.pipe`` and each token's lemma, lowercased, is matched.
* a pipeline without lemmas: tokens are matched on ``LOWER``.
"""
from __future__ import annotations

import operator
from typing import Callable, Iterable

import numpy as np
import pandas as pd

from ..codings import empty_codings, machine_codings
from ..errors import QualcodeError, warn
from ..nlp import blank_pipeline, has_lemmas, lemma_lookup_table
from ..parallel import check_n_jobs, fork_map, processes

CODER_NAME = "qualcode-keyword"
WILDCARD = "*"
PARALLEL_MIN_TEXTS = 2000  # below this, forking costs more than it saves
#: lemma phrases whose first word, matched as a one-word keyword, would be a false hit
#: ("pay" in "it paid off": the project worked, nobody was paid)
IDIOMS = ("pay off", "pay attention", "pay tribute", "pay lip service", "pay a visit",
          "pay the price", "measure up", "reach out", "reach a conclusion", "fake it", "back fire")


class KeywordCoder:
    """Suggest codes where a code's keyword phrases occur in a segment.

    Parameters
    ----------
    codebook : Codebook
        Codes with ``keywords`` (and optionally ``exclude_keywords``).
    nlp : spaCy Language, optional
        Default: the built-in lookup lemmatizer (see the module docstring).
    unit_filter : "codable" | "all" | callable
        Which segments to code: ``"codable"`` (default) skips interviewer turns, ``"all"`` codes
        every segment, a callable takes and returns a segments table.
    batch_size : int
        Texts per ``nlp.pipe`` batch.
    n_jobs : int or None
        Processes that tokenize and match at once. ``None`` (default): one per available core
        when there are at least :data:`PARALLEL_MIN_TEXTS` texts and the platform is Linux, else
        one. Worker processes are forked (POSIX only); the hits never depend on ``n_jobs``.
    coder_name : str
        The ``coder`` column of the output.
    wildcards : "anchor" | "matcher"
        How phrases with ``*`` are found: ``"anchor"`` (default) finds the words before the first
        ``*`` with the PhraseMatcher and checks the rest there; ``"matcher"`` uses spaCy's
        ``Matcher`` (``{}`` = any one token). Both give the same hits; "anchor" is much faster.

    The matchers are built once, here; :meth:`code` may be called on any number of corpora.
    ``warnings`` lists things worth telling the user (e.g. a codebook without keywords).
    """

    method = "keyword"

    def __init__(self, codebook, *, nlp=None, unit_filter: str | Callable = "codable",
                 batch_size: int = 1000, coder_name: str = CODER_NAME, wildcards: str = "anchor",
                 n_jobs: int | None = None):
        if not (callable(unit_filter) or unit_filter in ("codable", "all")):
            raise QualcodeError(f"unit_filter must be 'codable', 'all' or a function, not {unit_filter!r}")
        self.codebook = codebook
        self.unit_filter = unit_filter
        self.batch_size = int(batch_size)
        self.coder_name = coder_name
        if wildcards not in ("anchor", "matcher"):
            raise QualcodeError(f"wildcards must be 'anchor' or 'matcher', not {wildcards!r}")
        self.wildcards = wildcards
        check_n_jobs(n_jobs)
        self.n_jobs = n_jobs
        self._setup_pipeline(nlp)
        self._build_matchers()

    # -- pipeline ---------------------------------------------------------------------------------

    def _setup_pipeline(self, nlp) -> None:
        table = None
        if nlp is None:
            try:
                table = lemma_lookup_table()
            except QualcodeError as exc:  # no spacy-lookups-data: still useful on lowercase
                warn(f"{exc}; matching keywords on lowercase words instead of lemmas")

                nlp = blank_pipeline()
        elif list(nlp.pipe_names) == ["lemmatizer"]:
            table = _lookup_table(nlp)
        if table is not None:
            import spacy  # lazy: spaCy
            from spacy.attrs import LOWER, NORM  # lazy: spaCy

            lang = getattr(nlp, "lang", None) or "en"
            private = spacy.blank(lang)  # its own vocab: the NORM override stays private

            def lemma(text: str) -> str:
                low = text.lower()
                return table.get(low, low)

            # matching reads NORM only: the other lexical attributes (shape, stop word, like_num,
            # ...) would cost a Python call each for every new word type
            private.vocab.lex_attr_getters = {LOWER: str.lower, NORM: lemma}
            for lex in private.vocab:  # lexemes made before the override
                lex.norm_ = lemma(lex.orth_)
            self._nlp, self.mode, self._attr, self._fast = private, "lemma", "NORM", True
        elif has_lemmas(nlp):
            self._nlp, self.mode, self._attr, self._fast = nlp, "lemma", "NORM", False
        else:
            self._nlp, self.mode, self._attr, self._fast = nlp, "lower", "LOWER", False

    def _docs(self, texts: Iterable[str]):
        if self._fast:
            yield from self._nlp.tokenizer.pipe(texts, batch_size=self.batch_size)
            return
        for doc in self._nlp.pipe(texts, batch_size=self.batch_size, n_process=1):
            if self.mode == "lemma":
                for tok in doc:  # the lowercase lemma goes where the matchers look
                    tok.norm_ = (tok.lemma_ or tok.text).lower()
            yield doc

    def normalize(self, phrase: str) -> str:
        """A phrase as the matcher sees it: lowercase lemmas (or lowercase words), ``*`` kept.

        With the default lemmatizer, ``normalize("Measuring the ROI")`` is ``"measure the roi"``.
        """
        doc = next(self._docs([phrase]))
        return " ".join(WILDCARD if t.text == WILDCARD else _attr_value(t, self._attr) for t in doc)

    # -- matchers ---------------------------------------------------------------------------------

    def _build_matchers(self) -> None:
        from spacy.matcher import Matcher, PhraseMatcher  # lazy: spaCy

        vocab = self._nlp.vocab
        self._phrase_matcher = PhraseMatcher(vocab, attr=self._attr)
        self._matcher = Matcher(vocab)
        self._in_phrase_matcher: set[str] = set()
        # pattern key -> [(code id, codebook phrase, is_exclusion)]
        self._rules: dict[str, list[tuple[str, str, bool]]] = {}
        # wildcard phrases by their anchor (the words before the first *):
        # anchor -> [(key, hashed values, None for *)]
        self._anchored: dict[str, list[tuple[str, list[str]]]] = {}
        self._order: dict[tuple[str, str], int] = {}  # (code, phrase) -> position for the memo
        n = 0
        for code in self.codebook:
            for phrases, excl in ((code.keywords, False), (code.exclude_keywords, True)):
                for phrase in phrases:
                    key = self._add_pattern(phrase)
                    self._rules.setdefault(key, []).append((code.id, phrase, excl))
                    self._order[(code.id, phrase)] = n
                    n += 1
        # the PhraseMatcher reports hashes: look keys up by them, not through the string store
        strings = vocab.strings
        self._full_by_id = {strings.add(k): k for k in self._rules if k in self._in_phrase_matcher}
        self._anchored_by_id = {strings.add(a): pats for a, pats in self._anchored.items()}
        # pattern key -> [(code id, memo position, codebook phrase, is_exclusion)]
        self._ranked_rules = {k: [(c, self._order[(c, ph)], ph, ex) for c, ph, ex in rules]
                              for k, rules in self._rules.items()}
        self._token_value = operator.attrgetter("norm" if self._attr == "NORM" else "lower")
        # one-word keyword key -> [the idiom's following words], as the matcher sees them
        self._idioms: dict[str, list[list[str]]] = {}
        for idiom in IDIOMS:
            words = self.normalize(idiom).split()
            if words[0] in self._rules and len(words) > 1:
                # the matcher compares hashes (``token.norm``/``token.lower``), so the tail is hashed
                tail = [self._nlp.vocab.strings.add(w) for w in words[1:]]
                self._idioms.setdefault(words[0], []).append(tail)
        self.n_keywords = sum(len(c.keywords) for c in self.codebook)
        if self.n_keywords == 0:
            warn("the codebook has no keywords: the keyword coder suggests nothing (add "
                 "'keywords:' phrases to codes)")

    def _phrase(self, key: str, doc) -> None:
        if key not in self._in_phrase_matcher:
            self._phrase_matcher.add(key, [doc])
            self._in_phrase_matcher.add(key)

    def _add_pattern(self, phrase: str) -> str:
        doc = next(self._docs([phrase]))
        values = [WILDCARD if t.text == WILDCARD else _attr_value(t, self._attr) for t in doc]
        key = " ".join(values)
        if key in self._rules:
            return key
        if WILDCARD not in values:
            self._phrase(key, doc)
        elif self.wildcards == "matcher":
            self._matcher.add(key, [[{} if v == WILDCARD else {self._attr: v} for v in values]])
        else:
            # spaCy's Matcher tries every pattern at every token (measured: ~80 wildcard phrases
            # made coding 80x slower); instead the PhraseMatcher finds the words before the first
            # "*" and the rest of the phrase is checked at those few places.
            cut = values.index(WILDCARD)
            anchor = " ".join(values[:cut])
            self._phrase(anchor, doc[:cut].as_doc())
            hashed = [None if v == WILDCARD else self._nlp.vocab.strings.add(v) for v in values]
            self._anchored.setdefault(anchor, []).append((key, hashed))
        return key

    # -- coding -----------------------------------------------------------------------------------

    def match_texts(self, texts: Iterable[str]) -> list[dict[str, list[str]]]:
        """For each text, ``{code id: [matched codebook phrases]}`` after exclusions."""
        texts = texts if isinstance(texts, list) else list(texts)
        n = processes(self.n_jobs, len(texts), worth_it=len(texts) >= PARALLEL_MIN_TEXTS)
        if n <= 1:
            return self._match(texts)
        shares = fork_map(lambda b: self._match(texts[b[0]:b[1]]), _shares([len(t) for t in texts], n), n)
        return [hits for share in shares for hits in share]

    def _match(self, texts: list[str]) -> list[dict[str, list[str]]]:
        return [self._hits(doc) for doc in self._docs(texts)]

    def _matched_keys(self, doc) -> set[str]:
        keys: set[str] = set()
        value = self._token_value
        n = len(doc)
        idioms = self._idioms
        for match_id, start, _end in self._phrase_matcher(doc):
            key = self._full_by_id.get(match_id)
            if key is not None and not (key in idioms and _starts_idiom(doc, start + 1, idioms[key], value)):
                keys.add(key)
            for full, pattern in self._anchored_by_id.get(match_id, ()):
                if full in keys or start + len(pattern) > n:
                    continue
                if all(p is None or value(doc[start + i]) == p for i, p in enumerate(pattern)):
                    keys.add(full)
        if len(self._matcher):
            strings = self._nlp.vocab.strings
            keys.update(strings[m[0]] for m in self._matcher(doc))
        return keys

    def _hits(self, doc) -> dict[str, list[str]]:
        keys = self._matched_keys(doc)
        if not keys:
            return {}
        found: dict[str, dict[int, str]] = {}
        excluded: set[str] = set()
        for key in keys:
            for code_id, rank, phrase, excl in self._ranked_rules[key]:
                if excl:
                    excluded.add(code_id)
                else:
                    found.setdefault(code_id, {})[rank] = phrase
        return {c: [p[r] for r in sorted(p)] for c, p in found.items() if c not in excluded}

    def select_segments(self, corpus) -> pd.DataFrame:
        """The segments this coder codes (see ``unit_filter``)."""
        if callable(self.unit_filter):
            return self.unit_filter(corpus.segments)
        return corpus.segments if self.unit_filter == "all" else corpus.codable_segments()

    def code(self, corpus) -> pd.DataFrame:
        """Code a corpus: one row per segment x code with a keyword hit.

        Returns a codings table: ``document, start, end`` (the segment's bounds), ``code``,
        ``coder`` (``qualcode-keyword``), ``segment``, ``method`` (``keyword``), ``score`` (1.0),
        ``memo`` (the matched phrases, ``"; "``-joined). Rows follow the segments' order, codes in
        codebook order within a segment.
        """
        return self.code_segments(self.select_segments(corpus))

    def code_segments(self, segments: pd.DataFrame) -> pd.DataFrame:
        """Code a segments table (columns ``document, segment, start, end, text``)."""
        if self.n_keywords == 0 or segments.empty:
            return empty_codings()
        rank = {cid: i for i, cid in enumerate(self.codebook.ids())}
        rows = []
        meta = zip(segments["document"], segments["segment"], segments["start"], segments["end"])
        for (doc, seg, start, end), hits in zip(meta, self.match_texts(segments["text"].tolist())):
            for code_id in sorted(hits, key=rank.__getitem__):
                rows.append((doc, start, end, code_id, seg, "; ".join(hits[code_id])))
        if not rows:
            return empty_codings()
        out = pd.DataFrame(rows, columns=["document", "start", "end", "code", "segment", "memo"])
        return machine_codings(out, coder=self.coder_name, method=self.method, score=1.0)

    def __repr__(self) -> str:
        return f"<KeywordCoder {self.n_keywords} keywords, matching on {self.mode}>"


# -- processes --------------------------------------------------------------------------------------


def _shares(lengths: list[int], parts: int) -> list[tuple[int, int]]:
    """``parts`` contiguous (start, end) index ranges with about equal total length.

    >>> _shares([1, 1, 1, 1, 4], 2)
    [(0, 4), (4, 5)]
    """
    cum = np.cumsum(lengths)
    # a text that crosses a share's boundary stays in the earlier share
    cuts = np.searchsorted(cum, cum[-1] * np.arange(1, parts) / parts, side="left") + 1
    edges = [0, *sorted(set(np.clip(cuts, 1, len(lengths)).tolist())), len(lengths)]
    return [(a, b) for a, b in zip(edges, edges[1:]) if b > a]


def _starts_idiom(doc, i: int, tails: list[list[str]], value) -> bool:
    """Whether the tokens from ``i`` on spell one of ``tails`` (the rest of an idiom)."""
    return any(i + len(t) <= len(doc) and all(value(doc[i + k]) == w for k, w in enumerate(t))
               for t in tails)


def _attr_value(token, attr: str) -> str:
    return token.norm_ if attr == "NORM" else token.lower_


def _lookup_table(nlp):
    """The lemma lookup table of a pipeline's lookup lemmatizer."""
    lem = nlp.get_pipe("lemmatizer")
    if getattr(lem, "mode", None) != "lookup":
        return None
    return lem.lookups.get_table("lemma_lookup")

