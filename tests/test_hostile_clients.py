"""Regression tests for what a hostile client found (issue 11), its requests: inputs at
realistic sizes (about a 1 MiB body) get a 4xx in the one error shape, quickly, and the
server stays healthy. The articles it sent: test_hostile_articles.py.

Limits are generous (tens of seconds where the old code took minutes or hours), so the
tests check complexity, not the machine's speed."""

from __future__ import annotations

import json

import httpx
import pytest
from fastapi.testclient import TestClient

from rag import limits
from rag.api.app import create_app
from rag.services import Services
from tests.support import AUTH, TEHRAN, TOKEN, error_of, timed

GENEROUS_S = 30.0


# B. A run of spaces in a chat history froze the server (quadratic marker stripping).
def test_a_megabyte_of_spaces_in_a_chat_message_is_refused_fast_and_the_server_stays_up(
    live_server,
):
    messages = [
        {"role": "user", "content": "Which groups attacked?"},
        {"role": "assistant", "content": " " * 1_000_000 + "x"},
        {"role": "user", "content": TEHRAN},
    ]
    body = json.dumps({"messages": messages})
    assert len(body) < 1_048_576  # under the body limit: the message cap must catch it
    response, seconds = timed(
        lambda: httpx.post(
            f"{live_server}/v1/chat/completions",
            content=body,
            headers={"content-type": "application/json"},
            timeout=120,
        )
    )
    error = error_of(response, 422)
    assert str(limits.TURN_CHARS) in error["message"] and seconds < GENEROUS_S
    assert httpx.get(f"{live_server}/api/health", timeout=GENEROUS_S).json()["status"] == "ok"


def test_many_short_spaced_turns_within_the_caps_still_answer(live_server):
    """Inside the caps: 40 messages of 7,999 characters, mostly spaces, answer quickly."""
    filler = " " * 7_990 + "x [1] [2]"
    messages = [
        {"role": role, "content": filler} for role in ("user", "assistant") for _ in range(20)
    ][:40] + [{"role": "user", "content": TEHRAN}]
    response, seconds = timed(
        lambda: httpx.post(
            f"{live_server}/v1/chat/completions", json={"messages": messages}, timeout=120
        )
    )
    assert response.status_code == 200, response.text[:300]
    assert seconds < GENEROUS_S


def test_parts_that_add_up_past_the_turn_limit_are_refused(client):
    parts = [{"type": "text", "text": "y" * 5000}] * 3
    body = {"messages": [{"role": "user", "content": parts}]}
    error_of(client.post("/v1/chat/completions", json=body), 422)


# D1. Deeply nested JSON crashed the upload route with a RecursionError (500).
@pytest.mark.parametrize("path", ["/api/documents", "/api/ask", "/v1/chat/completions"])
def test_deeply_nested_json_is_a_client_error(client, path):
    body = b"[" * 100_000 + b"]" * 100_000
    response = client.post(path, content=body, headers={**AUTH, "content-type": "application/json"})
    assert 400 <= response.status_code < 500 and set(response.json()) == {"error"}
    assert client.get("/api/health").json()["status"] == "ok"


# D2. A lone surrogate reached the tokenizer (500), and broke a started stream.
LONE_SURROGATE = b'"Why did Tehran \\ud800 rebuff Baghdad?"'


@pytest.mark.parametrize(
    "body",
    [
        b'{"messages":[{"role":"user","content":' + LONE_SURROGATE + b"}]}",
        b'{"stream":true,"messages":[{"role":"user","content":' + LONE_SURROGATE + b"}]}",
        b'{"messages":[{"role":"user","content":[{"type":"text","text":'
        + LONE_SURROGATE
        + b"}]}]}",
        b'{"messages":[{"role":"user","content":"Who leads it?"},{"role":"assistant",'
        b'"content":"\\udfff Kata\'ib"},{"role":"user","content":"When was it founded?"}]}',
    ],
)
def test_lone_surrogates_are_refused_in_the_error_shape(client, body):
    response = client.post(
        "/v1/chat/completions", content=body, headers={"content-type": "application/json"}
    )
    assert "surrogate" in error_of(response, 422)["message"]


def test_a_failure_inside_a_started_openai_stream_ends_with_an_error_chunk_and_done():
    from rag.api.routes.openai import _completion_stream
    from rag.wire.answers import SourcesEvent

    def failing():
        yield SourcesEvent(sources=[])
        raise TypeError("a bug deep in an answerer")

    chunks = list(_completion_stream(failing(), "rag-extractive"))
    assert chunks[-1] == "data: [DONE]\n\n"
    error = json.loads(chunks[-2].removeprefix("data: "))["error"]
    assert error["code"] == "internal" and "bug" not in error["message"]


# E1. A damaged index told every client the server's file paths.
def test_a_damaged_index_is_reported_without_server_paths(api_settings, embedder):
    passages = api_settings.index_dir / "passages.jsonl"
    with passages.open("a", encoding="utf-8") as handle:
        handle.write('{"tampered": true}\n')
    app = create_app(api_settings, services=Services.load(api_settings, embedder=embedder))
    with TestClient(app) as client:
        health = client.get("/api/health").json()
        ask = error_of(client.post("/api/ask", json={"question": TEHRAN}), 503)
        search = error_of(client.get("/api/search", params={"q": "Tehran"}), 503)
        write = error_of(
            client.post("/api/documents", json={"title": "t", "text": "A b c."}, headers=AUTH), 503
        )
    secret = str(api_settings.index_dir)
    for message in (health["error"], ask["message"], search["message"], write["message"]):
        assert secret not in message and "/" not in message.replace("`rag index`", "")
        assert "damaged" in message and "rag index" in message


# G. Smaller things.
@pytest.mark.parametrize(
    ("method", "path", "allowed"),
    [
        ("GET", "/api/ask", "POST"),
        ("HEAD", "/api/health", "GET"),
        ("GET", "/v1/chat/completions", "POST"),
        ("PUT", "/api/documents/x", "DELETE, GET"),
    ],
)
def test_wrong_methods_on_api_routes_are_405_with_allow(client, method, path, allowed):
    response = client.request(method, path)
    assert response.status_code == 405 and response.headers["allow"] == allowed
    if method != "HEAD":
        assert response.json()["error"]["code"] == "method_not_allowed"


def test_invalid_json_says_so_and_where(client):
    response = client.post(
        "/api/ask", content=b'{"question": "x",}', headers={"content-type": "application/json"}
    )
    message = error_of(response, 422)["message"]
    assert message.startswith("the body is not valid JSON") and "character 17" in message


def test_a_follow_up_after_long_history_stays_within_the_question_limit(client):
    long_answer = "Kata'ib Hizbollah " + "leads the attacks on bases in Iraq and Syria " * 170
    history = [
        {"role": "user", "content": "Who leads the attacks?"},
        {"role": "assistant", "content": long_answer[: limits.TURN_CHARS]},
    ]
    response = client.post("/api/ask", json={"question": "Why?", "history": history})
    assert response.status_code == 200, response.text[:300]
    assert len(response.json()["standalone_question"]) <= limits.QUESTION_CHARS


@pytest.mark.parametrize(
    "header",
    [
        f"Bearer  {TOKEN}",
        f"Bearer\t{TOKEN}",
        f"Bearer {TOKEN} ",
        f"Bearer {TOKEN}\t",
        f"Basic {TOKEN}",
        f"Bearer{TOKEN}",
    ],
)
def test_malformed_authorization_headers_are_refused(client, header):
    response = client.post(
        "/api/documents", json={"title": "t", "text": "A b c."}, headers={"Authorization": header}
    )
    assert response.status_code in (401, 403)


def test_the_token_is_compared_in_constant_time(client, monkeypatch):
    import hmac

    compared = []
    real = hmac.compare_digest

    def recording(a, b):
        compared.append((a, b))
        return real(a, b)

    monkeypatch.setattr(hmac, "compare_digest", recording)
    client.delete("/api/documents/nope", headers={"Authorization": "Bearer wrong"})
    assert (b"wrong", TOKEN.encode()) in compared


def test_an_anonymous_large_body_is_refused_before_it_is_read(client):
    sent = []

    def body():
        for _ in range(40):  # 10 MB in 256 KB pieces, counted as the server pulls them
            sent.append(1)
            yield b"x" * 262_144

    response = client.post(
        "/api/documents", content=body(), headers={"content-type": "application/json"}
    )
    assert error_of(response, 401)["code"] == "unauthorized"
    assert len(sent) < 40


def test_the_page_is_served_from_the_package_whatever_the_working_directory(
    api_settings, embedder, tmp_path, monkeypatch
):
    monkeypatch.chdir(tmp_path)
    settings = api_settings.model_copy(update={"web_dir": None})
    app = create_app(settings, services=Services.load(settings, embedder=embedder))
    with TestClient(app) as client:
        page = client.get("/")
        assert page.status_code == 200 and "<html" in page.text.lower()
        assert client.get("/app.js").status_code == 200
