"""qualcode.yaml: what is written reads back the same; a bad key names the file and the key."""
from __future__ import annotations

import pytest

from qualcode.errors import ProjectError
from qualcode.project_settings import ProjectSettings


def test_written_settings_read_back_the_same(tmp_path):
    s = ProjectSettings(name="Onboarding", transcripts=["transcripts/"], cases="cases.csv",
                        codebook="codebook.yaml", unit="paragraph", interviewer=["Dan"],
                        speakers=["Anna", "Ben"], reference_coder="ME", blind=True)
    path = tmp_path / "qualcode.yaml"
    path.write_text(s.to_yaml(), encoding="utf-8")
    assert ProjectSettings.load(path) == s


def test_blind_unset_is_written_as_a_comment_and_reads_back_unset(tmp_path):
    path = tmp_path / "qualcode.yaml"
    path.write_text(ProjectSettings(name="x").to_yaml(), encoding="utf-8")
    text = path.read_text(encoding="utf-8")
    assert "# blind:" in text and "\nblind:" not in text
    assert ProjectSettings.load(path).blind is None


@pytest.mark.parametrize("data, place", [({"colour": "red"}, "key colour"),
                                         ({"unit": "page"}, "key unit"),
                                         ({"blind": "yes"}, "key blind")])
def test_a_bad_key_names_the_file_and_the_key(data, place):
    with pytest.raises(ProjectError) as e:
        ProjectSettings.from_dict(data, file="qualcode.yaml")
    assert place in str(e.value) and "qualcode.yaml" in str(e.value)
