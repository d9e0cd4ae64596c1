"""A reproducible synthetic interview corpus for the benchmarks (``benchmarks/run.py``).

``make_corpus(folder, n_words, codebook, seed=0)`` writes ``folder/transcripts/*.txt`` and
``folder/codings.csv``, and returns (and writes) ``folder/meta.json``.

* Transcripts follow the DESIGN.md text format: YAML front matter (``case``, ``industry``,
  ``firm_size``, ``interviewer``), then alternating ``Interviewer:`` questions and participant
  answers, one turn a line. Two interviews per case (firm). Every interview has
  :data:`TURNS_PER_DOCUMENT` answers, so 200 interviews are exactly 20,000 codable segments (the
  classifier target of issue 7); the last interview of a size is cut short to hit the word count.
* Words are drawn from the vocabulary of ``transcripts_sample/`` with its own (Zipfian)
  frequencies, plus a 2 % tail of made-up rare words so that the vocabulary keeps growing with the
  corpus, as real text does (a tokenizer's cache and a TF-IDF vocabulary both feel that).
* Each answer is about 0-3 of :data:`N_CODES` codebook codes (the four Table 4 strategies and the
  first other leaf codes that have keywords); it contains one or two of each code's keyword
  phrases (``*`` filled with a word), and now and then a phrase of an unrelated code, so the
  keyword coder has hits and misses and the classifier has something to learn.
* ``codings.csv`` holds three synthetic human coders on whole answers: ``ann`` and ``ben`` code
  each true code with probability 0.9 and add a wrong code to 3 % of answers; ``ben`` also ends
  some spans early (character-level disagreement); ``cy`` codes like ``ann`` but only one of each
  firm's two interviews (missing data, as in bench_agreement).

The word count is ``len(text.split())`` of each document's text, which is what
``corpus.summary()["words"]`` reports (it includes the speaker labels).
"""
from __future__ import annotations

import csv
import json
import re
from collections import Counter
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parents[1]
SAMPLE = REPO / "transcripts_sample"
TURNS_PER_DOCUMENT = 100
N_CODES = 50
CODERS = ("ann", "ben", "cy")
INDUSTRIES = ("software", "manufacturing", "logistics", "consulting", "energy")
FIRM_SIZES = ("small", "medium", "large")
_WORD = re.compile(r"[a-z]+(?:'[a-z]+)?")
_SYLLABLES = ("ka", "lo", "mi", "ter", "va", "sun", "dor", "ple", "gri", "tho", "nex", "ru",
              "sa", "fen", "bli", "cor", "wa", "zen", "pol", "ik", "mar", "ost", "lu", "dre")


def sample_vocabulary() -> tuple[list[str], np.ndarray]:
    """Words of the sample transcripts (front matter and speaker labels left out) and their
    relative frequencies, most frequent first."""
    counts: Counter = Counter()
    for path in sorted(SAMPLE.glob("*.txt")):
        text = path.read_text(encoding="utf-8")
        if text.startswith("---\n"):
            text = text.split("\n---", 1)[-1]
        for line in text.splitlines():
            counts.update(_WORD.findall(line.split(":", 1)[-1].lower()))
    if not counts:  # no sample folder: a plain made-up vocabulary keeps the script usable
        counts.update({w: 1000 // (i + 1) + 1 for i, w in enumerate(_made_up_words(2000, 1))})
    words = sorted(counts, key=lambda w: (-counts[w], w))
    freq = np.array([counts[w] for w in words], dtype=float)
    return words, freq / freq.sum()


def _made_up_words(n: int, seed: int) -> list[str]:
    rng = np.random.default_rng(seed)
    syl = np.array(_SYLLABLES)
    parts = rng.integers(0, len(syl), size=(n, 3))
    lengths = rng.integers(2, 4, size=n)
    return ["".join(syl[p[:k]]) for p, k in zip(parts, lengths)]


def benchmark_codes(codebook) -> list[str]:
    """The :data:`N_CODES` codes the synthetic coders use: the Table 4 strategies first, then the
    other leaf codes with keywords, in codebook order."""
    leaves = [c.id for c in codebook if c.keywords and not codebook.children(c.id)]
    strategies = [c for c in leaves if c.startswith("strategy.")]
    return (strategies + [c for c in leaves if c not in strategies])[:N_CODES]


class _Writer:
    """Draws words and phrases; one instance per corpus (all randomness from one seed)."""

    def __init__(self, codebook, codes: list[str], seed: int):
        self.rng = np.random.default_rng(seed)
        self.words, self.p = sample_vocabulary()
        self.rare = _made_up_words(100_000, seed + 1)
        self.codes = codes
        self.phrases = {c: list(codebook[c].keywords) for c in codes}
        self.all_phrases = [ph for c in codes for ph in self.phrases[c]]
        # some codes are much more frequent than others, as in real coding
        w = 1.0 / np.arange(1, len(codes) + 1) ** 0.8
        self.code_p = w / w.sum()
        self._buf: list[str] = []
        self._at = 0

    def _filler(self, n: int) -> list[str]:
        if self._at + n > len(self._buf):  # draw words in bulk: fast at 10M words
            k = max(n, 200_000)
            idx = self.rng.choice(len(self.words), size=k, p=self.p)
            out = [self.words[i] for i in idx]
            rare = np.flatnonzero(self.rng.random(k) < 0.02)
            for i, j in zip(rare, self.rng.integers(0, len(self.rare), rare.size)):
                out[i] = self.rare[j]
            self._buf, self._at = self._buf[self._at:] + out, 0
        got = self._buf[self._at:self._at + n]
        self._at += n
        return got

    def _phrase(self, phrase: str) -> list[str]:
        return [self._filler(1)[0] if w == "*" else w for w in phrase.split()]

    def answer(self) -> tuple[str, list[str]]:
        """One answer's text and the codes it is about."""
        rng = self.rng
        k = rng.choice(4, p=[0.35, 0.4, 0.2, 0.05])
        about = list(dict.fromkeys(rng.choice(self.codes, size=k, p=self.code_p))) if k else []
        n = 15 + int(rng.poisson(40))
        chunks = [self._filler(n)]
        for code in about:
            for _ in range(1 + int(rng.random() < 0.4)):
                ph = self.phrases[code]
                chunks.append(self._phrase(ph[int(rng.integers(len(ph)))]))
        if rng.random() < 0.1:  # an unrelated code's phrase: a keyword hit no human coded
            chunks.append(self._phrase(self.all_phrases[int(rng.integers(len(self.all_phrases)))]))
        words = chunks[0]
        for extra in chunks[1:]:
            at = int(rng.integers(0, len(words) + 1))
            words = words[:at] + extra + words[at:]
        return _sentences(words, rng), about

    def question(self) -> str:
        return _sentences(self._filler(6 + int(self.rng.integers(0, 9))), self.rng)[:-1] + "?"


def _sentences(words: list[str], rng) -> str:
    """Capitalised sentences of 6-18 words with the odd comma."""
    out, i = [], 0
    while i < len(words):
        n = int(rng.integers(6, 19))
        sent = words[i:i + n]
        i += n
        if len(sent) > 5 and rng.random() < 0.5:
            c = int(rng.integers(2, len(sent) - 2))
            sent[c] = sent[c] + ","
        out.append(sent[0].capitalize() + (" " if len(sent) > 1 else "") + " ".join(sent[1:]) + ".")
    return " ".join(out)


def make_corpus(folder: Path, n_words: int, codebook, *, seed: int = 0) -> dict:
    """Write about ``n_words`` words of transcripts and the human codings; return the metadata."""
    folder = Path(folder)
    tdir = folder / "transcripts"
    tdir.mkdir(parents=True, exist_ok=True)
    codes = benchmark_codes(codebook)
    gen = _Writer(codebook, codes, seed)
    rng = np.random.default_rng(seed + 2)
    rows: list[tuple] = []
    words_done, d, n_answers, n_segments_per_doc = 0, 0, 0, []
    while words_done < n_words:
        doc, case_no = f"interview{d:05d}", d // 2
        speaker = f"P{d}"
        front = (f"---\ncase: firm{case_no:05d}\nindustry: {INDUSTRIES[case_no % len(INDUSTRIES)]}\n"
                 f"firm_size: {FIRM_SIZES[case_no % len(FIRM_SIZES)]}\ninterviewer: Interviewer\n---\n")
        body: list[str] = []
        pos, answers = 0, 0
        doc_words = 0
        for _ in range(TURNS_PER_DOCUMENT):
            q = "Interviewer: " + gen.question()
            a_text, about = gen.answer()
            a = f"{speaker}: {a_text}"
            start = pos + len(q) + 1 + len(speaker) + 2
            end = pos + len(q) + 1 + len(a)
            body += [q, a]
            pos = end + 1
            answers += 1
            doc_words += len(q.split()) + len(a.split())
            _code_answer(rows, rng, doc, start, end, about, codes, half=d % 2 == 0)
            if words_done + doc_words >= n_words:
                break
        (tdir / f"{doc}.txt").write_text(front + "\n".join(body) + "\n", encoding="utf-8")
        words_done += doc_words
        n_answers += answers
        n_segments_per_doc.append(answers)
        d += 1
    with open(folder / "codings.csv", "w", newline="", encoding="utf-8") as f:
        w = csv.writer(f)
        w.writerow(["document", "start", "end", "code", "coder"])
        w.writerows(rows)
    meta = {"words": words_done, "documents": d, "codable_segments": n_answers,
            "segments_per_document": n_segments_per_doc, "codes": codes, "seed": seed,
            "codings": len(rows)}
    (folder / "meta.json").write_text(json.dumps(meta), encoding="utf-8")
    return meta


def _code_answer(rows, rng, doc, start, end, about, codes, *, half: bool) -> None:
    """The three synthetic coders' codings of one answer (whole-answer spans)."""
    for coder in CODERS:
        if coder == "cy" and not half:
            continue  # the third coder coded half of the interviews
        chosen = [c for c in about if rng.random() < 0.9]
        if rng.random() < 0.03:
            chosen.append(codes[int(rng.integers(len(codes)))])
        for code in dict.fromkeys(chosen):
            e = end - int(rng.integers(0, 30)) if coder == "ben" and rng.random() < 0.3 else end
            rows.append((doc, start, max(start + 1, e), code, coder))
