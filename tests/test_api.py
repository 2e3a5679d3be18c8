"""The HTTP API through an in-process client: health, search, docs, asking and streaming,
with every status code and error."""

import json

import pytest
from fastapi.testclient import TestClient

from rag.api.app import create_app
from rag.config import Settings
from rag.services import Services
from tests.support import assert_error, parse_sse

AUTH = {"Authorization": "Bearer s3cret-token"}
TEHRAN = "Why did Tehran rebuff Baghdad?"


# --- health, search, docs -------------------------------------------------------------


def test_health_reports_counts_and_model(client):
    body = client.get("/api/health").json()
    assert body["status"] == "ok" and body["index_loaded"] is True
    assert body["documents"] == 5 and body["passages"] > 40
    assert body["model"] == "sentence-transformers/all-MiniLM-L6-v2 (int8 ONNX)"


def test_search_returns_ranked_passages(client):
    response = client.get("/api/search", params={"q": "why did Tehran rebuff Baghdad", "k": 3})
    assert response.status_code == 200
    hits = response.json()["hits"]
    assert len(hits) == 3 and any("their own decision" in h["text"] for h in hits)


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({}, "q"),
        ({"q": ""}, "q"),
        ({"q": "x", "k": 0}, "k"),
        ({"q": "x", "k": "many"}, "k"),
        ({"q": "x" * 2001}, "q"),
    ],
)
def test_invalid_search_parameters_get_one_error_shape(client, params, field):
    error = assert_error(client.get("/api/search", params=params), 422, "validation_error")
    assert error["field"] == field


def test_unknown_route_and_method_use_the_same_shape(client):
    assert_error(client.get("/api/nope"), 404, "not_found")
    assert_error(client.post("/api/health"), 405, "method_not_allowed")


def test_page_docs_and_schema_are_served_offline_with_security_headers(client):
    page = client.get("/")
    assert page.status_code == 200 and "<script" in page.text
    csp = page.headers["content-security-policy"]
    assert (
        "script-src 'self'" in csp
        and "unsafe-inline" not in csp.split("script-src")[1].split(";")[0]
    )
    assert page.headers["x-content-type-options"] == "nosniff"
    assert page.headers["referrer-policy"] == "no-referrer"
    docs = client.get("/docs")
    assert docs.status_code == 200 and "/docs-assets/swagger-ui-bundle.js" in docs.text
    assert "cdn" not in docs.text.lower()
    assert client.get("/docs-assets/swagger-ui-bundle.js").status_code == 200
    paths = client.get("/openapi.json").json()["paths"]
    assert {
        "/api/ask",
        "/api/ask/stream",
        "/api/search",
        "/api/passages/{passage_id}",
        "/api/documents",
        "/api/documents/{document_id}",
        "/v1/chat/completions",
        "/v1/models",
        "/api/health",
    } <= set(paths)


def test_missing_index_gives_503_with_the_fix(tmp_path, embedder):
    settings = Settings(index_dir=tmp_path / "none")
    services = Services.load(settings, embedder=embedder)
    with TestClient(create_app(settings, services=services)) as client:
        health = client.get("/api/health").json()
        assert health["index_loaded"] is False and "rag index" in health["error"]
        for response in (
            client.get("/api/search", params={"q": "x"}),
            client.post("/api/ask", json={"question": "x"}),
            client.get("/api/documents"),
        ):
            assert "rag index" in assert_error(response, 503, "index_missing")["message"]


# --- ask and stream -----------------------------------------------------------------------


def test_ask_returns_the_answer_contract(client):
    body = client.post("/api/ask", json={"question": TEHRAN}).json()
    assert set(body) == {
        "question",
        "standalone_question",
        "answer",
        "abstained",
        "mode",
        "sentences",
        "citations",
        "conflicts",
        "timings_ms",
    }
    assert body["mode"] == "extractive" and not body["abstained"]
    assert body["conflicts"] == []  # the three outlets agree
    citation = body["citations"][0]
    assert "their own decision" in citation["quote"] and citation["also_reported_by"]
    document = client.get(f"/api/documents/{citation['document_id']}").json()
    assert document["text"][citation["start"] : citation["end"]] == citation["quote"]


def test_ask_with_history_answers_the_follow_up(client):
    history = [
        {"role": "user", "content": "Which Iraqi groups are leading the attacks on Israel?"},
        {"role": "assistant", "content": "Kata’ib Hizbollah and Harakat Hizbollah al-Nujaba [1]."},
    ]
    body = client.post(
        "/api/ask", json={"question": "When was the first one founded?", "history": history}
    ).json()
    assert "Kata’ib Hizbollah" in body["standalone_question"] and "2003" in body["answer"]


@pytest.mark.parametrize(
    ("payload", "field"),
    [
        ({"question": ""}, "question"),
        ({"question": "   "}, "question"),
        ({"question": "x" * 2001}, "question"),
        ({}, "question"),
        ({"question": 5}, "question"),
        ({"question": "x", "top_k": 0}, "top_k"),
        ({"question": "x", "top_k": 21}, "top_k"),
        ({"question": "x", "mode": "poetic"}, "mode"),
        ({"question": "x", "history": [{"role": "system", "content": "y"}]}, "history.0.role"),
        ({"question": "x", "history": [{"role": "user", "content": "y"}] * 21}, "history"),
    ],
)
def test_invalid_questions_name_the_field(client, payload, field):
    error = assert_error(client.post("/api/ask", json=payload), 422, "validation_error")
    assert error["field"] == field


def test_invalid_json_and_oversized_bodies(client):
    assert_error(
        client.post("/api/ask", content=b"{not json", headers={"content-type": "application/json"}),
        422,
        "validation_error",
    )
    big = json.dumps({"question": "x", "history": [{"role": "user", "content": "y" * 5000}] * 250})
    assert_error(
        client.post("/api/ask", content=big, headers={"content-type": "application/json"}),
        413,
        "payload_too_large",
    )


def test_generative_mode_is_refused_when_no_model_is_configured(client):
    error = assert_error(
        client.post("/api/ask", json={"question": TEHRAN, "mode": "generative"}),
        422,
        "generative_disabled",
    )
    assert "RAG_GENERATOR" in error["message"]


def test_generative_mode_with_a_missing_model_file_is_503(api_settings, embedder, tmp_path):
    settings = api_settings.model_copy(
        update={"generator": "llamacpp", "generator_model": tmp_path / "x.gguf"}
    )
    with TestClient(
        create_app(settings, services=Services.load(settings, embedder=embedder))
    ) as client:
        error = assert_error(
            client.post("/api/ask", json={"question": TEHRAN, "mode": "generative"}),
            503,
            "model_unavailable",
        )
        assert "install_models.sh" in error["message"]


def test_stream_reassembles_into_the_same_answer(client):
    plain = client.post("/api/ask", json={"question": TEHRAN}).json()
    response = client.post("/api/ask/stream", json={"question": TEHRAN})
    assert response.status_code == 200 and response.headers["content-type"].startswith(
        "text/event-stream"
    )
    events = parse_sse(response.text)
    names = [name for name, _ in events]
    assert names[0] == "sources" and names[-1] == "answer" and "delta" in names
    streamed = "".join(data["text"] for name, data in events if name == "delta")
    final = events[-1][1]
    assert streamed == final["answer"] == plain["answer"]
    assert final["citations"] == plain["citations"]
    assert {s["passage_id"] for s in events[0][1]["sources"]} == {
        c["passage_id"] for c in plain["citations"]
    }


def test_stream_validation_errors_come_before_the_stream(client):
    assert_error(client.post("/api/ask/stream", json={"question": ""}), 422, "validation_error")


def test_unanswerable_question_abstains(client):
    body = client.post(
        "/api/ask", json={"question": "What was Iraq's GDP growth rate in 2024?"}
    ).json()
    assert body["abstained"] is True and body["citations"] == []
