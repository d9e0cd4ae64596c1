"""Benchmark: keyword-code a synthetic corpus of a million words; compare with a naive regex loop.

    python benchmarks/bench_coding.py            # 1,000,000 words
    python benchmarks/bench_coding.py --small    # 50,000 words, a few seconds (CI)
    python benchmarks/bench_coding.py --real     # the sample transcripts' turns, repeated

The synthetic text has a small vocabulary, which spaCy's tokenizer cache likes; ``--real`` repeats
the interviewee turns of ``transcripts_sample/`` instead (varied words and punctuation: slower,
closer to what users see).

The corpus is generated (seeded) from a filler vocabulary with the codebook's keyword phrases
sprinkled in, inflected ("measure" -> "measured") so that lemma matching matters. The codebook is
``codebooks/b2b_influencer_marketing.yaml`` when present (or ``--codebook``), else a synthetic one.
The reference is what one writes first: per segment, per keyword, a compiled regular expression on
the lowercased text (``*`` = one word); it is timed on a sample of segments and reported per word.
It cannot match lemmas, so it also finds fewer hits.
"""
from __future__ import annotations

import argparse
import random
import re
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from qualcode import Codebook, Corpus  # noqa: E402
from qualcode.coders import KeywordCoder  # noqa: E402

FILLER = ("the we our and to of a in that is it for with on this they but so was be have at "
          "customer market team product people think really just about when more year work "
          "campaign content brand partner industry expert time client business social media "
          "week quite good new sales data call project plan idea") .split()
INFLECT = {"measure": "measured", "build": "building", "relationship": "relationships",
           "customer": "customers", "goal": "goals", "generate": "generated", "lead": "leads"}


def synthetic_codebook() -> Codebook:
    words = ["roi", "trust", "webinar", "podcast", "reference", "brand", "awareness", "lead",
             "partner", "expert", "metric", "budget", "audience", "employee", "charity"]
    codes = [{"id": f"c{i}", "name": f"Code {i}",
              "keywords": [f"{words[i % 15]} {words[(i * 7 + 3) % 15]}", f"measure {words[i % 15]}",
                           f"build * {words[(i + 5) % 15]}"]} for i in range(100)]
    return Codebook.from_dict({"codes": codes})


def make_corpus(n_words: int, codebook: Codebook, *, seed: int = 0, turn_words: int = 80,
                turns_per_doc: int = 25) -> tuple[Corpus, int]:
    rng = random.Random(seed)
    phrases = [k for c in codebook for k in c.keywords] or ["nothing"]
    texts, words_done, d = {}, 0, 0
    while words_done < n_words:
        lines = []
        for t in range(turns_per_doc):
            words = []
            while len(words) < turn_words:
                if rng.random() < 0.04:
                    for w in rng.choice(phrases).split():
                        w = rng.choice(FILLER) if w == "*" else w
                        words.append(INFLECT.get(w, w) if rng.random() < 0.5 else w)
                else:
                    words.append(rng.choice(FILLER))
            lines.append(f"Interviewer: question {t}?")
            lines.append(f"P{d}: " + " ".join(words).capitalize() + ".")
            words_done += len(words)
        texts[f"doc{d:05d}"] = "\n".join(lines) + "\n"
        d += 1
    return Corpus.from_texts(texts), words_done


def real_corpus(n_words: int, folder: Path, *, seed: int = 0) -> tuple[Corpus, int]:
    from qualcode import load_transcripts

    turns = load_transcripts(folder).codable_segments()["text"].tolist()
    rng = random.Random(seed)
    texts, words_done, d = {}, 0, 0
    while words_done < n_words:
        picked = [rng.choice(turns) for _ in range(25)]
        texts[f"doc{d:05d}"] = "".join(f"Interviewer: q?\nP: {' '.join(t.split())}\n" for t in picked)
        words_done += sum(len(t.split()) for t in picked)
        d += 1
    return Corpus.from_texts(texts), words_done


def naive_regex(codebook: Codebook, texts: list[str]) -> int:
    rules = [(c.id, re.compile(r"\b" + r"\s+".join(r"\w+" if w == "*" else re.escape(w)
                                                    for w in k.split()) + r"\b"))
             for c in codebook for k in c.keywords]
    hits = 0
    for text in texts:
        low = text.lower()
        found = {cid for cid, rx in rules if rx.search(low)}
        hits += len(found)
    return hits


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--small", action="store_true", help="50,000 words instead of 1,000,000")
    ap.add_argument("--words", type=int, default=None, help="corpus size in words")
    ap.add_argument("--real", action="store_true", help="repeat the sample transcripts' turns")
    ap.add_argument("--codebook", type=Path, default=REPO / "codebooks" / "b2b_influencer_marketing.yaml")
    ap.add_argument("--sample", type=int, default=2000, help="segments timed for the regex reference")
    args = ap.parse_args()
    n = args.words or (50_000 if args.small else 1_000_000)
    codebook = Codebook.load(args.codebook) if args.codebook.exists() else synthetic_codebook()
    n_kw = sum(len(c.keywords) for c in codebook)
    if args.real:
        corpus, words = real_corpus(n, REPO / "transcripts_sample")
    else:
        corpus, words = make_corpus(n, codebook)
    codable = corpus.codable_segments()
    body_words = int(codable["text"].str.split().str.len().sum())
    print(f"corpus: {len(corpus.document_ids)} documents, {len(codable)} codable turns, "
          f"{body_words:,} interviewee words; codebook: {len(codebook)} codes, {n_kw} keywords")

    t0 = time.perf_counter()
    coder = KeywordCoder(codebook)
    build = time.perf_counter() - t0
    t0 = time.perf_counter()
    out = coder.code(corpus)
    secs = time.perf_counter() - t0
    print(f"KeywordCoder: matchers built in {build:.2f} s; coded in {secs:.2f} s = "
          f"{body_words / secs:,.0f} words/s ({len(out):,} codings, matching on {coder.mode})")

    sample = codable["text"].tolist()[: args.sample]
    sample_words = sum(len(t.split()) for t in sample)
    t0 = time.perf_counter()
    naive_hits = naive_regex(codebook, sample)
    naive_secs = time.perf_counter() - t0
    naive_rate = sample_words / naive_secs
    kw_sample = sum(len(h) for h in coder.match_texts(sample))
    print(f"naive regex loop ({len(sample)} turns, {sample_words:,} words): "
          f"{naive_rate:,.0f} words/s; {naive_hits:,} hits vs {kw_sample:,} with lemmas")
    print(f"speed-up over the regex loop: {body_words / secs / naive_rate:.1f}x; "
          f"1,000,000 words would take {1e6 / (body_words / secs):.1f} s")


if __name__ == "__main__":
    main()
