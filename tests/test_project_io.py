"""project_io: the codebook template, transcripts written with their speaker lists."""
from __future__ import annotations

import pytest
import yaml

import qualcode as qc
from qualcode.errors import OutputExistsError
from qualcode.project_io import (CODEBOOK_TEMPLATE, planned_transcripts, speaker_front_matter,
                                 transcript_file_text, write_planned)


def test_the_template_is_a_valid_codebook_with_every_field_explained(tmp_path):
    path = tmp_path / "codebook.yaml"
    path.write_text(CODEBOOK_TEMPLATE)
    cb = qc.Codebook.load(path)
    assert cb.ids() == ["topic", "topic.example"]
    for field in ("inclusion", "exclusion", "color", "source", "properties", "keywords",
                  "exclude_keywords", "examples", "children", "references"):
        assert f"# {field}:" in CODEBOOK_TEMPLATE or f"{field}:" in CODEBOOK_TEMPLATE, field


def test_transcripts_keep_single_use_speakers_when_read_back(tmp_path):
    text = "Dan: How did it start?\nAnna: With a webinar.\nBen: hello fine\nAnna: then more.\n"
    corpus = qc.Corpus.from_texts({"one": text}, interviewer=["Dan"])
    front = speaker_front_matter(corpus, "one")
    assert front == {"case": "one", "speakers": ["Dan", "Anna", "Ben"], "interviewer": ["Dan"]}
    written = transcript_file_text(corpus, "one")
    assert yaml.safe_load(written.split("---\n")[1]) == front
    write_planned(planned_transcripts(corpus, tmp_path / "t"))
    back = qc.load_transcripts(tmp_path / "t").segments
    cols = ["speaker", "start", "end", "is_interviewer"]
    assert back[cols].values.tolist() == corpus.segments[cols].values.tolist()
    with pytest.raises(OutputExistsError):
        write_planned(planned_transcripts(corpus, tmp_path / "t"))
