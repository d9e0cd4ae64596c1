"""qualcode.nlp: the lemma table without a pipeline, and spaCy imported without PyTorch."""
from __future__ import annotations

import importlib.util
import subprocess
import sys

import pytest

from qualcode.nlp import lemma_lookup_table, load_pipeline


def test_lemma_table_is_the_lookup_lemmatizers_table():
    table = lemma_lookup_table()
    lemmatizer = load_pipeline().get_pipe("lemmatizer").lookups.get_table("lemma_lookup")
    for word in ("measured", "relationships", "went", "built", "roi"):
        assert table.get(word, word) == lemmatizer.get(word, word)
    assert table.get("measured") == "measure" and table.get("went") == "go"


@pytest.mark.slow  # over 2 s: end to end (the full suite runs it)
@pytest.mark.skipif(importlib.util.find_spec("torch") is None, reason="PyTorch is not installed")
def test_thinc_without_torch_leaves_torch_importable():
    code = (
        "import sys\n"
        "from qualcode.nlp import thinc_without_torch\n"
        "thinc_without_torch()\n"
        "import spacy, thinc.compat\n"
        "assert 'torch' not in sys.modules and thinc.compat.has_torch is False\n"
        "spacy.blank('en')('a blank pipeline still works')\n"
        "import torch\n"
        "print(float(torch.ones(3).sum()))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=300)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "3.0"
