"""Who is speaking: the front matter's ``speakers``/``interviewer`` lists and the one interviewer
rule (DESIGN.md: speakers named in ``interviewer:``; by default labels such as "Interviewer",
"Interviewer 2", "Int", "I", "Q", "Moderator"). Used by the plain-text turn finder and the corpus.
"""
from __future__ import annotations

import re
from typing import Callable, Mapping

#: speaker labels marked as interviewer when the front matter names none.
DEFAULT_INTERVIEWER = re.compile(
    r"^(?:interviewer\b.*|interviewer\d*|int|i|q|moderator\b.*)$", re.IGNORECASE)


def _names(value) -> list[str]:
    if isinstance(value, str):
        return [v.strip() for v in value.split(",")]
    if isinstance(value, (list, tuple, set)):
        return [str(v).strip() for v in value]
    return [] if value is None else [str(value).strip()]


def declared_interviewers(attrs: Mapping) -> set[str] | None:
    """Interviewer labels named in front matter (``interviewer:`` or ``interviewers:``), or None
    when it names none (then :data:`DEFAULT_INTERVIEWER` decides)."""
    for key in ("interviewer", "interviewers"):
        if key in attrs and attrs[key] is not None:
            return {n for n in _names(attrs[key]) if n}
    return None


def declared_speakers(attrs: Mapping) -> set[str]:
    """Speaker labels named in front matter (``interviewer:`` and ``speakers:``)."""
    names: set[str] = set()
    for key in ("interviewer", "interviewers", "speakers"):
        names.update(n for n in _names(attrs.get(key)) if n)
    return names


def is_interviewer(speaker: str, labels: set[str] | None = None) -> bool:
    """The interviewer rule: ``speaker`` is one of ``labels`` (the declared interviewers), or,
    when none are declared, matches :data:`DEFAULT_INTERVIEWER`."""
    if labels is not None:
        return speaker in labels
    speaker = speaker.strip()
    return bool(speaker) and bool(DEFAULT_INTERVIEWER.match(speaker))


def interviewer_rule(attrs: Mapping) -> Callable[[str], bool]:
    """:func:`is_interviewer` for one document, given its attributes (front matter)."""
    labels = declared_interviewers(attrs)
    return lambda speaker: is_interviewer(speaker, labels)
