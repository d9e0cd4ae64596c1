"""Shared fixtures: paths to the repository, the shared data beside it, and the bundled sample."""
from __future__ import annotations

import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent))  # for `from helpers import ...`

REPO = Path(__file__).resolve().parents[1]
SHARED = REPO.parent / "shared"


@pytest.fixture(scope="session")
def repo() -> Path:
    return REPO


@pytest.fixture(scope="session")
def shared() -> Path:
    if not SHARED.exists():
        pytest.skip("../shared is not beside the repository")
    return SHARED


@pytest.fixture(scope="session")
def nlp():
    """The sentence pipeline the corpus uses for unit="sentence", built once."""
    from qualcode.corpus import sentence_pipeline

    return sentence_pipeline()
