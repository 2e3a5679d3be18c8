"""The app under a real uvicorn server: the `openai` client, curl-style SSE, and a
schema-driven fuzz run that must find no 5xx."""

from __future__ import annotations

import httpx
import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings

QUESTION = "Why did Tehran rebuff Baghdad?"


@pytest.fixture(scope="module")
def openai_client(live_server):
    from openai import OpenAI

    return OpenAI(base_url=f"{live_server}/v1", api_key="not-needed", max_retries=0)


def test_openai_client_lists_models(openai_client):
    # No chat model is configured on this server, so only the extractive mode is offered.
    assert {m.id for m in openai_client.models.list()} == {"rag-extractive"}


def test_openai_client_gets_an_answer_with_citations(openai_client):
    reply = openai_client.chat.completions.create(
        model="rag-extractive", messages=[{"role": "user", "content": QUESTION}]
    )
    content = reply.choices[0].message.content
    assert "their own decision" in content and "[1]" in content
    extra = reply.model_extra or {}
    assert (
        extra["citations"][0]["n"] == 1 and "their own decision" in extra["citations"][0]["quote"]
    )


def test_openai_client_streams_the_same_answer_with_citations(openai_client):
    plain = openai_client.chat.completions.create(
        model="rag-extractive", messages=[{"role": "user", "content": QUESTION}]
    )
    chunks = list(
        openai_client.chat.completions.create(
            model="rag-extractive", messages=[{"role": "user", "content": QUESTION}], stream=True
        )
    )
    text = "".join(c.choices[0].delta.content or "" for c in chunks if c.choices)
    assert text == plain.choices[0].message.content
    last = chunks[-1]
    assert last.choices[0].finish_reason == "stop"
    assert (last.model_extra or {})["citations"] == (plain.model_extra or {})["citations"]


def test_openai_follow_up_uses_earlier_messages(openai_client):
    reply = openai_client.chat.completions.create(
        model="rag-extractive",
        messages=[
            {"role": "system", "content": "Be brief."},
            {"role": "user", "content": "Which Iraqi groups are leading the attacks on Israel?"},
            {
                "role": "assistant",
                "content": "Kata’ib Hizbollah and Harakat Hizbollah al-Nujaba [1].",
            },
            {"role": "user", "content": "When was the first one founded?"},
        ],
    )
    assert "2003" in reply.choices[0].message.content


def test_openai_errors_surface_as_api_errors(openai_client):
    from openai import APIStatusError

    with pytest.raises(APIStatusError) as raised:
        openai_client.chat.completions.create(
            model="gpt-9", messages=[{"role": "user", "content": "hi"}]
        )
    assert raised.value.status_code == 422 and "unknown model" in str(raised.value)


def test_sse_stream_reads_line_by_line_like_curl(live_server):
    events = []
    with httpx.stream(
        "POST", f"{live_server}/api/ask/stream", json={"question": QUESTION}, timeout=30
    ) as r:
        assert r.headers["content-type"].startswith("text/event-stream")
        for line in r.iter_lines():
            if line.startswith("event: "):
                events.append(line.removeprefix("event: "))
    assert events[0] == "sources" and events[-1] == "answer" and "delta" in events


def test_fuzzed_requests_never_get_a_server_error(live_server):
    """Schema-driven fuzzing of every operation (bounded examples each), with a wrong token
    so writes exercise the refusal paths: no 5xx, and every error in the one shape."""
    schema = schemathesis.openapi.from_url(f"{live_server}/openapi.json")
    operations = [result.ok() for result in schema.get_all_operations()]
    assert len(operations) >= 9

    for operation in operations:

        @given(case=operation.as_strategy())
        @settings(
            max_examples=20, deadline=None, database=None, suppress_health_check=list(HealthCheck)
        )
        def check(case):
            response = case.call(headers={"Authorization": "Bearer wrong-token"}, timeout=30)
            assert response.status_code < 500, (case.method, case.path, response.text[:300])
            if response.status_code >= 400:
                assert set(response.json()) == {"error"}, response.text[:300]

        check()


def test_concurrent_reads_and_a_write_are_all_served(live_server):
    """Sixteen clients ask, stream and search while an article is added and removed: every
    request succeeds and readers see the old or the new index, never a broken one."""
    from concurrent.futures import ThreadPoolExecutor

    auth = {"Authorization": "Bearer s3cret-token"}
    article = {
        "title": "Concurrency probe",
        "text": "A probe article about Basra harbour cranes. It was added mid-load.",
    }

    def read(i: int) -> int:
        with httpx.Client(base_url=live_server, timeout=60) as client:
            if i % 3 == 0:
                return client.post("/api/ask", json={"question": QUESTION}).status_code
            if i % 3 == 1:
                return client.post("/api/ask/stream", json={"question": QUESTION}).status_code
            return client.get("/api/search", params={"q": "Basra harbour cranes"}).status_code

    def write() -> list[int]:
        with httpx.Client(base_url=live_server, timeout=60) as client:
            added = client.post("/api/documents", json=article, headers=auth)
            removed = client.delete(f"/api/documents/{added.json()['document_id']}", headers=auth)
            return [added.status_code, removed.status_code]

    with ThreadPoolExecutor(max_workers=16) as pool:
        writer = pool.submit(write)
        statuses = list(pool.map(read, range(48)))
    assert statuses == [200] * 48
    assert writer.result() == [201, 200]
    assert httpx.get(f"{live_server}/api/health").json()["documents"] == 5
