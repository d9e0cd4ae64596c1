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


def pytest_collection_modifyitems(config, items):
    """The ``llm`` group (a real llama.cpp server) runs only when asked for by name
    (``-m llm``); any other selection, ``-m "not slow"`` included, leaves it out. (An ``-m 'not
    llm'`` in addopts would be replaced by the contributor's own ``-m``.)"""
    if "llm" in (config.option.markexpr or ""):
        return
    keep, drop = [], []
    for item in items:
        (drop if item.get_closest_marker("llm") else keep).append(item)
    if drop:
        config.hook.pytest_deselected(items=drop)
        items[:] = keep
