"""TF-IDF of word n-grams and of ``char_wb`` n-grams, counted with numpy and scipy.

The numbers are those of scikit-learn's ``TfidfVectorizer`` with ``analyzer="word"`` (default
token pattern) or ``analyzer="char_wb"``, ``smooth_idf=True`` and ``norm="l2"``: the same
vocabulary, numbered in the same (alphabetical) order, the same idf vector (the same bits) and the
same matrix, to rounding (a row's l2 norm may add its terms in another order: about 1e-16).
scikit-learn makes every n-gram of every word of every text as a Python string and counts the
strings in a dict: 14 million strings for a million words. Here the texts are split into words
once, n-grams are numbered with numpy instead of being made as strings, counted with sparse
matrices, and a string is made only for the n-grams that need one (those kept, and those tied at
the ``max_features`` cut; in :func:`count_block`, one per distinct n-gram of the texts):

* Texts are split on whitespace (:class:`Words`); the distinct words are numbered, and a text is a
  row of ``W`` (texts x distinct words, counts). scikit-learn's ``char_wb`` analyzer first replaces
  runs of whitespace by one space, then splits with ``str.split()``: ``re``'s ``\\s`` and
  ``str.isspace`` are the same characters (every code point checked), so splitting alone is the
  same.
* ``char_wb``: scikit-learn takes the n-grams of each word padded with a space on either side,
  ``" word "``, separately (:func:`char_wb_ngrams`). So a text's n-gram counts are the sum over its
  words of each word's n-gram counts: ``W @ G``, where ``G`` (distinct words x distinct n-grams)
  counts the n-grams of each distinct word (:class:`_CharGrams`). Words repeat (a million words of
  interviews have some 20 thousand distinct ones): the n-grams are found once per distinct word,
  and the sum over the words is a sparse matrix product.
* ``word``: the tokens are ``re.findall(r"(?u)\\b\\w\\w+\\b", text)``. No whitespace character
  is a word character (every code point checked), so a token never spans whitespace and ``\\b`` is
  the same at a word's edge as at the text's: a text's tokens are its words' tokens, one word after
  the other, and the regular expression runs once per distinct word. The n-grams are the runs of
  n consecutive tokens of one text joined by a space; tokens have no whitespace, so different runs
  make different strings, and runs are counted as numbers: an n-gram is numbered from the number
  of its first n-1 tokens and that of its last token (``np.unique``).

Then, as scikit-learn does, a term is kept if it occurs in at least ``min_df`` and at most
``max_df`` texts; of those, the ``max_features`` terms with the largest total count; the kept terms
are sorted and numbered alphabetically. Terms tied at the ``max_features`` cut are taken in
alphabetical order: scikit-learn takes an arbitrary subset of them (an unstable sort), so the
vocabulary is scikit-learn's whenever the counts have no tie at the cut, and deterministic always.

Weights (:func:`weigh`): the counts as float64, ``1 + log(count)`` with ``sublinear_tf``, times
``idf = log((1 + n) / (1 + df)) + 1`` (n texts, df of them with the term), each row divided by its
euclidean norm (a row of zeros stays zeros). Several blocks of columns (the word and the character
n-grams) are made side by side by one sparse product, ``[C  W] @ diag(I, G)``, straight into the
result, and each block's rows are normalised separately. The column indices of a row are not
sorted (nor are scikit-learn's after fitting).

:func:`fit_block` learns a vocabulary, :func:`count_block` counts a fitted vocabulary's terms
(others are ignored), :func:`weigh` makes the TF-IDF matrix (fitting the idf of fitted blocks);
:func:`fit_transform` and :func:`transform` do it for one block. They take texts already
lowercased (if the vectorizer lowercases), or a :class:`Words` to split the texts once for both
blocks.
"""
from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from itertools import chain, repeat
from numbers import Integral

import numpy as np
import scipy.sparse as sp

#: scikit-learn's default ``token_pattern``: words of two or more word characters
TOKEN_PATTERN = r"(?u)\b\w\w+\b"
ANALYZERS = ("word", "char_wb")

_find_tokens = re.compile(TOKEN_PATTERN).findall
_BLOCK = 1 << 20  # matrix entries handled at a time (arrays of 8 MB)


class Block:
    """A block of columns of a TF-IDF matrix: its terms' counts in some texts, ``left @ right``
    (``right=None``: ``left``; float64, exact), the ``vocabulary`` (term -> column), the ``idf``
    (``None``: not fitted yet, see :func:`weigh`) and whether counts are weighted ``1 + log``."""

    def __init__(self, left: sp.csr_matrix, right: sp.csr_matrix | None, vocabulary: dict[str, int],
                 idf: np.ndarray | None, sublinear_tf: bool):
        self.left, self.right, self.vocabulary = left, right, vocabulary
        self.idf, self.sublinear_tf = idf, sublinear_tf
        self.n_terms = len(vocabulary)


def fit_block(docs, *, analyzer: str, ngram_range: tuple[int, int], min_df=1, max_df=1.0,
              max_features: int | None = None, sublinear_tf: bool = True) -> Block:
    """Learn the vocabulary of ``docs``: a :class:`Block` with their counts (idf: see :func:`weigh`).

    Parameters
    ----------
    docs : list of str or Words
        The texts, already lowercased.
    analyzer : {"word", "char_wb"}
    ngram_range : (min_n, max_n)
        With ``1 <= min_n <= max_n``.
    min_df, max_df : int or float
        Document frequency limits: a number of texts, or (float) a proportion of them.
    max_features : int or None
        Keep at most this many terms, the most frequent (ties: the alphabetically first).
    sublinear_tf : bool
        Weight a count c as ``1 + log(c)`` instead of c.

    Raises
    ------
    ValueError
        When no term is left, or ``max_df`` allows fewer texts than ``min_df`` (as scikit-learn).
    """
    _check(analyzer, ngram_range)
    if max_features is not None and max_features < 1:
        raise ValueError(f"max_features must be at least 1, not {max_features!r}")
    words = Words.of(docs)
    terms = _WordTerms(words, ngram_range) if analyzer == "word" else _CharTerms(words, ngram_range)
    if terms.n_terms == 0:
        raise ValueError("empty vocabulary; perhaps the documents only contain stop words")
    n_docs = words.n_docs
    low = min_df if isinstance(min_df, Integral) else min_df * n_docs
    high = max_df if isinstance(max_df, Integral) else max_df * n_docs
    if high < low:
        raise ValueError("max_df corresponds to < documents than min_df")
    # every term occurs in 1 to n_docs texts: document frequencies are needed only for other limits
    df = terms.document_frequency() if (low > 1 or high < n_docs) else None
    kept, strings = select_terms(terms.total_counts(), df, low, high, max_features, terms.strings)
    if len(kept) == 0:
        raise ValueError("After pruning, no terms remain. Try a lower min_df or a higher max_df.")
    left, right = terms.counts(kept)
    return Block(left, right, dict(zip(strings, range(len(strings)))), None, sublinear_tf)


def count_block(docs, *, analyzer: str, ngram_range: tuple[int, int], vocabulary: dict[str, int],
                idf: np.ndarray, sublinear_tf: bool = True) -> Block:
    """The counts of a fitted ``vocabulary`` (term -> column, with its ``idf``) in ``docs`` (list
    of str, already lowercased, or :class:`Words`); terms outside the vocabulary are not counted."""
    _check(analyzer, ngram_range)
    words = Words.of(docs)
    if analyzer == "word":
        left, right = _word_counts(words, ngram_range, vocabulary), None
    else:
        left, right = words.matrix(), _char_counts(words, ngram_range, vocabulary)
    return Block(left, right, vocabulary, np.asarray(idf, dtype=np.float64), sublinear_tf)


def weigh(blocks: list[Block]) -> sp.csr_matrix:
    """The TF-IDF matrix (csr, float64) of blocks of the same texts, side by side, the part of each
    row in each block of unit norm. A block without idf is given the smooth idf of these texts
    (fitting). The blocks' counts are used up (weighted in place where they can be).

    The counts are made by one sparse product, ``[L1 L2 ..] @ diag(R1, R2, ..)``, straight into
    the result (no copy of each block into the whole, as ``scipy.sparse.hstack`` would make).
    """
    X = _stack(blocks)
    offsets = np.cumsum([0] + [b.n_terms for b in blocks])
    if any(b.idf is None for b in blocks):
        idf = smooth_idf(X)
        for b, start, stop in zip(blocks, offsets[:-1], offsets[1:]):
            if b.idf is None:
                b.idf = idf[start:stop].copy()
    _weigh(X, np.concatenate([b.idf for b in blocks]), offsets,
           np.array([b.sublinear_tf for b in blocks]))
    return X


def fit_transform(docs, **params) -> tuple[sp.csr_matrix, dict[str, int], np.ndarray]:
    """The TF-IDF matrix, vocabulary and idf of ``docs`` (see :func:`fit_block` for ``params``)."""
    block = fit_block(docs, **params)
    X = weigh([block])
    return X, block.vocabulary, block.idf


def transform(docs, **params) -> sp.csr_matrix:
    """The TF-IDF matrix of ``docs`` with a fitted vocabulary and idf (see :func:`count_block`)."""
    return weigh([count_block(docs, **params)])


def char_wb_ngrams(word: str, min_n: int, max_n: int) -> list[str]:
    """The n-grams scikit-learn's ``char_wb`` analyzer takes from one whitespace-free ``word``.

    The word is padded with a space on either side; for each n from ``min_n`` to ``max_n``, all
    its n-grams, except that a padded word of at most n characters is taken once, whole, and the
    larger n are skipped (``TfidfVectorizer._char_wb_ngrams``).
    """
    padded = f" {word} "
    size = len(padded)
    out = []
    for n in range(min_n, max_n + 1):
        if size <= n:
            out.append(padded)
            break
        out.extend([padded[i:i + n] for i in range(size - n + 1)])
    return out


def smooth_idf(counts: sp.csr_matrix) -> np.ndarray:
    """``log((1 + n) / (1 + df)) + 1`` per column of a texts x terms count matrix, computed as
    scikit-learn's ``TfidfTransformer`` computes it (so the values are the same bits)."""
    df = np.zeros(counts.shape[1], dtype=np.int64)
    for a, b in _chunks(len(counts.indices)):
        df += np.bincount(counts.indices[a:b], minlength=counts.shape[1])
    return np.log(float(counts.shape[0] + 1) / (df.astype(np.float64) + 1.0)) + 1.0


def select_terms(total: np.ndarray, df: np.ndarray | None, low: float, high: float,
                 max_features: int | None, strings: Callable[[np.ndarray], list[str]]
                 ) -> tuple[np.ndarray, list[str]]:
    """The terms scikit-learn keeps, as (term ids, their strings), both in alphabetical order.

    Parameters
    ----------
    total : ndarray
        Each term's count in all texts.
    df : ndarray or None
        Each term's document frequency; ``None`` when every term is within ``[low, high]``.
    low, high : number
        Document frequency limits (in texts).
    max_features : int or None
        Keep the terms with the largest ``total``; of the terms tied at the cut, those first in
        alphabetical order.
    strings : callable
        The strings of an array of term ids (asked only for the terms that need one).
    """
    candidates = np.arange(len(total))
    if df is not None:
        candidates = candidates[(df >= low) & (df <= high)]
    tied_ids, tied_strings = np.zeros(0, dtype=np.int64), []
    if max_features is not None and len(candidates) > max_features:
        counts = total[candidates]
        cut = np.partition(counts, len(counts) - max_features)[len(counts) - max_features]
        tied = candidates[counts == cut]
        candidates = candidates[counts > cut]
        tied_strings = strings(tied)
        first = sorted(range(len(tied)), key=tied_strings.__getitem__)[:max_features - len(candidates)]
        tied_ids, tied_strings = tied[first], [tied_strings[i] for i in first]
    ids = np.concatenate([candidates, tied_ids])
    names = strings(candidates) + tied_strings
    order = sorted(range(len(names)), key=names.__getitem__)
    return ids[order], [names[i] for i in order]


# -- the texts as numbers -------------------------------------------------------------------------


class Words:
    """Texts split on whitespace: the distinct words (``types``), and each text's words as numbers
    into them (``ids``, the texts one after the other, ``lengths[i]`` words for text i)."""

    def __init__(self, docs: list[str]):
        self.types, self.ids, self.lengths = _number(map(str.split, docs))
        self.n_docs = len(self.lengths)
        self._matrix = self._tokens = None

    @classmethod
    def of(cls, docs) -> Words:
        return docs if isinstance(docs, cls) else cls(docs)

    def matrix(self) -> sp.csr_matrix:
        """Texts x distinct words, the counts (float64: the counts are exact)."""
        if self._matrix is None:
            self._matrix = _count_matrix(self.ids, self.lengths, len(self.types), np.float64)
        return self._matrix

    def tokens(self) -> tuple[list[str], np.ndarray, np.ndarray]:
        """The texts' tokens (``TOKEN_PATTERN``) as (distinct tokens, each text's tokens as numbers
        into them one text after the other, number of tokens of each text)."""
        if self._tokens is None:
            tokens, type_tokens, per_type = _number(map(_find_tokens, self.types))
            starts = np.cumsum(per_type) - per_type  # where a word's tokens are in type_tokens
            per_word = per_type[self.ids]
            ends = np.cumsum(per_word)
            # each word's tokens in turn: position k of a word w is type_tokens[starts[w] + k]
            n_tokens = int(ends[-1]) if len(ends) else 0
            source = np.repeat(starts[self.ids] - (ends - per_word), per_word) + np.arange(n_tokens)
            word_ends = np.concatenate([[0], ends])[np.cumsum(self.lengths)]
            self._tokens = tokens, type_tokens[source], np.diff(word_ends, prepend=0)
        return self._tokens


# -- character n-grams ----------------------------------------------------------------------------


class _CharGrams:
    """The ``char_wb`` n-grams of some distinct words, numbered without making their strings.

    The padded words ``" word "`` are written one after the other and read as an array of code
    points; an L-gram is numbered from the number of the (L-1)-gram it starts with and its last
    character (``np.unique``), for L = 1 to ``max_n``, within a word only. A word of ``size``
    characters (padded) gives, as :func:`char_wb_ngrams`, all its L-grams for L from ``min_n`` to
    ``min(size, max_n)`` (at L = size: the whole word), and if ``size < min_n`` the whole word.
    ``matrix``: words x n-grams counts; ``strings(ids)``: n-grams as strings.
    """

    def __init__(self, words: list[str], ngram_range):
        min_n, max_n = ngram_range
        self.text = "".join([f" {w} " for w in words])
        sizes = np.fromiter(map(len, words), dtype=np.int64, count=len(words)) + 2
        word_of = np.repeat(np.arange(len(words)), sizes)
        word_end = np.repeat(np.cumsum(sizes), sizes)  # one past the word of each position
        positions = np.arange(len(self.text))
        # "surrogatepass": a lone surrogate (texts read with errors="surrogateescape") is a character
        points = np.frombuffer(self.text.encode("utf-32-le", "surrogatepass"), dtype=np.uint32)
        chars = np.unique(points, return_inverse=True)[1].ravel()
        n_chars = int(chars.max()) + 1 if len(chars) else 1
        word_start = np.cumsum(sizes) - sizes
        found = []  # (positions, numbers, n) of the n-grams taken
        number = chars  # the number of the n-gram starting at each position (-1: none)
        for n in range(1, max_n + 1):
            if n > 1:
                starts = positions[positions + n <= word_end]
                codes = number[starts] * n_chars + chars[starts + n - 1]
                number = np.full(len(positions), -1, dtype=np.int64)
                number[starts] = np.unique(codes, return_inverse=True)[1].ravel()
            else:
                starts = positions
            if n >= min_n:
                found.append((starts, number[starts], n))
            else:  # the words of n characters (padded), shorter than min_n, are taken whole
                whole = word_start[sizes == n]
                found.append((whole, number[whole], n))
        at = np.concatenate([f[0] for f in found])
        lengths = np.concatenate([np.full(len(f[0]), f[2]) for f in found])
        keys = np.concatenate([f[1] for f in found]) * (max_n + 1) + lengths
        _, grams = np.unique(keys, return_inverse=True)
        grams = grams.ravel()
        self.n_grams = int(grams.max()) + 1 if len(grams) else 0
        self.start = np.zeros(self.n_grams, dtype=np.int64)  # where an n-gram occurs (any place)
        self.start[grams] = at
        self.size = np.zeros(self.n_grams, dtype=np.int64)
        self.size[grams] = lengths
        self.matrix = sp.csr_matrix((np.ones(len(grams)), (word_of[at], grams)),
                                    shape=(len(words), self.n_grams))  # duplicates are summed

    def strings(self, ids: np.ndarray) -> list[str]:
        text = self.text
        return [text[a:a + n] for a, n in zip(self.start[ids].tolist(), self.size[ids].tolist())]


class _CharTerms:
    """The ``char_wb`` n-grams of some texts: ``words @ grams`` counts them (texts x distinct
    words x distinct n-grams)."""

    def __init__(self, words: Words, ngram_range):
        self.words = words.matrix()
        self.grams = _CharGrams(words.types, ngram_range)
        self.n_terms = self.grams.n_grams
        self.strings = self.grams.strings

    def total_counts(self) -> np.ndarray:
        return self.grams.matrix.T @ np.asarray(self.words.sum(axis=0)).ravel()

    def document_frequency(self, chunk: int = 10_000) -> np.ndarray:
        df = np.zeros(self.n_terms, dtype=np.int64)
        for start in range(0, self.words.shape[0], chunk):  # in chunks: the product can be big
            df += np.bincount((self.words[start:start + chunk] @ self.grams.matrix).indices,
                              minlength=self.n_terms)
        return df

    def counts(self, kept: np.ndarray) -> tuple[sp.csr_matrix, sp.csr_matrix]:
        """Texts x ``kept`` terms, as a product (texts x words, words x ``kept`` n-grams)."""
        return self.words, self.grams.matrix[:, kept]


def _char_counts(words: Words, ngram_range, vocabulary: dict[str, int]) -> sp.csr_matrix:
    """Distinct words x ``vocabulary`` counts of ``char_wb`` n-grams (one string and one look-up
    per distinct n-gram)."""
    grams = _CharGrams(words.types, ngram_range)
    return _columns(grams.matrix, grams.strings(np.arange(grams.n_grams)), vocabulary)


# -- word n-grams ---------------------------------------------------------------------------------


class _Level:
    """The n-grams of one n in some texts: ``grams`` numbers each occurrence (0 to ``n_grams`` - 1),
    ``docs`` gives its text, and ``first[g]`` a token position where n-gram g starts."""

    def __init__(self, n: int, grams: np.ndarray, docs: np.ndarray, first: np.ndarray):
        self.n, self.grams, self.docs, self.first = n, grams, docs, first
        self.n_grams = len(first)

    def strings(self, grams: np.ndarray, tokens: list[str], ids: np.ndarray) -> list[str]:
        """The strings of n-grams ``grams`` (``tokens``: the distinct tokens, ``ids``: the texts)."""
        starts = self.first[grams]
        words = [map(tokens.__getitem__, ids[starts + k].tolist()) for k in range(self.n)]
        return list(map(" ".join, zip(*words)))


def _levels(ids: np.ndarray, lengths: np.ndarray, n_tokens: int, ngram_range) -> list[_Level]:
    """The n-grams, for each n in ``ngram_range``, of texts of ``lengths`` tokens (``ids``, numbers
    below ``n_tokens``, one text after the other). An n-gram is numbered from the number of the
    (n-1)-gram it starts with and its last token, so only numbers are compared."""
    min_n, max_n = ngram_range
    doc_of = np.repeat(np.arange(len(lengths)), lengths)
    doc_end = np.repeat(np.cumsum(lengths), lengths)  # one past the last token of each token's text
    positions = np.arange(len(ids))
    levels = []
    starts, grams = positions, ids
    first = np.zeros(n_tokens, dtype=np.int64)
    first[ids] = positions  # some position of each token (any one will do)
    for n in range(1, max_n + 1):
        if n > 1:
            previous = np.full(len(ids), -1, dtype=np.int64)  # (n-1)-gram starting at a position
            previous[starts] = grams
            starts = positions[positions + n <= doc_end]
            codes = previous[starts] * max(n_tokens, 1) + ids[starts + n - 1]
            _, grams = np.unique(codes, return_inverse=True)
            grams = grams.ravel()
            first = np.zeros(grams.max() + 1 if len(grams) else 0, dtype=np.int64)
            first[grams] = starts
        if n >= min_n:
            levels.append(_Level(n, grams, doc_of[starts], first))
    return levels


class _WordTerms:
    """The word n-grams of some texts: the n-grams of each n numbered one n after the other
    (``offsets``), and their texts x n-grams counts (``matrix``)."""

    def __init__(self, words: Words, ngram_range):
        self.tokens, self.ids, lengths = words.tokens()
        self.levels = _levels(self.ids, lengths, len(self.tokens), ngram_range)
        self.offsets = np.cumsum([0] + [lv.n_grams for lv in self.levels])
        self.n_terms = int(self.offsets[-1])
        rows = np.concatenate([lv.docs for lv in self.levels])
        columns = np.concatenate([lv.grams + off for lv, off in zip(self.levels, self.offsets)])
        self.matrix = sp.csr_matrix((np.ones(len(rows)), (rows, columns)),
                                    shape=(words.n_docs, self.n_terms))  # duplicates are summed

    def total_counts(self) -> np.ndarray:
        return np.asarray(self.matrix.sum(axis=0)).ravel()

    def document_frequency(self) -> np.ndarray:
        return np.bincount(self.matrix.indices, minlength=self.n_terms)

    def counts(self, kept: np.ndarray) -> tuple[sp.csr_matrix, None]:
        """Texts x ``kept`` terms."""
        return self.matrix[:, kept], None

    def strings(self, ids: np.ndarray) -> list[str]:
        level = np.searchsorted(self.offsets, ids, side="right") - 1
        out = np.empty(len(ids), dtype=object)
        for k, lv in enumerate(self.levels):
            at = np.flatnonzero(level == k)
            if len(at):
                out[at] = lv.strings(ids[at] - self.offsets[k], self.tokens, self.ids)
        return out.tolist()


def _word_counts(words: Words, ngram_range, vocabulary: dict[str, int]) -> sp.csr_matrix:
    """Texts x ``vocabulary`` counts of word n-grams (one string and one look-up per distinct
    n-gram)."""
    terms = _WordTerms(words, ngram_range)
    return _columns(terms.matrix, terms.strings(np.arange(terms.n_terms)), vocabulary)


# -- helpers --------------------------------------------------------------------------------------


def _stack(blocks: list[Block]) -> sp.csr_matrix:
    """The blocks' counts side by side (float64): ``[L1 L2 ..] @ diag(R1, R2, ..)``."""
    left = blocks[0].left if len(blocks) == 1 else sp.hstack([b.left for b in blocks], format="csr")
    if all(b.right is None for b in blocks):
        return sp.csr_matrix(left, dtype=np.float64)
    right = [sp.identity(b.n_terms, format="csr") if b.right is None else b.right for b in blocks]
    right = right[0] if len(right) == 1 else sp.block_diag(right, format="csr")
    return sp.csr_matrix(left @ right, dtype=np.float64)


def _weigh(X: sp.csr_matrix, idf: np.ndarray, offsets: np.ndarray, sublinear_tf: np.ndarray) -> None:
    """Make counts (float64, no duplicate entries) TF-IDF in place: ``1 + log`` in the blocks with
    ``sublinear_tf``, times ``idf``, the part of each row in each block (columns ``offsets[k]`` to
    ``offsets[k + 1]``) divided by its l2 norm. A block of rows at a time: the temporary arrays
    stay small."""
    n_blocks = len(offsets) - 1
    rows_per_chunk = max(1, _BLOCK * X.shape[0] // max(X.nnz, 1))
    for first in range(0, X.shape[0], rows_per_chunk):
        indptr = X.indptr[first:first + rows_per_chunk + 1]
        data = X.data[indptr[0]:indptr[-1]]  # views: changed in place
        indices = X.indices[indptr[0]:indptr[-1]]
        block = np.searchsorted(offsets[1:-1], indices, side="right") if n_blocks > 1 else 0
        if sublinear_tf.all():
            np.log(data, out=data)
            data += 1.0
        elif sublinear_tf.any():
            at = sublinear_tf[block]
            data[at] = np.log(data[at]) + 1.0
        data *= idf[indices]
        row_sizes = np.diff(indptr)
        # (row, block) of each entry, numbered row * n_blocks + block
        part = np.repeat(np.arange(len(row_sizes)) * n_blocks, row_sizes) + block
        norms = np.sqrt(np.bincount(part, weights=data * data, minlength=len(row_sizes) * n_blocks))
        norms[norms == 0.0] = 1.0
        data /= norms[part]


def _chunks(size: int):
    """(start, stop) of consecutive pieces of ``range(size)`` of ``_BLOCK`` items."""
    return ((a, min(a + _BLOCK, size)) for a in range(0, size, _BLOCK))


def _number(lists: Iterable[list[str]]) -> tuple[list[str], np.ndarray, np.ndarray]:
    """Number the distinct strings of some lists of strings in order of first occurrence:
    (distinct strings, each string of the lists, one list after the other, as its number, the
    lengths of the lists)."""
    lists = list(lists)
    lengths = np.fromiter(map(len, lists), dtype=np.int64, count=len(lists))
    flat = list(chain.from_iterable(lists))
    number = dict.fromkeys(flat)
    for i, s in enumerate(number):
        number[s] = i
    ids = np.fromiter(map(number.__getitem__, flat), dtype=np.int64, count=len(flat))
    return list(number), ids, lengths


def _columns(counts: sp.csr_matrix, names: list[str], vocabulary: dict[str, int]) -> sp.csr_matrix:
    """``counts`` (rows x distinct terms ``names``) with each column moved to its term's column in
    ``vocabulary``, the terms outside it left out."""
    column = np.fromiter(map(vocabulary.get, names, repeat(-1)), dtype=np.int64, count=len(names))
    column = column[counts.indices]
    known = column >= 0
    indptr = np.concatenate([[0], np.cumsum(known)])[counts.indptr]
    return sp.csr_matrix((counts.data[known], column[known], indptr),
                         shape=(counts.shape[0], len(vocabulary)))


def _count_matrix(ids: np.ndarray, lengths: np.ndarray, n_columns: int, dtype=np.int64) -> sp.csr_matrix:
    """Rows x ``n_columns`` counts of ``ids`` (row i counts the next ``lengths[i]`` ids)."""
    rows = np.repeat(np.arange(len(lengths)), lengths)
    return sp.csr_matrix((np.ones(len(ids), dtype=dtype), (rows, ids)),
                         shape=(len(lengths), n_columns))  # duplicates are summed


def _check(analyzer: str, ngram_range) -> None:
    if analyzer not in ANALYZERS:
        raise ValueError(f"analyzer must be one of {ANALYZERS}, not {analyzer!r}")
    min_n, max_n = ngram_range
    if not 1 <= min_n <= max_n:
        raise ValueError(f"ngram_range must be (min_n, max_n) with 1 <= min_n <= max_n, "
                         f"not {ngram_range!r}")
