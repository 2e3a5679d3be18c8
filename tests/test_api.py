import pytest
from fastapi.testclient import TestClient

from rag.api.app import create_app
from rag.config import Settings
from rag.services import Services


@pytest.fixture
def client(settings: Settings, embedder):
    services = Services.load(settings, embedder=embedder)
    with TestClient(create_app(settings, services=services)) as test_client:
        yield test_client


def assert_error(response, status: int, code: str) -> dict:
    assert response.status_code == status, response.text
    body = response.json()
    assert set(body) == {"error"} and body["error"]["code"] == code
    assert body["error"]["message"] and "Traceback" not in response.text
    return body["error"]


def test_health_reports_counts_and_model(client):
    body = client.get("/api/health").json()
    assert body["status"] == "ok" and body["index_loaded"] is True
    assert body["documents"] == 5 and body["passages"] > 40
    assert body["model"] == "sentence-transformers/all-MiniLM-L6-v2"


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


def test_whitespace_query_is_invalid(client):
    assert_error(client.get("/api/search", params={"q": "   "}), 422, "invalid_input")


def test_unknown_route_and_method_use_the_same_shape(client):
    assert_error(client.get("/api/nope"), 404, "not_found")
    assert_error(client.post("/api/health"), 405, "method_not_allowed")


def test_chat_page_is_served_at_root(client):
    response = client.get("/")
    assert response.status_code == 200 and '<form id="search-form"' in response.text


def test_missing_index_gives_503_with_the_fix(tmp_path, embedder):
    settings = Settings(index_dir=tmp_path / "none")
    services = Services.load(settings, embedder=embedder)
    with TestClient(create_app(settings, services=services)) as client:
        health = client.get("/api/health").json()
        assert health["index_loaded"] is False and "rag index" in health["error"]
        error = assert_error(client.get("/api/search", params={"q": "x"}), 503, "index_missing")
        assert "rag index" in error["message"]


def test_openapi_documents_the_endpoints(client):
    paths = client.get("/openapi.json").json()["paths"]
    assert {"/api/health", "/api/search"} <= set(paths)
