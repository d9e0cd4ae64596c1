"""Adding an interview file to a project: read as `qualcode load` reads it, written whole into the
transcripts folder, never over a file, the new document in the corpus at once."""
from __future__ import annotations

from pathlib import Path

import pytest

import qualcode as qc
from qualcode import intake
from qualcode.errors import QualcodeError

REPO = Path(__file__).resolve().parents[1]
SAMPLE = REPO / "transcripts_sample"

NEW = """---
case: Delta
---
[00:00:01] Interviewer: How do you pick influencers?
[00:00:09] Delta: We look at who our buyers already trust.
It takes time.
[00:00:30] Interviewer: And then?
[00:00:41] Delta: We brief them.
"""


@pytest.fixture
def project(tmp_path):
    folder = tmp_path / "study"
    (folder / "transcripts").mkdir(parents=True)
    (folder / "transcripts" / "alpha.txt").write_text((SAMPLE / "alpha.txt").read_text("utf-8"),
                                                      encoding="utf-8")
    p = qc.Project.init(folder, name="t", transcripts=["transcripts/"],
                        codebook=str(REPO / "codebooks" / "b2b_influencer_marketing.yaml"))
    yield p
    p.close()


def test_added_file_is_read_like_load_and_appears_at_once(project):
    assert project.corpus.document_ids == ["alpha"]
    added = intake.add_to_project(project, "delta.txt", NEW.encode())
    assert (project.root / "transcripts" / "delta.txt").read_bytes() == NEW.encode()
    assert added.documents == ["delta"] and added.turns == 4 and added.codable == 2
    assert {s["name"]: (s["turns"], s["interviewer"]) for s in added.speakers} == {
        "Interviewer": (2, True), "Delta": (2, False)}
    msg = added.message()
    assert msg.startswith("delta.txt: 1 document (delta)") and "4 turns (2 codable)" in msg
    assert "Interviewer 2 (interviewer)" in msg and "\n" not in msg
    assert "delta" in project.corpus.document_ids  # reloaded, no restart


def test_never_replaces_a_file_and_leaves_nothing_behind(project):
    before = (project.root / "transcripts" / "alpha.txt").read_bytes()
    with pytest.raises(QualcodeError, match="exists already: nothing was replaced"):
        intake.add_to_project(project, "alpha.txt", NEW.encode())
    assert (project.root / "transcripts" / "alpha.txt").read_bytes() == before
    # another file name, the same document id (alpha.md -> alpha): refused too
    with pytest.raises(QualcodeError, match="document 'alpha' already"):
        intake.add_to_project(project, "alpha.md", NEW.encode())
    assert sorted(p.name for p in (project.root / "transcripts").iterdir()) == ["alpha.txt"]


@pytest.mark.parametrize("name, data, message", [
    ("notes.doc", b"x", "save it as .docx"),
    ("picture.png", b"x", "not a transcript format"),
    ("../escape.txt", b"Anna: hi", "not usable"),
    (".hidden.txt", b"Anna: hi", "not usable"),
    ("empty.txt", b"", "empty"),
    ("broken.docx", b"not a zip", "broken.docx"),
])
def test_bad_uploads_are_one_line_and_write_nothing(project, name, data, message):
    files = sorted((project.root / "transcripts").iterdir())
    with pytest.raises(QualcodeError, match=message) as err:
        intake.add_to_project(project, name, data)
    assert "\n" not in str(err.value)
    assert sorted((project.root / "transcripts").iterdir()) == files
    assert not (project.root / "escape.txt").exists()


def test_every_format_the_loader_reads_is_accepted(tmp_path):
    from qualcode.readers import supported_suffixes

    suffixes = set(supported_suffixes())
    assert all(intake.unreadable_reason("x" + s) is None for s in suffixes)
    vtt = b"WEBVTT\n\n00:00:01.000 --> 00:00:04.000\n<v Anna>We trust experts.\n\n" \
          b"00:00:05.000 --> 00:00:08.000\n<v Ben>Why?\n"
    added = intake.add_transcript(tmp_path / "t", "call.vtt", vtt)
    assert added.documents == ["call"] and added.turns == 2
    assert (tmp_path / "t" / "call.vtt").read_bytes() == vtt


def test_project_listing_files_gets_a_transcripts_folder(tmp_path):
    folder = tmp_path / "p"
    folder.mkdir()
    p = qc.Project.init(folder, name="t", transcripts=[str(SAMPLE / "alpha.txt")],
                        codebook=str(REPO / "codebooks" / "b2b_influencer_marketing.yaml"))
    try:
        intake.add_to_project(p, "delta.txt", NEW.encode())
        assert (folder / "transcripts" / "delta.txt").exists()
        assert p.settings.transcripts[-1] == "transcripts/"
        assert p.corpus.document_ids == ["alpha", "delta"]
    finally:
        p.close()
