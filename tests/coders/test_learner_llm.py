"""The project learner's chat model (coders/learner_llm.py) against an in-process
OpenAI-compatible stub server: asked about the least certain passages, measured on hand-coded
ones, cached by content; a remote server without consent is refused before anything is sent."""
from __future__ import annotations

from .learner_stub import ChatStub
from .test_learner import book, learn, make_study, options  # noqa: F401 (book: fixture)
from .test_semantic import fake  # noqa: F401 (fixture)


def test_the_chat_model_is_asked_measured_and_cached(book, fake, tmp_path):
    corpus, human = make_study()
    part = human[human["document"].isin(["doc0", "doc1"])]
    with ChatStub() as stub:
        llm = {"url": stub.url, "model": "stub-1", "budget": 8, "cache_dir": tmp_path / "llm"}
        res = learn(corpus, book, part, llm=llm, **options(fake))
        info = res["llm"]
        assert info["error"] is None and info["asked"] == 8 and info["measured_on"] == 8
        assert info["kappa"] is not None
        sent = stub.requests
        # 8 uncertain + 8 hand-coded passages, each distinct text asked once (the cache)
        asked = len(sent)
        assert 0 < asked <= 16 and {r["path"] for r in sent} == {"/v1/chat/completions"}
        assert sent[0]["body"]["model"] == "stub-1" and sent[0]["body"]["messages"][0]["role"] == "system"
        llm_sugg = res["llm_suggestions"]
        assert len(llm_sugg) and set(llm_sugg["code"]) == {"roi"}
        assert llm_sugg["memo"].str.startswith("stub-1: ").all()  # the model's name and evidence
        assert not llm_sugg["document"].isin(["doc0", "doc1"]).any()  # not on the coded spans
        # a second retrain asks nothing new: answers are cached by content
        learn(corpus, book, part, llm=llm, **options(fake))
        assert len(stub.requests) == asked


def test_a_remote_chat_server_without_consent_is_never_asked(book, fake):
    corpus, human = make_study()
    res = learn(corpus, book, human.head(4), llm={"url": "https://llm.example.com/v1"},
                **options(fake))
    assert "not on this machine" in res["llm"]["error"] and "sent" in res["llm"]["error"]
    assert res["llm_suggestions"].empty
