"""The corpus: documents, their speaker turns, the coding units (segments) and the cases.

``load_transcripts`` reads files through :mod:`qualcode.readers`, merges case attributes from
front matter and a cases file, and cuts turns into units. The segments table is the contract every
coder, agreement function and matrix relies on (DESIGN.md, "Segments table")::

    document, case, speaker, segment, start, end, text, is_interviewer,
    turn, timestamp, start_time, end_time

``corpus.text(document)[start:end] == text`` for every row.
"""
from __future__ import annotations

import os
import re
from pathlib import Path
from typing import Iterable, Mapping

import numpy as np
import pandas as pd

from .errors import InputFormatError, QualcodeError, warn
from .fileio import read_string_table
from .nlp import blank_pipeline
from .readers import (DEFAULT_INTERVIEWER, Source, declared_speakers, interviewer_rule,
                      paragraph_turns, parse_turns, read_source, supported_suffixes, with_turns)

UNITS = ("turn", "paragraph", "sentence")
SEGMENT_COLUMNS = [
    "document", "case", "speaker", "segment", "start", "end", "text", "is_interviewer",
    "turn", "timestamp", "start_time", "end_time",
]
#: front-matter keys that describe the document (interview) rather than the case.
DOCUMENT_KEYS = {"case", "interviewer", "interviewers", "speakers", "language", "date", "title", "source"}
_TABLE_SUFFIXES = {".csv", ".tsv", ".xlsx"}


def _is_side_file(path: Path) -> bool:
    """Files in a transcripts folder that are not transcripts: a cases table, codings tables,
    a README, hidden files."""
    name = path.name.lower()
    if name.startswith(".") or name.startswith("readme"):
        return True
    return path.suffix.lower() in _TABLE_SUFFIXES and (name.startswith("cases.") or name.startswith("codings"))


is_side_file = _is_side_file  # public: project_io names imported documents so load reads them


class Corpus:
    """Documents with their text, the segments table, the turns and the cases table.

    Build one with :func:`load_transcripts` or :meth:`Corpus.from_texts`.

    Attributes
    ----------
    segments : DataFrame
        The coding units; columns as in the module docstring.
    turns : DataFrame
        Speaker turns (the same columns; ``segment`` numbers turns): what units are cut from.
    cases : DataFrame
        ``case`` plus attribute columns, one row per case.
    documents : DataFrame
        ``document, case, path, format, encoding, n_chars, n_words`` plus document attributes.
    unit : str
        ``turn``, ``paragraph`` or ``sentence``.
    warnings : list of str
        The notices sent while loading (e.g. a file read as cp1252), each also sent once as a
        :class:`~qualcode.errors.QualcodeWarning`: kept here to read back, not a second channel.
    """

    def __init__(self, texts: Mapping[str, str], turns: pd.DataFrame, cases: pd.DataFrame,
                 documents: pd.DataFrame, *, unit: str = "turn", nlp=None, warnings=None):
        self._texts = dict(texts)
        self.turns = turns
        self.cases = cases
        self.documents = documents
        self.warnings = list(warnings or [])
        self.unit = _check_unit(unit)
        self.segments = _cut_units(self._texts, turns, unit, nlp=nlp)

    def text(self, document: str) -> str:
        """The full text of a document: the string all offsets count into."""
        try:
            return self._texts[document]
        except KeyError:
            raise QualcodeError(f"unknown document {document!r}; known: {', '.join(self._texts)}") from None

    @property
    def texts(self) -> dict[str, str]:
        return dict(self._texts)

    @property
    def document_ids(self) -> list[str]:
        return list(self._texts)

    def codable_segments(self) -> pd.DataFrame:
        """Segments that are coded by default (not the interviewer's)."""
        return self.segments[~self.segments["is_interviewer"]]

    def with_unit(self, unit: str, *, nlp=None) -> "Corpus":
        """The same documents cut into other units."""
        return Corpus(self._texts, self.turns, self.cases, self.documents, unit=unit, nlp=nlp,
                      warnings=self.warnings)

    def __repr__(self) -> str:
        return (f"<Corpus {len(self._texts)} documents, {len(self.cases)} cases, "
                f"{len(self.segments)} {self.unit} segments>")

    def summary(self) -> dict:
        seg = self.segments
        words = int(self.documents["n_words"].sum()) if len(self.documents) else 0
        return {
            "documents": len(self._texts),
            "cases": len(self.cases),
            "words": words,
            "unit": self.unit,
            "segments": len(seg),
            "codable_segments": int((~seg["is_interviewer"]).sum()),
            "speakers": int(seg["speaker"].nunique()),
        }

    @classmethod
    def from_texts(cls, texts: Mapping[str, str], *, cases: Mapping[str, str] | None = None,
                   interviewer: Iterable[str] | None = None, unit: str = "turn", nlp=None) -> "Corpus":
        """Build a corpus from ``{document: text}`` (plain-text turn rules, no front matter).

        ``cases`` maps document -> case (default: the document name).
        """
        sources = [Source(name=n, text=t, path="", format="text",
                          attributes={"case": (cases or {}).get(n, n),
                                      **({"interviewer": list(interviewer)} if interviewer else {})})
                   for n, t in texts.items()]
        return _build(sources, None, unit=unit, nlp=nlp)

    @classmethod
    def from_sources(cls, sources: list[Source], *, cases: pd.DataFrame | None = None,
                     unit: str = "turn", nlp=None) -> "Corpus":
        """Build a corpus from reader :class:`~qualcode.readers.Source` objects (e.g. a REFI-QDA
        import) and an optional cases table (``case`` + attributes; ``document`` maps documents)."""
        return _build(list(sources), cases, unit=unit, nlp=nlp)


def _check_unit(unit: str) -> str:
    if unit not in UNITS:
        raise QualcodeError(f"unknown unit {unit!r}; use one of {', '.join(UNITS)}")
    return unit


def load_transcripts(path: str | os.PathLike | Iterable[str | os.PathLike], *, cases=None,
                     unit: str = "turn", nlp=None, interviewer: Iterable[str] | None = None) -> Corpus:
    """Load transcripts into a :class:`Corpus`.

    Parameters
    ----------
    path
        A folder (every supported file in it, sorted by name; hidden files, README files, the
        cases table ``cases.csv``/``.xlsx`` and codings tables ``codings*.csv``/``.tsv``/``.xlsx``
        are skipped), one file, or a list of files. Formats: .txt/.md, .docx, .odt, .pdf, .vtt, .srt,
        .csv/.tsv/.xlsx (speaker and text columns).
    cases
        Optional cases file (csv/xlsx): column ``case`` plus attributes, optionally ``document``
        to map documents to cases. It merges with front matter; a conflicting value is an error.
        When ``path`` is a folder with a ``cases.csv`` in it, that file is used unless
        ``cases=False``.
    unit
        ``turn`` (default), ``paragraph`` or ``sentence`` (spaCy sentencizer).
    interviewer
        Speaker labels to mark as interviewer in every document (front matter ``interviewer:``
        overrides per document; default: labels such as "Interviewer", "I", "Q"). Without it, an
        ``interviewer`` column of the cases table names a case's interviewer (added to the
        default rule).
    """
    _check_unit(unit)
    files = _expand(path)
    if cases is None and not isinstance(path, (list, tuple)) and Path(path).is_dir():
        default = Path(path) / "cases.csv"
        cases = default if default.exists() else None
    sources: list[Source] = []
    for f in files:
        sources.extend(read_source(f, turns=False))
    if interviewer:
        for s in sources:
            s.attributes.setdefault("interviewer", list(interviewer))
    cases_table = read_cases(cases) if cases else None
    # an 'interviewer' column of the cases table names each case's interviewer (issue 13)
    for doc, labels in case_interviewer_labels(sources, cases_table).items():
        apply_speaker_settings([s for s in sources if s.name == doc], interviewer=labels,
                               speakers=[])
    sources = [with_turns(s) for s in sources]
    return _build(sources, cases_table, unit=unit, nlp=nlp, cases_path=cases)


def case_interviewer_labels(sources, table) -> dict[str, list[str]]:
    """document -> interviewer labels named by an ``interviewer`` column of the cases table, for
    documents whose front matter names no interviewer."""
    if table is None or "interviewer" not in table.columns:
        return {}
    per_case = {}
    for case, value in zip(table["case"], table["interviewer"]):
        if isinstance(value, str) and value.strip():
            per_case[str(case)] = [v.strip() for v in value.split(",") if v.strip()]
    doc_case = dict(zip(table["document"], table["case"])) if "document" in table.columns else {}
    out = {}
    for src in sources:
        if src.attributes.get("interviewer") is not None \
                or src.attributes.get("interviewers") is not None:
            continue
        case = str(src.attributes.get("case") or doc_case.get(src.name) or src.name)
        if case in per_case:
            out[src.name] = per_case[case]
    return out


def apply_speaker_settings(sources, *, interviewer: list[str], speakers: list[str]) -> None:
    """Put a project's ``interviewer`` and ``speakers`` into each source's attributes (before
    :func:`~qualcode.readers.with_turns` finds its turns).

    A document whose front matter names interviewers keeps them. Otherwise its interviewers are
    the project's labels plus the labels the default rule marks (Interviewer, I, Q, Moderator).
    """
    if not interviewer and not speakers:
        return
    for src in sources:
        attrs = src.attributes
        if speakers:
            attrs["speakers"] = sorted(set(declared_speakers({"speakers": attrs.get("speakers")}))
                                       | set(speakers))
        if interviewer and attrs.get("interviewer") is None and attrs.get("interviewers") is None:
            turns = src.turns if src.turns is not None else parse_turns(
                src.text, speakers=declared_speakers(attrs) | set(interviewer))
            labels = {t.speaker for t in turns}
            attrs["interviewer"] = sorted(set(interviewer) | {
                lab for lab in labels if lab and DEFAULT_INTERVIEWER.match(lab.strip())})


def _expand(path) -> list[Path]:
    if isinstance(path, (list, tuple)):
        return [Path(p) for p in path]
    p = Path(path)
    if p.is_dir():
        suffixes = set(supported_suffixes())
        files = sorted(f for f in p.iterdir()
                       if f.is_file() and f.suffix.lower() in suffixes and not _is_side_file(f))
        _warn_skipped(p, files)
        if not files:
            raise InputFormatError(
                f"no transcripts found (looked for {', '.join(supported_suffixes())})", file=p)
        return files
    if not p.exists():
        raise InputFormatError("no such file or folder", file=p)
    return [p]


_CONVERT = {".doc": "save it as .docx", ".rtf": "save it as .docx or .txt",
            ".pages": "export it as .docx", ".odf": "save it as .odt"}


def _warn_skipped(folder: Path, files: list[Path]) -> None:
    """One warning listing the files of a transcripts folder that ``load`` does not read, each
    with the reason (a README other than README.md, a format it cannot read and how to convert
    it): a transcript must never vanish silently. Hidden files, README.md, the cases table,
    codings tables and qualcode's own files (.yaml, .qcm, .qdpx, .html ...) are not listed; a
    transcript it cannot read is an error naming it, not a warning."""
    reading = set(files)
    skipped = []
    for f in sorted(folder.iterdir()):
        name = f.name.lower()
        if f in reading or name.startswith(".") or not f.is_file():
            continue
        suffix = f.suffix.lower()
        if name.startswith("readme"):
            if suffix != ".md":  # README.md documents a study folder by convention
                skipped.append(f"{f.name} (a README; rename it if it is a transcript)")
        elif suffix in _CONVERT:
            skipped.append(f"{f.name} ({suffix} is not read: {_CONVERT[suffix]})")
        elif suffix in supported_suffixes():
            continue  # cases.csv, codings*.csv: read elsewhere
        elif suffix not in (".yaml", ".yml", ".qcm", ".qdpx", ".qdc", ".html", ".json"):
            skipped.append(f"{f.name} (not a transcript format)")
    if skipped:
        warn(f"{folder}: skipped {len(skipped)} file(s): " + "; ".join(skipped[:10])
             + (" ..." if len(skipped) > 10 else ""), stacklevel=4)


def read_cases(path) -> pd.DataFrame:
    """Read a cases file: column ``case`` plus attributes, all values as strings."""
    path = Path(path)

    try:
        df = read_string_table(path)
    except FileNotFoundError:
        raise InputFormatError("no such cases file", file=path) from None
    except (pd.errors.ParserError, ValueError) as exc:
        raise InputFormatError(f"cannot read the cases table ({exc})", file=path) from None
    df.columns = [str(c).strip() for c in df.columns]
    if "case" not in df.columns:
        raise InputFormatError("the cases table needs a 'case' column", file=path, place="row 1")
    df["case"] = df["case"].astype(str).str.strip()
    dup = df["case"][df["case"].duplicated()]
    if "document" not in df.columns and len(dup):
        row = int(dup.index[0]) + 2
        raise InputFormatError(f"case {dup.iloc[0]!r} appears twice", file=path, place=f"row {row}")
    return df


def _build(sources: list[Source], cases_table: pd.DataFrame | None, *, unit: str, nlp=None,
           cases_path=None) -> Corpus:
    texts: dict[str, str] = {}
    turn_rows: list[tuple] = []
    doc_rows: list[dict] = []
    case_attrs: dict[str, dict] = {}
    warnings: list[str] = []
    seen_path: dict[str, str] = {}
    doc_to_case = {}
    if cases_table is not None and "document" in cases_table.columns:
        doc_to_case = dict(zip(cases_table["document"], cases_table["case"]))

    for src in sources:
        if src.name in seen_path:
            raise InputFormatError(
                f"document name {src.name!r} is also used by {seen_path[src.name]}; rename one file",
                file=src.path)
        seen_path[src.name] = src.path or src.name
        attrs = dict(src.attributes)
        case = str(attrs.get("case") or doc_to_case.get(src.name) or src.name)
        texts[src.name] = src.text
        for w in src.warnings:
            warnings.append(f"{src.path or src.name}: {w}")
            warn(warnings[-1])
        # case attributes from front matter
        ca = case_attrs.setdefault(case, {})
        for key, value in attrs.items():
            if key in DOCUMENT_KEYS:
                continue
            value = "" if value is None else str(value)
            if key in ca and ca[key] != value:
                raise InputFormatError(
                    f"case {case!r} has {key}={ca[key]!r} in another document but {value!r} here",
                    file=src.path, place=f"front matter '{key}'")
            ca[key] = value
        asks = interviewer_rule(attrs)
        turns = with_turns(src).turns
        for i, t in enumerate(turns, start=1):
            if not (0 <= t.start <= t.end <= len(src.text)):
                raise InputFormatError(f"turn {i} has offsets {t.start}-{t.end} outside the text",
                                       file=src.path)
            is_int = asks(t.speaker)
            turn_rows.append((src.name, case, t.speaker, i, t.start, t.end,
                              src.text[t.start:t.end], is_int, i, t.timestamp,
                              np.nan if t.start_time is None else float(t.start_time),
                              np.nan if t.end_time is None else float(t.end_time)))
        doc_rows.append({
            "document": src.name, "case": case, "path": src.path, "format": src.format,
            "encoding": src.encoding or "", "n_chars": len(src.text),
            "n_words": _count_words(src.text),
            **{k: _attr_str(v) for k, v in attrs.items() if k in DOCUMENT_KEYS and k != "case"},
        })

    cases = _merge_cases(case_attrs, cases_table, cases_path)
    turns_df = pd.DataFrame(turn_rows, columns=SEGMENT_COLUMNS)
    turns_df = turns_df.astype({"segment": "int64", "start": "int64", "end": "int64", "turn": "int64",
                                "is_interviewer": "bool"})
    documents = pd.DataFrame(doc_rows)
    return Corpus(texts, turns_df, cases, documents, unit=unit, nlp=nlp, warnings=warnings)


_SPACE = re.compile(r"\s")


def _count_words(text: str, chunk: int = 1 << 20) -> int:
    """``len(text.split())`` without the list of every word (400 MB for a 50 MB transcript)."""
    n, start = 0, 0
    while start < len(text):
        end = min(start + chunk, len(text))
        if end < len(text) and not text[end - 1].isspace():  # end at a space: never cut a word
            m = _SPACE.search(text, end)
            end = m.start() if m else len(text)
        n += len(text[start:end].split())
        start = end
    return n


def _attr_str(v) -> str:
    if isinstance(v, (list, tuple)):
        return ", ".join(str(x) for x in v)
    return "" if v is None else str(v)


def _merge_cases(case_attrs: dict[str, dict], table: pd.DataFrame | None, path) -> pd.DataFrame:
    rows = {case: dict(attrs) for case, attrs in case_attrs.items()}
    if table is not None:
        attr_cols = [c for c in table.columns if c not in ("case", "document")]
        for idx, rec in table.iterrows():
            case = rec["case"]
            target = rows.setdefault(case, {})
            for col in attr_cols:
                value = "" if pd.isna(rec[col]) else str(rec[col]).strip()
                if col in target and target[col] != value and target[col] != "":
                    raise InputFormatError(
                        f"case {case!r}: {col}={value!r} conflicts with {target[col]!r} in the "
                        f"transcript's front matter", file=path, place=f"row {int(idx) + 2}")
                target[col] = value
    df = pd.DataFrame([{"case": c, **a} for c, a in rows.items()])
    if df.empty:
        df = pd.DataFrame(columns=["case"])
    return df.reset_index(drop=True)


# --------------------------------------------------------------------------------------------
# units


def _cut_units(texts: Mapping[str, str], turns: pd.DataFrame, unit: str, *, nlp=None) -> pd.DataFrame:
    if unit == "turn":
        return turns.copy()
    rows = []
    if unit == "sentence":
        nlp = nlp if nlp is not None else sentence_pipeline()
        spans = _sentence_spans(turns["text"].tolist(), nlp)
    else:
        spans = [_paragraph_spans(t) for t in turns["text"].tolist()]
    counters: dict[str, int] = {}
    for rec, pieces in zip(turns.itertuples(index=False), spans):
        text = texts[rec.document]
        for s, e in pieces:
            n = counters.get(rec.document, 0) + 1
            counters[rec.document] = n
            start, end = rec.start + s, rec.start + e
            # a segment that is its whole turn shares the turn's string (a 50 MB corpus is not
            # held a third time)
            seg_text = rec.text if (s, e) == (0, len(rec.text)) else text[start:end]
            rows.append((rec.document, rec.case, rec.speaker, n, start, end, seg_text,
                         rec.is_interviewer, rec.turn, rec.timestamp, rec.start_time, rec.end_time))
    df = pd.DataFrame(rows, columns=SEGMENT_COLUMNS)
    return df.astype({"segment": "int64", "start": "int64", "end": "int64", "turn": "int64",
                      "is_interviewer": "bool"})


def _paragraph_spans(text: str) -> list[tuple[int, int]]:
    """Blank-line separated paragraphs of a turn's text, by the plain-text reader's rule."""
    return [(t.start, t.end) for t in paragraph_turns(text)]


def _sentence_spans(texts: list[str], nlp) -> list[list[tuple[int, int]]]:
    # spaCy refuses a text longer than nlp.max_length (E088): a long turn goes through in pieces
    # cut at line breaks (else at a space), and the pieces' sentences are put back together
    limit = max(1000, min(int(getattr(nlp, "max_length", 1_000_000)), 1_000_000) - 1)
    pieces = [(i, off, piece) for i, text in enumerate(texts) for off, piece in _pieces(text, limit)]
    out: list[list[tuple[int, int]]] = [[] for _ in texts]
    docs = nlp.pipe((piece for _, _, piece in pieces), batch_size=256)
    for (i, off, piece), doc in zip(pieces, docs):
        for sent in doc.sents:  # (doc.text rebuilds the text from every token: use the piece)
            s, e = sent.start_char, sent.end_char
            while s < e and piece[s].isspace():  # a sentence after a line break starts with it
                s += 1
            while e > s and piece[e - 1].isspace():
                e -= 1
            if s < e:
                out[i].append((off + s, off + e))
    return out


def _pieces(text: str, limit: int):
    """``(offset, piece)`` of ``text`` in pieces of at most ``limit`` characters, cut after a line
    break where there is one in the second half of the piece, else after a space."""
    start = 0
    while len(text) - start > limit:
        end = start + limit
        cut = text.rfind("\n", start + limit // 2, end)
        if cut < 0:
            cut = text.rfind(" ", start + limit // 2, end)
        end = end if cut < 0 else cut + 1
        yield start, text[start:end]
        start = end
    yield start, text[start:]


def sentence_pipeline():
    """A blank English spaCy pipeline with the rule-based sentencizer."""
    nlp = blank_pipeline()
    if "sentencizer" not in nlp.pipe_names and "parser" not in nlp.pipe_names \
            and "senter" not in nlp.pipe_names:
        nlp.add_pipe("sentencizer")
    return nlp
