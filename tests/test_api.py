"""Every endpoint, status code and error of the HTTP API, through an in-process client."""

import json

import pytest
from fastapi.testclient import TestClient

from rag.api.app import create_app
from rag.config import Settings
from rag.services import Services

AUTH = {"Authorization": "Bearer s3cret-token"}
TEHRAN = "Why did Tehran rebuff Baghdad?"


@pytest.fixture
def client(api_settings: Settings, embedder):
    services = Services.load(api_settings, embedder=embedder)
    with TestClient(create_app(api_settings, services=services)) as test_client:
        yield test_client


def assert_error(response, status: int, code: str) -> dict:
    assert response.status_code == status, response.text
    body = response.json()
    assert set(body) == {"error"} and body["error"]["code"] == code
    assert (
        body["error"]["message"]
        and "Traceback" not in response.text
        and "/work/" not in response.text
    )
    return body["error"]


def parse_sse(text: str) -> list[tuple[str, dict]]:
    events = []
    for block in text.strip().split("\n\n"):
        lines = dict(line.split(": ", 1) for line in block.split("\n"))
        events.append((lines["event"], json.loads(lines["data"])))
    return events


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


# --- citation look-ups ---------------------------------------------------------------------


def test_passage_lookup_has_offsets_metadata_and_neighbours(client):
    body = client.get("/api/passages/000_9333b7dd7e7da588-p001").json()
    assert body["previous_passage_id"] == "000_9333b7dd7e7da588-p000"
    assert body["next_passage_id"] == "000_9333b7dd7e7da588-p002"
    assert body["document"]["outlet"] == "Kurdistan 24"
    first = client.get("/api/passages/000_9333b7dd7e7da588-p000").json()
    assert first["previous_passage_id"] is None


def test_document_list_and_detail_with_highlight(client):
    documents = client.get("/api/documents").json()["documents"]
    assert len(documents) == 5 and all(d["passages"] > 0 and d["characters"] > 0 for d in documents)
    citation = client.post("/api/ask", json={"question": TEHRAN}).json()["citations"][0]
    detail = client.get(
        f"/api/documents/{citation['document_id']}",
        params={"start": citation["start"], "end": citation["end"]},
    ).json()
    assert detail["highlight"]["text"] == citation["quote"]
    assert detail["highlight"]["context_before"] and detail["highlight"]["context_after"]
    assert detail["passage_spans"][0]["start"] == 0
    assert client.get(f"/api/documents/{citation['document_id']}").json()["highlight"] is None


@pytest.mark.parametrize(
    "path",
    [
        "/api/passages/nope",
        "/api/passages/..%2F..%2Fetc%2Fpasswd",
        "/api/documents/nope",
        "/api/documents/..%2F..%2Fetc%2Fpasswd",
        "/api/documents/%00",
    ],
)
def test_unknown_and_malformed_ids_are_404(client, path):
    assert_error(client.get(path), 404, "not_found")


@pytest.mark.parametrize(
    "params",
    [{"start": 10}, {"start": 50, "end": 10}, {"start": 0, "end": 10**9}, {"start": -1, "end": 5}],
)
def test_bad_highlight_ranges_are_422(client, params):
    response = client.get("/api/documents/000_9333b7dd7e7da588", params=params)
    assert response.status_code == 422 and response.json()["error"]["message"]


# --- document management -------------------------------------------------------------------


ARTICLE = {
    "title": "Dust storm shuts Basra port",
    "text": "A dust storm closed the port of Umm Qasr near Basra on Tuesday, port officials said. "
    "Ships waited offshore for two days before the docks reopened.",
    "outlet": "Gulf Wire",
}


def test_writes_are_disabled_without_a_token(api_settings, embedder):
    settings = api_settings.model_copy(update={"api_token": None})
    with TestClient(
        create_app(settings, services=Services.load(settings, embedder=embedder))
    ) as client:
        assert_error(
            client.post("/api/documents", json=ARTICLE, headers=AUTH), 403, "writes_disabled"
        )
        assert_error(
            client.delete("/api/documents/000_9333b7dd7e7da588", headers=AUTH),
            403,
            "writes_disabled",
        )


@pytest.mark.parametrize(
    ("headers", "status", "code"),
    [
        ({}, 401, "unauthorized"),
        ({"Authorization": "Basic czNjcmV0"}, 401, "unauthorized"),
        ({"Authorization": "Bearer wrong"}, 403, "forbidden"),
        ({"Authorization": "Bearer s3cret-token-and-more"}, 403, "forbidden"),
    ],
)
def test_token_rules(client, headers, status, code):
    assert_error(client.post("/api/documents", json=ARTICLE, headers=headers), status, code)
    assert_error(
        client.delete("/api/documents/000_9333b7dd7e7da588", headers=headers), status, code
    )
    assert len(client.get("/api/documents").json()["documents"]) == 5


def test_add_then_ask_cites_it_then_delete_and_never_again(client):
    added = client.post("/api/documents", json=ARTICLE, headers=AUTH)
    assert added.status_code == 201
    body = added.json()
    document_id = body["document_id"]
    assert not body["duplicate"] and body["passages"] and body["document"]["outlet"] == "Gulf Wire"
    again = client.post("/api/documents", json=ARTICLE, headers=AUTH)
    assert (
        again.status_code == 200
        and again.json()["duplicate"]
        and again.json()["document_id"] == document_id
    )
    answer = client.post("/api/ask", json={"question": "What closed the port of Umm Qasr?"}).json()
    assert document_id in {c["document_id"] for c in answer["citations"]}
    deleted = client.delete(f"/api/documents/{document_id}", headers=AUTH)
    assert deleted.status_code == 200 and deleted.json() == {"deleted": document_id, "documents": 5}
    answer = client.post("/api/ask", json={"question": "What closed the port of Umm Qasr?"}).json()
    assert document_id not in {c["document_id"] for c in answer["citations"]}
    hits = client.get("/api/search", params={"q": "dust storm Umm Qasr", "k": 50}).json()["hits"]
    assert all(h["document_id"] != document_id for h in hits)
    assert_error(client.delete(f"/api/documents/{document_id}", headers=AUTH), 404, "not_found")


def test_upload_files(client):
    html = b"<html><head><title>Port news</title></head><body><script>alert(1)</script><p>Fog closed Basra airport on Friday. Flights resumed on Saturday.</p></body></html>"
    response = client.post(
        "/api/documents",
        files={"file": ("story.html", html, "text/html")},
        data={"outlet": "Basra Daily"},
        headers=AUTH,
    )
    assert response.status_code == 201, response.text
    document = client.get(f"/api/documents/{response.json()['document_id']}").json()
    assert document["title"] == "Port news" and document["outlet"] == "Basra Daily"
    assert "alert" not in document["text"]
    assert_error(
        client.post(
            "/api/documents",
            files={"file": ("x.pdf", b"%PDF-1.4", "application/pdf")},
            headers=AUTH,
        ),
        415,
        "unsupported_media_type",
    )
    assert_error(
        client.post(
            "/api/documents", files={"file": ("empty.txt", b"", "text/plain")}, headers=AUTH
        ),
        422,
        "invalid_input",
    )
    assert_error(
        client.post(
            "/api/documents", content=b"hello", headers={**AUTH, "content-type": "text/plain"}
        ),
        415,
        "unsupported_media_type",
    )
    assert_error(
        client.post("/api/documents", json={"title": "x"}, headers=AUTH), 422, "invalid_input"
    )


def test_changes_persist_across_a_restart(api_settings, embedder):
    services = Services.load(api_settings, embedder=embedder)
    with TestClient(create_app(api_settings, services=services)) as client:
        added = client.post("/api/documents", json=ARTICLE, headers=AUTH).json()["document_id"]
        assert client.delete("/api/documents/004_e552daac84679f61", headers=AUTH).status_code == 200
    restarted = Services.load(api_settings, embedder=embedder)
    with TestClient(create_app(api_settings, services=restarted)) as client:
        ids = {d["document_id"] for d in client.get("/api/documents").json()["documents"]}
        assert added in ids and "004_e552daac84679f61" not in ids


def test_cors_is_closed_by_default_and_configurable(client, api_settings, embedder):
    preflight = {"Origin": "https://evil.example", "Access-Control-Request-Method": "POST"}
    assert (
        "access-control-allow-origin" not in client.options("/api/ask", headers=preflight).headers
    )
    settings = api_settings.model_copy(update={"cors_origins": ["https://app.example"]})
    with TestClient(
        create_app(settings, services=Services.load(settings, embedder=embedder))
    ) as open_client:
        response = open_client.options(
            "/api/ask", headers={**preflight, "Origin": "https://app.example"}
        )
        assert response.headers["access-control-allow-origin"] == "https://app.example"
