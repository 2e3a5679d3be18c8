"""The OpenAI-compatible `/v1` endpoint in generative mode, through the `openai` client,
with a scripted chat model (our own Generator protocol, deterministic): the same content
and the same citation markers whether the reply is streamed or not."""

from __future__ import annotations

import pytest

from rag.answer.generative import GenerativeAnswerer
from rag.wire.answers import AnswerSentence, SourcesEvent, answer_deltas, answer_text, cited_text
from tests.support import ScriptedGenerator

TEHRAN = "Why did Tehran rebuff Baghdad?"


@pytest.fixture
def ask_v1(api_settings, embedder):
    """ask_v1(reply) -> (non-streamed content, streamed content) of /v1/chat/completions for
    TEHRAN when the chat model replies `reply`; `reply` may be a function of the sources."""
    from fastapi.testclient import TestClient
    from openai import OpenAI

    from rag.api.app import create_app
    from rag.services import Services

    def ask(reply):
        settings = api_settings.model_copy(update={"generator": "openai"})
        services = Services.load(settings, embedder=embedder)
        if callable(reply):
            probe = GenerativeAnswerer(services.snapshot.answerer, ScriptedGenerator("x"))
            sources = next(e for e in probe.stream(TEHRAN) if isinstance(e, SourcesEvent))
            reply = reply(sources.sources)
        services = Services.load(settings, embedder=embedder, generator=ScriptedGenerator(reply))
        with TestClient(create_app(settings, services=services)) as http:
            client = OpenAI(base_url="http://testserver/v1", api_key="x", http_client=http)
            messages = [{"role": "user", "content": TEHRAN}]
            plain = client.chat.completions.create(model="rag-generative", messages=messages)
            stream = client.chat.completions.create(
                model="rag-generative", messages=messages, stream=True
            )
            streamed = "".join(chunk.choices[0].delta.content or "" for chunk in stream)
        return plain.choices[0].message.content, streamed

    return ask


def test_openai_clients_get_the_same_markers_streamed_and_not(ask_v1):
    """One citation formatter: the same "… [n]" whether the OpenAI client streams or not."""
    reply = (
        "Tehran said the armed groups have their own decision on how to support "
        "their brothers in Lebanon and Gaza [1][2][3]."
    )
    content, streamed = ask_v1(reply)
    assert content == streamed and content.endswith("Gaza. [1]")
    two = AnswerSentence(text="Both outlets said so.", citations=[1, 2])
    assert cited_text(two) == "Both outlets said so. [1][2]"
    assert "".join(answer_deltas([two, two])) == answer_text([two, two])


def test_a_sentence_citing_two_sources_reads_1_2_streamed_and_not(ask_v1):
    """A generated sentence that two sources support keeps both: "… Tehran. [1][2]"."""

    def reply(sources):
        cold = next(s.n for s in sources if "cold reception" in s.text)
        visits = next(s.n for s in sources if "Two visits to Iran" in s.text)
        assert cold != visits
        return (
            "Two visits to Iran by Iraq's top security officials seeking Tehran's help to rein "
            "in its allied Iraqi factions failed, and the Iraqi delegation received a cold "
            f"reception in Tehran [{cold}][{visits}]."
        )

    content, streamed = ask_v1(reply)
    assert content.endswith("cold reception in Tehran. [1][2]"), content
    assert streamed == content
