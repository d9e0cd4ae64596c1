"""QualcodeError: one line naming the file and the place; survives a worker process."""
from __future__ import annotations

import pickle

from qualcode.errors import CodingsError, QualcodeError


def test_message_names_file_and_place():
    err = CodingsError("unknown code id 'x'", file="codings.csv", place="row 3")
    assert str(err) == "codings.csv, row 3: unknown code id 'x'"
    assert isinstance(err, QualcodeError) and isinstance(err, ValueError)
    assert str(QualcodeError("plain")) == "plain"


def test_pickling_keeps_file_and_place():
    err = pickle.loads(pickle.dumps(CodingsError("bad", file="f.csv", place="row 2")))
    assert (type(err), str(err)) == (CodingsError, "f.csv, row 2: bad")
