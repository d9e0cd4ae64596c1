"""Plain-text transcripts: YAML front matter, speaker turns, timestamps, paragraphs.

The rules (DESIGN.md, "Transcript text file"):

* Optional YAML front matter between two ``---`` lines at the very top. The document's text is
  what follows it, with line endings normalised to ``\\n``.
* A turn starts on a line that begins with a speaker label and a colon (``Interviewer: ...``,
  ``Alpha: ...``, ``P3:``) or a bracketed tag (``[id1] ...``), optionally preceded by a timestamp
  (``[00:12:31]``, ``00:12:31``, ``(12:31)``). Following lines without a label continue the turn;
  a label alone on its line starts a turn whose words follow on the next lines.
* A candidate label counts as a speaker when it starts at least two lines, or the front matter
  names it (``interviewer:``, ``speakers:``), or it carries a timestamp, or it is an interviewer
  label (``Interviewer``, ``I``, ``Q``, ...), or it is the first label after an interviewer's
  turn (an answer). In a text that has speakers by those rules, a label used only once is a
  speaker too when it looks like a name (one to three words, each capitalised or a code such as
  ``P3``: ``Ben: hello fine``), unless it is a known non-speaker label (:data:`NON_SPEAKER`:
  ``Note:``, ``Date:``, ``PS:``, ...). So a line such as ``Note: ...`` inside a turn stays in it.
* A text without speakers is one speaker (``""``), with one turn per paragraph (blank-line
  separated).
"""
from __future__ import annotations

import re
from collections import Counter
from pathlib import Path

import yaml

from ..errors import InputFormatError
from ..fileio import read_text
from .base import Source, Turn
from .speakers import is_interviewer

_TS = r"(?:\d{1,2}:)?\d{1,2}:\d{2}(?:[.,]\d{1,3})?"
_LINE_RE = re.compile(
    r"(?P<tsblock>[\[(]?(?P<ts>" + _TS + r")[\])]?[ \t]+)?"
    r"(?:(?P<label>[^\W\d_][\w .'’&/()+-]{0,40}?)[ \t]*:"
    r"|\[(?P<blabel>[^\W\d_][^\]\n:]{0,30})\])"
    r"(?=[ \t]|$)"
)
_MAX_LABEL_WORDS = 5
_PARA_SPLIT = re.compile(r"\n[ \t]*\n")
#: labels that begin a line with a colon but are not speakers (times and URLs never match a label)
NON_SPEAKER = re.compile(
    r"^(?:notes?|nb|n\.b\.?|p\.?s\.?|e\.g\.?|i\.e\.?|example|tip|warning|todo|source|date|time|"
    r"location|place|title|subject|re|cc|to|from|attendees|participants|duration|transcript|"
    r"transcriber|transcription|recording|url|https?|www|edit|edited|update|translation|context|"
    r"summary|keywords?|tags?|comment|remark|observation|aside)$", re.IGNORECASE)
_NAME_WORD = re.compile(r"^(?:[^\W\d_][\w.'’&-]*|[A-Za-z]*\d+[\w]*)$")


def split_front_matter(text: str, *, file=None) -> tuple[dict, str, int]:
    """Return ``(front matter, body, number of lines the front matter took)``."""
    if not (text.startswith("---\n") or text == "---"):
        return {}, text, 0
    end = re.search(r"^---[ \t]*$", text[4:], flags=re.MULTILINE)
    if end is None:
        raise InputFormatError(
            "front matter opened with '---' on line 1 is never closed; add a line '---' after it",
            file=file,
            place="line 1",
        )
    raw = text[4 : 4 + end.start()]
    body_start = 4 + end.end()
    if text[body_start : body_start + 1] == "\n":
        body_start += 1
    try:
        meta = yaml.safe_load(raw) or {}
    except yaml.YAMLError as exc:
        line = 2 + (exc.problem_mark.line if getattr(exc, "problem_mark", None) else 0)
        problem = getattr(exc, "problem", None) or "invalid YAML"
        raise InputFormatError(
            f"front matter is not valid YAML ({problem})", file=file, place=f"line {line}"
        ) from None
    if not isinstance(meta, dict):
        raise InputFormatError(
            "front matter must be 'key: value' lines", file=file, place="line 2"
        )
    meta = {str(k): v for k, v in meta.items()}
    return meta, text[body_start:], text[:body_start].count("\n")


def _lines(text: str):
    """Yield (start offset, line without its newline)."""
    pos = 0
    for line in text.split("\n"):
        yield pos, line
        pos += len(line) + 1


def _label_match(line: str):
    m = _LINE_RE.match(line)
    if m is None:
        return None
    label = (m.group("label") or m.group("blabel") or "").strip()
    if not label or len(label.split()) > _MAX_LABEL_WORDS:
        return None
    return m, label


def timestamp_seconds(ts: str) -> float | None:
    """``"01:02:03.5"`` -> 3723.5; ``"12:31"`` -> 751.0."""
    if not ts:
        return None
    parts = ts.replace(",", ".").split(":")
    try:
        values = [float(p) for p in parts]
    except ValueError:
        return None
    seconds = 0.0
    for v in values:
        seconds = seconds * 60 + v
    return seconds


def _span(text: str, start: int, end: int) -> tuple[int, int]:
    """Shrink ``[start, end)`` to exclude surrounding white space."""
    while start < end and text[start].isspace():
        start += 1
    while end > start and text[end - 1].isspace():
        end -= 1
    return start, end


def parse_turns(text: str, *, speakers: set[str] | None = None,
                interviewers: set[str] | None = None) -> list[Turn]:
    """Find speaker turns in ``text`` (see the module docstring for the rules).

    ``speakers`` are labels known to be speakers; ``interviewers`` the interviewer labels (default:
    :data:`~qualcode.readers.speakers.DEFAULT_INTERVIEWER`).
    """
    speakers = set(speakers or ())

    candidates = []  # (line start, match, label)
    for pos, line in _lines(text):
        found = _label_match(line)
        if found is not None:
            candidates.append((pos, *found))
    counts = Counter(label for _, _, label in candidates)

    def by_rule(m, label, after_interviewer) -> bool:
        return bool(counts[label] >= 2 or label in speakers or m.group("ts")
                    or is_interviewer(label, interviewers) or after_interviewer)

    structured = any(by_rule(m, label, False) and not NON_SPEAKER.match(label)
                     for _, m, label in candidates)
    accepted = []
    after_interviewer = False
    for pos, m, label in candidates:
        if label not in speakers and NON_SPEAKER.match(label):
            continue
        asks = is_interviewer(label, interviewers)
        if by_rule(m, label, after_interviewer) or (structured and looks_like_name(label)):
            accepted.append((pos, m, label))
            after_interviewer = asks
    if not accepted:
        return paragraph_turns(text)

    turns: list[Turn] = []
    first = accepted[0][0]
    if text[:first].strip():  # a preamble before the first speaker
        turns.extend(paragraph_turns(text[:first]))
    bounds = [pos for pos, _, _ in accepted] + [len(text)]
    for (pos, m, label), next_pos in zip(accepted, bounds[1:]):
        start, end = _span(text, pos + m.end(), next_pos)
        if start >= end:
            continue  # a label with nothing said
        ts = m.group("ts") or ""
        turns.append(Turn(label, start, end, timestamp=ts, start_time=timestamp_seconds(ts)))
    return turns


def looks_like_name(label: str) -> bool:
    """One to three words, each capitalised (``Ben``, ``Dr. Smith``) or a code (``P3``)."""
    words = label.split()
    return 1 <= len(words) <= 3 and all(
        _NAME_WORD.match(w) and (w[0].isupper() or w[0].isdigit() or any(c.isdigit() for c in w))
        for w in words)


def paragraph_turns(text: str, *, speaker: str = "", offset: int = 0) -> list[Turn]:
    """One turn per blank-line separated paragraph, white space trimmed."""
    turns = []
    pos = 0
    for m in list(_PARA_SPLIT.finditer(text)) + [None]:
        end = m.start() if m is not None else len(text)
        s, e = _span(text, pos, end)
        if s < e:
            turns.append(Turn(speaker, s + offset, e + offset))
        if m is not None:
            pos = m.end()
    return turns


def read_plain(path: Path) -> list[Source]:
    """Read a ``.txt``/``.md`` transcript: front matter, then the body as the document's text."""
    raw, encoding = read_text(path)
    meta, body, _ = split_front_matter(raw, file=path)
    if not body.strip():
        raise InputFormatError("empty transcript (no text after the front matter)", file=path)
    src = Source(
        name=path.stem,
        text=body,
        path=str(path),
        format="txt",
        attributes=meta,
        encoding=encoding,
    )
    if encoding == "cp1252":
        src.warnings.append("not UTF-8: read as Windows-1252 (cp1252); save it as UTF-8 to be sure")
    return [src]
