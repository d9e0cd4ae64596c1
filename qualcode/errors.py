"""Errors a user can cause, each naming the file, the place and the fix."""
from __future__ import annotations

import os
import re
import warnings


class QualcodeError(ValueError):
    """An error in the user's input: its message is one line that names the file and the place.

    ``file`` is the path (shown relative to the working directory when inside it), ``place`` a
    short location such as ``"line 12"``, ``"row 4"``, ``"code goal.sales"`` or ``"offset 1200"``.
    The CLI prints ``str(error)`` as the only line of output and exits non-zero.
    """

    def __init__(self, message: str, *, file: str | os.PathLike | None = None, place: str | None = None):
        self.message = message
        self.file = None if file is None else os.fspath(file)
        self.place = place
        super().__init__(self.__str__())

    def __reduce__(self):  # keeps file and place when raised in a worker process
        return _rebuild, (type(self), self.message, self.file, self.place)

    def __str__(self) -> str:
        return self.line()

    def line(self, *, name_only: bool = False) -> str:
        """The one line; ``name_only``: the file named by its name alone, without its folders
        (what the workbench shows a coder who may be on another machine)."""
        where = ""
        if self.file is not None:
            where = _file_name(self.file) if name_only else _display_path(self.file)
            if self.place:
                where += f", {self.place}"
            where += ": "
        elif self.place:
            where = f"{self.place}: "
        return where + self.message.replace("\n", " ")


class InputFormatError(QualcodeError):
    """A transcript, codings or cases file that cannot be read as its format says."""


class CodebookError(QualcodeError):
    """A codebook that is malformed or inconsistent."""


class CodingsError(QualcodeError):
    """A codings table that names unknown codes or documents, or offsets outside a document."""


class OutputExistsError(QualcodeError):
    """A write that would replace an existing file without ``force``."""


class ModelError(QualcodeError):
    """A trained model file that cannot be loaded, or a coder used before it is fitted."""


class ProjectError(QualcodeError):
    """No project where one is needed, or a ``qualcode.yaml`` that is malformed."""


class StoreError(QualcodeError):
    """The project's store (``qualcode.sqlite``) refuses a write or cannot be read."""


class ConflictError(StoreError):
    """A write based on an out-of-date version of a coding (someone else changed it first)."""


class NotFoundError(StoreError):
    """A coding, suggestion or document id that is not (or no longer) in the store."""


def _rebuild(cls, message, file, place):
    return cls(message, file=file, place=place)


def _file_name(path: str) -> str:
    """A path's last part, whichever separator it was written with."""
    return re.split(r"[\\/]", path.rstrip("/\\"))[-1] or path


def _display_path(path: str) -> str:
    try:
        rel = os.path.relpath(path)
    except ValueError:  # different drive on Windows
        return path
    return path if rel.startswith("..") else rel


class QualcodeWarning(UserWarning):
    """A notice from the library (a file read as cp1252, a codebook without keywords, ...).

    Notices have one channel, :mod:`warnings`: Python users filter or record them as any
    warning; the command line prints each as one ``warning: ...`` line on stderr."""


def warn(message: str, *, stacklevel: int = 3) -> None:
    """Send ``message`` as a :class:`QualcodeWarning` (pointing at the caller's caller)."""
    warnings.warn(message, QualcodeWarning, stacklevel=stacklevel)
