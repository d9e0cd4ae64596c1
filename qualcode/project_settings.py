"""A project's settings, ``qualcode.yaml``: read (bounded YAML, each key checked, one line naming
the file and the key on an error) and written with every key explained in a comment."""
from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path

import yaml

from .errors import ProjectError
from .yamlsafe import load_yaml

UNITS = ("turn", "paragraph", "sentence")


@dataclass
class ProjectSettings:
    """The keys of ``qualcode.yaml``; paths are as written (relative to the file)."""

    name: str = ""
    transcripts: list[str] = field(default_factory=list)
    cases: str | None = None
    codebook: str | None = None
    unit: str = "turn"
    interviewer: list[str] = field(default_factory=list)
    speakers: list[str] = field(default_factory=list)
    reference_coder: str | None = None
    #: blind coding: True/False as written; None (not written) = on once a second coder exists
    blind: bool | None = None

    @classmethod
    def from_dict(cls, data, *, file=None) -> "ProjectSettings":
        """Validate the parsed YAML; errors name the file and the key."""
        if data is None:
            data = {}
        if not isinstance(data, dict):
            raise ProjectError("settings must be 'key: value' lines", file=file, place="line 1")
        known = set(cls.__dataclass_fields__)
        for key in data:
            if key not in known:
                raise ProjectError(f"unknown setting {key!r} (known: {', '.join(sorted(known))})",
                                   file=file, place=f"key {key}")
        out = cls()
        for key in ("name", "cases", "codebook", "reference_coder"):
            value = data.get(key)
            if value is not None and not isinstance(value, (str, int, float)):
                raise ProjectError(f"'{key}' must be a single value", file=file, place=f"key {key}")
            setattr(out, key, None if value is None else str(value))
        out.name = out.name or ""
        for key in ("transcripts", "interviewer", "speakers"):
            setattr(out, key, _str_list(data.get(key), key, file))
        unit = data.get("unit") or "turn"
        if unit not in UNITS:
            raise ProjectError(f"unit must be one of {', '.join(UNITS)}, not {unit!r}", file=file,
                               place="key unit")
        out.unit = unit
        blind = data.get("blind")
        if blind is not None and not isinstance(blind, bool):
            raise ProjectError(f"blind must be true or false, not {blind!r}", file=file,
                               place="key blind")
        out.blind = blind
        return out

    @classmethod
    def load(cls, path) -> "ProjectSettings":
        path = Path(path)
        try:
            text = path.read_text(encoding="utf-8-sig")
        except FileNotFoundError:
            raise ProjectError("no such settings file", file=path) from None
        except UnicodeDecodeError:
            raise ProjectError("not UTF-8 text; save it as UTF-8", file=path) from None
        try:
            data = load_yaml(text, file=path, error=ProjectError)
        except yaml.YAMLError as exc:
            mark = getattr(exc, "problem_mark", None)
            problem = getattr(exc, "problem", None) or "invalid YAML"
            raise ProjectError(f"not valid YAML ({problem})", file=path,
                               place=f"line {mark.line + 1}" if mark else None) from None
        return cls.from_dict(data, file=path)

    def to_yaml(self) -> str:
        """The settings as a commented ``qualcode.yaml``."""
        def val(v):
            return json.dumps(v, ensure_ascii=False)

        def opt(key, v, comment):
            return f"{key}: {val(v)}{comment}" if v not in (None, [], "") else \
                f"# {key}: {comment.strip()[2:] if comment else ''}".rstrip()

        lines = [
            "# qualcode project settings. Every qualcode command run in this folder (or below it)",
            "# reads them; arguments given on the command line still win. Paths are relative to",
            "# this file. Codings, memos and review decisions live in qualcode.sqlite beside it.",
            f"name: {val(self.name)}",
            "# transcripts: files, folders or globs (txt, md, docx, odt, pdf, vtt, srt, csv, xlsx)",
            f"transcripts: {val(list(self.transcripts))}",
            "# cases: a table with a 'case' column plus attributes (industry, firm_size, ...)",
            opt("cases", self.cases, "  # optional"),
            "# codebook: YAML (see 'qualcode codebook new') or a REFI-QDA .qdc",
            opt("codebook", self.codebook, ""),
            "# unit: what a coding unit is: turn | paragraph | sentence",
            f"unit: {self.unit}",
            "# interviewer: speaker labels that are never coded (added to the default rule:",
            "# Interviewer, I, Q, Moderator)",
            f"interviewer: {val(list(self.interviewer))}",
            "# speakers: labels that are speakers even when used only once",
            f"speakers: {val(list(self.speakers))}",
            "# reference_coder: whose codings reports and matrices use by default",
            opt("reference_coder", self.reference_coder, ""),
            "# blind coding (true or false): each coder sees only their own work; on by default once a",
            "# second coder has a link (qualcode open --add-coder)",
            f"blind: {val(self.blind)}" if self.blind is not None else "# blind: true",
        ]
        return "\n".join(lines) + "\n"


def _str_list(value, key, file) -> list[str]:
    if value is None:
        return []
    if isinstance(value, str):
        return [v.strip() for v in value.split(",") if v.strip()] if key != "transcripts" \
            else [value]
    if isinstance(value, (list, tuple)) and all(isinstance(v, (str, int, float)) for v in value):
        return [str(v) for v in value]
    raise ProjectError(f"'{key}' must be a list of names", file=file, place=f"key {key}")
